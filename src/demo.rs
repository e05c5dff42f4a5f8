//! `alliances demo`: the real bot against the built-in fake Slack.
//!
//! It generates a synthetic company, serves it from the fake Slack on
//! 127.0.0.1, opens sled in a temporary folder, and runs the real scheduler
//! jobs through the real Slack client over HTTP across a few simulated
//! weeks, while the company goes on meeting (and some people act on their
//! nudges). Its leaders meet in circles and answer the check-in with its
//! buttons, and a lead asks `/alliances allies`, through the bot's signed
//! HTTP routes. It prints what people would have seen, each leaders-first
//! step marked. No account, no network.
//!
//! | file | step |
//! | --- | --- |
//! | `demo.rs` | setting the world up, the hour-by-hour loop, the figures |
//! | `demo/company.rs` | the company, its workspace, and its meetings as weeks pass |
//! | `demo/leaders.rs` | the leaders-first steps: circles answering, a lead asking for allies |
//! | `demo/front_door.rs` | people's commands, presses and modals, signed, to the bot's HTTP routes |
//! | `demo/calendars.rs` | a few people giving their calendars, which the fake serves |
//! | `demo/printing.rs` | what people saw, as text |
//! | `demo/pictures.rs` | `--pictures`: the team map and the insights page |

mod calendars;
mod company;
mod front_door;
mod leaders;
mod pictures;
mod printing;

pub use company::{serve_fake_slack, workspace};

use crate::app::App;
use crate::config::{Secrets, Settings, Teams};
use crate::domain::{Interaction, SettableClock, UserId, number};
use crate::scheduler::JobKind;
use crate::synthetic::Company;
use anyhow::Context as _;
use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use fake_slack::FakeSlack;
use front_door::DemoFrontDoor;
use leaders::CheckIns;
use printing::People;
use rand::SeedableRng;
use rand::rngs::StdRng;
use secrecy::SecretString;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

/// How much faster than Slack's limits the demo's bot may call the fake.
const DEMO_SPEEDUP: f64 = 10_000.0;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// The seed of the company and its life: the same seed, the same output.
    pub seed: u64,
    /// How many weeks to simulate.
    pub weeks: u32,
    /// Where to save the pictures people would see, when given: the last
    /// digest's team map and the insights page (see [`Demo::save_pictures`]).
    pub pictures: Option<std::path::PathBuf>,
    /// Print only the leaders-first steps (each with what the bot sent)
    /// and the figures: a short walk-through for a leader.
    pub leaders_first: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seed: 7,
            weeks: 4,
            pictures: None,
            leaders_first: false,
        }
    }
}

/// What the demo did, in figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// People in the company.
    pub people: usize,
    /// Teams in the company.
    pub teams: usize,
    /// Interactions in the store at the end.
    pub interactions: usize,
    /// Nudges Slack accepted.
    pub nudges_sent: usize,
    /// Early warnings to lonely leaders Slack accepted.
    pub early_warnings: usize,
    /// Leadership circles formed.
    pub circles_formed: usize,
    /// Digests posted.
    pub digests_posted: usize,
    /// Alliances that formed during the simulated weeks.
    pub new_alliances: usize,
    /// Calendars people gave.
    pub calendars: usize,
    /// Interactions read from them.
    pub from_calendars: usize,
}

/// The bot's token in the demo's workspace; not a secret, there is no Slack.
const DEMO_BOT_TOKEN: &str = "xoxb-demo-token";
/// The digest's channel in the demo's workspace.
const DEMO_CHANNEL: &str = "alliances";
/// Its id.
const DEMO_CHANNEL_ID: &str = "C0ALLIANCE";
/// What the Engineering lead asks, for an initiative with both teams.
const ALLIES_ASKED: &str = "allies Sales Marketing";
/// How much history the company has before the simulation starts.
const HISTORY_DAYS: i64 = 270;
/// The key the demo seals calendar addresses and hashes emails with; not
/// a secret, there are no real calendars.
const DEMO_ENCRYPTION_KEY: &str = "ZGVtby1vbmx5LWtleS1ub3QtYS1zZWNyZXQtLS0tLS0=";

/// The demo's world: the fake Slack, the bot, the clock and the company.
pub struct Demo {
    /// The fake Slack serving the company.
    pub fake: FakeSlack,
    /// The real bot, wired to the fake Slack and a temporary store.
    pub app: App,
    /// The clock the bot reads.
    pub clock: SettableClock,
    /// The synthetic company the fake Slack's workspace was made from.
    pub company: Company,
    /// When the simulation starts.
    pub start: DateTime<Utc>,
    settings: Settings,
    front_door: DemoFrontDoor,
    options: DemoOptions,
    rng: StdRng,
    // Deleted (with the store) when the demo is dropped.
    _data: tempfile::TempDir,
}

impl Demo {
    /// Sets up the company, the fake Slack and the bot, with the company's
    /// history in the store and the bot's jobs anchored at the start.
    pub async fn start(options: DemoOptions) -> anyhow::Result<Self> {
        // A fixed Monday, so that the same seed prints the same days.
        let start = Utc
            .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
            .single()
            .context("the demo's start date")?;
        let mut rng = StdRng::seed_from_u64(options.seed);
        let company = company::demo_company(&mut rng, options.seed, start);
        let fake = FakeSlack::start(workspace(&company))
            .await
            .context("starting the fake Slack")?;

        let data = tempfile::tempdir().context("creating a temporary folder for the store")?;
        let teams_file = data.path().join("teams.toml");
        std::fs::write(&teams_file, company.teams_file())
            .context("writing the demo's teams file")?;
        let mut settings = Settings::default();
        settings.slack.api_url = fake.api_url().try_into().map_err(anyhow::Error::msg)?;
        settings.teams = Teams::File(teams_file);
        settings.partnerships = company.partnerships();
        settings.digest.channel = DEMO_CHANNEL
            .to_owned()
            .try_into()
            .map_err(anyhow::Error::msg)?;
        // Weeks pass in a second here: Slack's limits, scaled alike, must
        // not hold the simulation back (the fake enforces none).
        settings.delivery.speedup = DEMO_SPEEDUP.try_into().map_err(anyhow::Error::msg)?;
        // The calendars are the fake's, on 127.0.0.1.
        settings.calendars.allow_private_hosts = true;
        let secrets = Secrets {
            bot_token: Some(SecretString::from(fake.bot_token().to_owned())),
            encryption_key: Some(SecretString::from(DEMO_ENCRYPTION_KEY.to_owned())),
            ..Secrets::default()
        };
        let clock = SettableClock::new(start);
        let app = App::build(
            &settings,
            &secrets,
            &data.path().join("store"),
            Arc::new(clock.clone()),
        )
        .await?;

        app.store().log_interactions(&company.history).await?;
        app.scheduler().run(JobKind::People, start).await?;
        // Some keep to themselves; every other person said yes to being
        // thanked by name in the digest (`/alliances shoutouts on`).
        for (i, person) in company.people.iter().enumerate() {
            if let Some(mut known) = app.store().person(&person.id).await? {
                known.opted_out = person.opted_out;
                known.shoutouts = i % 2 == 0;
                app.store().put_person(&known).await?;
            }
        }
        app.scheduler().anchor(start).await?;
        let front_door = DemoFrontDoor::open(&app, &fake).await?;
        Ok(Self {
            fake,
            app,
            clock,
            company,
            start,
            settings,
            front_door,
            options,
            rng,
            _data: data,
        })
    }

    /// When the simulation ends.
    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::weeks(i64::from(self.options.weeks))
    }

    /// Runs the simulated weeks hour by hour, printing what people see to `out`.
    pub async fn run(&mut self, out: &mut dyn Write) -> anyhow::Result<DemoSummary> {
        // Each person by the id Slack's messages name them by.
        let people: People = self
            .company
            .people
            .iter()
            .map(|p| (p.id.to_string(), p.clone()))
            .collect();
        writeln!(
            out,
            "{}: {} people in {} teams, {} meetings logged over the last {} months.",
            self.company.name,
            number(self.company.people.len()),
            self.company.teams.len(),
            number(self.company.history.len()),
            HISTORY_DAYS / 30
        )?;
        writeln!(
            out,
            "Simulating {} weeks from {} with the real scheduler and Slack client, against the built-in fake Slack.",
            self.options.weeks,
            self.start.format("%a %-d %b %Y")
        )?;
        writeln!(
            out,
            "Leaders first, each step marked ★: a leadership circle formed and its check-in a week later, the key partnership's nudge ranked first, early warnings to leaders whose alliances went quiet, and a lead's `/alliances allies`."
        )?;

        if !self.options.leaders_first {
            for line in self.give_calendars().await? {
                write!(out, "{line}")?;
            }
        } else {
            self.give_calendars().await?;
        }

        let mut printed = 0;
        let mut day_shown = None;
        let mut follow_ups: Vec<(DateTime<Utc>, UserId, UserId)> = Vec::new();
        let mut pending: Vec<Interaction> = Vec::new();
        let mut check_ins = CheckIns::default();
        let mut now = self.start;
        while now < self.end() {
            self.clock.set(now);
            if now.hour() == 0 {
                self.plan_day(now, &mut follow_ups, &mut pending).await?;
            }
            // Meetings are logged as they happen, before the jobs look.
            self.log_happened(now, &mut pending).await?;
            self.app.tick(std::time::Duration::ZERO).await?;
            let messages = self.fake.messages();
            let mut shown = Vec::new();
            for message in &messages[printed..] {
                shown.push(self.describe(message, &people, now).await?);
                self.await_answer(message, now, &mut check_ins);
            }
            printed = messages.len();
            shown.extend(self.leaders_act(&people, now, &mut check_ins).await?);
            if self.options.leaders_first {
                shown.retain(|text| text.starts_with(printing::STEP_MARK));
            }
            if !shown.is_empty() && day_shown != Some(now.date_naive()) {
                writeln!(out, "\n── {} ──", now.format("%a %-d %b"))?;
                day_shown = Some(now.date_naive());
            }
            for text in shown {
                write!(out, "{text}")?;
            }
            now += Duration::hours(1);
        }
        self.clock.set(now);

        let summary = self.summary().await?;
        writeln!(
            out,
            "\nSummary: {} people in {} teams · {} interactions ({} read from {} calendars) · {} nudges sent · {} early warnings · {} leadership circles · {} new alliances · {} digests posted",
            number(summary.people),
            summary.teams,
            number(summary.interactions),
            number(summary.from_calendars),
            summary.calendars,
            summary.nudges_sent,
            summary.early_warnings,
            summary.circles_formed,
            summary.new_alliances,
            summary.digests_posted
        )?;
        Ok(summary)
    }

    /// What `alliances tick --dry-run` would say of the demo's store at
    /// `at`, with the demo's settings (its key partnership among them).
    pub async fn dry_run(&self, at: DateTime<Utc>) -> anyhow::Result<String> {
        Ok(crate::scheduler::dry_run(self.app.store(), &self.settings, at).await?)
    }

    /// The demo's figures so far.
    pub async fn summary(&self) -> anyhow::Result<DemoSummary> {
        let store = self.app.store();
        let team_of: HashMap<&UserId, _> = self
            .company
            .people
            .iter()
            .map(|p| (&p.id, &p.team))
            .collect();
        let new_alliances = store
            .ties()
            .await?
            .iter()
            .filter(|t| t.first_at >= self.start)
            .filter(|t| team_of.get(t.pair.low()) != team_of.get(t.pair.high()))
            .count();
        let messages = self.fake.messages();
        // Every DM is a nudge or a leader's early warning; nudges are
        // recorded as Slack accepts them, beside the introductions a
        // warning suggested, which are no message of their own.
        let dms = messages.iter().filter(|m| m.dm_user.is_some()).count();
        let nudges_sent = store
            .nudges_sent_since(self.start - Duration::days(1))
            .await?
            .iter()
            .filter(|sent| !sent.warning_step)
            .count();
        let digest_channel = self.fake.channel_named(DEMO_CHANNEL);
        let (calendars, from_calendars) = self.calendar_figures().await?;
        Ok(DemoSummary {
            calendars,
            from_calendars,
            people: self.company.people.len(),
            teams: self.company.teams.len(),
            interactions: store.interaction_count().await?,
            nudges_sent,
            early_warnings: dms.saturating_sub(nudges_sent),
            circles_formed: store.circles().await?.len(),
            digests_posted: messages
                .iter()
                .filter(|m| Some(&m.channel) == digest_channel.as_ref())
                .count(),
            new_alliances,
        })
    }
}

/// Runs the whole demo, printing to `out`, and saves its pictures when
/// asked to.
pub async fn run(options: DemoOptions, out: &mut dyn Write) -> anyhow::Result<DemoSummary> {
    let pictures = options.pictures.clone();
    let mut demo = Demo::start(options).await?;
    let mut summary = demo.run(out).await;
    if let (Ok(_), Some(folder)) = (&summary, pictures)
        && let Err(err) = demo.save_pictures(&folder, out).await
    {
        summary = Err(err);
    }
    demo.fake.stop().await;
    summary
}
