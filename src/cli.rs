//! The command line: a few lines per subcommand, each calling into the
//! library. Every failure ends as one line on standard error and a non-zero
//! exit status; clap answers unknown flags with its usage.

use crate::app::{App, Bound, Transport};
use crate::config::{Secrets, Settings};
use crate::demo::{self, DemoOptions};
use crate::domain::{SystemClock, plural};
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use fake_slack::Flakiness;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Where the config file is looked for when `--config` is not given.
const DEFAULT_CONFIG: &str = "config/alliances.toml";

/// How long `alliances tick` keeps trying to send what Slack turned away
/// for now (a 429, a 5xx) before it exits; what is left stays queued for
/// the next tick or `serve`.
const TICK_RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// alliances keeps a company's cross-team ties alive: it reminds people of
/// peers in other teams they have not met for a while, and celebrates the
/// new alliances that form.
#[derive(Debug, Parser)]
#[command(name = "alliances", version, propagate_version = true)]
pub struct Cli {
    /// The config file [default: config/alliances.toml when it exists, else
    /// the built-in settings].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The folder that holds the store; one process owns it.
    #[arg(long, global = true, value_name = "DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// How logs are written to standard error: for a person to read, or as
    /// one JSON object per line for a log collector.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for a person (colours on a terminal).
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot against a built-in fake Slack with a synthetic company for
    /// a few simulated weeks, and print what people would have seen. Needs no
    /// Slack account and no network; uses a temporary store.
    Demo {
        /// The seed of the synthetic company: the same seed prints the same demo.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// How many weeks to simulate.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=52))]
        weeks: u32,
        /// Save the last digest's team map (team-map.png) and the insights
        /// page (insights.html) in this folder.
        #[arg(long, value_name = "DIR")]
        pictures: Option<PathBuf>,
        /// Print only the leaders-first steps — circles and their check-ins,
        /// the key partnership's nudges, early warnings, a lead's allies —
        /// each with what the bot sent, then the figures.
        #[arg(long)]
        leaders_first: bool,
    },
    /// Run the jobs that are due now (people sync, nudges, digest) once each,
    /// then exit. Needs ALLIANCES_SLACK_BOT_TOKEN, except with --dry-run.
    Tick {
        /// Print the whole plan — who would be nudged about whom and why,
        /// which leaders would get an early warning, what the digest would
        /// say, which leadership circles would form — from the store, and
        /// send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Fill the store in --data-dir with a synthetic company and its history
    /// (the generator the demo uses), to try `tick --dry-run` on a realistic
    /// company. The data folder must hold no history yet.
    Seed(SeedOptions),
    /// Serve a fake Slack workspace (the demo's synthetic company) on this
    /// machine, and print the variables that point `serve` or `tick` at it.
    /// It can be flaky and enforce Slack's rate limits, to try the bot
    /// against a Slack that misbehaves.
    FakeSlack {
        /// Where to listen.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3001")]
        addr: std::net::SocketAddr,
        /// The seed of the synthetic company, and of the faults.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Fail this share of Web API calls, from 0 to 1 (e.g. 0.2): evenly a
        /// 429 with Retry-After, a 503, an answer 3 s late, a dropped
        /// connection, and a connection dropped after the call took effect.
        /// The same seed fails the same calls.
        #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_fault_rate)]
        fault_rate: f64,
        /// Enforce Slack's rate limits: each method's tier (e.g. 50 a minute
        /// for conversations.open) and chat.postMessage at 1 a second per
        /// channel. A call over a limit gets 429 with Retry-After.
        #[arg(long)]
        enforce_limits: bool,
        /// With --enforce-limits: run the limits' clock this many times
        /// faster than Slack's (60 refills a minute's budget in a second).
        #[arg(long, value_name = "FACTOR", requires = "enforce_limits", value_parser = parse_limits_scale)]
        limits_scale: Option<f64>,
    },
    /// Write a backup of the whole store to FILE, or to standard output: JSON
    /// lines, one record a line. The bot must be stopped (one process owns
    /// the data folder); while it runs, it keeps periodic backups in
    /// DIR/backups.
    Export {
        /// Where to write it, whole or not at all [default: standard output].
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Load a backup into the store in --data-dir, which must be empty unless
    /// --replace is given. A backup that does not load changes nothing. The
    /// bot must be stopped.
    Import {
        /// The backup (from `export`, or DIR/backups).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Replace a store that holds data or will not open; it is kept in
        /// DIR/replaced-TIME, not deleted.
        #[arg(long)]
        replace: bool,
    },
    /// Bring back a periodic backup in place of the store in --data-dir,
    /// whatever it holds (it is kept in DIR/replaced-TIME). The bot must be
    /// stopped.
    Restore {
        /// The backup [default: the latest in DIR/backups].
        #[arg(value_name = "BACKUP")]
        backup: Option<PathBuf>,
    },
    /// Past meetings, from an export, for a cold start.
    History {
        /// What to do with them.
        #[command(subcommand)]
        command: HistoryCommand,
    },
    /// Run the bot: answer slash commands, buttons and events, and run the
    /// scheduled jobs, until SIGTERM or ctrl-c. Connects over Socket Mode
    /// (ALLIANCES_SLACK_BOT_TOKEN and ALLIANCES_SLACK_APP_TOKEN) unless
    /// --http is given (ALLIANCES_SLACK_BOT_TOKEN and
    /// ALLIANCES_SLACK_SIGNING_SECRET).
    ///
    /// Once its addresses are bound, it prints them on standard output, one
    /// line each: `listening for Slack on ADDR` (with --http), then
    /// `listening for health and metrics on ADDR`. With port 0 (`--http
    /// 127.0.0.1:0`, `ALLIANCES_HEALTH_ADDRESS=127.0.0.1:0`) the system
    /// chooses a free port, and these lines say which. Logs go to standard
    /// error. If a task of the bot dies, it stops and exits non-zero, so
    /// that whatever runs it starts it again.
    Serve {
        /// Serve Slack's Events API, slash commands and interactivity over
        /// HTTP at this address (e.g. 0.0.0.0:3000) instead of Socket Mode.
        #[arg(long, value_name = "ADDR")]
        http: Option<std::net::SocketAddr>,
    },
    /// Bring the PostgreSQL database at URL to this build's schema, as the
    /// bot will when it starts on it, and print the schema it is at. A
    /// database migrated by a newer alliances is refused. Replicas that
    /// start together take turns: one migrates, the others find it done.
    Migrate {
        /// postgres://USER:PASSWORD@HOST:PORT/DATABASE, or libpq's
        /// `key=value` form.
        #[arg(
            long,
            env = "ALLIANCES_DATABASE_URL",
            hide_env_values = true,
            value_name = "URL"
        )]
        database_url: String,
    },
    /// Check an installation: the settings, the tokens (auth.test), the
    /// scopes the bot token was granted against those the bot needs, and
    /// the store; print each problem with its fix. Exits non-zero when
    /// there is one.
    Doctor,
}

/// `alliances history …`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Log the past meetings in a CSV file, each row once.
    ///
    /// FILE has the header `date,participants,kind` (see docs/operating.md).
    /// People who opted out, left or are unknown are left out. A bad line
    /// stops it unless --skip-bad is given. The bot must be stopped.
    Import {
        /// The CSV file.
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
        /// Import the good lines and list the bad ones.
        #[arg(long)]
        skip_bad: bool,
    },
}

/// What `alliances seed` generates.
#[derive(Debug, clap::Args)]
pub struct SeedOptions {
    /// How many people.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    people: u64,
    /// How many days of history, up to now.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u64).range(3..=3_650))]
    days: u64,
    /// How many teams.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10))]
    teams: u64,
    /// The seed of the company: the same seed, the same company.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// Parses the command line, runs it, and reports a failure in one line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(&cli.command, cli.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Output piped into `head` and closed early: nothing went wrong,
        // and the command ends quietly, as Unix tools do. Every command
        // writes its standard output with `write!`, whose error lands here,
        // never with `println!`, which panics.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::debug!(error = ?err, "failed");
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run_command(cli))
}

/// Runs the subcommand, each step awaited in the one runtime.
async fn run_command(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo {
            seed,
            weeks,
            pictures,
            leaders_first,
        } => {
            let options = DemoOptions {
                seed,
                weeks,
                pictures,
                leaders_first,
            };
            demo::run(options, &mut std::io::stdout().lock()).await?;
        }
        Command::Seed(options) => {
            let settings = load_settings(cli.config.as_deref())?;
            let seeded = seed_store(&settings, &cli.data_dir, &options).await?;
            writeln!(std::io::stdout().lock(), "{seeded}")?;
        }
        Command::FakeSlack {
            addr,
            seed,
            fault_rate,
            enforce_limits,
            limits_scale,
        } => {
            let flakiness = Flakiness {
                fault_rate,
                seed,
                limits_scale: enforce_limits.then_some(limits_scale.unwrap_or(1.0)),
            };
            // Not locked: the fake Slack writes from its runtime's threads.
            let mut stdout = std::io::stdout();
            demo::serve_fake_slack(addr, seed, flakiness, &mut stdout).await?;
        }
        Command::Serve { http } => {
            let settings = load_settings(cli.config.as_deref())?;
            let secrets = Secrets::from_env(|name| std::env::var(name).ok());
            let app = App::build(&settings, &secrets, &cli.data_dir, Arc::new(SystemClock)).await?;
            let transport = http.map_or(Transport::SocketMode, Transport::Http);
            let started = app.start(transport, &secrets).await?;
            announce(started.bound());
            started.serve(stop_signal()).await?;
        }
        Command::Export { file } => {
            let settings = load_settings(cli.config.as_deref())?;
            crate::backups::export(&settings, &cli.data_dir, file.as_deref()).await?;
        }
        Command::Import { file, replace } => {
            let settings = load_settings(cli.config.as_deref())?;
            let imported = crate::backups::import(&settings, &cli.data_dir, &file, replace).await?;
            writeln!(std::io::stdout().lock(), "{imported}")?;
        }
        Command::Restore { backup } => {
            let settings = load_settings(cli.config.as_deref())?;
            let restored = crate::backups::restore(&settings, &cli.data_dir, backup.as_deref())?;
            writeln!(std::io::stdout().lock(), "{restored}")?;
        }
        Command::History {
            command: HistoryCommand::Import { file, skip_bad },
        } => {
            let settings = load_settings(cli.config.as_deref())?;
            let secrets = Secrets::from_env(|name| std::env::var(name).ok());
            let imported =
                crate::history::import(&settings, &secrets, &cli.data_dir, &file, skip_bad).await?;
            writeln!(std::io::stdout().lock(), "{imported}")?;
        }
        Command::Tick { dry_run: true } => {
            let settings = load_settings(cli.config.as_deref())?;
            let store = crate::data_dir::open_store_to_read(&settings, &cli.data_dir).await?;
            let plan = crate::scheduler::dry_run(&store, &settings, chrono::Utc::now()).await?;
            write!(std::io::stdout().lock(), "{plan}")?;
        }
        Command::Migrate { database_url } => {
            let store = crate::store::PgStore::connect_to_migrate(&database_url).await?;
            let schema = store.schema_version().await?;
            writeln!(
                std::io::stdout().lock(),
                "the database at {} is at schema {schema}",
                store.place()
            )?;
        }
        Command::Doctor => {
            let settings = load_settings(cli.config.as_deref()).map_err(|err| format!("{err:#}"));
            let secrets = Secrets::from_env(|name| std::env::var(name).ok());
            let findings = crate::doctor::doctor(settings, &secrets, &cli.data_dir).await;
            let mut out = std::io::stdout().lock();
            for finding in &findings {
                writeln!(out, "{finding}")?;
            }
            let problems = findings.iter().filter(|f| f.problem).count();
            if problems > 0 {
                anyhow::bail!("{} found", plural(problems, "problem", "problems"));
            }
        }
        Command::Tick { dry_run: false } => {
            let settings = load_settings(cli.config.as_deref())?;
            let secrets = Secrets::from_env(|name| std::env::var(name).ok());
            let app = App::build(&settings, &secrets, &cli.data_dir, Arc::new(SystemClock)).await?;
            let tick = app.tick(TICK_RETRY_FOR).await?;
            // Taken before anything is printed: a reader that goes away
            // does not cost the backup.
            let backup = crate::backups::backup_after_tick(
                app.store(),
                &settings.backup,
                chrono::Utc::now(),
            )
            .await;
            let mut out = std::io::stdout().lock();
            if tick.led_by_another {
                writeln!(
                    out,
                    "another replica runs the scheduled jobs: none ran here"
                )?;
            } else if tick.jobs.is_empty() && tick.delivered.is_empty() {
                writeln!(out, "nothing due")?;
            }
            for report in tick.jobs {
                writeln!(out, "{}: {}", report.job, report.summary)?;
            }
            if !tick.delivered.is_empty() {
                writeln!(out, "outbox: {}", tick.delivered)?;
            }
            if let Some(line) = backup {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

/// `alliances seed`: generates the company, then writes it with a progress
/// bar (shown only when standard error is a terminal); what to print.
async fn seed_store(
    settings: &Settings,
    data_dir: &Path,
    options: &SeedOptions,
) -> anyhow::Result<String> {
    use crate::synthetic::{Company, CompanySize};
    let store = crate::data_dir::open_store(settings, data_dir).await?;
    let size = CompanySize {
        people: usize::try_from(options.people)?,
        teams: usize::try_from(options.teams)?,
        days: i64::try_from(options.days)?,
    };
    let spinner = indicatif::ProgressBar::new_spinner().with_message("generating the company…");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let company = Company::generate(options.seed, size, chrono::Utc::now());
    spinner.finish_and_clear();
    let bar = indicatif::ProgressBar::new(company.history.len() as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "writing {bar:40} {pos}/{len} interactions ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let seeded =
        crate::seed::seed(&store, &company, |done, _| bar.set_position(done as u64)).await?;
    bar.finish_and_clear();
    let mut said = format!(
        "seeded {}: {} people in {} teams, {} interactions over {} days, into {}",
        company.name,
        crate::domain::number(seeded.people),
        company.teams.len(),
        crate::domain::number(seeded.interactions),
        options.days,
        data_dir.display()
    );
    // Its leaders are in the store; its partnership is a setting.
    let partnerships = company.partnerships_settings();
    if !partnerships.is_empty() {
        said.push_str(&format!(
            "\nTo see its key partnership in `tick --dry-run`, add to the settings file:\n\n{}",
            partnerships.trim_end()
        ));
    }
    Ok(said)
}

/// `alliances serve`: the lines that say where it listens (see its
/// `--help`), which tests and scripts that start it on port 0 read. Nobody
/// reading them is no reason to stop serving: a failed write is logged.
fn announce(bound: Bound) {
    let mut out = std::io::stdout().lock();
    let mut written = || {
        if let Some(slack) = bound.slack {
            writeln!(out, "listening for Slack on {slack}")?;
        }
        writeln!(out, "listening for health and metrics on {}", bound.health)?;
        out.flush()
    };
    if let Err(error) = written() {
        tracing::debug!(%error, "could not print the addresses on standard output");
    }
}

/// A share of calls, for `--fault-rate`: a number from 0 to 1.
fn parse_fault_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "expected a number from 0 to 1, such as 0.2, not {text:?}"
        )),
    }
}

/// A speed-up, for `--limits-scale`: a positive number.
fn parse_limits_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(scale) if scale.is_finite() && scale > 0.0 => Ok(scale),
        _ => Err(format!(
            "expected a positive number, such as 60, not {text:?}"
        )),
    }
}

/// Completes on ctrl-c or SIGTERM (how systemd, Docker and Kubernetes stop
/// a service).
async fn stop_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The settings from `--config`, else the default file when present, else
/// the built-in defaults; then the environment.
fn load_settings(config: Option<&Path>) -> anyhow::Result<Settings> {
    let default = Path::new(DEFAULT_CONFIG);
    let file = config.or_else(|| default.exists().then_some(default));
    Ok(Settings::load(file, |name| std::env::var(name).ok())?)
}

/// Whether a line of `level` from `target` may be logged, whatever
/// `RUST_LOG` asks. At trace level, Socket Mode's crates log every frame
/// whole (a pasted calendar address, a member's email); at debug level,
/// the PostgreSQL client logs every statement with its parameters (a
/// `/met` note, a person's record).
fn may_log(target: &str, level: tracing::Level) -> bool {
    let frames = target.starts_with("tungstenite") || target.starts_with("slack_morphism");
    let statements = target.starts_with("tokio_postgres");
    match level {
        tracing::Level::TRACE => !frames && !statements,
        tracing::Level::DEBUG => !statements,
        _ => true,
    }
}

/// Logs go to standard error, so that the demo's standard output stays what
/// people would have seen. `RUST_LOG` overrides the level.
fn init_logs(command: &Command, format: LogFormat) {
    let default_level = match command {
        Command::Demo { .. }
        | Command::Doctor
        | Command::Migrate { .. }
        | Command::Export { .. }
        | Command::Import { .. }
        | Command::Restore { .. }
        | Command::History { .. } => "warn",
        Command::Tick { .. }
        | Command::Serve { .. }
        | Command::FakeSlack { .. }
        | Command::Seed(_) => "info",
    };
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let private =
        tracing_subscriber::filter::filter_fn(|event| may_log(event.target(), *event.level()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => logs
            .with_ansi(std::io::stderr().is_terminal())
            .finish()
            .with(private)
            .init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .finish()
            .with(private)
            .init(),
    }
}

#[cfg(test)]
mod tests {
    use super::may_log;
    use tracing::Level;

    #[test]
    fn frames_and_statements_that_carry_people_are_never_logged() {
        assert!(!may_log("tungstenite::protocol", Level::TRACE));
        assert!(!may_log("slack_morphism::socket_mode", Level::TRACE));
        assert!(may_log("slack_morphism::socket_mode", Level::DEBUG));
        assert!(!may_log("tokio_postgres::query", Level::DEBUG));
        assert!(!may_log("tokio_postgres::prepare", Level::TRACE));
        assert!(may_log("tokio_postgres::connection", Level::INFO));
        assert!(may_log("alliances::store", Level::TRACE));
    }
}
