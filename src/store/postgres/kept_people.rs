//! The people as this replica last read them, kept while it hears of
//! every change to them.
//!
//! Every `/met` reads the person who typed it and the people it names,
//! and each read was a round trip to the database and a share of its CPU,
//! under a burst most of what a replica asked of it. The people change
//! seldom (a directory sync, a choice in `/alliances`, a forget), so each
//! replica keeps those it read, as the sled store keeps them in memory.
//!
//! What makes that safe with several replicas: a trigger on the `people`
//! table (migration V3) notifies `alliances_people` at the commit of any
//! statement that changes it, whoever runs it: another replica, another
//! build, an operator in psql. Each replica listens on a connection of its
//! own (see `listener`) and forgets everything it kept when it hears it; a change it makes
//! itself is forgotten as soon as it commits, before anyone is told. While
//! the listener is not connected and listening, nothing is kept and every
//! person is read from the database.
//!
//! What remains: between a change's commit on another replica and its
//! notification here (a millisecond or two on one network), this replica
//! answers from what it kept, as a request that read the person just
//! before the change would have. A listener that stops hearing its own
//! echo, sent every second, is not trusted [`HEARD_WITHIN`] after the
//! last one came back, and nothing kept is used until it hears again.

use crate::domain::{Person, UserId};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The people a replica kept, shared by its handles.
#[derive(Default)]
pub(super) struct KeptPeople {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// When the listener last heard its own echo: nothing is kept unless
    /// that was within [`HEARD_WITHIN`].
    heard_at: Option<Instant>,
    /// Counts every change heard or made, and every start and loss of the
    /// listener: a read begun before one is not kept, or it would keep
    /// what the change replaced.
    changes: u64,
    people: HashMap<UserId, Arc<Person>>,
}

/// How recently the listener must have heard its own echo for what is
/// kept to be used: a little over two of its beats (see `listener`), so
/// that a connection that died without a word is given up within it.
pub(super) const HEARD_WITHIN: Duration = Duration::from_millis(2_500);

impl Inner {
    fn hearing(&self) -> bool {
        self.heard_at.is_some_and(|at| at.elapsed() < HEARD_WITHIN)
    }
}

/// What [`KeptPeople::kept`] found.
pub(super) enum Kept {
    /// The person, as kept.
    Person(Arc<Person>),
    /// Nothing kept: read them, and give [`KeptPeople::keep`] this count.
    Missing { changes: u64 },
}

impl KeptPeople {
    /// The person with `id`, if kept.
    pub(super) fn kept(&self, id: &UserId) -> Kept {
        let inner = self.inner.lock();
        match inner.people.get(id).filter(|_| inner.hearing()) {
            Some(person) => Kept::Person(Arc::clone(person)),
            None => Kept::Missing {
                changes: inner.changes,
            },
        }
    }

    /// Keeps `person`, read after [`KeptPeople::kept`] answered `changes`,
    /// unless the people changed since or the listener is not listening.
    pub(super) fn keep(&self, person: &Person, changes: u64) {
        let mut inner = self.inner.lock();
        if inner.hearing() && inner.changes == changes {
            inner
                .people
                .insert(person.id.clone(), Arc::new(person.clone()));
        }
    }

    /// Forgets everything kept: the people changed.
    pub(super) fn forget(&self) {
        let mut inner = self.inner.lock();
        inner.changes += 1;
        inner.people.clear();
    }

    /// Notes that the listener started or stopped listening; either way,
    /// what was kept is forgotten, since changes may have gone unheard.
    pub(super) fn listening(&self, listening: bool) {
        self.inner.lock().heard_at = listening.then(Instant::now);
        self.forget();
    }

    /// Notes that the listener heard again its own echo, sent at `sent`:
    /// every change committed before then has been heard, since a
    /// connection's notifications arrive in order.
    pub(super) fn echoed(&self, sent: Instant) {
        let mut inner = self.inner.lock();
        if inner.heard_at.is_some() {
            inner.heard_at = Some(sent);
        }
    }

    /// Whether the listener hears changes now.
    pub(super) fn is_listening(&self) -> bool {
        self.inner.lock().hearing()
    }

    /// Whether the listener heard its echo since it last started or
    /// stopped listening.
    pub(super) fn has_heard(&self) -> bool {
        self.inner.lock().heard_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{person_in, pg_replicas, until, user};
    use crate::store::postgres::PgStore;
    use std::time::{Duration, Instant};

    /// Reads `id` on `store` until it keeps them: a read may land before
    /// the notification of the write it saw, which then forgets it.
    async fn kept_after_reading(store: &PgStore, id: &str) {
        until("the person read was never kept", async || {
            store.person(&user(id)).await.unwrap();
            matches!(store.kept_people.kept(&user(id)), Kept::Person(_))
        })
        .await;
    }

    async fn listening(store: &PgStore) {
        until("the listener never listened", async || {
            store.kept_people.is_listening()
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_on_one_replica_reaches_what_another_kept() {
        let Some((a, b)) = pg_replicas().await else {
            return;
        };
        listening(&b).await;
        a.put_people(&[person_in("UADA", "Payments"), person_in("UBOB", "Search")])
            .await
            .unwrap();
        // B keeps Bob once read: a second read asks nothing of the
        // database.
        kept_after_reading(&b, "UBOB").await;

        // Bob opts out on A; B answers it as soon as it hears.
        let started = Instant::now();
        a.update_person(&user("UBOB"), |p| p.opted_out = true)
            .await
            .unwrap();
        until("B never heard that Bob opted out", async || {
            b.person(&user("UBOB")).await.unwrap().unwrap().opted_out
        })
        .await;
        let heard_in = started.elapsed();
        assert!(heard_in < Duration::from_secs(1), "{heard_in:?}");

        // A change made on A is A's at once, with no wait for its echo.
        a.person(&user("UADA")).await.unwrap();
        a.update_person(&user("UADA"), |p| p.name = "Ada".into())
            .await
            .unwrap();
        assert_eq!(a.person(&user("UADA")).await.unwrap().unwrap().name, "Ada");

        // And one made in psql, by no replica, reaches both.
        let client = a.client().await.unwrap();
        client
            .execute("DELETE FROM people WHERE id = 'UADA'", &[])
            .await
            .unwrap();
        for store in [&a, &b] {
            until("a delete in psql never reached a replica", async || {
                store.person(&user("UADA")).await.unwrap().is_none()
            })
            .await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_replica_that_cannot_hear_keeps_nothing_until_it_hears_again() {
        let Some((a, b)) = pg_replicas().await else {
            return;
        };
        a.put_person(&person_in("UBOB", "Search")).await.unwrap();
        listening(&b).await;
        kept_after_reading(&b, "UBOB").await;

        // B's listener is cut off, as a restarted database or a network
        // fault would cut it: B forgets what it kept and reads afresh.
        let client = a.client().await.unwrap();
        client
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = 'alliances listener' AND datname = current_database()",
                &[],
            )
            .await
            .unwrap();
        until("B never noticed its listener was gone", async || {
            !b.kept_people.is_listening()
        })
        .await;
        a.update_person(&user("UBOB"), |p| p.opted_out = true)
            .await
            .unwrap();
        assert!(b.person(&user("UBOB")).await.unwrap().unwrap().opted_out);
        assert!(matches!(
            b.kept_people.kept(&user("UBOB")),
            Kept::Missing { .. }
        ));

        // It listens again by itself, and keeps again.
        listening(&b).await;
        kept_after_reading(&b, "UBOB").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_listener_hangs_up_when_its_store_is_dropped() {
        let Some((watcher, store)) = pg_replicas().await else {
            return;
        };
        listening(&store).await;
        let listeners = async || -> i64 {
            watcher
                .client()
                .await
                .unwrap()
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity \
                     WHERE application_name = 'alliances listener' AND datname = current_database()",
                    &[],
                )
                .await
                .unwrap()
                .get(0)
        };
        assert_eq!(listeners().await, 2);
        drop(store);
        until(
            "the dropped store's listener stayed connected",
            async || listeners().await == 1,
        )
        .await;
    }

    #[test]
    fn what_is_kept_is_used_only_while_the_echo_came_back_lately() {
        let kept = KeptPeople::default();
        let ada = person_in("UADA", "Payments");
        let changes = |kept: &KeptPeople| match kept.kept(&ada.id) {
            Kept::Missing { changes } => changes,
            Kept::Person(_) => panic!("Ada was kept"),
        };
        // Not listening: nothing is kept.
        kept.keep(&ada, changes(&kept));
        assert!(matches!(kept.kept(&ada.id), Kept::Missing { .. }));
        kept.listening(true);
        kept.keep(&ada, changes(&kept));
        assert!(matches!(kept.kept(&ada.id), Kept::Person(_)));
        // The last echo came back too long ago, as when the connection
        // died without a word: what is kept is not used...
        kept.inner.lock().heard_at = Some(Instant::now() - HEARD_WITHIN);
        assert!(matches!(kept.kept(&ada.id), Kept::Missing { .. }));
        assert!(!kept.is_listening());
        // ...until an echo comes back, which proves nothing went unheard.
        kept.echoed(Instant::now());
        assert!(matches!(kept.kept(&ada.id), Kept::Person(_)));
    }
}
