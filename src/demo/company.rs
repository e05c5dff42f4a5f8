//! The demo's company: how it is drawn for a seed, the Slack workspace it
//! is served as, and its life during the simulated weeks (its usual
//! meetings, and nudged people who follow up), logged as `/met` would.
//! It sends nothing: the bot's jobs do.

use super::{DEMO_BOT_TOKEN, DEMO_CHANNEL, DEMO_CHANNEL_ID, Demo, HISTORY_DAYS};
use crate::domain::{Interaction, UserId};
use crate::synthetic::{self, Company, CompanySize};
use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use fake_slack::{FakeChannel, FakeUser, Workspace};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::io::Write;

/// The chance that a nudged person reaches out within a few days.
const FOLLOW_UP_CHANCE: f64 = 0.6;

impl Demo {
    /// The company's day, planned at midnight: its usual meetings, and the
    /// follow-ups of people nudged the day before, a day or three later.
    pub(super) async fn plan_day(
        &mut self,
        day: DateTime<Utc>,
        follow_ups: &mut Vec<(DateTime<Utc>, UserId, UserId)>,
        pending: &mut Vec<Interaction>,
    ) -> anyhow::Result<()> {
        // Some of yesterday's nudged people meet their peer in a day or three.
        for sent in self
            .app
            .store()
            .nudges_sent_since(day - Duration::days(1))
            .await?
        {
            if self.rng.random_bool(FOLLOW_UP_CHANCE) {
                let when = day + Duration::days(self.rng.random_range(0..=2));
                follow_ups.push((when, sent.to, sent.about));
            }
        }
        pending.extend(self.company.meetings_on(&mut self.rng, day));
        let (today, later): (Vec<_>, Vec<_>) =
            follow_ups.drain(..).partition(|(when, _, _)| *when <= day);
        *follow_ups = later;
        for (_, a, b) in today {
            pending.extend(synthetic::meeting(&mut self.rng, &a, &b, day));
        }
        pending.sort_by_key(|meeting| meeting.at);
        Ok(())
    }

    /// Logs the planned meetings that have happened by `now`, as `/met`
    /// would right after each.
    pub(super) async fn log_happened(
        &mut self,
        now: DateTime<Utc>,
        pending: &mut Vec<Interaction>,
    ) -> anyhow::Result<()> {
        let due = pending
            .iter()
            .take_while(|meeting| meeting.at <= now)
            .count();
        if due == 0 {
            return Ok(());
        }
        let store = self.app.store();
        for meeting in pending.drain(..due) {
            store.log_interaction(&meeting).await?;
        }
        store.flush().await?;
        Ok(())
    }
}

/// The demo's company for `seed`: 40–80 people in 6–8 teams, with nine
/// months of history up to `until`.
pub(super) fn demo_company(rng: &mut StdRng, seed: u64, until: DateTime<Utc>) -> Company {
    let size = CompanySize {
        people: rng.random_range(40..=80),
        teams: rng.random_range(6..=8),
        days: HISTORY_DAYS,
    };
    Company::generate(seed, size, until)
}

/// Serves the demo's company for `seed` from a fake Slack at `addr` until
/// ctrl-c, as flaky as `flakiness` says, printing what to export so that
/// `alliances serve` talks to it. Teams are in everyone's "Team" profile
/// field, as on a paid plan.
pub async fn serve_fake_slack(
    addr: std::net::SocketAddr,
    seed: u64,
    flakiness: fake_slack::Flakiness,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let company = demo_company(&mut rng, seed, Utc::now());
    writeln!(
        out,
        "{}: {} people in {} teams.",
        company.name,
        company.people.len(),
        company.teams.len()
    )?;
    fake_slack::run_standalone(addr, workspace(&company), flakiness, out)
        .await
        .with_context(|| format!("serving the fake Slack on {addr}"))
}

/// The company as a Slack workspace: its people (their team in the "Team"
/// profile field), a bot user, and the digest channel. The benchmarks
/// serve it too.
pub fn workspace(company: &Company) -> Workspace {
    let mut users: Vec<FakeUser> = company
        .people
        .iter()
        .map(|p| FakeUser {
            id: p.id.to_string(),
            name: p.handle.clone(),
            real_name: p.real_name.clone(),
            tz: p.tz.clone(),
            team: Some(p.team.to_string()),
            is_bot: false,
            deleted: false,
        })
        .collect();
    users.push(FakeUser {
        id: "UBOT00001".to_owned(),
        name: "alliances".into(),
        real_name: "alliances".into(),
        tz: "UTC".into(),
        team: None,
        is_bot: true,
        deleted: false,
    });
    Workspace::new(
        DEMO_BOT_TOKEN,
        users,
        vec![FakeChannel {
            id: DEMO_CHANNEL_ID.to_owned(),
            name: DEMO_CHANNEL.to_owned(),
        }],
    )
}
