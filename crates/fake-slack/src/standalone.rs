//! The fake on its own, for a person trying the bot by hand: serve a
//! workspace on a fixed address, flaky and rate-limited if asked, say what
//! to export, run until ctrl-c.
//!
//! It serves all the fake serves — the Web API, Socket Mode, the
//! `response_url`s and upload URLs it hands out — but no calendar feed:
//! feeds exist only once published ([`FakeSlack::publish_calendar`]),
//! which the demo and the tests do for the people they make up.

use super::{FakeSlack, Faults, Limits, Workspace};
use std::io::{self, Write};
use std::net::SocketAddr;

/// How unreliable the standalone fake is; by default, not at all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flakiness {
    /// The share of Web API calls that fail, 0 to 1, in the kinds
    /// [`Faults::flaky`] serves.
    pub fault_rate: f64,
    /// The seed the faults are drawn from: the same seed and the same calls
    /// meet the same faults.
    pub seed: u64,
    /// Enforce Slack's rate limits with their clock running this many times
    /// faster ([`Limits::scaled`]); `None` enforces none.
    pub limits_scale: Option<f64>,
}

/// Serves `workspace` on `addr` (Socket Mode on another port of the same
/// host) as flaky as `flakiness` says, writes to `out` the environment a
/// person exports to point the bot at it, and serves until ctrl-c. The
/// tokens and secret printed are the fake's own test values, never real
/// ones.
pub async fn run_standalone(
    addr: SocketAddr,
    workspace: Workspace,
    flakiness: Flakiness,
    out: &mut (dyn Write + Send),
) -> io::Result<()> {
    let fake = FakeSlack::start_on(addr, workspace).await?;
    if flakiness.fault_rate > 0.0 {
        fake.set_faults(Faults::flaky(flakiness.seed, flakiness.fault_rate));
    }
    if let Some(scale) = flakiness.limits_scale {
        fake.enforce_limits(Limits::scaled(scale));
    }
    write_instructions(&fake, out)?;
    write_flakiness(flakiness, out)?;
    let stopped = tokio::signal::ctrl_c().await;
    fake.stop().await;
    stopped
}

/// What to export, one `export NAME=value` line each.
fn write_instructions(fake: &FakeSlack, out: &mut (dyn Write + Send)) -> io::Result<()> {
    writeln!(
        out,
        "Fake Slack is serving its Web API at {}",
        fake.api_url()
    )?;
    writeln!(out, "Point the bot at it with:")?;
    writeln!(out, "  export ALLIANCES_SLACK_API_URL={}", fake.api_url())?;
    writeln!(
        out,
        "  export ALLIANCES_SLACK_BOT_TOKEN={}",
        fake.bot_token()
    )?;
    writeln!(
        out,
        "  export ALLIANCES_SLACK_APP_TOKEN={}",
        fake.app_token()
    )?;
    writeln!(
        out,
        "  export ALLIANCES_SLACK_SIGNING_SECRET={}",
        fake.signing_secret()
    )?;
    out.flush()
}

/// What the fake will do wrong, if anything, then how to stop it.
fn write_flakiness(flakiness: Flakiness, out: &mut (dyn Write + Send)) -> io::Result<()> {
    if flakiness.fault_rate > 0.0 {
        let percent = (flakiness.fault_rate * 1_000.0).round() / 10.0;
        writeln!(
            out,
            "It fails {percent}% of Web API calls (seed {}): a 429 with Retry-After, \
             a 503, an answer 3 s late, a dropped connection, or a connection \
             dropped after the call took effect.",
            flakiness.seed
        )?;
    }
    match flakiness.limits_scale {
        Some(1.0) => writeln!(
            out,
            "It enforces Slack's rate limits: a call over one gets 429 with Retry-After."
        )?,
        Some(scale) => writeln!(
            out,
            "It enforces Slack's rate limits {scale} times faster: a call over one \
             gets 429 with Retry-After."
        )?,
        None => {}
    }
    writeln!(out, "Press ctrl-c to stop.")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[tokio::test]
    async fn the_instructions_name_every_variable_with_the_fakes_values() {
        let workspace = Workspace::new("xoxb-standalone", vec![], vec![]);
        let fake = FakeSlack::start_on((Ipv4Addr::LOCALHOST, 0).into(), workspace)
            .await
            .expect("fake starts");
        let mut out = Vec::new();
        write_instructions(&fake, &mut out).expect("written");
        let text = String::from_utf8(out).expect("UTF-8");
        for line in [
            format!("export ALLIANCES_SLACK_API_URL={}", fake.api_url()),
            "export ALLIANCES_SLACK_BOT_TOKEN=xoxb-standalone".to_owned(),
            "export ALLIANCES_SLACK_APP_TOKEN=xapp-fake-app-token".to_owned(),
            "export ALLIANCES_SLACK_SIGNING_SECRET=fake-signing-secret".to_owned(),
        ] {
            assert!(text.contains(&line), "{line} missing from:\n{text}");
        }
        fake.stop().await;
    }

    fn flakiness_text(flakiness: Flakiness) -> String {
        let mut out = Vec::new();
        write_flakiness(flakiness, &mut out).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn a_reliable_fake_only_says_how_to_stop_it() {
        assert_eq!(
            flakiness_text(Flakiness::default()),
            "Press ctrl-c to stop.\n"
        );
    }

    #[test]
    fn a_flaky_fake_says_how_flaky_and_how_limited() {
        let text = flakiness_text(Flakiness {
            fault_rate: 0.125,
            seed: 9,
            limits_scale: Some(60.0),
        });
        assert!(
            text.contains("fails 12.5% of Web API calls (seed 9)"),
            "{text}"
        );
        assert!(text.contains("rate limits 60 times faster"), "{text}");
        let slack_speed = flakiness_text(Flakiness {
            limits_scale: Some(1.0),
            ..Flakiness::default()
        });
        assert!(
            slack_speed.contains("enforces Slack's rate limits:"),
            "{slack_speed}"
        );
        assert!(!slack_speed.contains("fails"), "{slack_speed}");
    }

    #[tokio::test]
    async fn a_fake_on_every_interface_hands_out_loopback_urls() {
        let workspace = Workspace::new("xoxb-standalone", vec![], vec![]);
        let fake = FakeSlack::start_on((Ipv4Addr::UNSPECIFIED, 0).into(), workspace)
            .await
            .expect("fake starts");
        assert!(
            fake.api_url().starts_with("http://127.0.0.1:"),
            "{}",
            fake.api_url()
        );
        assert!(fake.response_url().starts_with("http://127.0.0.1:"));
        fake.stop().await;
    }
}
