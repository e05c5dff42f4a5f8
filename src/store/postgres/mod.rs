//! The PostgreSQL store: the records of the sled store's trees in tables
//! of a database that several replicas share (see `migrations/`).
//!
//! A pool of connections (deadpool) of the rust-postgres project's
//! asynchronous client; the schema in refinery's versioned migrations,
//! embedded in the binary and run when the store connects (and by
//! `alliances migrate`), under an advisory lock so that replicas starting
//! together migrate once. A database migrated by a newer build is refused
//! with a sentence, as the sled store refuses a folder of a newer schema.
//!
//! What replaces the sled store's in-process locks, for replicas:
//!
//! - the log-writer lock is a transaction-level advisory lock
//!   ([`LOG_WRITER`]): every writer of the interaction log and the ties
//!   takes it, so ids grow in the order ties are updated in, as in sled,
//!   and a tie is the fold of its pair's interactions in id order;
//! - the half-life the ties were folded with is a row of `meta`, which
//!   every writer of the ties reads under that lock and folds with, and a
//!   replica that connects with another folds them afresh (see
//!   `strength`);
//! - a once-key is a primary key: two replicas logging the same key race
//!   on the insert, and the loser finds it taken;
//! - the scheduled jobs run on the replica that holds the `scheduler`
//!   lease (see `leases`).
//!
//! Values are the same serde JSON as sled's (without its version byte:
//! the schema version is the database's, in refinery's history table), so
//! a backup moves between the two unchanged. Secrets never reach a log or
//! an error: the connection string may carry a password, so errors name
//! the host, port and database only.

mod backup;
mod calendars;
mod circles;
mod deliveries;
mod erase;
mod export;
mod forget;
mod group_commit;
mod interactions;
mod jobs;
mod kept_people;
mod keys;
mod leases;
mod listener;
mod outbox;
mod people;
mod purge;
mod senders;
mod strength;
mod team_ties;
mod ties;
mod tls;
mod tombstones;

#[cfg(test)]
mod tests;

pub use leases::Lease;
pub use outbox::ClaimNow;
pub use senders::SlackCallers;

use super::StoreError;
use crate::domain::HalfLife;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_postgres::types::Json;
use tokio_postgres::{Config, Row};
use tokio_postgres_rustls::MakeRustlsConnect;

mod embedded {
    refinery::embed_migrations!("src/store/postgres/migrations");
}

/// The advisory lock every writer of the interaction log and the ties
/// holds until it commits (`pg_advisory_xact_lock`): the key is "alliances
/// log" in ASCII, so that another application's locks on the same
/// database are unlikely to meet it.
const LOG_WRITER: i64 = 0x616c_6c69_616e_6365;

/// The advisory lock a replica holds while it migrates the schema.
const MIGRATING: i64 = LOG_WRITER + 1;

/// How many connections one replica keeps: enough for the request paths,
/// the jobs and the dispatcher at once; a database's `max_connections`
/// (100 by default) allows several replicas.
const POOL_SIZE: usize = 16;

/// How many rows a read of a table that grows without end takes at a time.
const PAGE: i32 = 10_000;

/// How long a request waits for a connection of the pool before it is
/// told the database is busy, rather than queue without end.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(10);

/// How long connecting may take, unless the connection string says.
const CONNECT_WITHIN: Duration = Duration::from_secs(5);

/// What every connection is held to, so that one replica cannot stall the
/// others: a statement waits at most `lock_timeout` for a lock (the
/// log-writer lock among them); a transaction left idle, by a replica that
/// froze or lost its network, ends after `idle_in_transaction_session_
/// timeout`, and its locks with it; and the connection is kept alive, so
/// that the database notices a replica gone within a minute, not hours.
fn with_limits(config: &mut Config) {
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_WITHIN);
    }
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .keepalives_interval(Duration::from_secs(10))
        .keepalives_retries(3);
    let limits = "-c lock_timeout=15s -c idle_in_transaction_session_timeout=60s";
    let options = match config.get_options() {
        Some(given) => format!("{given} {limits}"),
        None => limits.to_owned(),
    };
    config.options(options);
}

/// The database behind a PostgreSQL store. Clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// This replica's name, as its claims and leases give it (see
    /// [`replica_name`]).
    replica: String,
    /// How to connect, for what needs a connection of its own.
    config: Arc<Config>,
    /// TLS, for the connections whose settings ask for it (see `tls`).
    tls: MakeRustlsConnect,
    /// This replica's half-life (`rules.half_life_days`): the one it
    /// folds the ties afresh with when it connects and finds them folded
    /// with another (see `strength`).
    half_life: HalfLife,
    /// The bits of the half-life the ties were folded with, last seen
    /// differing from this replica's, so that it is said once; 0 while
    /// they agree.
    half_life_differs: Arc<AtomicU64>,
    /// Where it is, for errors: host, port and database, never the
    /// password.
    place: String,
    /// Woken when a forget on this replica asks for a rewrite (see
    /// `erase`).
    rewrite_wanted: Arc<Notify>,
    /// The lease whose holder alone may make the fenced writes through
    /// this handle (see [`PgStore::fenced_by`]).
    fence: Option<&'static str>,
    /// The queue of this replica's group commit (see `group_commit`);
    /// none on the writer's own handle.
    group_commit: Option<group_commit::Queue>,
    /// Which teams each team is tied to, as last read (see
    /// [`PgStore::teams_tied_to`]).
    team_ties: Arc<team_ties::TeamTies>,
    /// The store's hash key, as last read and when (see `keys`).
    hash_key: keys::KeptKey,
    /// The people as last read, while the listener hears every change to
    /// them (see `kept_people`).
    kept_people: Arc<kept_people::KeptPeople>,
    /// This replica's listener for changes to the people, held to stop
    /// with the last handle; none until the store is started.
    _listener: Option<Arc<listener::Listener>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("place", &self.place)
            .field("replica", &self.replica)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:
    /// port/database`, or libpq's `key=value` form), migrates its schema to
    /// this build's, and returns the store, whose ties decay with
    /// `half_life`: folded afresh from the log if they were folded with
    /// another. A database migrated by a newer build is refused.
    pub async fn connect(url: &str, half_life: HalfLife) -> Result<PgStore, StoreError> {
        let store = Self::pool_for(url, half_life)?;
        store.migrate().await?;
        store.match_tie_half_life().await?;
        Ok(store.started())
    }

    /// Connects to the database at `url` and migrates its schema as
    /// [`PgStore::connect`] does, but leaves the ties as they are: for
    /// `alliances migrate`, which reads no settings, so knows no half-life.
    pub async fn connect_to_migrate(url: &str) -> Result<PgStore, StoreError> {
        let store = Self::pool_for(url, HalfLife::DEFAULT)?;
        store.migrate().await?;
        Ok(store.started())
    }

    /// Connects to the database at `url` as [`PgStore::connect`] does, but
    /// leaves its schema as it is, for the commands that only read or
    /// check (`doctor`, `export`, `tick --dry-run`): a newer build's check
    /// must not migrate a database that older replicas are serving. A
    /// schema other than this build's is refused with what to run.
    pub async fn connect_as_is(url: &str, half_life: HalfLife) -> Result<PgStore, StoreError> {
        let store = Self::pool_for(url, half_life)?;
        let found = store.schema_version().await?;
        let supported = supported_schema();
        if found > supported {
            return Err(StoreError::NewerDatabase {
                place: store.place.clone(),
                found,
                supported,
            });
        }
        if found < supported {
            return Err(StoreError::OlderDatabase {
                place: store.place.clone(),
                found,
                supported,
            });
        }
        Ok(store.started())
    }

    /// This store with its group commit's writer and its listener for
    /// changes to the people started.
    fn started(self) -> PgStore {
        PgStore {
            group_commit: Some(self.start_group_commit()),
            _listener: Some(self.start_listening()),
            ..self
        }
    }

    /// The pool of connections to the database at `url`, none made yet.
    fn pool_for(url: &str, half_life: HalfLife) -> Result<PgStore, StoreError> {
        let tls::Connecting { mut config, tls } = tls::connecting(url)?;
        let place = place_of(&config);
        with_limits(&mut config);
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(WAIT_FOR_CONNECTION))
            .create_timeout(Some(CONNECT_WITHIN))
            .build()
            .map_err(|e| StoreError::Database {
                place: place.clone(),
                problem: format!("its pool could not be made ({e})"),
            })?;
        let store = PgStore {
            pool,
            replica: replica_name(),
            half_life,
            half_life_differs: Arc::default(),
            place,
            config: Arc::new(config),
            tls,
            rewrite_wanted: Arc::default(),
            fence: None,
            group_commit: None,
            team_ties: Arc::default(),
            hash_key: Arc::default(),
            kept_people: Arc::default(),
            _listener: None,
        };
        Ok(store)
    }

    /// Brings the schema to this build's, unless a newer build's is there.
    /// Replicas starting together take turns on an advisory lock: the
    /// first migrates, the others find nothing to do. On a connection of
    /// its own, not the pool's, so that the lock ends with it whatever
    /// happens, a cancelled start included.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let (mut client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.failed(e))?;
        let connection = tokio::spawn(connection);
        // A replica waits as long as another's migration takes.
        client
            .batch_execute("SET lock_timeout = 0")
            .await
            .map_err(|e| self.failed(e))?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATING])
            .await
            .map_err(|e| self.failed(e))?;
        let migrated = self.migrate_locked(&mut client).await;
        drop(client);
        let _ = connection.await;
        migrated
    }

    async fn migrate_locked(&self, client: &mut tokio_postgres::Client) -> Result<(), StoreError> {
        let runner = embedded::migrations::runner();
        let supported = supported_schema();
        let found = self.schema_version_with(client).await?;
        if found > supported {
            return Err(StoreError::NewerDatabase {
                place: self.place.clone(),
                found,
                supported,
            });
        }
        runner
            .set_abort_missing(true)
            .run_async(client)
            .await
            .map_err(|e| StoreError::Database {
                place: self.place.clone(),
                problem: format!("its schema could not be migrated ({e})"),
            })?;
        Ok(())
    }

    /// The schema version of the database: the latest migration applied,
    /// 0 before the first.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        let client = self.client().await?;
        self.schema_version_with(&client).await
    }

    async fn schema_version_with(
        &self,
        client: &tokio_postgres::Client,
    ) -> Result<u32, StoreError> {
        let history = client
            .query_one(
                "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        if !history.get::<_, bool>(0) {
            return Ok(0);
        }
        let row = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        let version: i32 = row.try_get(0).map_err(|e| self.failed(e))?;
        Ok(u32::try_from(version).unwrap_or(0))
    }

    /// Where the database is: host, port and database, never the password.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// This replica's name, as its claims and leases give it.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// A connection from the pool.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| StoreError::Database {
            place: self.place.clone(),
            problem: match e {
                deadpool_postgres::PoolError::Backend(e) => unreachable_reason(&e),
                other => format!("no connection could be had ({other})"),
            },
        })
    }

    /// Commits `tx`. A commit that fails may have reached the database
    /// before the connection broke: nobody can say it was not saved.
    async fn commit_tx(&self, tx: deadpool_postgres::Transaction<'_>) -> Result<(), StoreError> {
        tx.commit().await.map_err(|e| StoreError::DatabaseUnsure {
            place: self.place.clone(),
            problem: unreachable_reason(&e),
        })
    }

    /// Calls `each` with every row `sql` selects with `params` within `tx`,
    /// read a page of [`PAGE`] rows at a time through a portal, so that a
    /// large table is never held whole.
    async fn each_row<E: From<StoreError>>(
        &self,
        tx: &tokio_postgres::Transaction<'_>,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        mut each: impl FnMut(&Row) -> Result<(), E>,
    ) -> Result<(), E> {
        let portal = tx.bind(sql, params).await.map_err(|e| self.failed(e))?;
        loop {
            let rows = tx
                .query_portal(&portal, PAGE)
                .await
                .map_err(|e| self.failed(e))?;
            if rows.is_empty() {
                return Ok(());
            }
            for row in &rows {
                each(row)?;
            }
        }
    }

    /// [`PgStore::each_row`] in a read-only transaction of its own, so
    /// that every page is of one snapshot.
    async fn each_row_in_snapshot<E: From<StoreError>>(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        each: impl FnMut(&Row) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .map_err(|e| self.failed(e))?;
        self.each_row(&tx, sql, params, each).await
    }

    /// `error`, met reading or writing, as the store's error.
    fn failed(&self, error: tokio_postgres::Error) -> StoreError {
        StoreError::Database {
            place: self.place.clone(),
            problem: unreachable_reason(&error),
        }
    }
}

/// Why a query or a connection failed, in words that carry no secret: the
/// server's message when it sent one (it never repeats a password), else
/// the kind of failure.
fn unreachable_reason(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("it answered: {}", db.message()),
        None if error.is_closed() => "the connection closed".into(),
        None => match std::error::Error::source(error) {
            Some(io) if io.is::<std::io::Error>() => format!("it cannot be reached ({io})"),
            _ => "it cannot be reached or did not answer".into(),
        },
    }
}

/// The schema this build migrates to: its newest migration.
fn supported_schema() -> u32 {
    let newest = embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version())
        .max()
        .unwrap_or(0);
    u32::try_from(newest).unwrap_or(0)
}

/// A name for this replica that no other has: the host's name (a pod's,
/// on Kubernetes), the process id, and a random number, in case two
/// containers share both.
fn replica_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "replica".into());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Host, port and database of `config`, for errors.
fn place_of(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().unwrap_or("postgres");
    format!("{host}:{port}/{database}")
}

/// `value` as a JSON parameter.
fn json<T: Serialize>(value: &T) -> Json<&T> {
    Json(value)
}

/// The JSON value of column `column` of `row`, decoded; a value that does
/// not decode is reported with its table and key.
fn decoded<T: DeserializeOwned>(
    row: &Row,
    column: &str,
    table: &'static str,
    key: impl Fn() -> String,
) -> Result<T, StoreError> {
    row.try_get::<_, Json<T>>(column)
        .map(|Json(value)| value)
        .map_err(|e| StoreError::Corrupt {
            tree: table,
            key: key(),
            detail: format!("the JSON does not decode: {e}"),
        })
}
