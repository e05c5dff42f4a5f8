//! `alliances demo`: the real bot against the built-in fake Slack.
//!
//! It generates a synthetic company, serves it from the fake Slack on
//! 127.0.0.1, opens sled in a temporary folder, and runs the real scheduler
//! jobs through the real Slack client over HTTP across a few simulated
//! weeks, while the company goes on meeting (and some people act on their
//! nudges). It prints what people would have seen. No account, no network.

use crate::app::App;
use crate::config::{Secrets, Settings, Teams};
use crate::domain::{Interaction, SettableClock, UserId};
use crate::scheduler::JobKind;
use crate::slack::readable_text;
use crate::synthetic::{self, Company, CompanySize, SyntheticPerson};
use anyhow::Context as _;
use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use fake_slack::{FakeChannel, FakeSlack, FakeUser, Workspace};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use secrecy::SecretString;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
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
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            seed: 7,
            weeks: 4,
            pictures: None,
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
    /// Digests posted.
    pub digests_posted: usize,
    /// Alliances that formed during the simulated weeks.
    pub new_alliances: usize,
}

/// The bot's token in the demo's workspace; not a secret, there is no Slack.
const DEMO_BOT_TOKEN: &str = "xoxb-demo-token";
/// The digest's channel in the demo's workspace.
const DEMO_CHANNEL: &str = "alliances";
/// How much history the company has before the simulation starts.
const HISTORY_DAYS: i64 = 270;
/// The chance that a nudged person reaches out within a few days.
const FOLLOW_UP_CHANCE: f64 = 0.6;

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
        let company = demo_company(&mut rng, options.seed, start);
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
        settings.digest.channel = DEMO_CHANNEL
            .to_owned()
            .try_into()
            .map_err(anyhow::Error::msg)?;
        // Weeks pass in a second here: Slack's limits, scaled alike, must
        // not hold the simulation back (the fake enforces none).
        settings.delivery.speedup = DEMO_SPEEDUP.try_into().map_err(anyhow::Error::msg)?;
        let secrets = Secrets {
            bot_token: Some(SecretString::from(fake.bot_token().to_owned())),
            ..Secrets::default()
        };
        let clock = SettableClock::new(start);
        let app = App::build(
            &settings,
            &secrets,
            &data.path().join("store"),
            Arc::new(clock.clone()),
        )?;

        app.store().log_interactions(&company.history)?;
        app.scheduler().run(JobKind::People, start).await?;
        // Some keep to themselves; every other person said yes to being
        // thanked by name in the digest (`/alliances shoutouts on`).
        for (i, person) in company.people.iter().enumerate() {
            if let Some(mut known) = app.store().person(&person.id)? {
                known.opted_out = person.opted_out;
                known.shoutouts = i % 2 == 0;
                app.store().put_person(&known)?;
            }
        }
        app.scheduler().anchor(start)?;
        Ok(Self {
            fake,
            app,
            clock,
            company,
            start,
            options,
            rng,
            _data: data,
        })
    }

    /// Saves in `folder` what the demo's people and admins would see:
    /// `team-map.png`, the picture the last digest carried (the bytes the
    /// fake Slack received), and `insights.html`, the insights page as the
    /// bot serves it (fetched over HTTP from its real route).
    pub async fn save_pictures(&self, folder: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        let messages = self.fake.messages();
        let map = messages
            .iter()
            .rev()
            .flat_map(|m| m.files.iter())
            .next()
            .context("no digest carried a team map: simulate more weeks")?;
        let map_path = folder.join("team-map.png");
        std::fs::write(&map_path, &map.bytes)
            .with_context(|| format!("writing {}", map_path.display()))?;

        // The page is served on 127.0.0.1 for this one request, behind a
        // token made up for it.
        let token = format!("demo-{}", self.options.seed);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let router = self
            .app
            .insights_router(Some(SecretString::from(token.clone())));
        let server = tokio::spawn(axum::serve(listener, router).into_future());
        let response = reqwest::Client::new()
            .get(format!("http://{address}/insights"))
            .bearer_auth(&token)
            .send()
            .await
            .context("fetching the insights page")?;
        let status = response.status();
        let page = response.text().await?;
        server.abort();
        anyhow::ensure!(status.is_success(), "the insights page answered {status}");
        let page_path = folder.join("insights.html");
        std::fs::write(&page_path, page)
            .with_context(|| format!("writing {}", page_path.display()))?;
        writeln!(
            out,
            "\nPictures saved: {} ({}), {}",
            map_path.display(),
            describe_png(&map.bytes),
            page_path.display()
        )?;
        Ok(())
    }

    /// When the simulation ends.
    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::weeks(i64::from(self.options.weeks))
    }

    /// Runs the simulated weeks hour by hour, printing what people see to `out`.
    pub async fn run(&mut self, out: &mut dyn Write) -> anyhow::Result<DemoSummary> {
        // Each person by the id Slack's messages name them by.
        let people: HashMap<String, SyntheticPerson> = self
            .company
            .people
            .iter()
            .map(|p| (p.id.to_string(), p.clone()))
            .collect();
        writeln!(
            out,
            "{}: {} people in {} teams, {} meetings logged over the last {} months.",
            self.company.name,
            self.company.people.len(),
            self.company.teams.len(),
            self.company.history.len(),
            HISTORY_DAYS / 30
        )?;
        writeln!(
            out,
            "Simulating {} weeks from {} with the real scheduler and Slack client, against the built-in fake Slack.",
            self.options.weeks,
            self.start.format("%a %-d %b %Y")
        )?;

        let mut printed = 0;
        let mut day_shown = None;
        let mut follow_ups: Vec<(DateTime<Utc>, UserId, UserId)> = Vec::new();
        let mut pending: Vec<Interaction> = Vec::new();
        let mut now = self.start;
        while now < self.end() {
            self.clock.set(now);
            if now.hour() == 0 {
                self.plan_day(now, &mut follow_ups, &mut pending)?;
            }
            // Meetings are logged as they happen, before the jobs look.
            self.log_happened(now, &mut pending)?;
            self.app.tick(std::time::Duration::ZERO).await?;
            let messages = self.fake.messages();
            if messages.len() > printed && day_shown != Some(now.date_naive()) {
                writeln!(out, "\n── {} ──", now.format("%a %-d %b"))?;
                day_shown = Some(now.date_naive());
            }
            for message in &messages[printed..] {
                let heading = match message.dm_user.as_deref() {
                    Some(user) => {
                        let person = people.get(user);
                        format!(
                            "DM to {} ({}), {} in {}",
                            person.map_or(user, |p| p.real_name.as_str()),
                            person.map_or("no team", |p| p.team.as_str()),
                            local_time(person.map(|p| &p.tz), now),
                            person.map_or("UTC", |p| p.tz.as_str()),
                        )
                    }
                    None => format!("#{}", self.channel_name(&message.channel)),
                };
                writeln!(out, "{} UTC  {heading}", now.format("%H:%M"))?;
                let body = readable_text(&message.text, &message.blocks, |id| {
                    people.get(id).map(|p| p.real_name.clone())
                });
                for line in body.lines() {
                    writeln!(out, "       {line}")?;
                }
                for file in &message.files {
                    writeln!(
                        out,
                        "       [picture: {}, {}]",
                        file.title,
                        describe_png(&file.bytes)
                    )?;
                }
            }
            printed = messages.len();
            now += Duration::hours(1);
        }
        self.clock.set(now);

        let summary = self.summary()?;
        writeln!(
            out,
            "\nSummary: {} people in {} teams · {} interactions · {} nudges sent · {} new alliances · {} digests posted",
            summary.people,
            summary.teams,
            summary.interactions,
            summary.nudges_sent,
            summary.new_alliances,
            summary.digests_posted
        )?;
        Ok(summary)
    }

    /// The company's day, planned at midnight: its usual meetings, and the
    /// follow-ups of people nudged the day before, a day or three later.
    fn plan_day(
        &mut self,
        day: DateTime<Utc>,
        follow_ups: &mut Vec<(DateTime<Utc>, UserId, UserId)>,
        pending: &mut Vec<Interaction>,
    ) -> anyhow::Result<()> {
        // Some of yesterday's nudged people meet their peer in a day or three.
        for sent in self
            .app
            .store()
            .nudges_sent_since(day - Duration::days(1))?
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
    fn log_happened(
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
            store.log_interaction(&meeting)?;
        }
        store.flush()?;
        Ok(())
    }

    fn channel_name(&self, id: &str) -> String {
        if self.fake.channel_named(DEMO_CHANNEL).as_deref() == Some(id) {
            DEMO_CHANNEL.to_owned()
        } else {
            id.to_owned()
        }
    }

    /// The demo's figures so far.
    pub fn summary(&self) -> anyhow::Result<DemoSummary> {
        let store = self.app.store();
        let team_of: HashMap<&UserId, _> = self
            .company
            .people
            .iter()
            .map(|p| (&p.id, &p.team))
            .collect();
        let new_alliances = store
            .ties()?
            .iter()
            .filter(|t| t.first_at >= self.start)
            .filter(|t| team_of.get(t.pair.low()) != team_of.get(t.pair.high()))
            .count();
        let messages = self.fake.messages();
        Ok(DemoSummary {
            people: self.company.people.len(),
            teams: self.company.teams.len(),
            interactions: store.interaction_count(),
            nudges_sent: messages.iter().filter(|m| m.dm_user.is_some()).count(),
            digests_posted: messages.iter().filter(|m| m.dm_user.is_none()).count(),
            new_alliances,
        })
    }
}

/// `now` on the wall clock of time zone `tz` (UTC when unknown).
fn local_time(tz: Option<&String>, now: DateTime<Utc>) -> String {
    let tz = crate::domain::zone(tz.map(String::as_str));
    now.with_timezone(&tz).format("%H:%M").to_string()
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

/// "1138×1370 PNG, 92 KB" for a PNG's bytes.
fn describe_png(png: &[u8]) -> String {
    match crate::charts::png_size(png) {
        Some((width, height)) => format!("{width}×{height} PNG, {} KB", png.len().div_ceil(1024)),
        None => format!("{} bytes, not a PNG", png.len()),
    }
}

/// The demo's company for `seed`: 40–80 people in 6–8 teams, with nine
/// months of history up to `until`.
fn demo_company(rng: &mut StdRng, seed: u64, until: DateTime<Utc>) -> Company {
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
            id: "C0ALLIANCE".to_owned(),
            name: DEMO_CHANNEL.to_owned(),
        }],
    )
}
