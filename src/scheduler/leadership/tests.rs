//! Leadership among replicas, against a real PostgreSQL: one leads, a
//! dead leader is replaced once its lease runs out, a leader that stops
//! gives the lease up, and a leader cut off from the database stops
//! leading by itself before anyone else could take over.

use super::*;
use crate::domain::HalfLife;
use crate::store::PgStore;
use crate::store::fixtures::pg_store;

const LEASE_IN_TESTS: Duration = Duration::from_millis(1_000);
const RENEW_IN_TESTS: Duration = Duration::from_millis(100);

fn replica(
    store: &crate::store::PgStore,
    name: &str,
) -> (Leadership, CancellationToken, tokio::task::JoinHandle<()>) {
    let leadership = Leadership::with_timing(
        store.clone().into(),
        name.into(),
        LEASE_IN_TESTS,
        RENEW_IN_TESTS,
    );
    let stop = CancellationToken::new();
    let running = {
        let (leadership, stop) = (leadership.clone(), stop.clone());
        tokio::spawn(async move { leadership.run(stop).await })
    };
    (leadership, stop, running)
}

/// Waits up to `within` for `condition`, checking `never` all along.
async fn until(within: Duration, condition: impl Fn() -> bool, never: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        assert!(!never(), "two replicas lead at once");
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_leads_and_a_dead_leader_is_replaced_once_its_lease_runs_out() {
    let Some(store) = pg_store().await else {
        return;
    };
    let (a, _stop_a, run_a) = replica(&store, "a");
    assert!(until(Duration::from_secs(2), || a.leads(), || false).await);
    let (b, stop_b, _run_b) = replica(&store, "b");
    let (c, stop_c, _run_c) = replica(&store, "c");
    let both = || {
        [a.leads(), b.leads(), c.leads()]
            .iter()
            .filter(|l| **l)
            .count()
            > 1
    };
    // The others keep trying, and never lead while "a" renews.
    assert!(!until(Duration::from_millis(500), || b.leads() || c.leads(), &both).await);

    // "a" dies: no renewal, no release, as kill -9 leaves it.
    run_a.abort();
    let held = store.lease("scheduler").await.unwrap().unwrap();
    assert_eq!(held.holder, "a");
    let taken = until(
        Duration::from_secs(5),
        || b.leads() || c.leads(),
        || b.leads() && c.leads(),
    )
    .await;
    assert!(taken, "nobody took over");
    // Not before a's lease ran out, by the database's clock: the new
    // holder's lease began at or after the end of a's.
    let new = store.lease("scheduler").await.unwrap().unwrap();
    assert_ne!(new.holder, "a");
    let began = new.until - chrono::Duration::from_std(LEASE_IN_TESTS).unwrap();
    assert!(
        began >= held.until,
        "taken at {began}, before a's lease ran out at {}",
        held.until
    );

    // The new leader stops: it gives the lease up, and the other takes it
    // at its next try, without waiting for the lease to run out.
    let (leader, stop, other) = if b.leads() {
        (&b, &stop_b, &c)
    } else {
        (&c, &stop_c, &b)
    };
    stop.cancel();
    let stopped = Instant::now();
    assert!(until(Duration::from_secs(1), || other.leads(), || false).await);
    assert!(!leader.leads());
    // Before the lease could have run out (the margin is wide for a
    // busy machine).
    assert!(
        stopped.elapsed() < LEASE_IN_TESTS,
        "{:?}",
        stopped.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_cut_off_from_the_database_stops_leading_before_its_lease_runs_out() {
    // A cluster of its own, to stop it under the leader.
    let Some(cluster) =
        throwaway_postgres::Cluster::for_tests(throwaway_postgres::Durability::NoFsync)
    else {
        return;
    };
    let url = cluster.create_database().unwrap();
    let url = format!("{url}?connect_timeout=1");
    let store = PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap();
    let (a, _stop, _run) = replica(&store, "a");
    assert!(until(Duration::from_secs(2), || a.leads(), || false).await);

    cluster.stop();
    let cut = Instant::now();
    assert!(until(Duration::from_secs(2), || !a.leads(), || false).await);
    assert!(
        cut.elapsed() < LEASE_IN_TESTS,
        "still led {:?} after",
        cut.elapsed()
    );

    // Back, it leads again.
    cluster.start_again().unwrap();
    assert!(until(Duration::from_secs(5), || a.leads(), || false).await);
}
