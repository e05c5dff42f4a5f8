//! `cargo bench --bench met_http`: how many signed `/met` requests a second
//! the bot answers over HTTP when each meeting is on disk before its answer,
//! and how long the answers take; and the same for `/alliances allies`, a
//! read of the tie index, in a store with a company's history.
//!
//! Each of the [`SCENARIOS`] runs on its own: the bot is the release binary
//! in its own process (`alliances serve --http 127.0.0.1:0`, on the port
//! it says it listens on), with a
//! fresh store in a temporary folder, a teams file, and the built-in fake
//! Slack (served by this process) for its people sync: a synthetic company
//! of the scenario's size. This process is the load generator: the
//! scenario's number of concurrent keep-alive connections (a small HTTP/1.1 client of its own, see
//! [`Sender`]), each sending one signed `/met` at a time, all
//! distinct (their own trigger id, random people, a note of their own),
//! for a warm-up and then a measured stretch. Every answer must say
//! "Logged". Then the bot is stopped with SIGTERM, and the store, opened
//! again, must hold exactly as many interactions as were acknowledged.
//! The third scenario sends `/alliances allies <Team> <Team>` instead, to a
//! store seeded first with the company's history; every answer must list
//! allies, and the report sets its latencies next to a nudge-planning tick
//! of the same store.
//!
//! It prints the requests, requests/s, latency percentiles (by sorting the
//! measured latencies), the errors and the machine; it exits non-zero only
//! if an answer was wrong or the store disagrees, never for being slow.
//! Traffic stays on 127.0.0.1. `MET_HTTP_SECONDS`, `MET_HTTP_WARMUP` and
//! `MET_HTTP_CONNECTIONS` change the defaults, `MET_HTTP_RATE` offers that
//! many requests a second instead of as many as are answered (see
//! [`Load::rate`]), and `MET_HTTP_BINARY` runs another build of the bot (an
//! earlier one, to compare); `MET_HTTP_SCENARIO=2` (or 1 to 5) runs that
//! scenario alone.
//!
//! Scenarios 4 and 5 run the first on PostgreSQL (a throwaway cluster with
//! its defaults, started by this process), with one replica and with two
//! sharing the database. The cluster is first brought to a database's
//! steady state ([`as_in_service`]); `MET_HTTP_FRESH_WAL=1`
//! measures it fresh from `initdb` instead. Run without `--bench` (as
//! `cargo test --benches` does), it is a one-second smoke run.

// A failed measurement or test is its own report: unwrapping is fine here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/machine.rs"]
mod support;
use alliances::store::{Store, StoreOptions};
use alliances::synthetic::{Company, CompanySize};
use anyhow::{Context as _, bail, ensure};
use fake_slack::FakeSlack;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use secrecy::SecretString;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::machine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SEED: u64 = 42;
/// Measured seconds, after the warm-up.
const SECONDS: f64 = 10.0;
const WARMUP_SECONDS: f64 = 2.0;
/// The write-ahead log a PostgreSQL scenario's cluster writes before the
/// bot starts, for each second the load will run: twice the most a run
/// has written (17 MB a second, one replica at full load).
const AS_IN_SERVICE_WAL_MB_A_SECOND: f64 = 40.0;
/// … and at most: a checkpoint keeps no more than `max_wal_size` (1 GB by
/// default) for the log to come.
const AS_IN_SERVICE_WAL_MOST_MB: f64 = 960.0;
/// The bot's signing secret, given to it in its environment.
const SIGNING_SECRET: &str = "bench-signing-secret";
/// How long the bot may take to start (a people sync of the company first).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the bot may take to stop after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// What one run measures: a company, how many people each `/met` names,
/// how many connections send at once, and the targets it is judged by.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    name: &'static str,
    /// What each request asks.
    asks: Ask,
    people: usize,
    teams: usize,
    /// Days of the company's history in the store before the bot starts:
    /// 0 for an empty store (its meetings are only those of the run).
    history_days: u32,
    /// The people each `/met` names besides its sender, as Slack escapes
    /// them (`<@U…>`).
    mentions: usize,
    /// Concurrent connections, each with one request in flight.
    connections: usize,
    /// At least this many requests a second, if any.
    target_rps: Option<f64>,
    /// A p99 latency under this.
    target_p99_ms: f64,
    /// How many replicas share a PostgreSQL database; 0 for the one
    /// process on sled.
    postgres_replicas: usize,
}

/// What the requests of a scenario ask the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// `/met` naming others: a meeting logged, on disk before the answer.
    Met,
    /// `/alliances allies <Team> <Team>` for two of the company's teams:
    /// read only, from the tie index.
    Allies,
}

/// The scenarios, in the order they run.
const SCENARIOS: [Scenario; 5] = [
    // Throughput: a company large enough that a scan of everyone per
    // request shows, under as many connections as the bot can serve.
    MET,
    // Bounded work: the most people a `/met` may name, in a large
    // workspace. One connection, so that each answer's latency is the work
    // of one request with nothing queued ahead of it. A meeting of eleven
    // updates 55 ties in the one writer's transaction, so more connections
    // only queue: at 8 they saturate the writer at about 650 requests/s,
    // far beyond what people type (`MET_HTTP_CONNECTIONS=8` shows it).
    Scenario {
        name: "ten mentions, 10,000 people",
        asks: Ask::Met,
        people: 10_000,
        teams: 20,
        history_days: 0,
        mentions: 10,
        connections: 1,
        target_rps: None,
        target_p99_ms: 5.0,
        postgres_replicas: 0,
    },
    // Allies for an initiative in the company `plan_tick` plans for by
    // default: 10,000 people with 410 days of history (about a million
    // interactions), written into the store before the bot starts. Read
    // only, so the connections share the two cores with nothing to queue
    // on but them. Its p99 is held to a tenth of the nudge-planning tick of
    // the same store, measured after the run (`plan_tick` has it at about
    // 150 ms on this machine).
    Scenario {
        name: "allies for two teams, 10,000 people with history",
        asks: Ask::Allies,
        people: 10_000,
        teams: 10,
        history_days: 410,
        mentions: 0,
        connections: 4,
        target_rps: None,
        target_p99_ms: 15.0,
        postgres_replicas: 0,
    },
    // The first scenario on PostgreSQL, on this machine, with PostgreSQL's
    // defaults (every commit synced): one replica, then two sharing the
    // database, the connections split between them.
    MET_ON_POSTGRES,
    Scenario {
        name: "one mention, 1,000 people, PostgreSQL, two replicas",
        postgres_replicas: 2,
        ..MET_ON_POSTGRES
    },
];

/// `/met` in a company of 1,000 people, on sled.
const MET: Scenario = Scenario {
    name: "one mention, 1,000 people",
    asks: Ask::Met,
    people: 1_000,
    teams: 10,
    history_days: 0,
    mentions: 1,
    connections: 64,
    target_rps: Some(10_000.0),
    target_p99_ms: 10.0,
    postgres_replicas: 0,
};

/// The same load on PostgreSQL with one replica, and the goal set for it:
/// the scenarios on PostgreSQL differ only in their replicas.
const MET_ON_POSTGRES: Scenario = Scenario {
    name: "one mention, 1,000 people, PostgreSQL, one replica",
    target_rps: Some(3_000.0),
    target_p99_ms: 20.0,
    postgres_replicas: 1,
    ..MET
};

/// How long to run and with how many connections.
#[derive(Debug, Clone, Copy)]
struct Load {
    connections: usize,
    /// The requests a second offered (`MET_HTTP_RATE`), spread evenly over
    /// the connections, each timed from when it was due to be sent; `None`
    /// for as many as the connections get answered, each sent as soon as
    /// the last is. Paced, a stall delays every request due during it, as
    /// it would people's; unpaced, only one a connection. The load
    /// generator's own lateness in sending is counted too; the report says
    /// the most it was.
    rate: Option<f64>,
    warmup: Duration,
    measured: Duration,
}

impl Load {
    /// The scenario's, or a short smoke run when not run by `cargo bench`;
    /// then the environment's overrides (a rate of 0: not paced).
    fn from_env(scenario: &Scenario) -> anyhow::Result<Self> {
        let (warmup, measured) = if benching() {
            (WARMUP_SECONDS, SECONDS)
        } else {
            (0.2, 1.0)
        };
        let number = |name: &str, default: f64| -> anyhow::Result<f64> {
            match std::env::var(name) {
                Ok(value) => value
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .with_context(|| format!("{name} must be a number, not `{value}`")),
                Err(_) => Ok(default),
            }
        };
        let rate = number("MET_HTTP_RATE", 0.0)?;
        Ok(Self {
            connections: (number("MET_HTTP_CONNECTIONS", scenario.connections as f64)? as usize)
                .max(1),
            rate: (rate > 0.0).then_some(rate),
            warmup: Duration::from_secs_f64(number("MET_HTTP_WARMUP", warmup)?),
            measured: Duration::from_secs_f64(number("MET_HTTP_SECONDS", measured)?.max(0.1)),
        })
    }
}

/// What one connection saw.
#[derive(Debug, Default)]
struct Tally {
    /// Latencies of the requests sent in the measured stretch, in µs.
    latencies: Vec<u32>,
    /// From the measured stretch's start to the last of its answers.
    answered_within: Duration,
    /// Paced, the most a request of the measured stretch was sent after it
    /// was due (the load generator's own lateness, counted in its
    /// latency).
    most_late: Duration,
    /// Right answers ("Logged", or an allies list), over the whole run.
    answered: u64,
    /// Failures: a transport error, a status other than 200, another answer.
    errors: u64,
    /// The first failure, to show.
    first_error: Option<String>,
}

impl Tally {
    fn failed(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    fn add(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.answered_within = self.answered_within.max(other.answered_within);
        self.most_late = self.most_late.max(other.most_late);
        self.answered += other.answered;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("met_http failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let chosen = match std::env::var("MET_HTTP_SCENARIO") {
        Ok(number) => {
            let index = number
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=SCENARIOS.len()).contains(n))
                .with_context(|| {
                    format!(
                        "MET_HTTP_SCENARIO must be 1 to {}, not `{number}`",
                        SCENARIOS.len()
                    )
                })?;
            vec![SCENARIOS[index - 1]]
        }
        Err(_) => SCENARIOS.to_vec(),
    };
    for scenario in chosen {
        run_scenario(scenario)?;
    }
    Ok(())
}

fn run_scenario(scenario: Scenario) -> anyhow::Result<()> {
    let load = Load::from_env(&scenario)?;
    let scenario = if benching() {
        scenario
    } else {
        scenario.for_smoke()
    };
    let folder = tempfile::tempdir().context("a temporary folder")?;
    // A cluster of its own, with PostgreSQL's defaults, for a scenario on
    // PostgreSQL; without PostgreSQL on the machine, the scenario says so
    // and is left out.
    let cluster = match scenario.postgres_replicas {
        0 => None,
        _ => match throwaway_postgres::Cluster::start(throwaway_postgres::Durability::Full) {
            Ok(cluster) => Some(cluster),
            Err(why) => {
                println!("met_http ({}): skipped: {why}", scenario.name);
                return Ok(());
            }
        },
    };
    let database = cluster
        .as_ref()
        .map(throwaway_postgres::Cluster::create_database)
        .transpose()
        .map_err(|why| anyhow::anyhow!("{why}"))?;
    let runtime = tokio::runtime::Runtime::new().context("the load generator's runtime")?;
    let fresh_wal = std::env::var_os("MET_HTTP_FRESH_WAL").is_some_and(|v| v == "1");
    let wal_before = match (&database, fresh_wal, benching()) {
        (Some(url), false, true) => Some(runtime.block_on(as_in_service(url, load))?),
        _ => None,
    };
    let Loaded {
        tally,
        seeded,
        wal_bytes,
    } = runtime.block_on(serve_and_load(
        folder.path(),
        scenario,
        load,
        database.as_deref(),
    ))?;
    let acknowledged = match scenario.asks {
        Ask::Met => tally.answered,
        Ask::Allies => 0,
    };

    // The bot has stopped: its store must hold the history it was given
    // and every acknowledged meeting, and nothing else (each request is
    // distinct).
    let store = match &database {
        Some(url) => runtime.block_on(Store::connect(url, alliances::domain::HalfLife::DEFAULT))?,
        None => Store::open(&folder.path().join("store"), &StoreOptions::default())?,
    };
    let stored = runtime.block_on(store.interactions())?.len();
    let counted = runtime.block_on(store.interaction_count())?;
    // What the reads are held against: a nudge-planning tick of the store.
    let tick = match scenario.asks {
        Ask::Allies => Some(runtime.block_on(tick_seconds(&store))?),
        Ask::Met => None,
    };
    drop(store);

    print!(
        "{}",
        report(
            &tally,
            scenario,
            load,
            stored,
            tick,
            Wal {
                written: wal_bytes,
                before: wal_before,
            }
        )
    );
    ensure!(
        tally.errors == 0,
        "{} requests failed; the first: {}",
        tally.errors,
        tally.first_error.as_deref().unwrap_or("?")
    );
    let expected = seeded + acknowledged;
    ensure!(
        stored as u64 == expected && counted == stored,
        "the store holds {stored} interactions (count {counted}), but {seeded} were seeded \
         and {acknowledged} acknowledged"
    );
    Ok(())
}

/// Whether `cargo bench` runs this, rather than a smoke run of
/// `cargo test --benches`.
fn benching() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

impl Scenario {
    /// The scenario a smoke run can afford: a company with history is cut
    /// to 1,000 people and 60 days.
    fn for_smoke(self) -> Self {
        if self.history_days == 0 {
            return self;
        }
        Self {
            people: self.people.min(1_000),
            history_days: self.history_days.min(60),
            ..self
        }
    }
}

/// One nudge-planning tick of `store`, the median of three, as `plan_tick`
/// times it but with the store already open (as the bot's is when it
/// answers): the snapshot the nudge job reads, then the plan, every
/// delivery window open.
async fn tick_seconds(store: &Store) -> anyhow::Result<f64> {
    let policy = alliances::config::Settings::default().rules.any_time();
    let now = chrono::Utc::now();
    let mut runs = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let snapshot = alliances::scheduler::nudge_snapshot(store, now, &policy).await?;
        let plan = alliances::rules::plan_nudges(&snapshot, now, &policy);
        runs.push(started.elapsed().as_secs_f64());
        std::hint::black_box(plan);
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[1])
}

/// The write-ahead log of a run on PostgreSQL.
struct Wal {
    /// The bytes the run wrote; `None` on sled.
    written: Option<u64>,
    /// The bytes written to bring the cluster to its steady state, if it
    /// was (see [`as_in_service`]).
    before: Option<u64>,
}

/// What a run of the load saw.
struct Loaded {
    /// What the connections saw.
    tally: Tally,
    /// How many interactions the store was seeded with.
    seeded: u64,
    /// On PostgreSQL, the write-ahead log written while the load ran.
    wal_bytes: Option<u64>,
}

/// Starts the fake Slack and the bot, runs the load, and stops the bot.
async fn serve_and_load(
    folder: &Path,
    scenario: Scenario,
    load: Load,
    database: Option<&str>,
) -> anyhow::Result<Loaded> {
    // Without history, the people and teams only: the store starts empty,
    // so that it must end with exactly the acknowledged meetings. (The
    // generator needs a few days of span to draw its relationships from.)
    let size = CompanySize {
        people: scenario.people,
        teams: scenario.teams,
        days: i64::from(scenario.history_days.max(3)),
    };
    let company = Company::generate(SEED, size, chrono::Utc::now());
    let seeded = if scenario.history_days > 0 {
        let settings = alliances::config::Settings::default();
        let store = alliances::data_dir::open_store(&settings, &folder.join("store")).await?;
        let seeded = alliances::seed::seed(&store, &company, |_, _| {}).await?;
        seeded.interactions as u64
    } else {
        0
    };
    let teams: Arc<Vec<String>> = Arc::new(company.teams.iter().map(|t| t.to_string()).collect());
    let fake = FakeSlack::start(alliances::demo::workspace(&company))
        .await
        .context("starting the fake Slack")?;
    let mut bots = Vec::new();
    for replica in 0..scenario.postgres_replicas.max(1) {
        let mut bot = Bot::start(folder, replica, &company, &fake, database).await?;
        bot.wait_until_ready(&fake).await?;
        bots.push(bot);
    }

    let people: Arc<Vec<String>> =
        Arc::new(company.people.iter().map(|p| p.id.to_string()).collect());
    let wal_from = match database {
        Some(url) => Some(wal_written(url).await?),
        None => None,
    };
    let started = Instant::now();
    let measuring_from = started + load.warmup;
    let until = measuring_from + load.measured;
    let mut connections = Vec::with_capacity(load.connections);
    for connection in 0..load.connections {
        let sender = Sender {
            // The connections split evenly between the replicas.
            address: bots[connection % bots.len()].address,
            stream: None,
            people: Arc::clone(&people),
            teams: Arc::clone(&teams),
            asks: scenario.asks,
            mentions: scenario.mentions,
            connection,
            secret: SecretString::from(SIGNING_SECRET.to_owned()),
        };
        // Paced, each connection sends every `connections ÷ rate` seconds,
        // the connections staggered by `1 ÷ rate`.
        let schedule = Schedule {
            first: started,
            every: Duration::ZERO,
            measuring_from,
            until,
        };
        let schedule = match load.rate {
            Some(rate) => Schedule {
                first: started + Duration::from_secs_f64(connection as f64 / rate),
                every: Duration::from_secs_f64(load.connections as f64 / rate),
                ..schedule
            },
            None => schedule,
        };
        connections.push(tokio::spawn(sender.run(schedule)));
    }
    let mut tally = Tally::default();
    for connection in connections {
        tally.add(connection.await?);
    }
    let wal_bytes = match (database, wal_from) {
        (Some(url), Some(from)) => Some(wal_written(url).await?.saturating_sub(from)),
        _ => None,
    };
    for bot in bots {
        bot.stop()?;
    }
    fake.stop().await;
    Ok(Loaded {
        tally,
        seeded,
        wal_bytes,
    })
}

/// A connection to the database at `url`, for the benchmark's own
/// questions.
async fn connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .context("connecting to the benchmark's database")?;
    tokio::spawn(connection);
    Ok(client)
}

/// Brings the cluster of the database at `url` to the steady state of one
/// in service, whose WAL segments are reused rather than made, and
/// returns the bytes of log it wrote for that.
///
/// At a checkpoint PostgreSQL keeps the segments it no longer needs,
/// renamed, for the log to come, so a database in service rarely makes a
/// new one. A cluster fresh from `initdb` has one segment, and makes each
/// next one when the log reaches it, filling its 16 MB with zeros while
/// commits wait. So the cluster writes more log than `load` will (see
/// [`AS_IN_SERVICE_WAL_MB_A_SECOND`]), then checkpoints.
async fn as_in_service(url: &str, load: Load) -> anyhow::Result<u64> {
    let client = connect(url).await?;
    let seconds = (load.warmup + load.measured).as_secs_f64();
    let megabytes = (seconds * AS_IN_SERVICE_WAL_MB_A_SECOND).min(AS_IN_SERVICE_WAL_MOST_MB);
    // Rows of about a kilobyte, each logged whole (too short to compress).
    let rows = (megabytes * 1_000.0) as u64;
    let from = wal_written(url).await?;
    client
        .batch_execute(&format!(
            "CREATE TABLE bench_wal AS \
             SELECT n, repeat('x', 1000) AS pad FROM generate_series(1, {rows}) AS n; \
             DROP TABLE bench_wal; \
             CHECKPOINT;"
        ))
        .await
        .context("writing the log of a database in service")?;
    Ok(wal_written(url).await?.saturating_sub(from))
}

/// The bytes of write-ahead log the database at `url` has written since
/// its cluster began.
async fn wal_written(url: &str) -> anyhow::Result<u64> {
    let client = connect(url).await?;
    let row = client
        .query_one(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint",
            &[],
        )
        .await?;
    Ok(u64::try_from(row.get::<_, i64>(0))?)
}

/// When one connection sends.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    /// When its first request is due.
    first: Instant,
    /// How long after one request is due the next is; zero for as soon as
    /// the last is answered.
    every: Duration,
    /// Requests due from then on are timed.
    measuring_from: Instant,
    /// No request is due from then on.
    until: Instant,
}

/// One connection of the load generator: a keep-alive HTTP/1.1 connection
/// with one request in flight at a time.
///
/// It writes requests and reads answers itself rather than through
/// reqwest: the load generator shares the two cores with the bot, and a
/// general-purpose client (pool, tower stack, header maps) cost a third of
/// a core at this rate, time the bot then did not have.
struct Sender {
    address: SocketAddr,
    /// The open connection and what was read from it; `None` before the
    /// first request and after a failure.
    stream: Option<(TcpStream, Vec<u8>)>,
    people: Arc<Vec<String>>,
    /// The company's teams, for `allies`.
    teams: Arc<Vec<String>>,
    asks: Ask,
    /// How many people each `/met` names.
    mentions: usize,
    connection: usize,
    secret: SecretString,
}

impl Sender {
    /// Sends one request after another as `schedule` has them due, timing
    /// each from when it was due: an answer late enough to delay the next
    /// request counts against that one too, as it would for a person.
    async fn run(mut self, schedule: Schedule) -> Tally {
        let mut rng = StdRng::seed_from_u64(SEED + self.connection as u64);
        let mut tally = Tally::default();
        let mut sent = 0_u64;
        let mut due = schedule.first;
        loop {
            let start = match schedule.every.is_zero() {
                true => Instant::now(),
                false => {
                    tokio::time::sleep_until(due.into()).await;
                    if due >= schedule.measuring_from {
                        tally.most_late = tally.most_late.max(due.elapsed());
                    }
                    due
                }
            };
            if start >= schedule.until {
                return tally;
            }
            due += schedule.every;
            sent += 1;
            let body = self.body(&mut rng, sent);
            let outcome = self.send(body).await;
            let latency = start.elapsed();
            let expected = match self.asks {
                Ask::Met => "Logged",
                Ask::Allies => "Your allies for",
            };
            match outcome {
                Ok(text) if text.contains(expected) => tally.answered += 1,
                Ok(text) => tally.failed(format!("an answer without \"{expected}\": {text}")),
                Err(err) => tally.failed(format!("{err:#}")),
            }
            if start >= schedule.measuring_from {
                tally
                    .latencies
                    .push(latency.as_micros().min(u32::MAX as u128) as u32);
                tally.answered_within =
                    tally.answered_within.max(schedule.measuring_from.elapsed());
            }
        }
    }

    /// A `/met` form from a random person naming others, with a trigger id
    /// and a note no other request has: the bot takes a repeat of the same
    /// meeting within minutes for a retry, and logs it once.
    fn body(&self, rng: &mut StdRng, sent: u64) -> String {
        let everyone = self.people.len();
        let from = rng.random_range(0..everyone);
        if self.asks == Ask::Allies {
            return self.allies_body(rng, from, sent);
        }
        let mut named: Vec<usize> = Vec::with_capacity(self.mentions);
        while named.len() < self.mentions.min(everyone - 1) {
            let other = rng.random_range(0..everyone);
            if other != from && !named.contains(&other) {
                named.push(other);
            }
        }
        let mentions: Vec<String> = named
            .iter()
            .map(|&other| format!("<@{}>", self.people[other]))
            .collect();
        let mentions = mentions.join(" ");
        let tag = format!("{}.{sent}", self.connection);
        let text = match sent % 3 {
            0 => format!("{mentions} yesterday coffee {tag}"),
            1 => format!("{mentions} today pairing on the release {tag}"),
            _ => format!("{mentions} lunch {tag}"),
        };
        self.form("/met", &text, from, &format!("bench.{tag}"))
    }

    /// An `/alliances allies` form from the person `from`, for two teams of
    /// the company drawn at random.
    fn allies_body(&self, rng: &mut StdRng, from: usize, sent: u64) -> String {
        let first = rng.random_range(0..self.teams.len());
        let second = (first + rng.random_range(1..self.teams.len().max(2))) % self.teams.len();
        let text = format!("allies {} {}", self.teams[first], self.teams[second]);
        let trigger_id = format!("bench.{}.{sent}", self.connection);
        self.form("/alliances", &text, from, &trigger_id)
    }

    /// The form Slack posts for `command` with `text`, from the person
    /// `from`, under `trigger_id`.
    fn form(&self, command: &str, text: &str, from: usize, trigger_id: &str) -> String {
        serde_urlencoded::to_string([
            ("command", command),
            ("text", text),
            ("user_id", self.people[from].as_str()),
            ("channel_id", "C0ALLIANCE"),
            ("trigger_id", trigger_id),
            ("team_id", fake_slack::TEAM_ID),
        ])
        .unwrap_or_default()
    }

    /// Signs and sends `body`; the answer's text. A failed connection is
    /// dropped, and the next request opens another.
    async fn send(&mut self, body: String) -> anyhow::Result<String> {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature =
            alliances::inbound::signature::sign(&self.secret, &timestamp, body.as_bytes());
        let request = format!(
            "POST /slack/commands HTTP/1.1\r\nhost: {}\r\n\
             content-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\
             x-slack-request-timestamp: {timestamp}\r\nx-slack-signature: {signature}\r\n\r\n{body}",
            self.address,
            body.len()
        );
        let (mut stream, mut read) = match self.stream.take() {
            Some(open) => open,
            None => (TcpStream::connect(self.address).await?, Vec::new()),
        };
        stream.write_all(request.as_bytes()).await?;
        let (status, answer) = read_response(&mut stream, &mut read).await?;
        self.stream = Some((stream, read));
        if status != 200 {
            bail!("status {status}: {}", String::from_utf8_lossy(&answer));
        }
        let answer: serde_json::Value = serde_json::from_slice(&answer)?;
        Ok(answer["text"].as_str().unwrap_or_default().to_owned())
    }
}

/// Reads one HTTP/1.1 response with a `content-length` (axum sends one for
/// these answers): its status and body. `read` keeps bytes read past it.
async fn read_response(
    stream: &mut TcpStream,
    read: &mut Vec<u8>,
) -> anyhow::Result<(u16, Vec<u8>)> {
    let head_end = loop {
        if let Some(at) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        fill(stream, read).await?;
    };
    let head =
        std::str::from_utf8(&read[..head_end]).context("a response head that is not text")?;
    let status: u16 = head
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("no status in {head:?}"))?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .with_context(|| format!("no content-length in {head:?}"))?;
    while read.len() < head_end + length {
        fill(stream, read).await?;
    }
    let body = read[head_end..head_end + length].to_vec();
    read.drain(..head_end + length);
    Ok((status, body))
}

/// Reads what the connection has into `read`; an error at its end.
async fn fill(stream: &mut TcpStream, read: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut chunk = [0_u8; 4096];
    let got = stream.read(&mut chunk).await?;
    ensure!(got > 0, "the bot closed the connection");
    read.extend_from_slice(&chunk[..got]);
    Ok(())
}

/// The address `serve` says it listens on for Slack, from the lines it
/// prints on `stdout` once bound (see `alliances serve --help`).
fn slack_address(stdout: std::process::ChildStdout) -> anyhow::Result<SocketAddr> {
    use std::io::BufRead as _;
    for line in std::io::BufReader::new(stdout).lines() {
        if let Some(address) = line?.strip_prefix("listening for Slack on ") {
            return Ok(address.parse()?);
        }
    }
    bail!("the bot exited before it said where it listens")
}

/// The bot's process. Dropping it kills the process if it still runs (a
/// failed run); [`Bot::stop`] stops it the way systemd does.
struct Bot {
    child: Child,
    address: SocketAddr,
    url: String,
    log: std::path::PathBuf,
}

impl Bot {
    /// Starts `alliances serve --http` on a port of 127.0.0.1 of the
    /// system's choosing against `fake`, with its store (or the
    /// `database`'s URL), config and teams file in `folder`, and reads
    /// which port from what it prints. `replica` names its log.
    async fn start(
        folder: &Path,
        replica: usize,
        company: &Company,
        fake: &FakeSlack,
        database: Option<&str>,
    ) -> anyhow::Result<Self> {
        let teams = folder.join("teams.toml");
        std::fs::write(&teams, company.teams_file())?;
        let config = folder.join("alliances.toml");
        let teams_path = teams.to_str().context("a temporary path that is UTF-8")?;
        // Far above the hourly limit of one person's meetings: the load
        // sends each person hundreds in a minute.
        std::fs::write(
            &config,
            format!("[teams]\nfile = {teams_path:?}\n[commands]\nmet_per_hour = 1000000\n"),
        )?;
        let log = folder.join(format!("bot-{replica}.log"));
        // Another build of the bot, to set its figures next to this one's.
        let binary = std::env::var_os("MET_HTTP_BINARY")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_alliances").into());
        let mut command = Command::new(binary);
        for (name, _) in std::env::vars() {
            if name.starts_with("ALLIANCES_") {
                command.env_remove(name);
            }
        }
        if let Some(url) = database {
            command.env("ALLIANCES_DATABASE_URL", url);
        }
        let mut child = command
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(folder.join("store"))
            .args(["serve", "--http", "127.0.0.1:0"])
            .env("ALLIANCES_SLACK_BOT_TOKEN", fake.bot_token())
            .env("ALLIANCES_SLACK_SIGNING_SECRET", SIGNING_SECRET)
            .env("ALLIANCES_SLACK_API_URL", fake.api_url())
            .env("ALLIANCES_HEALTH_ADDRESS", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("starting the alliances binary")?;
        let stdout = child.stdout.take().context("the bot's standard output")?;
        let said = tokio::time::timeout(
            START_TIMEOUT,
            tokio::task::spawn_blocking(|| slack_address(stdout)),
        )
        .await
        .context("the bot did not say where it listens")??;
        let address = match said {
            Ok(address) => address,
            Err(error) => {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                bail!("{error:#}: {log}");
            }
        };
        Ok(Self {
            child,
            address,
            url: format!("http://{address}"),
            log,
        })
    }

    /// Waits until the bot answers `/healthz`, which it does once its first
    /// people sync is done.
    async fn wait_until_ready(&mut self, fake: &FakeSlack) -> anyhow::Result<()> {
        let client = fake_slack::http_client().build().unwrap();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the bot exited at start ({status}): {}", self.log_text());
            }
            let healthy = client
                .get(format!("{}/healthz", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            let synced = fake.calls().iter().any(|c| c.method == "users.list");
            if healthy && synced {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "the bot did not start within {START_TIMEOUT:?}: {}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM and waits for a clean exit: in-flight requests done,
    /// the store flushed and closed.
    fn stop(mut self) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        let signalled = Command::new("kill").args(["-TERM", &pid]).status()?;
        ensure!(signalled.success(), "could not signal the bot ({pid})");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                ensure!(
                    status.success(),
                    "the bot stopped with {status}: {}",
                    self.log_text()
                );
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "the bot did not stop within {STOP_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The figures, the machine and the verdict, as printed.
fn report(
    tally: &Tally,
    scenario: Scenario,
    load: Load,
    stored: usize,
    tick: Option<f64>,
    wal: Wal,
) -> String {
    let mut latencies = tally.latencies.clone();
    latencies.sort_unstable();
    let at = |quantile: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let rank = ((quantile * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        f64::from(latencies[rank - 1]) / 1000.0
    };
    let seconds = load.measured.as_secs_f64();
    // Paced, the requests due in the stretch are sent however slow the
    // answers: the rate is of those answered, until the last of them.
    let answering = match load.rate {
        Some(_) => seconds.max(tally.answered_within.as_secs_f64()),
        None => seconds,
    };
    let per_second = latencies.len() as f64 / answering;
    let (p50, p90, p99, max) = (at(0.50), at(0.90), at(0.99), at(1.0));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "met_http ({}): signed {} over HTTP to `alliances serve --http` ({} build), \
         {} people in {} teams, {} days of history, {} named a request, {} connections{}, \
         {:.1} s warm-up, {seconds:.1} s measured",
        scenario.name,
        match scenario.asks {
            Ask::Met => "/met",
            Ask::Allies => "/alliances allies",
        },
        // Cargo builds the bot with this benchmark's profile.
        match std::env::var_os("MET_HTTP_BINARY") {
            Some(_) => "another",
            None if cfg!(debug_assertions) => "debug",
            None => "release",
        },
        scenario.people,
        scenario.teams,
        scenario.history_days,
        scenario.mentions,
        load.connections,
        match load.rate {
            Some(rate) =>
                format!(" offered {rate:.0} requests/s (each timed from when it was due)"),
            None => String::new(),
        },
        load.warmup.as_secs_f64()
    );
    let _ = writeln!(out, "machine:   {}", machine());
    let _ = match load.rate {
        Some(_) => writeln!(
            out,
            "requests:  {} due in {seconds:.1} s, answered in {answering:.2} s = \
             {per_second:.0} requests/s; each sent at most {:.2} ms after it was due",
            latencies.len(),
            tally.most_late.as_secs_f64() * 1e3
        ),
        None => writeln!(
            out,
            "requests:  {} in {seconds:.1} s = {per_second:.0} requests/s",
            latencies.len()
        ),
    };
    let _ = writeln!(
        out,
        "latency:   p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );
    let _ = writeln!(out, "errors:    {}", tally.errors);
    let _ = writeln!(
        out,
        "store:     {stored} interactions after the bot stopped, {} right answers",
        tally.answered
    );
    if let Some(bytes) = wal.written {
        let _ = writeln!(
            out,
            "WAL:       {:.1} MB written, {:.0} bytes per right answer{}",
            bytes as f64 / 1e6,
            bytes as f64 / tally.answered.max(1) as f64,
            match wal.before {
                Some(before) if bytes > before => format!(
                    "; more than the {:.0} MB written before, so the run made new segments",
                    before as f64 / 1e6
                ),
                Some(_) => String::new(),
                None => "; the cluster fresh from initdb".to_owned(),
            }
        );
    }
    if let Some(tick) = tick {
        let _ = writeln!(
            out,
            "tick:      {:.1} ms to plan the nudges of this store (snapshot + plan, open \
             store, median of 3): p50 is {:.1}% of it, p99 {:.1}%",
            tick * 1e3,
            p50 / (tick * 1e3) * 100.0,
            p99 / (tick * 1e3) * 100.0,
        );
    }
    let target_p99 = scenario.target_p99_ms;
    let (met, target) = match (scenario.target_rps, load.rate) {
        // Paced, a bot that falls behind shows in the p99, each request
        // timed from when it was due.
        (Some(rps), Some(offered)) => (
            offered >= rps && p99 < target_p99,
            format!(">= {rps:.0} requests/s offered with p99 < {target_p99:.0} ms"),
        ),
        (Some(rps), None) => (
            per_second >= rps && p99 < target_p99,
            format!(">= {rps:.0} requests/s with p99 < {target_p99:.0} ms"),
        ),
        (None, _) => (p99 < target_p99, format!("p99 < {target_p99:.0} ms")),
    };
    let (met, target) = match tick {
        Some(tick) => (
            met && p99 < tick * 1e3 / 10.0,
            format!("{target}, and under a tenth of the tick"),
        ),
        None => (met, target),
    };
    let _ = writeln!(
        out,
        "target:    {target}: {}",
        if met { "met" } else { "NOT met" }
    );
    out
}
