//! The fake on its own, for a person trying the bot by hand: serve a
//! workspace on a fixed address, say what to export, run until ctrl-c.

use super::{FakeSlack, Workspace};
use std::io::{self, Write};
use std::net::SocketAddr;

/// Serves `workspace` on `addr` (Socket Mode on another port of the same
/// host), writes to `out` the environment a person exports to point the
/// bot at it, and serves until ctrl-c. The tokens and secret printed are
/// the fake's own test values, never real ones.
pub async fn run_standalone(
    addr: SocketAddr,
    workspace: Workspace,
    out: &mut (dyn Write + Send),
) -> io::Result<()> {
    let fake = FakeSlack::start_on(addr, workspace).await?;
    write_instructions(&fake, out)?;
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
