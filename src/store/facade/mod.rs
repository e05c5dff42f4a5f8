//! [`Store`]: the store as the rest of the crate sees it, whichever backend
//! stands behind it.
//!
//! Its methods are async because a networked backend waits on the network
//! for every read and write: PostgreSQL's client is asynchronous, and a
//! bot that blocked a tokio worker per query would serve one request per
//! round trip. The interface is async for every backend, so that callers
//! need not know which one they have.
//!
//! The backends are an enum rather than a trait object: there are two,
//! both known when the crate is built, so each method is a `match` that
//! the compiler dispatches statically, with no trait object and no boxed
//! future per call.
//!
//! - [`SledStore`] (`Backend::Sled`), the embedded default: sled in the
//!   data folder, owned by one process. Its methods are synchronous; each
//!   method here calls its own on the caller's thread, so the future is
//!   ready at its first poll and costs what the direct call costs. A call
//!   that reads a whole tree therefore still blocks the thread it runs on:
//!   callers run those on tokio's blocking pool, with [`off_the_workers`].
//! - [`PgStore`] (`Backend::Postgres`), for replicas that share one
//!   database: every method awaits the database.
//!
//! Beside the methods, what only one backend has is answered here for
//! both, so that nothing outside the module names a backend: a sled store
//! has a folder, flushes, periodic backups in its folder and the backup an
//! uninstall keeps; PostgreSQL has none of these, because every write is
//! durable when it commits and the database's backups are its operator's.
//! Both erase what a forget removed from their files (`rewrite_if_due`).

use super::backup::BackupFile;
use super::{
    Added, BackupError, BackupFolder, CirclesSaved, Counts, Exported, Forgotten, Imported, JobRun,
    KeptBackup, Logged, OnceKeys, PeopleById, PersonExport, PgStore, Replacing, Rewritten,
    SledStore, StoreError, StoreOptions, TakenBackup,
};
use crate::domain::HalfLife;
use crate::domain::{
    CalendarFeed, ChannelId, Circle, CircleKey, CircleOutcome, Interaction, OutboxItem, Outgoing,
    PairKey, Person, SealedAddress, SentNudge, TeamId, Tie, UserId,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

mod replicas;

/// The store of the bot: clones share it.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

/// Which store stands behind [`Store`].
#[derive(Clone, Debug)]
enum Backend {
    /// sled in the data folder.
    Sled(SledStore),
    /// A PostgreSQL database.
    Postgres(PgStore),
}

impl From<SledStore> for Store {
    fn from(sled: SledStore) -> Self {
        Store {
            backend: Backend::Sled(sled),
        }
    }
}

impl From<PgStore> for Store {
    fn from(postgres: PgStore) -> Self {
        Store {
            backend: Backend::Postgres(postgres),
        }
    }
}

/// Methods that hand the call, as it is, to the backend's method of the
/// same name. sled's are synchronous: the call is made, not awaited.
macro_rules! handed_to_the_backend {
    ($(
        $(#[$doc:meta])*
        $vis:vis async fn $name:ident(&self $(, $arg:ident: $type:ty)* $(,)?) -> $output:ty;
    )*) => {$(
        $(#[$doc])*
        $vis async fn $name(&self $(, $arg: $type)*) -> $output {
            match &self.backend {
                Backend::Sled(sled) => sled.$name($($arg),*),
                Backend::Postgres(postgres) => postgres.$name($($arg),*).await,
            }
        }
    )*};
}

impl Store {
    /// Opens the sled store in `dir` ([`SledStore::open`]).
    pub fn open(dir: &Path, options: &StoreOptions) -> Result<Store, StoreError> {
        SledStore::open(dir, options).map(Store::from)
    }

    /// Connects to the PostgreSQL database at `url`, migrates its schema and
    /// folds the ties afresh if they were folded with another half-life
    /// ([`PgStore::connect`]).
    pub async fn connect(url: &str, half_life: HalfLife) -> Result<Store, StoreError> {
        PgStore::connect(url, half_life).await.map(Store::from)
    }

    /// Connects to the PostgreSQL database at `url` and leaves its schema
    /// as it is, refusing one other than this build's
    /// ([`PgStore::connect_as_is`]).
    pub async fn connect_as_is(url: &str, half_life: HalfLife) -> Result<Store, StoreError> {
        PgStore::connect_as_is(url, half_life)
            .await
            .map(Store::from)
    }

    /// The data folder of a sled store ([`SledStore::path`]); none for
    /// PostgreSQL. No I/O.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sled(sled) => Some(sled.path()),
            Backend::Postgres(_) => None,
        }
    }

    /// Where the data is, for people to read: the folder, or the database's
    /// host, port and name (never its password).
    pub fn place(&self) -> String {
        match &self.backend {
            Backend::Sled(sled) => sled.path().display().to_string(),
            Backend::Postgres(postgres) => postgres.place().to_owned(),
        }
    }

    /// Whether several replicas may share this store: a sled store is one
    /// process's.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The members of `circle` who may be written to at `now`: known, not
    /// opted out, deactivated or snoozed. Its prompt and check-in go to
    /// them alone, and *We met* logs and names them alone. Point reads,
    /// the same on either backend.
    pub async fn circle_members_to_write(
        &self,
        circle: &Circle,
        now: DateTime<Utc>,
    ) -> Result<Vec<UserId>, StoreError> {
        let mut members = Vec::with_capacity(circle.members.len());
        for member in &circle.members {
            if self
                .person(member)
                .await?
                .is_some_and(|person| person.nudgeable_at(now))
            {
                members.push(member.clone());
            }
        }
        Ok(members)
    }

    /// Changes the person with `fresh`'s id by `change`, or, while nobody
    /// has that id, saves `fresh` changed by it; the person as saved.
    /// `None`, and nothing written, if they asked to be forgotten by the
    /// time they would be added. A record someone else saved between the
    /// two looks (the people sync and the person's own first command meet
    /// a newcomer at once) is changed, not replaced; only a forget or a
    /// purge removes one, so the look comes round at most twice.
    pub async fn change_or_add_person(
        &self,
        fresh: Person,
        mut change: impl FnMut(&mut Person),
    ) -> Result<Option<Person>, StoreError> {
        loop {
            if let Some(person) = self.update_person(&fresh.id, &mut change).await? {
                return Ok(Some(person));
            }
            let mut person = fresh.clone();
            change(&mut person);
            match self.add_person(&person).await? {
                Added::Added => return Ok(Some(person)),
                Added::Forgotten => return Ok(None),
                Added::Known => {}
            }
        }
    }

    /// Returns once every write made before the call is on disk
    /// ([`SledStore::commit`]). PostgreSQL's writes are when they commit.
    pub async fn commit(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sled(sled) => sled.commit().await,
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Writes everything to disk ([`SledStore::flush`]). PostgreSQL's
    /// writes are when they commit.
    pub async fn flush(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sled(sled) => sled.flush(),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// How many interactions are logged ([`SledStore::interaction_count`]).
    pub async fn interaction_count(&self) -> Result<usize, StoreError> {
        match &self.backend {
            Backend::Sled(sled) => Ok(sled.interaction_count()),
            Backend::Postgres(postgres) => postgres.interaction_count().await,
        }
    }

    /// The backup an uninstall kept ([`SledStore::kept_backup`]). A
    /// PostgreSQL database keeps none: its backups are its operator's.
    pub async fn kept_backup(&self) -> Result<Option<KeptBackup>, StoreError> {
        match &self.backend {
            Backend::Sled(sled) => sled.kept_backup(),
            Backend::Postgres(_) => Ok(None),
        }
    }

    /// Deletes every record but keeps the newest backup until `until`
    /// ([`SledStore::purge_keeping_newest_backup`]). PostgreSQL's are the
    /// database's backups, kept as its operator keeps them.
    pub async fn purge_keeping_newest_backup(
        &self,
        until: DateTime<Utc>,
    ) -> Result<Option<KeptBackup>, StoreError> {
        match &self.backend {
            Backend::Sled(sled) => sled.purge_keeping_newest_backup(until),
            Backend::Postgres(postgres) => postgres.purge_everything().await.map(|()| None),
        }
    }

    /// Deletes the backup an uninstall kept, once its grace has ended
    /// ([`SledStore::discard_kept_backup`]).
    pub async fn discard_kept_backup(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<PathBuf>, StoreError> {
        match &self.backend {
            Backend::Sled(sled) => sled.discard_kept_backup(now),
            Backend::Postgres(_) => Ok(None),
        }
    }

    /// Loads the backup `input` into the database behind this store
    /// ([`PgStore::import_backup`]). A sled store is not loaded into while
    /// it is open: [`super::import_backup`] puts a new one in place of its
    /// folder, and this refuses with [`BackupError::OpenSledStore`].
    pub async fn import_into_database(
        &self,
        input: impl std::io::BufRead,
        replacing: Replacing,
        progress: impl FnMut(u64),
    ) -> Result<Imported, BackupError> {
        match &self.backend {
            Backend::Sled(sled) => Err(BackupError::OpenSledStore {
                path: sled.path().to_owned(),
            }),
            Backend::Postgres(postgres) => postgres.import_backup(input, replacing, progress).await,
        }
    }

    /// Writes a backup to the file at `path`, whole or not at all
    /// ([`SledStore::export_backup_file`]).
    pub async fn export_backup_file(
        &self,
        path: &Path,
        written_at: DateTime<Utc>,
        watch: impl FnMut(&Counts) -> ControlFlow<()>,
    ) -> Result<Exported, BackupError> {
        match &self.backend {
            Backend::Sled(sled) => sled.export_backup_file(path, written_at, watch),
            Backend::Postgres(postgres) => {
                let (file, mut out) = BackupFile::create(path)?;
                let exported = postgres.export_backup(&mut out, written_at, watch).await;
                file.finish(out, exported)
            }
        }
    }

    /// Logs `interaction` under `key` unless it was logged, and returns once
    /// it is on disk ([`SledStore::log_once_and_commit`]).
    pub async fn log_once_and_commit(
        &self,
        key: &str,
        content: Option<&str>,
        interaction: &Interaction,
    ) -> Result<Option<Logged>, StoreError> {
        match &self.backend {
            Backend::Sled(sled) => sled.log_once_and_commit(key, content, interaction).await,
            Backend::Postgres(postgres) => {
                postgres
                    .log_once_and_commit(key, content, interaction)
                    .await
            }
        }
    }

    /// Returns once a forget or a purge asks for a rewrite
    /// ([`SledStore::rewrite_wanted`]).
    pub async fn rewrite_wanted(&self) {
        match &self.backend {
            Backend::Sled(sled) => sled.rewrite_wanted().await,
            Backend::Postgres(postgres) => postgres.rewrite_wanted().await,
        }
    }

    /// Writes a backup into the sled store's backup folder and prunes the
    /// old ones ([`BackupFolder::take`]); `None` for PostgreSQL, whose
    /// backups are its operator's.
    pub async fn take_backup(
        &self,
        now: DateTime<Utc>,
        keep: usize,
        watch: impl FnMut(&Counts) -> ControlFlow<()>,
    ) -> Result<Option<TakenBackup>, BackupError> {
        match &self.backend {
            Backend::Sled(sled) => BackupFolder::of(sled.path())
                .take(sled, now, keep, watch)
                .map(Some),
            Backend::Postgres(_) => Ok(None),
        }
    }

    /// How full PostgreSQL's notification queue is, from 0 to 1
    /// ([`PgStore::notification_queue_usage`]); `None` for sled, which has
    /// none.
    pub async fn notification_queue_usage(&self) -> Result<Option<f64>, StoreError> {
        match &self.backend {
            Backend::Sled(_) => Ok(None),
            Backend::Postgres(postgres) => postgres.notification_queue_usage().await.map(Some),
        }
    }

    handed_to_the_backend! {
        /// The schema version recorded ([`SledStore::schema_version`]).
        pub async fn schema_version(&self) -> Result<u32, StoreError>;

        /// Saves `person` ([`SledStore::put_person`]).
        pub async fn put_person(&self, person: &Person) -> Result<(), StoreError>;
        /// Saves `person`, unless they are known or forgotten by now
        /// ([`SledStore::add_person`]).
        pub async fn add_person(&self, person: &Person) -> Result<Added, StoreError>;
        /// Saves `people` at once ([`SledStore::put_people`]).
        pub async fn put_people(&self, people: &[Person]) -> Result<(), StoreError>;
        /// The person with `id`, if known ([`SledStore::person`]).
        pub async fn person(&self, id: &UserId) -> Result<Option<Person>, StoreError>;
        /// Changes the person with `id` by `change`, atomically
        /// ([`SledStore::update_person`]).
        pub async fn update_person(
            &self,
            id: &UserId,
            change: impl FnMut(&mut Person),
        ) -> Result<Option<Person>, StoreError>;
        /// Everyone known, sorted by id ([`SledStore::people`]).
        pub async fn people(&self) -> Result<Vec<Person>, StoreError>;
        /// Everyone known, by id ([`SledStore::people_by_id`]).
        pub async fn people_by_id(&self) -> Result<PeopleById, StoreError>;

        /// Logs `interaction` ([`SledStore::log_interaction`]).
        pub async fn log_interaction(
            &self,
            interaction: &Interaction,
        ) -> Result<Logged, StoreError>;
        /// Logs `batch` in order ([`SledStore::log_interactions`]).
        pub async fn log_interactions(&self, batch: &[Interaction]) -> Result<usize, StoreError>;
        /// Logs `interaction` unless `key` was logged
        /// ([`SledStore::log_interaction_once`]).
        pub async fn log_interaction_once(
            &self,
            key: &str,
            interaction: &Interaction,
        ) -> Result<Option<Logged>, StoreError>;
        /// Logs each of `batch` unless its key was logged
        /// ([`SledStore::log_interactions_once`]).
        pub async fn log_interactions_once(
            &self,
            batch: &[(&str, &Interaction)],
        ) -> Result<usize, StoreError>;
        /// The whole log with ids ([`SledStore::interactions`]).
        pub async fn interactions(&self) -> Result<Vec<(u64, Interaction)>, StoreError>;
        /// Calls `visit` with every interaction ([`SledStore::visit_interactions`]).
        pub async fn visit_interactions(
            &self,
            visit: impl FnMut(Interaction),
        ) -> Result<(), StoreError>;
        /// Calls `visit` with the interactions from `from` to `until`
        /// ([`SledStore::visit_interactions_between`]).
        pub async fn visit_interactions_between(
            &self,
            from: DateTime<Utc>,
            until: DateTime<Utc>,
            visit: impl FnMut(Interaction),
        ) -> Result<(), StoreError>;

        /// The tie of `pair`, if any ([`SledStore::tie`]).
        pub async fn tie(&self, pair: &PairKey) -> Result<Option<Tie>, StoreError>;
        /// Every tie ([`SledStore::ties`]).
        pub async fn ties(&self) -> Result<Vec<Tie>, StoreError>;
        /// Calls `visit` with every tie as stored ([`SledStore::visit_tie_bytes`]).
        pub async fn visit_tie_bytes(
            &self,
            visit: impl FnMut(&[u8], &[u8]),
        ) -> Result<(), StoreError>;
        /// The ties of `user` ([`SledStore::ties_of`]).
        pub async fn ties_of(&self, user: &UserId) -> Result<Vec<Tie>, StoreError>;
        /// The ties of `user` and of their peers ([`SledStore::ties_around`]).
        pub async fn ties_around(&self, user: &UserId) -> Result<Vec<Tie>, StoreError>;
        /// The ties among `people` ([`SledStore::ties_among`]).
        pub async fn ties_among(&self, people: &[UserId]) -> Result<Vec<Tie>, StoreError>;
        /// The teams tied to `team` ([`SledStore::teams_tied_to`]).
        pub async fn teams_tied_to(&self, team: &TeamId) -> Result<BTreeSet<TeamId>, StoreError>;

        /// The once-keys of this store ([`SledStore::once_keys`]).
        pub async fn once_keys(&self) -> Result<OnceKeys, StoreError>;
        /// Whether the delivery `key` is seen for the first time
        /// ([`SledStore::first_delivery`]).
        pub async fn first_delivery(
            &self,
            key: &str,
            at: DateTime<Utc>,
        ) -> Result<bool, StoreError>;
        /// Forgets the deliveries seen before `before` ([`SledStore::prune_deliveries`]).
        pub async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError>;
        /// The last run of `job` ([`SledStore::last_run`]).
        pub async fn last_run(&self, job: &str) -> Result<Option<JobRun>, StoreError>;
        /// Records `run` as the last of `job` ([`SledStore::record_run`]).
        pub async fn record_run(&self, job: &str, run: &JobRun) -> Result<(), StoreError>;
        /// Queues `outgoing` and records `run` as the last of `job`, at
        /// once ([`SledStore::queue_and_record_run`]).
        pub async fn queue_and_record_run(
            &self,
            outgoing: Outgoing,
            job: &str,
            run: &JobRun,
        ) -> Result<OutboxItem, StoreError>;
        /// The nudges sent since `since` ([`SledStore::nudges_sent_since`]).
        pub async fn nudges_sent_since(
            &self,
            since: DateTime<Utc>,
        ) -> Result<Vec<SentNudge>, StoreError>;

        /// Queues `outgoing` ([`SledStore::enqueue`]).
        pub async fn enqueue(
            &self,
            outgoing: Vec<Outgoing>,
            now: DateTime<Utc>,
        ) -> Result<Vec<OutboxItem>, StoreError>;
        /// Queues one message ([`SledStore::enqueue_one`]).
        pub async fn enqueue_one(
            &self,
            outgoing: Outgoing,
            now: DateTime<Utc>,
        ) -> Result<OutboxItem, StoreError>;
        /// Every item in the outbox ([`SledStore::outbox`]).
        pub async fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError>;
        /// Whether the item `id` is in the outbox ([`SledStore::in_outbox`]).
        pub async fn in_outbox(&self, id: u64) -> Result<bool, StoreError>;
        /// The items still to be sent ([`SledStore::pending_outbox`]).
        pub async fn pending_outbox(&self) -> Result<Vec<OutboxItem>, StoreError>;
        /// Writes `item` back ([`SledStore::update_outbox_item`]).
        pub async fn update_outbox_item(&self, item: &OutboxItem) -> Result<(), StoreError>;
        /// Slack accepted `item`, or it is not to be sent ([`SledStore::mark_sent`]).
        pub async fn mark_sent(
            &self,
            item: &OutboxItem,
            sent: Option<&SentNudge>,
            dm_channel: Option<&ChannelId>,
        ) -> Result<(), StoreError>;
        /// Slack accepted the early warning `item`
        /// ([`SledStore::mark_early_warning_sent`]).
        pub async fn mark_early_warning_sent(
            &self,
            item: &OutboxItem,
            introductions: &[SentNudge],
            at: DateTime<Utc>,
            dm_channel: Option<&ChannelId>,
        ) -> Result<(), StoreError>;
        /// Removes the failed items given up on before `before`
        /// ([`SledStore::prune_failed`]).
        pub async fn prune_failed(&self, before: DateTime<Utc>) -> Result<usize, StoreError>;
        /// The DM channel with `user`, if opened ([`SledStore::dm_channel`]).
        pub async fn dm_channel(&self, user: &UserId) -> Result<Option<ChannelId>, StoreError>;
        /// Remembers the DM channel with `user` ([`SledStore::remember_dm_channel`]).
        #[cfg(test)]
        pub(crate) async fn remember_dm_channel(
            &self,
            user: &UserId,
            channel: &ChannelId,
        ) -> Result<(), StoreError>;
        /// Forgets the DM channel with `user` ([`SledStore::forget_dm_channel`]).
        pub async fn forget_dm_channel(&self, user: &UserId) -> Result<(), StoreError>;

        /// Every circle formed ([`SledStore::circles`]).
        pub async fn circles(&self) -> Result<Vec<Circle>, StoreError>;
        /// The circle `key`, if kept ([`SledStore::circle`]).
        pub async fn circle(&self, key: CircleKey) -> Result<Option<Circle>, StoreError>;
        /// Records a run of the circles job with its messages
        /// ([`SledStore::save_circles_and_enqueue`]).
        pub async fn save_circles_and_enqueue(
            &self,
            check_ins: &[CircleKey],
            new_round: &[Vec<UserId>],
            now: DateTime<Utc>,
        ) -> Result<CirclesSaved, StoreError>;
        /// Slack accepted `item`, a message to `circle`
        /// ([`SledStore::mark_circle_message_sent`]).
        pub async fn mark_circle_message_sent(
            &self,
            item: &OutboxItem,
            circle: CircleKey,
            group_dm: Option<(&ChannelId, &[UserId])>,
        ) -> Result<(), StoreError>;
        /// Records `outcome` as the circle's answer ([`SledStore::answer_circle`]).
        pub async fn answer_circle(
            &self,
            key: CircleKey,
            outcome: CircleOutcome,
        ) -> Result<Option<Circle>, StoreError>;

        /// Saves `feed` ([`SledStore::put_calendar`]).
        pub async fn put_calendar(&self, feed: &CalendarFeed) -> Result<(), StoreError>;
        /// Saves what a read of `feed` found ([`SledStore::update_calendar`]).
        pub async fn update_calendar(&self, feed: &CalendarFeed) -> Result<bool, StoreError>;
        /// Puts `with` in place of `owner`'s calendar if it is still
        /// `expected` ([`SledStore::replace_calendar_if`]).
        pub async fn replace_calendar_if(
            &self,
            owner: &UserId,
            expected: &SealedAddress,
            with: Option<&CalendarFeed>,
        ) -> Result<bool, StoreError>;
        /// The calendar `owner` gave ([`SledStore::calendar`]).
        pub async fn calendar(&self, owner: &UserId) -> Result<Option<CalendarFeed>, StoreError>;
        /// Every calendar given ([`SledStore::calendars`]).
        pub async fn calendars(&self) -> Result<Vec<CalendarFeed>, StoreError>;
        /// Deletes `owner`'s calendar ([`SledStore::remove_calendar`]).
        pub async fn remove_calendar(&self, owner: &UserId) -> Result<bool, StoreError>;

        /// Whether `id` asked to be forgotten ([`SledStore::is_forgotten`]).
        pub async fn is_forgotten(&self, id: &UserId) -> Result<bool, StoreError>;
        /// Lifts `id`'s tombstone ([`SledStore::lift_tombstone`]).
        pub async fn lift_tombstone(&self, id: &UserId) -> Result<(), StoreError>;
        /// Removes every trace of `id` ([`SledStore::forget_person`]).
        pub async fn forget_person(&self, id: &UserId) -> Result<Forgotten, StoreError>;
        /// Everything held about `id` ([`SledStore::export_person`]).
        pub async fn export_person(&self, id: &UserId) -> Result<PersonExport, StoreError>;

        /// Deletes every record ([`SledStore::purge_everything`]).
        pub async fn purge_everything(&self) -> Result<(), StoreError>;
        /// Erases from the store's files what was forgotten, if due
        /// ([`SledStore::rewrite_if_due`]).
        pub async fn rewrite_if_due(&self) -> Result<Option<Rewritten>, StoreError>;

        /// Writes a backup to `out` ([`SledStore::export_backup`]).
        pub async fn export_backup(
            &self,
            out: &mut impl Write,
            written_at: DateTime<Utc>,
            watch: impl FnMut(&Counts) -> ControlFlow<()>,
        ) -> Result<Exported, BackupError>;
    }
}

/// Runs the future `work` makes to its end on tokio's blocking pool, as
/// [`tokio::task::spawn_blocking`] runs a closure: at once, whether or not
/// the handle is awaited. For work that reads or writes much of the store:
/// a sled call holds its thread for as long as it runs (a whole tree read,
/// a backup, a rewrite), which on an async worker would hold up every
/// request behind it. `work` makes its future there, so that future need
/// not be `Send`.
pub fn off_the_workers<F, Work>(work: Work) -> tokio::task::JoinHandle<F::Output>
where
    Work: FnOnce() -> F + Send + 'static,
    F: Future,
    F::Output: Send + 'static,
{
    // A thread of the blocking pool is no worker, so it may block on the
    // future; it is inside the runtime, so `Handle::current` finds it.
    tokio::task::spawn_blocking(move || tokio::runtime::Handle::current().block_on(work()))
}
