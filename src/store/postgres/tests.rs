//! The PostgreSQL store against a real throwaway cluster (one for the
//! tests of this binary, a fresh database for each test), and against the
//! sled store where both must agree.

use super::*;
use crate::domain::{HalfLife, Interaction, Person, TeamId, UserId};
use crate::store::fixtures::{
    any_interaction, at_minute, meeting, open_temp, person_in as person, pg_cluster as cluster,
    pg_store as store, three_teams, until, user,
};
use crate::store::{JobRun, Replacing, SlackCallers};
use proptest::prelude::*;
use std::ops::ControlFlow;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_fresh_database_is_migrated_once_however_many_replicas_connect() {
    let Some(cluster) = cluster() else { return };
    let url = cluster.create_database().unwrap();
    let replicas: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStore::connect(&url, HalfLife::DEFAULT).await })
        })
        .collect();
    for replica in replicas {
        let replica = replica.await.unwrap().unwrap();
        assert_eq!(replica.schema_version().await.unwrap(), supported_schema());
    }
    let again = PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), supported_schema());
}

#[tokio::test]
async fn a_database_of_a_newer_schema_is_refused_with_a_sentence() {
    let Some(store) = store().await else { return };
    let client = store.client().await.unwrap();
    client
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES (99, 'future', '2030-01-01', '0')",
            &[],
        )
        .await
        .unwrap();
    let err = store.migrate().await.unwrap_err();
    let said = err.to_string();
    assert!(
        matches!(
            err,
            StoreError::NewerDatabase {
                found: 99,
                supported,
                ..
            } if supported == supported_schema()
        ),
        "{said}"
    );
    assert!(
        said.contains("newer alliances (schema 99)") && said.contains("upgrade"),
        "{said}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_named_without_its_password() {
    let Some(cluster) = cluster() else { return };
    // A port nobody listens on: the cluster's, plus one, is as good as any
    // and stays on 127.0.0.1.
    let url = format!(
        "postgres://alliances:hunter2@127.0.0.1:{}/nowhere?connect_timeout=2",
        cluster.port().wrapping_add(1)
    );
    let Err(err) = PgStore::connect(&url, HalfLife::DEFAULT).await else {
        panic!("connected to nothing");
    };
    let said = err.to_string();
    assert!(
        said.contains("127.0.0.1:") && said.contains("/nowhere"),
        "{said}"
    );
    assert!(!said.contains("hunter2"), "{said}");

    let Err(err) = PgStore::connect("postgres://a:b@[bad", HalfLife::DEFAULT).await else {
        panic!("a bad string parsed");
    };
    assert!(err.to_string().contains("does not parse"), "{err}");
}

#[tokio::test]
async fn people_round_trip_and_two_changes_at_once_both_land() {
    let Some(store) = store().await else { return };
    store
        .put_people(&[person("U2", "Product"), person("U1", "Engineering")])
        .await
        .unwrap();
    let ids: Vec<UserId> = store
        .people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, [user("U1"), user("U2")]);
    assert_eq!(
        store.person(&user("U1")).await.unwrap(),
        Some(person("U1", "Engineering"))
    );
    assert_eq!(store.person(&user("U9")).await.unwrap(), None);
    assert_eq!(store.people_by_id().await.unwrap().len(), 2);

    // Two replicas change the same person at once: a snooze and a rename.
    let (a, b) = (store.clone(), store.clone());
    let snooze = tokio::spawn(async move {
        a.update_person(&user("U1"), |p| p.name = "Ada".into())
            .await
    });
    let opt_out =
        tokio::spawn(async move { b.update_person(&user("U1"), |p| p.opted_out = true).await });
    snooze.await.unwrap().unwrap();
    opt_out.await.unwrap().unwrap();
    let ada = store.person(&user("U1")).await.unwrap().unwrap();
    assert_eq!((ada.name.as_str(), ada.opted_out), ("Ada", true));
    // A change that changes nothing (the daily sync, mostly) writes nothing.
    let version = async || {
        let client = store.client().await.unwrap();
        let row = client
            .query_one("SELECT xmin::text FROM people WHERE id = 'U1'", &[])
            .await
            .unwrap();
        row.get::<_, String>(0)
    };
    let before = version().await;
    let same = store
        .update_person(&user("U1"), |p| p.name = "Ada".into())
        .await
        .unwrap();
    assert_eq!(same, Some(ada));
    assert_eq!(version().await, before);
    assert_eq!(
        store
            .update_person(&user("U9"), |p| p.name = "nobody".into())
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_job_run_is_recorded_and_read_back() {
    let Some(store) = store().await else { return };
    assert_eq!(store.last_run("digest").await.unwrap(), None);
    let run = JobRun {
        scheduled_for: at_minute(0),
        started_at: at_minute(1),
        summary: "posted 1 digest".into(),
    };
    store.record_run("digest", &run).await.unwrap();
    assert_eq!(store.last_run("digest").await.unwrap(), Some(run));
}

#[tokio::test]
async fn a_lease_is_held_by_one_replica_until_it_runs_out_or_is_given_up() {
    let Some(store) = store().await else { return };
    let long = std::time::Duration::from_secs(30);
    assert!(
        store
            .hold_lease("scheduler", "replica-a", long)
            .await
            .unwrap()
    );
    assert!(
        !store
            .hold_lease("scheduler", "replica-b", long)
            .await
            .unwrap()
    );
    assert!(
        store
            .hold_lease("scheduler", "replica-a", long)
            .await
            .unwrap(),
        "a renewal"
    );
    assert_eq!(
        store.lease("scheduler").await.unwrap().unwrap().holder,
        "replica-a"
    );

    // A holder that stops renewing loses it once it runs out.
    let short = std::time::Duration::from_millis(200);
    store.release_lease("scheduler", "replica-a").await.unwrap();
    assert!(
        store
            .hold_lease("scheduler", "replica-a", short)
            .await
            .unwrap()
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        store
            .hold_lease("scheduler", "replica-b", long)
            .await
            .unwrap()
    );
    assert!(
        !store
            .hold_lease("scheduler", "replica-a", long)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_interaction_logs_its_ties_and_a_repeated_key_logs_nothing() {
    let Some(store) = store().await else { return };
    let coffee = meeting(at_minute(10), &["U2", "U1"], Some("coffee"));
    let lunch = meeting(at_minute(0), &["U1", "U2", "U3"], None);
    let first = store
        .log_interaction_once("T1", &coffee)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.new_ties.len(), 1);
    assert_eq!(
        store.log_interaction_once("T1", &coffee).await.unwrap(),
        None
    );
    let second = store.log_interaction(&lunch).await.unwrap();
    assert!(second.id > first.id);
    assert_eq!(second.new_ties.len(), 2, "U1-U3 and U2-U3 are new");
    assert_eq!(store.interaction_count().await.unwrap(), 2);
    let pair = crate::domain::PairKey::new(&user("U1"), &user("U2")).unwrap();
    let tie = store.tie(&pair).await.unwrap().unwrap();
    assert_eq!(
        (tie.first_at, tie.last_at, tie.count),
        (at_minute(0), at_minute(10), 2)
    );
    assert_eq!(tie.last_note.as_deref(), Some("coffee"));
    assert_eq!(store.ties_of(&user("U3")).await.unwrap().len(), 2);
    assert_eq!(store.ties().await.unwrap().len(), 3);
}

/// The participants' index takes each meeting into its tree as it is
/// logged. Left to GIN's default, it would gather them in a pending list,
/// and the write that found the list full (4 MB) would fold it in while
/// every `/met` waited behind it: tens of milliseconds, every few
/// thousand meetings.
#[tokio::test]
async fn the_participants_index_keeps_no_pending_list_for_a_write_to_fold_in() {
    let Some(store) = store().await else { return };
    for minute in 0..20 {
        let coffee = meeting(at_minute(minute), &["U1", "U2"], None);
        store.log_interaction(&coffee).await.unwrap();
    }
    let client = store.client().await.unwrap();
    let available = client
        .query_opt(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pgstattuple'",
            &[],
        )
        .await
        .unwrap();
    if available.is_none() {
        eprintln!("skipped: PostgreSQL's pgstattuple extension is not installed");
        return;
    }
    client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        .await
        .unwrap();
    let row = client
        .query_one(
            "SELECT pending_pages, pending_tuples \
             FROM pgstatginindex('interactions_by_participant')",
            &[],
        )
        .await
        .unwrap();
    let (pages, tuples): (i32, i64) = (row.get(0), row.get(1));
    assert_eq!((pages, tuples), (0, 0), "meetings wait in the pending list");
}

/// What a step of the comparison with sled logs.
#[derive(Debug, Clone)]
enum Step {
    One(Interaction),
    Once(&'static str, Interaction),
    Bulk(Vec<Interaction>),
    BulkOnce(Vec<(&'static str, Interaction)>),
}

fn any_step() -> impl Strategy<Value = Step> {
    const POOL: [&str; 5] = ["U1", "U2", "U3", "U12", "W5"];
    let key = || proptest::sample::select(vec!["a", "b", "c", "d"]);
    prop_oneof![
        any_interaction(&POOL).prop_map(Step::One),
        (key(), any_interaction(&POOL)).prop_map(|(k, i)| Step::Once(k, i)),
        proptest::collection::vec(any_interaction(&POOL), 0..6).prop_map(Step::Bulk),
        proptest::collection::vec((key(), any_interaction(&POOL)), 0..6).prop_map(Step::BulkOnce),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any sequence of writes leaves PostgreSQL with what it leaves sled:
    /// the same log in the same order, the same ties, the same count, and
    /// each write's answer the same.
    #[test]
    fn postgres_logs_what_sled_logs(steps in proptest::collection::vec(any_step(), 1..8)) {
        let runtime = runtime();
        let Some(pg) = runtime.block_on(store()) else { return Ok(()) };
        let (_dir, sled) = open_temp();
        for step in steps {
            match step {
                Step::One(i) => {
                    let (a, b) = (sled.log_interaction(&i).unwrap(), runtime.block_on(pg.log_interaction(&i)).unwrap());
                    prop_assert_eq!(a.new_ties, b.new_ties);
                }
                Step::Once(key, i) => {
                    let a = sled.log_interaction_once(key, &i).unwrap().map(|l| l.new_ties);
                    let b = runtime.block_on(pg.log_interaction_once(key, &i)).unwrap().map(|l| l.new_ties);
                    prop_assert_eq!(a, b);
                }
                Step::Bulk(batch) => {
                    prop_assert_eq!(sled.log_interactions(&batch).unwrap(), runtime.block_on(pg.log_interactions(&batch)).unwrap());
                }
                Step::BulkOnce(batch) => {
                    let batch: Vec<(&str, &Interaction)> = batch.iter().map(|(k, i)| (*k, i)).collect();
                    prop_assert_eq!(sled.log_interactions_once(&batch).unwrap(), runtime.block_on(pg.log_interactions_once(&batch)).unwrap());
                }
            }
        }
        let logged = |log: Vec<(u64, Interaction)>| -> Vec<Interaction> { log.into_iter().map(|(_, i)| i).collect() };
        let pg_log = runtime.block_on(pg.interactions()).unwrap();
        prop_assert!(pg_log.windows(2).all(|w| w[0].0 < w[1].0), "ids grow in log order");
        prop_assert_eq!(logged(pg_log), logged(sled.interactions().unwrap()));
        prop_assert_eq!(runtime.block_on(pg.ties()).unwrap(), sled.ties().unwrap());
        prop_assert_eq!(runtime.block_on(pg.interaction_count()).unwrap(), sled.interaction_count());
        for id in ["U1", "U12", "W5"] {
            prop_assert_eq!(runtime.block_on(pg.ties_of(&user(id))).unwrap(), sled.ties_of(&user(id)).unwrap());
        }
    }
}

#[tokio::test]
async fn two_replicas_logging_the_same_keys_at_once_log_each_once() {
    let Some(store) = store().await else { return };
    let meetings: Vec<(String, Interaction)> = (0..50)
        .map(|i| (format!("k{i}"), meeting(at_minute(i), &["U1", "U2"], None)))
        .collect();
    let meetings = std::sync::Arc::new(meetings);
    let replicas: Vec<_> = (0..2)
        .map(|_| {
            let (store, meetings) = (store.clone(), meetings.clone());
            tokio::spawn(async move {
                let mut new = 0;
                for (key, meeting) in meetings.iter() {
                    new += usize::from(
                        store
                            .log_interaction_once(key, meeting)
                            .await
                            .unwrap()
                            .is_some(),
                    );
                }
                new
            })
        })
        .collect();
    let mut new = 0;
    for replica in replicas {
        new += replica.await.unwrap();
    }
    assert_eq!(new, 50);
    assert_eq!(store.interaction_count().await.unwrap(), 50);
    let pair = crate::domain::PairKey::new(&user("U1"), &user("U2")).unwrap();
    assert_eq!(store.tie(&pair).await.unwrap().unwrap().count, 50);
}

#[tokio::test]
async fn a_delivery_is_first_once_on_any_replica_until_pruned() {
    let Some(store) = store().await else { return };
    let other = store.clone();
    assert!(store.first_delivery("Ev1", at_minute(0)).await.unwrap());
    assert!(!other.first_delivery("Ev1", at_minute(1)).await.unwrap());
    assert_eq!(store.prune_deliveries(at_minute(5)).await.unwrap(), 1);
    assert!(other.first_delivery("Ev1", at_minute(6)).await.unwrap());
}

#[tokio::test]
async fn a_met_typed_again_is_logged_once_whichever_replica_it_reaches() {
    let Some(store) = store().await else { return };
    let replica = store.clone();
    let coffee = meeting(at_minute(0), &["U1", "U2"], Some("coffee"));
    let content = Some("U1 met U2 on 2026-03-02: coffee");
    let first = store
        .log_once_and_commit("T1", content, &coffee)
        .await
        .unwrap();
    assert!(first.is_some());
    // The same trigger again, then the same content under a new trigger.
    assert_eq!(
        replica
            .log_once_and_commit("T1", None, &coffee)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        replica
            .log_once_and_commit("T2", content, &coffee)
            .await
            .unwrap(),
        None
    );
    // Another content is another meeting.
    let lunch = meeting(at_minute(60), &["U1", "U2"], Some("lunch"));
    let other = Some("U1 met U2 on 2026-03-02: lunch");
    assert!(
        replica
            .log_once_and_commit("T3", other, &lunch)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.interaction_count().await.unwrap(), 2);

    // The contents are kept as keyed hashes, never as written.
    let client = store.client().await.unwrap();
    let kept: Vec<String> = client
        .query("SELECT key FROM recent_logs", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(kept.len(), 2);
    assert!(
        kept.iter()
            .all(|key| key.starts_with("recent:") && !key.contains("U1")),
        "{kept:?}"
    );
}

#[tokio::test]
async fn the_hash_key_is_drawn_once_and_shared_by_replicas() {
    let Some(store) = store().await else { return };
    let (a, b) = (store.clone(), store.clone());
    let (ka, kb) = tokio::join!(a.once_keys(), b.once_keys());
    let (ka, kb) = (ka.unwrap(), kb.unwrap());
    assert_eq!(ka.key("calendar", &[b"uid"]), kb.key("calendar", &[b"uid"]));
}

#[tokio::test]
async fn adding_someone_new_keeps_whoever_came_first_and_nobody_forgotten() {
    use crate::store::Added;
    let Some(pg) = store().await else { return };
    let mut opted_out = person("UADA", "Payments");
    opted_out.opted_out = true;
    assert_eq!(pg.add_person(&opted_out).await.unwrap(), Added::Added);
    let synced = person("UADA", "Search");
    assert_eq!(pg.add_person(&synced).await.unwrap(), Added::Known);
    assert_eq!(pg.person(&user("UADA")).await.unwrap(), Some(opted_out));

    pg.forget_person(&user("UBOB")).await.unwrap();
    let bob = person("UBOB", "Search");
    assert_eq!(pg.add_person(&bob).await.unwrap(), Added::Forgotten);
    assert_eq!(pg.person(&user("UBOB")).await.unwrap(), None);
}

fn digest() -> crate::domain::Outgoing {
    crate::domain::Outgoing::Digest {
        channel: "alliances".into(),
        digest: crate::domain::Digest::empty(at_minute(0), at_minute(10)),
        team_map: None,
    }
}

/// `item` claimed by `pg`'s replica for a minute, as its dispatcher
/// claims what it sends: only then may that replica mark it sent.
async fn claimed(pg: &PgStore, item: &crate::domain::OutboxItem) {
    pg.client()
        .await
        .unwrap()
        .execute(
            "UPDATE outbox SET claimed_by = $2, \
             claimed_until = clock_timestamp() + interval '1 minute' WHERE id = $1",
            &[&(item.id as i64), &pg.replica],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_sent_intro_is_recorded_only_while_the_people_it_names_are_known() {
    use crate::domain::ChannelId;
    let Some(store) = store().await else { return };
    store
        .put_people(&[person("U1", "Payments"), person("U2", "Legal")])
        .await
        .unwrap();
    let intro = |to: &str, about: &str| crate::store::fixtures::intro_naming(to, about, 2, "U3");
    let queued = store
        .enqueue(vec![digest(), digest()], at_minute(1))
        .await
        .unwrap();
    assert!(queued[0].id < queued[1].id);
    assert_eq!(store.pending_outbox().await.unwrap(), queued);
    let channel = ChannelId::parse("D0001").unwrap();

    // U9 was forgotten while the nudge to them was on its way.
    claimed(&store, &queued[0]).await;
    store
        .mark_sent(&queued[0], Some(&intro("U9", "U2")), Some(&channel))
        .await
        .unwrap();
    assert!(
        store
            .nudges_sent_since(at_minute(0))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.dm_channel(&user("U9")).await.unwrap(), None);
    assert!(!store.in_outbox(queued[0].id).await.unwrap());

    // U3, the contact, is not known: the record leaves them out.
    claimed(&store, &queued[1]).await;
    store
        .mark_sent(&queued[1], Some(&intro("U1", "U2")), Some(&channel))
        .await
        .unwrap();
    let recorded = store.nudges_sent_since(at_minute(0)).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].reason.as_ref().unwrap().shared_contact(), None);
    assert_eq!(store.dm_channel(&user("U1")).await.unwrap(), Some(channel));
    store.forget_dm_channel(&user("U1")).await.unwrap();
    assert_eq!(store.dm_channel(&user("U1")).await.unwrap(), None);
    assert!(store.pending_outbox().await.unwrap().is_empty());

    // "Since" includes a nudge sent at that very instant, and no earlier.
    let after = at_minute(2) + chrono::Duration::nanoseconds(1);
    assert!(store.nudges_sent_since(after).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_item_is_kept_apart_from_the_pending_ones_until_pruned() {
    use crate::domain::OutboxState;
    let Some(store) = store().await else { return };
    let queued = store.enqueue_one(digest(), at_minute(1)).await.unwrap();
    // Only the replica that claimed an item writes it back.
    let long = std::time::Duration::from_secs(60);
    let mut item = store
        .claim_outbox(1, long, at_minute(1))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(item, queued);
    item.attempts = 3;
    item.state = OutboxState::Failed {
        at: at_minute(5),
        error: "Slack refused chat.postMessage: channel_not_found".into(),
    };
    store.update_outbox_item(&item).await.unwrap();
    assert!(store.pending_outbox().await.unwrap().is_empty());
    assert_eq!(store.outbox().await.unwrap(), [item]);
    assert_eq!(store.prune_failed(at_minute(5)).await.unwrap(), 0);
    assert_eq!(store.prune_failed(at_minute(6)).await.unwrap(), 1);
    assert!(store.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn replicas_claiming_at_once_share_the_outbox_and_a_dead_ones_claims_run_out() {
    let Some(cluster) = cluster() else { return };
    let url = cluster.create_database().unwrap();
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap());
    }
    let (a, b, c) = (&replicas[0], &replicas[1], &replicas[2]);
    let queued = a
        .enqueue((0..40).map(|_| digest()).collect(), at_minute(0))
        .await
        .unwrap();
    let long = std::time::Duration::from_secs(60);
    let claims: Vec<_> = replicas
        .iter()
        .map(|replica| {
            let replica = replica.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = replica.claim_outbox(3, long, at_minute(1)).await.unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|item| item.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for claim in claims {
        all.extend(claim.await.unwrap());
    }
    all.sort_unstable();
    let ids: Vec<u64> = queued.iter().map(|item| item.id).collect();
    assert_eq!(all, ids, "every item claimed by exactly one replica");

    // "a" stalls past its claim; "b" takes the item over.
    let short = std::time::Duration::from_millis(100);
    let fresh = a.enqueue(vec![digest()], at_minute(0)).await.unwrap();
    let mut mine = a.claim_outbox(10, short, at_minute(1)).await.unwrap();
    assert_eq!(mine, fresh);
    assert!(
        b.claim_outbox(10, long, at_minute(1))
            .await
            .unwrap()
            .is_empty()
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(b.claim_outbox(10, long, at_minute(1)).await.unwrap(), fresh);
    // "a" wakes and writes back its failed attempt: the item is b's now,
    // and stays claimed by b, so that "c" does not send it a third time.
    mine[0].attempts = 1;
    a.update_outbox_item(&mine[0]).await.unwrap();
    assert!(
        c.claim_outbox(10, long, at_minute(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(b.outbox().await.unwrap().last().unwrap().attempts, 0);
    // b's own write-back frees it; a's stale copy still does not land.
    let mut retried = fresh[0].clone();
    retried.attempts = 5;
    b.update_outbox_item(&retried).await.unwrap();
    a.update_outbox_item(&mine[0]).await.unwrap();
    assert_eq!(b.outbox().await.unwrap().last().unwrap().attempts, 5);
    assert_eq!(
        c.claim_outbox(10, long, at_minute(1)).await.unwrap(),
        [retried]
    );

    // An item not yet due is not claimed.
    let later = a.enqueue(vec![digest()], at_minute(30)).await.unwrap();
    assert!(
        c.claim_outbox(10, long, at_minute(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        c.claim_outbox(10, long, at_minute(30)).await.unwrap(),
        later
    );
}

#[tokio::test]
async fn a_replica_whose_claim_was_taken_over_posts_and_marks_nothing_of_it() {
    use crate::domain::ChannelId;
    use crate::store::fixtures::{early_warning, pg_replicas, sent};
    let Some((a, b)) = pg_replicas().await else {
        return;
    };
    a.put_people(&[person("U1", "Payments"), person("U2", "Legal")])
        .await
        .unwrap();
    let queued = a
        .enqueue(vec![digest(), early_warning("U1", "U2")], at_minute(0))
        .await
        .unwrap();
    // "a" claims both, then stalls past its claims; "b" takes them over.
    let short = std::time::Duration::from_millis(100);
    let long = std::time::Duration::from_secs(60);
    assert_eq!(
        a.claim_outbox(10, short, at_minute(1)).await.unwrap(),
        queued
    );
    assert_eq!(
        a.claim_now(queued[0].id, short).await.unwrap(),
        ClaimNow::Held
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        b.claim_outbox(10, long, at_minute(1)).await.unwrap(),
        queued
    );

    // "a" wakes: its last check before the post says the items are b's,
    // and whatever it marks, sent or not to be sent, is left to b.
    for item in &queued {
        assert_eq!(
            a.claim_now(item.id, long).await.unwrap(),
            ClaimNow::TakenOver
        );
    }
    let channel = ChannelId::parse("D0001").unwrap();
    a.mark_sent(&queued[0], Some(&sent("U1", "U2", 2)), Some(&channel))
        .await
        .unwrap();
    a.mark_sent(&queued[0], None, None).await.unwrap();
    a.mark_early_warning_sent(&queued[1], &[], at_minute(2), Some(&channel))
        .await
        .unwrap();
    assert_eq!(a.outbox().await.unwrap(), queued, "both still queued");
    assert!(a.nudges_sent_since(at_minute(0)).await.unwrap().is_empty());
    assert_eq!(a.dm_channel(&user("U1")).await.unwrap(), None);
    let leader = a.person(&user("U1")).await.unwrap().unwrap();
    assert_eq!(leader.early_warned_at, None);

    // "b" still holds them, sends them and records them.
    for item in &queued {
        assert_eq!(b.claim_now(item.id, long).await.unwrap(), ClaimNow::Held);
    }
    b.mark_sent(&queued[0], Some(&sent("U1", "U2", 2)), None)
        .await
        .unwrap();
    b.mark_early_warning_sent(&queued[1], &[], at_minute(2), None)
        .await
        .unwrap();
    assert!(b.outbox().await.unwrap().is_empty());
    assert_eq!(b.nudges_sent_since(at_minute(0)).await.unwrap().len(), 1);
    assert_eq!(
        a.claim_now(queued[0].id, long).await.unwrap(),
        ClaimNow::LeftTheOutbox
    );
}

fn feed(owner: &str, sealed: &str) -> crate::domain::CalendarFeed {
    crate::domain::CalendarFeed::new(
        user(owner),
        crate::domain::SealedAddress::from_sealed(sealed.into()),
        at_minute(0),
    )
}

#[tokio::test]
async fn a_calendar_is_kept_until_taken_back_and_a_read_does_not_bring_it_back() {
    let Some(store) = store().await else { return };
    let given = feed("U1", "Zmlyc3Q=");
    store.put_calendar(&given).await.unwrap();
    store
        .put_calendar(&feed("U2", "c2VhbGVkMg=="))
        .await
        .unwrap();
    assert_eq!(
        store.calendar(&user("U1")).await.unwrap(),
        Some(given.clone())
    );
    assert_eq!(store.calendars().await.unwrap().len(), 2);

    let mut read = given.clone();
    read.read_well(at_minute(5), Some("\"v1\"".into()), None);
    assert!(store.update_calendar(&read).await.unwrap());
    assert_eq!(
        store.calendar(&user("U1")).await.unwrap(),
        Some(read.clone())
    );
    store.put_calendar(&feed("U1", "c2Vjb25k")).await.unwrap();
    assert!(
        !store.update_calendar(&read).await.unwrap(),
        "another address now"
    );

    // A failed first read gives back the calendar before, unless taken back.
    let pending = feed("U1", "c2Vjb25k");
    assert!(
        store
            .replace_calendar_if(&user("U1"), &pending.address, Some(&given))
            .await
            .unwrap()
    );
    assert_eq!(
        store.calendar(&user("U1")).await.unwrap(),
        Some(given.clone())
    );
    assert!(
        !store
            .replace_calendar_if(&user("U1"), &pending.address, None)
            .await
            .unwrap()
    );

    assert!(store.remove_calendar(&user("U1")).await.unwrap());
    assert!(!store.remove_calendar(&user("U1")).await.unwrap());
    assert!(!store.update_calendar(&read).await.unwrap(), "taken back");
    assert_eq!(
        store.calendars().await.unwrap(),
        [feed("U2", "c2VhbGVkMg==")]
    );
}

/// Ties between U1..U4 and W5 in four teams, logged in both stores.
async fn two_stores_with_ties() -> Option<(tempfile::TempDir, crate::store::SledStore, PgStore)> {
    let pg = store().await?;
    let (dir, sled) = open_temp();
    let people = [
        person("U1", "Engineering"),
        person("U2", "Engineering"),
        person("U3", "Product"),
        person("U4", "Legal"),
        person("W5", "Sales"),
    ];
    sled.put_people(&people).unwrap();
    pg.put_people(&people).await.unwrap();
    for (minute, pair) in [["U1", "U2"], ["U1", "U3"], ["U3", "U4"], ["U4", "W5"]]
        .iter()
        .enumerate()
    {
        let met = meeting(at_minute(minute as i64 * 60), pair, None);
        sled.log_interaction(&met).unwrap();
        pg.log_interaction(&met).await.unwrap();
    }
    Some((dir, sled, pg))
}

#[tokio::test]
async fn the_tie_queries_answer_what_the_sled_indexes_answer() {
    let Some((_dir, sled, pg)) = two_stores_with_ties().await else {
        return;
    };
    for id in ["U1", "U3", "W5", "U9"] {
        assert_eq!(
            pg.ties_around(&user(id)).await.unwrap(),
            sled.ties_around(&user(id)).unwrap(),
            "{id}"
        );
    }
    let leaders = [user("U1"), user("U3"), user("U4")];
    assert_eq!(
        pg.ties_among(&leaders).await.unwrap(),
        sled.ties_among(&leaders).unwrap()
    );
    for team in ["Engineering", "Product", "Sales", "Finance"] {
        let team = TeamId::parse(team).unwrap();
        assert_eq!(
            pg.teams_tied_to(&team).await.unwrap(),
            sled.teams_tied_to(&team).unwrap(),
            "{team:?}"
        );
    }
}

#[tokio::test]
async fn the_log_is_visited_in_order_whole_or_between_two_instants() {
    let Some((_dir, sled, pg)) = two_stores_with_ties().await else {
        return;
    };
    let visited = |store: &crate::store::SledStore, from: i64, until: i64| {
        let mut seen = Vec::new();
        store
            .visit_interactions_between(at_minute(from), at_minute(until), |i| seen.push(i))
            .unwrap();
        seen
    };
    for (from, until) in [(0, 180), (60, 120), (61, 119), (-10, -1)] {
        let mut seen = Vec::new();
        pg.visit_interactions_between(at_minute(from), at_minute(until), |i| seen.push(i))
            .await
            .unwrap();
        assert_eq!(seen, visited(&sled, from, until), "{from}..{until}");
    }
    let mut all = Vec::new();
    pg.visit_interactions(|i| all.push(i)).await.unwrap();
    let mut sled_all = Vec::new();
    sled.visit_interactions(|i| sled_all.push(i)).unwrap();
    assert_eq!(all, sled_all);
}

#[tokio::test]
async fn an_early_warning_sent_is_recorded_on_its_leader_with_its_known_introductions() {
    use crate::domain::{ChannelId, SentNudge};
    let Some(store) = store().await else { return };
    store
        .put_people(&[person("U1", "Engineering"), person("U2", "Legal")])
        .await
        .unwrap();
    let step = |to: &str, about: &str| SentNudge {
        warning_step: true,
        ..crate::store::fixtures::sent(to, about, 3)
    };
    let queued = store
        .enqueue(
            vec![
                crate::store::fixtures::early_warning("U1", "U2"),
                crate::store::fixtures::early_warning("U8", "U2"),
            ],
            at_minute(0),
        )
        .await
        .unwrap();
    let channel = ChannelId::parse("D0001").unwrap();
    claimed(&store, &queued[0]).await;
    store
        .mark_early_warning_sent(
            &queued[0],
            &[step("U1", "U2"), step("U1", "U9")],
            at_minute(3),
            Some(&channel),
        )
        .await
        .unwrap();
    let ada = store.person(&user("U1")).await.unwrap().unwrap();
    assert_eq!(ada.early_warned_at, Some(at_minute(3)));
    assert_eq!(
        store.nudges_sent_since(at_minute(0)).await.unwrap(),
        [step("U1", "U2")]
    );
    assert_eq!(
        store.dm_channel(&user("U1")).await.unwrap(),
        Some(channel.clone())
    );

    // U8 was forgotten while their warning was on its way: no trace.
    claimed(&store, &queued[1]).await;
    store
        .mark_early_warning_sent(
            &queued[1],
            &[step("U8", "U2")],
            at_minute(4),
            Some(&channel),
        )
        .await
        .unwrap();
    assert_eq!(
        store.nudges_sent_since(at_minute(0)).await.unwrap().len(),
        1
    );
    assert_eq!(store.dm_channel(&user("U8")).await.unwrap(), None);
    assert!(store.outbox().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_tombstone_names_nobody_and_is_lifted_when_its_person_opts_in() {
    let Some(store) = store().await else { return };
    assert!(
        !store.is_forgotten(&user("U1")).await.unwrap(),
        "no key, nobody forgotten"
    );
    store.once_keys().await.unwrap();
    let hash = store
        .tombstone_if_keyed(&user("U1"))
        .await
        .unwrap()
        .unwrap();
    let client = store.client().await.unwrap();
    client
        .execute("INSERT INTO tombstones (hash) VALUES ($1)", &[&&hash[..]])
        .await
        .unwrap();
    assert!(store.is_forgotten(&user("U1")).await.unwrap());
    assert!(!store.is_forgotten(&user("U2")).await.unwrap());
    assert!(!hash.windows(2).any(|w| w == b"U1"));
    store.lift_tombstone(&user("U1")).await.unwrap();
    assert!(!store.is_forgotten(&user("U1")).await.unwrap());
}

#[tokio::test]
async fn circles_are_formed_asked_and_answered_as_in_sled() {
    use crate::domain::{CircleKey, CircleOutcome};
    let Some(pg) = store().await else { return };
    let (_dir, sled) = open_temp();
    let people: Vec<Person> = ["U1", "U2", "U3", "U4", "U5"]
        .iter()
        .map(|id| person(id, "Leadership"))
        .collect();
    sled.put_people(&people).unwrap();
    pg.put_people(&people).await.unwrap();
    let round = vec![
        vec![user("U1"), user("U2")],
        vec![user("U3"), user("U4"), user("U5")],
    ];
    let a = sled
        .save_circles_and_enqueue(&[], &round, at_minute(0))
        .unwrap();
    let b = pg
        .save_circles_and_enqueue(&[], &round, at_minute(0))
        .await
        .unwrap();
    assert_eq!(a.formed, b.formed);
    assert_eq!(b.formed[1].key, CircleKey { round: 1, index: 2 });
    let outgoing = |saved: &crate::store::CirclesSaved| -> Vec<crate::domain::Outgoing> {
        saved
            .queued
            .iter()
            .map(|item| item.outgoing.clone())
            .collect()
    };
    assert_eq!(outgoing(&a), outgoing(&b));

    // The check-in is asked once, then the answers: *We met* stands.
    let first = b.formed[0].key;
    for _ in 0..2 {
        let a = sled
            .save_circles_and_enqueue(&[first], &[], at_minute(60))
            .unwrap();
        let b = pg
            .save_circles_and_enqueue(&[first], &[], at_minute(60))
            .await
            .unwrap();
        assert_eq!((a.asked, outgoing(&a)), (b.asked, outgoing(&b)));
    }
    let answers = [
        CircleOutcome::NotYet {
            by: Some(user("U1")),
            at: at_minute(65),
        },
        CircleOutcome::Met {
            by: Some(user("U2")),
            at: at_minute(70),
        },
        CircleOutcome::NotYet {
            by: Some(user("U1")),
            at: at_minute(75),
        },
        CircleOutcome::NotYet {
            by: Some(user("U9")),
            at: at_minute(80),
        },
    ];
    for outcome in answers {
        let a = sled.answer_circle(first, outcome.clone()).unwrap();
        let b = pg.answer_circle(first, outcome).await.unwrap();
        assert_eq!(a, b);
    }
    let group = crate::domain::ChannelId::parse("G0001").unwrap();
    let members = [user("U1"), user("U2")];
    let item = &pg.pending_outbox().await.unwrap()[0];
    claimed(&pg, item).await;
    pg.mark_circle_message_sent(item, first, Some((&group, &members)))
        .await
        .unwrap();
    let kept = pg.circle(first).await.unwrap().unwrap();
    assert_eq!(
        (kept.channel, kept.channel_members),
        (Some(group), members.to_vec())
    );
    assert!(!pg.in_outbox(item.id).await.unwrap());

    // A new round is numbered after every round formed.
    let next = pg
        .save_circles_and_enqueue(&[], &round, at_minute(90))
        .await
        .unwrap();
    assert_eq!(next.formed[0].key.round, 2);
    assert_eq!(pg.circles().await.unwrap().len(), 4);
    let members_now = crate::store::Store::from(pg.clone())
        .circle_members_to_write(&next.formed[1], at_minute(90))
        .await
        .unwrap();
    assert_eq!(members_now, [user("U3"), user("U4"), user("U5")]);
}

/// Every row of every table of `store`'s database whose text holds
/// `needle`, as `table: row`: the whole database, not only the tables
/// this build knows of.
async fn rows_holding(store: &PgStore, needle: &str) -> Vec<String> {
    let client = store.client().await.unwrap();
    let tables: Vec<String> = client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut found = Vec::new();
    for table in tables {
        let rows = client
            .query(
                &format!("SELECT t::text FROM {table} t WHERE strpos(t::text, $1) > 0"),
                &[&needle],
            )
            .await
            .unwrap();
        found.extend(
            rows.iter()
                .map(|row| format!("{table}: {}", row.get::<_, String>(0))),
        );
    }
    found
}

#[tokio::test]
async fn forgetting_a_person_on_postgres_leaves_what_sled_leaves_and_no_trace() {
    use crate::domain::{CalendarFeed, ChannelId, InteractionKind, SealedAddress};
    let Some(pg) = store().await else { return };
    let (_dir, sled) = open_temp();
    let mut bob = person("UBOB", "Search");
    bob.paused = std::collections::BTreeSet::from([user("UADA"), user("UCY")]);
    let people = [
        person("UADA", "Payments"),
        bob,
        person("UCY", "Search"),
        person("UDEE", "Legal"),
    ];
    sled.put_people(&people).unwrap();
    pg.put_people(&people).await.unwrap();
    let mut for_others = meeting(at_minute(50), &["UBOB", "UCY"], Some("intro"));
    for_others.logged_by = Some(user("UADA"));
    let we_met = Interaction::new(
        at_minute(40),
        InteractionKind::WeMet,
        [user("UDEE"), user("UADA")],
        None,
        None,
    )
    .unwrap();
    let log = [
        meeting(at_minute(0), &["UADA", "UBOB"], Some("coffee")),
        meeting(at_minute(20), &["UADA", "UBOB", "UCY"], Some("roadmap")),
        meeting(at_minute(5), &["UBOB", "UCY", "UDEE"], None),
        meeting(at_minute(10), &["UBOB", "UCY"], Some("sync")),
        we_met,
        for_others,
    ];
    for interaction in &log {
        sled.log_interaction(interaction).unwrap();
        pg.log_interaction(interaction).await.unwrap();
    }
    let intro = crate::store::fixtures::intro_naming("UDEE", "UCY", 101, "UADA");
    // Bob's reminder of Cy quotes her note "roadmap", and so does Cy's, queued.
    let quoting = |to, about| crate::store::fixtures::reminder_quoting(to, about, 102, "roadmap");
    let sent = [
        crate::store::fixtures::sent("UADA", "UBOB", 100),
        crate::store::fixtures::sent("UCY", "UDEE", 100),
        intro,
        crate::domain::SentNudge::of(&quoting("UBOB", "UCY"), at_minute(102)),
    ];
    let to_cy = crate::domain::Outgoing::Nudge(quoting("UCY", "UBOB"));
    sled.enqueue_one(to_cy.clone(), at_minute(103)).unwrap();
    pg.enqueue_one(to_cy, at_minute(103)).await.unwrap();
    let channel = ChannelId::parse("DADA").unwrap();
    for nudge in &sent {
        let item = sled.enqueue_one(digest(), at_minute(99)).unwrap();
        sled.mark_sent(&item, Some(nudge), Some(&channel)).unwrap();
        let item = pg.enqueue_one(digest(), at_minute(99)).await.unwrap();
        claimed(&pg, &item).await;
        pg.mark_sent(&item, Some(nudge), Some(&channel))
            .await
            .unwrap();
    }
    let feed = CalendarFeed::new(
        user("UADA"),
        SealedAddress::from_sealed("c2VhbGVk".into()),
        at_minute(100),
    );
    sled.put_calendar(&feed).unwrap();
    pg.put_calendar(&feed).await.unwrap();
    let round = [
        vec![user("UADA"), user("UBOB")],
        vec![user("UCY"), user("UDEE"), user("UADA")],
    ];
    sled.save_circles_and_enqueue(&[], &round, at_minute(110))
        .unwrap();
    pg.save_circles_and_enqueue(&[], &round, at_minute(110))
        .await
        .unwrap();
    assert!(!rows_holding(&pg, "UADA").await.is_empty());
    // Before: what each would export of her is the same; Dee, who opted
    // out, is named in nobody else's.
    let mut dee = person("UDEE", "Legal");
    dee.opted_out = true;
    sled.put_person(&dee).unwrap();
    pg.put_person(&dee).await.unwrap();
    for id in ["UADA", "UCY", "UDEE"] {
        let (a, b) = (
            sled.export_person(&user(id)).unwrap(),
            pg.export_person(&user(id)).await.unwrap(),
        );
        assert_eq!(a, b, "{id}");
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(id == "UDEE", json.contains("UDEE"), "{id}: {json}");
    }

    let a = sled.forget_person(&user("UADA")).unwrap();
    let b = pg.forget_person(&user("UADA")).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(b.circles_left, 2);
    assert_eq!(rows_holding(&pg, "UADA").await, Vec::<String>::new());
    assert_eq!(rows_holding(&pg, "roadmap").await, Vec::<String>::new());
    assert!(pg.is_forgotten(&user("UADA")).await.unwrap());

    let logged = |log: Vec<(u64, Interaction)>| -> Vec<Interaction> {
        log.into_iter().map(|(_, i)| i).collect()
    };
    assert_eq!(
        logged(pg.interactions().await.unwrap()),
        logged(sled.interactions().unwrap())
    );
    assert_eq!(pg.ties().await.unwrap(), sled.ties().unwrap());
    assert_eq!(
        pg.interaction_count().await.unwrap(),
        sled.interaction_count()
    );
    assert_eq!(pg.people().await.unwrap(), sled.people().unwrap());
    assert_eq!(
        pg.nudges_sent_since(at_minute(0)).await.unwrap(),
        sled.nudges_sent_since(at_minute(0)).unwrap()
    );
    assert_eq!(pg.circles().await.unwrap(), sled.circles().unwrap());
    let outgoing = |items: Vec<crate::domain::OutboxItem>| -> Vec<crate::domain::Outgoing> {
        items.into_iter().map(|i| i.outgoing).collect()
    };
    assert_eq!(
        outgoing(pg.outbox().await.unwrap()),
        outgoing(sled.outbox().unwrap())
    );
    assert_eq!(pg.calendars().await.unwrap(), sled.calendars().unwrap());
    assert_eq!(pg.dm_channel(&user("UADA")).await.unwrap(), None);

    // Twice does nothing more.
    assert_eq!(
        pg.forget_person(&user("UADA")).await.unwrap(),
        Default::default()
    );
}

#[tokio::test]
async fn a_purge_leaves_no_record_but_the_last_circle_round() {
    let Some(pg) = store().await else { return };
    pg.put_people(&[person("UADA", "Payments"), person("UBOB", "Search")])
        .await
        .unwrap();
    pg.log_interaction_once(
        "Tmet1",
        &meeting(at_minute(0), &["UADA", "UBOB"], Some("coffee")),
    )
    .await
    .unwrap();
    pg.first_delivery("Ev1", at_minute(0)).await.unwrap();
    pg.enqueue(vec![digest()], at_minute(0)).await.unwrap();
    let round = [vec![user("UADA"), user("UBOB")]];
    pg.save_circles_and_enqueue(&[], &round, at_minute(1))
        .await
        .unwrap();
    pg.once_keys().await.unwrap();

    pg.purge_everything().await.unwrap();
    for id in ["UADA", "UBOB", "Ev1", "coffee", "Tmet1"] {
        assert_eq!(rows_holding(&pg, id).await, Vec::<String>::new(), "{id}");
    }
    assert_eq!(pg.interaction_count().await.unwrap(), 0);
    assert!(pg.outbox().await.unwrap().is_empty());
    // The next round is numbered after the purged one.
    let next = pg
        .save_circles_and_enqueue(&[], &round, at_minute(2))
        .await
        .unwrap();
    assert_eq!(next.formed[0].key.round, 2);
    assert_eq!(pg.schema_version().await.unwrap(), supported_schema());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nudge_recorded_while_its_person_is_forgotten_goes_with_them() {
    let Some(pg) = store().await else { return };
    pg.put_people(&[person("UADA", "Payments"), person("UBOB", "Search")])
        .await
        .unwrap();
    // A replica records a nudge to Ada: her record locked to share, the
    // nudge written, not yet committed.
    let mut client = pg.client().await.unwrap();
    let marking = client.transaction().await.unwrap();
    marking
        .execute("SELECT 1 FROM people WHERE id = 'UADA' FOR SHARE", &[])
        .await
        .unwrap();
    let nudge = crate::store::fixtures::sent("UADA", "UBOB", 0);
    marking
        .execute(
            "INSERT INTO nudges (at_ns, to_id, about, nudge) VALUES (0, 'UADA', 'UBOB', $1)",
            &[&json(&nudge)],
        )
        .await
        .unwrap();
    // Another forgets her meanwhile: it waits for the record, then takes it.
    let forgetting = {
        let pg = pg.clone();
        tokio::spawn(async move { pg.forget_person(&user("UADA")).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!forgetting.is_finished(), "the forget waits for the record");
    marking.commit().await.unwrap();
    let forgotten = forgetting.await.unwrap().unwrap();
    assert_eq!(forgotten.nudges_removed, 1);
    assert_eq!(rows_holding(&pg, "UADA").await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_circle_formed_while_its_member_is_forgotten_does_not_seat_them() {
    let Some(pg) = store().await else { return };
    pg.put_people(&three_teams()).await.unwrap();
    pg.once_keys().await.unwrap();
    let ada = pg.tombstone_if_keyed(&user("UADA")).await.unwrap().unwrap();
    // A forget of Ada under way: the log-writer lock held, her tombstone
    // written, not yet committed.
    let mut client = pg.client().await.unwrap();
    let forget = client.transaction().await.unwrap();
    forget
        .execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_WRITER])
        .await
        .unwrap();
    forget
        .execute("INSERT INTO tombstones (hash) VALUES ($1)", &[&&ada[..]])
        .await
        .unwrap();
    let forming = {
        let pg = pg.clone();
        tokio::spawn(async move {
            let round = [vec![user("UADA"), user("UBOB"), user("UCY")]];
            pg.save_circles_and_enqueue(&[], &round, at_minute(0)).await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!forming.is_finished(), "the circles wait for the forget");
    forget.commit().await.unwrap();
    let saved = forming.await.unwrap().unwrap();
    assert_eq!(saved.formed[0].members, [user("UBOB"), user("UCY")]);
}

#[tokio::test]
async fn a_sled_backup_imported_into_postgres_exports_the_same_lines() {
    use crate::domain::{CalendarFeed, ChannelId, SealedAddress};
    let Some(pg) = store().await else { return };
    let (_dir, sled) = open_temp();
    let people = [
        person("UADA", "Payments"),
        person("UBOB", "Search"),
        person("UCY", "Search"),
        person("UDEE", "Legal"),
    ];
    sled.put_people(&people).unwrap();
    for (minute, pair) in [
        ["UADA", "UBOB"],
        ["UBOB", "UCY"],
        ["UCY", "UDEE"],
        ["UADA", "UDEE"],
    ]
    .iter()
    .enumerate()
    {
        let met = meeting(at_minute(minute as i64 * 30), pair, Some("sync"));
        sled.log_interaction_once(&format!("k{minute}"), &met)
            .unwrap();
    }
    let channel = ChannelId::parse("D0001").unwrap();
    let intro = crate::store::fixtures::intro_naming("UDEE", "UCY", 101, "UBOB");
    let item = sled.enqueue_one(digest(), at_minute(99)).unwrap();
    sled.mark_sent(&item, Some(&intro), Some(&channel)).unwrap();
    sled.enqueue(vec![digest()], at_minute(100)).unwrap();
    sled.record_run(
        "digest",
        &JobRun {
            scheduled_for: at_minute(0),
            started_at: at_minute(1),
            summary: "posted 1 digest".into(),
        },
    )
    .unwrap();
    let round = [vec![user("UADA"), user("UBOB"), user("UCY")]];
    sled.save_circles_and_enqueue(&[], &round, at_minute(110))
        .unwrap();
    sled.put_calendar(&CalendarFeed::new(
        user("UCY"),
        SealedAddress::from_sealed("c2VhbGVk".into()),
        at_minute(120),
    ))
    .unwrap();
    sled.forget_person(&user("UDEE")).unwrap();

    let written_at = at_minute(200);
    let mut from_sled = Vec::new();
    sled.export_backup(&mut from_sled, written_at, |_| ControlFlow::Continue(()))
        .unwrap();
    let loaded = pg
        .import_backup(from_sled.as_slice(), Replacing::EmptyOnly, |_| {})
        .await
        .unwrap();
    let loaded = loaded.counts;
    assert!(loaded.tombstones == 1 && loaded.circles == 1 && loaded.interactions > 0);
    let mut from_pg = Vec::new();
    pg.export_backup(&mut from_pg, written_at, |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    let (a, b) = (
        String::from_utf8(from_sled).unwrap(),
        String::from_utf8(from_pg).unwrap(),
    );
    for (line, (a, b)) in a.lines().zip(b.lines()).enumerate() {
        assert_eq!(a, b, "line {}", line + 1);
    }
    assert_eq!(a.lines().count(), b.lines().count());

    // What the bot reads back is what sled held, the folded ties included.
    assert_eq!(pg.ties().await.unwrap(), sled.ties().unwrap());
    assert_eq!(
        pg.interaction_count().await.unwrap(),
        sled.interaction_count()
    );
    assert!(pg.is_forgotten(&user("UDEE")).await.unwrap());
    let next = meeting(at_minute(300), &["UADA", "UCY"], None);
    let logged = pg.log_interaction(&next).await.unwrap();
    let highest = sled.interactions().unwrap().last().unwrap().0;
    assert!(logged.id > highest, "new ids come after the loaded ones");
    assert_eq!(
        pg.log_interaction_once("k0", &next).await.unwrap(),
        None,
        "keys came along"
    );

    // A database that holds data is not loaded into.
    let again = pg
        .import_backup(a.as_bytes(), Replacing::EmptyOnly, |_| {})
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already holds data"), "{again}");

    // Replacing it with a backup cut short leaves it as it was ...
    let cut: String = a.lines().take(5).map(|line| format!("{line}\n")).collect();
    let broken = pg
        .import_backup(cut.as_bytes(), Replacing::Anything, |_| {})
        .await
        .unwrap_err();
    assert!(broken.to_string().contains("closing line"), "{broken}");
    assert_eq!(
        pg.interaction_count().await.unwrap(),
        sled.interaction_count() + 1
    );
    // ... and a whole one takes the place of everything, the meeting
    // logged since included.
    let replaced = pg
        .import_backup(a.as_bytes(), Replacing::Anything, |_| {})
        .await
        .unwrap();
    assert_eq!(replaced.written_at, written_at);
    assert_eq!(
        pg.interaction_count().await.unwrap(),
        sled.interaction_count()
    );
    assert_eq!(pg.ties().await.unwrap(), sled.ties().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nudge_marked_sent_during_a_forget_waits_for_it_instead_of_deadlocking() {
    let Some(pg) = store().await else { return };
    pg.put_people(&[person("UADA", "Payments"), person("UBOB", "Search")])
        .await
        .unwrap();
    let item = pg.enqueue_one(digest(), at_minute(0)).await.unwrap();
    claimed(&pg, &item).await;
    // A forget under way, at its first step: Ada's record locked.
    let mut client = pg.client().await.unwrap();
    let forget = client.transaction().await.unwrap();
    forget
        .execute("SELECT 1 FROM people WHERE id = 'UADA' FOR UPDATE", &[])
        .await
        .unwrap();
    // Slack accepted a nudge to Ada: marking it sent waits for her record,
    // and holds nothing of the outbox meanwhile.
    let marking = {
        let pg = pg.clone();
        let sent = crate::store::fixtures::sent("UADA", "UBOB", 1);
        tokio::spawn(async move { pg.mark_sent(&item, Some(&sent), None).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!marking.is_finished(), "marking waits for the forget");
    // The forget's later step, the outbox, is not held up by it.
    let outbox = forget
        .query("SELECT id FROM outbox FOR UPDATE NOWAIT", &[])
        .await;
    assert!(outbox.is_ok(), "the outbox was locked: {outbox:?}");
    forget.commit().await.unwrap();
    marking.await.unwrap().unwrap();
}

/// Waits until `n` sessions on `pg`'s database wait on a lock.
async fn until_waiting_on_locks(pg: &PgStore, n: i64) {
    until(&format!("{n} sessions waiting on a lock"), async || {
        let client = pg.client().await.unwrap();
        let row = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap();
        row.get::<_, i64>(0) >= n
    })
    .await;
}

/// Runs `first`, then `second` once `first` waits, while the outbox row
/// of `item` is held by another transaction; lets the row go once both
/// wait, and returns how each ended. Forces the one order of locks in
/// which a circle between the two would close.
async fn race_over_an_outbox_row<A, B>(
    pg: &PgStore,
    item: &crate::domain::OutboxItem,
    first: impl Future<Output = Result<A, StoreError>> + Send + 'static,
    second: impl Future<Output = Result<B, StoreError>> + Send + 'static,
) -> (Result<A, StoreError>, Result<B, StoreError>)
where
    A: Send + 'static,
    B: Send + 'static,
{
    let mut client = pg.client().await.unwrap();
    let holding = client.transaction().await.unwrap();
    holding
        .execute(
            "SELECT 1 FROM outbox WHERE id = $1 FOR UPDATE",
            &[&(item.id as i64)],
        )
        .await
        .unwrap();
    let first = tokio::spawn(first);
    until_waiting_on_locks(pg, 1).await;
    let second = tokio::spawn(second);
    until_waiting_on_locks(pg, 2).await;
    holding.rollback().await.unwrap();
    let within = std::time::Duration::from_secs(10);
    let first = tokio::time::timeout(within, first).await.unwrap().unwrap();
    let second = tokio::time::timeout(within, second).await.unwrap().unwrap();
    (first, second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nudge_to_someone_who_paused_the_forgotten_marked_sent_meanwhile_is_kept_once() {
    let Some(pg) = store().await else { return };
    // Bob paused Ada; Slack accepted a nudge to Bob about Cy.
    let mut bob = person("UBOB", "Search");
    bob.paused.insert(user("UADA"));
    pg.put_people(&[person("UADA", "Payments"), bob, person("UCY", "Legal")])
        .await
        .unwrap();
    let item = pg.enqueue_one(digest(), at_minute(0)).await.unwrap();
    claimed(&pg, &item).await;
    let sent = crate::store::fixtures::sent("UBOB", "UCY", 1);
    // Ada is forgotten, and reaches the outbox first; then the nudge to
    // Bob is marked sent.
    let forgetting = {
        let pg = pg.clone();
        async move { pg.forget_person(&user("UADA")).await }
    };
    let marking = {
        let (pg, item, sent) = (pg.clone(), item.clone(), sent.clone());
        async move { pg.mark_sent(&item, Some(&sent), None).await }
    };
    let (forgot, marked) = race_over_an_outbox_row(&pg, &item, forgetting, marking).await;

    forgot.unwrap();
    marked.unwrap();
    assert!(
        !pg.in_outbox(item.id).await.unwrap(),
        "not to be sent again"
    );
    assert_eq!(pg.nudges_sent_since(at_minute(0)).await.unwrap(), [sent]);
    let bob = pg.person(&user("UBOB")).await.unwrap().unwrap();
    assert!(bob.paused.is_empty(), "Ada left Bob's paused set");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_early_warning_suggesting_the_forgotten_marked_sent_meanwhile_is_kept_once() {
    use crate::domain::SentNudge;
    let Some(pg) = store().await else { return };
    pg.put_people(&[person("UADA", "Payments"), person("UBOB", "Search")])
        .await
        .unwrap();
    // Slack accepted a warning to Bob suggesting he meet Ada.
    let item = pg
        .enqueue_one(
            crate::store::fixtures::early_warning("UBOB", "UADA"),
            crate::store::fixtures::at_minute(0),
        )
        .await
        .unwrap();
    claimed(&pg, &item).await;
    let step = SentNudge {
        warning_step: true,
        ..crate::store::fixtures::sent("UBOB", "UADA", 1)
    };
    // It is marked sent, and reaches the outbox first; then Ada is
    // forgotten.
    let marking = {
        let (pg, item) = (pg.clone(), item.clone());
        async move {
            pg.mark_early_warning_sent(&item, &[step], at_minute(1), None)
                .await
        }
    };
    let forgetting = {
        let pg = pg.clone();
        async move { pg.forget_person(&user("UADA")).await }
    };
    let (marked, forgot) = race_over_an_outbox_row(&pg, &item, marking, forgetting).await;

    marked.unwrap();
    forgot.unwrap();
    assert!(
        !pg.in_outbox(item.id).await.unwrap(),
        "not to be sent again"
    );
    let bob = pg.person(&user("UBOB")).await.unwrap().unwrap();
    assert_eq!(bob.early_warned_at, Some(at_minute(1)));
    assert_eq!(rows_holding(&pg, "UADA").await, Vec::<String>::new());
}

#[tokio::test]
async fn an_import_after_a_purge_never_gives_a_circle_round_again() {
    let Some(pg) = store().await else { return };
    let (_dir, sled) = open_temp();
    let round = [vec![user("UADA"), user("UBOB")]];
    sled.save_circles_and_enqueue(&[], &round, at_minute(0))
        .unwrap();
    let mut backup = Vec::new();
    sled.export_backup(&mut backup, at_minute(1), |_| ControlFlow::Continue(()))
        .unwrap();
    for minute in 0..3 {
        pg.save_circles_and_enqueue(&[], &round, at_minute(minute))
            .await
            .unwrap();
    }
    pg.purge_everything().await.unwrap();
    pg.import_backup(backup.as_slice(), Replacing::EmptyOnly, |_| {})
        .await
        .unwrap();
    let next = pg
        .save_circles_and_enqueue(&[], &round, at_minute(10))
        .await
        .unwrap();
    assert_eq!(
        next.formed[0].key.round, 4,
        "rounds 1 to 3 were given before the purge"
    );

    // A backup with a line after its closing line is refused.
    let (_other, fresh) = (0, store().await.unwrap());
    let mut trailing = backup.clone();
    trailing.extend_from_slice(b"{\"tree\":\"people\"}\n");
    let refused = fresh
        .import_backup(trailing.as_slice(), Replacing::EmptyOnly, |_| {})
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("follows the closing line"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_log_longer_than_a_page_is_visited_exported_and_folded_whole() {
    let Some(pg) = store().await else { return };
    let log: Vec<Interaction> = (0..10_050)
        .map(|i| meeting(at_minute(i), &["UADA", "UBOB"], None))
        .collect();
    pg.log_interactions(&log).await.unwrap();
    let mut visited = 0;
    pg.visit_interactions(|_| visited += 1).await.unwrap();
    assert_eq!(visited, 10_050);
    let mut backup = Vec::new();
    let exported = pg
        .export_backup(&mut backup, at_minute(0), |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!(exported.counts.interactions, 10_050);
    let copy = store().await.unwrap();
    copy.import_backup(backup.as_slice(), Replacing::EmptyOnly, |_| {})
        .await
        .unwrap();
    let pair = crate::domain::PairKey::new(&user("UADA"), &user("UBOB")).unwrap();
    assert_eq!(copy.tie(&pair).await.unwrap().unwrap().count, 10_050);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forget_asks_for_one_rewrite_that_gives_the_tables_new_files() {
    let Some(pg) = store().await else { return };
    pg.put_people(&[person("UADA", "Payments"), person("UBOB", "Search")])
        .await
        .unwrap();
    pg.log_interaction(&meeting(at_minute(1), &["UADA", "UBOB"], None))
        .await
        .unwrap();
    assert!(
        pg.rewrite_if_due().await.unwrap().is_none(),
        "nothing asked"
    );

    let files = async || {
        let client = pg.client().await.unwrap();
        let row = client
            .query_one(
                "SELECT pg_relation_filepath('people'), pg_relation_filepath('interactions')",
                &[],
            )
            .await
            .unwrap();
        (row.get::<_, String>(0), row.get::<_, String>(1))
    };
    let before = files().await;
    pg.forget_person(&user("UADA")).await.unwrap();
    // The replica that forgot is woken at once.
    tokio::time::timeout(std::time::Duration::from_secs(1), pg.rewrite_wanted())
        .await
        .expect("the forget wakes the rewrite");
    let rewritten = pg.rewrite_if_due().await.unwrap().expect("one is due");
    assert_eq!(rewritten.records, 2, "Bob and the tombstone");
    let after = files().await;
    assert_ne!(before.0, after.0, "people has new files");
    assert_ne!(before.1, after.1, "interactions has new files");
    assert!(pg.rewrite_if_due().await.unwrap().is_none(), "done once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_store_writes_only_while_its_replica_holds_the_lease() {
    let Some(pg) = store().await else { return };
    let jobs = pg.fenced_by("scheduler");
    let run = JobRun {
        scheduled_for: at_minute(0),
        started_at: at_minute(0),
        summary: "queued a digest".into(),
    };
    let lease = std::time::Duration::from_secs(20);

    // Another replica holds the lease: nothing the jobs write lands.
    assert!(pg.hold_lease("scheduler", "another", lease).await.unwrap());
    let refused = jobs.enqueue_one(digest(), at_minute(0)).await.unwrap_err();
    assert!(
        matches!(refused, StoreError::NotHolding { lease: "scheduler" }),
        "{refused}"
    );
    assert!(refused.to_string().contains("wrote nothing"), "{refused}");
    assert!(matches!(
        jobs.record_run("digest", &run).await,
        Err(StoreError::NotHolding { .. })
    ));
    assert!(matches!(
        jobs.queue_and_record_run(digest(), "digest", &run).await,
        Err(StoreError::NotHolding { .. })
    ));
    assert!(pg.outbox().await.unwrap().is_empty());
    assert_eq!(pg.last_run("digest").await.unwrap(), None);
    // What people ask for is no job's: it is queued whoever leads.
    pg.enqueue_one(digest(), at_minute(0)).await.unwrap();

    // Once the lease is this replica's, the jobs write.
    pg.release_lease("scheduler", "another").await.unwrap();
    assert!(
        pg.hold_lease("scheduler", pg.replica(), lease)
            .await
            .unwrap()
    );
    jobs.enqueue_one(digest(), at_minute(1)).await.unwrap();
    jobs.record_run("digest", &run).await.unwrap();
    assert_eq!(pg.outbox().await.unwrap().len(), 2);
    assert_eq!(pg.last_run("digest").await.unwrap(), Some(run.clone()));
    // A digest and the record of its run land together.
    let later = JobRun {
        started_at: at_minute(2),
        ..run
    };
    let item = jobs
        .queue_and_record_run(digest(), "digest", &later)
        .await
        .unwrap();
    assert_eq!(item.queued_at, at_minute(2));
    assert!(pg.in_outbox(item.id).await.unwrap());
    assert_eq!(pg.last_run("digest").await.unwrap(), Some(later));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_slack_s_limits_among_those_that_call_it() {
    let Some((a, b)) = crate::store::fixtures::pg_replicas().await else {
        return;
    };
    let lately = std::time::Duration::from_millis(500);
    let counted = |calling, up| SlackCallers { calling, up };
    // Nobody called yet: each sees the replicas up.
    assert_eq!(a.slack_callers(false, lately).await.unwrap(), counted(0, 1));
    assert_eq!(b.slack_callers(false, lately).await.unwrap(), counted(0, 2));
    // A calls, then B: each counts both.
    assert_eq!(a.slack_callers(true, lately).await.unwrap(), counted(1, 2));
    assert_eq!(b.slack_callers(true, lately).await.unwrap(), counted(2, 2));
    // A quiet replica's share comes back to the others; one gone for good
    // is no longer counted as up either.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(a.slack_callers(true, lately).await.unwrap(), counted(1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meetings_logged_at_once_are_committed_together_each_as_if_alone() {
    let Some(pg) = store().await else { return };
    // Two hundred at once, fifty of them under a key already used.
    let logging: Vec<_> = (0..200)
        .map(|n| {
            let pg = pg.clone();
            tokio::spawn(async move {
                let met = meeting(at_minute(n), &["UADA", "UBOB"], None);
                pg.log_once_and_commit(&format!("k{}", n % 150), None, &met)
                    .await
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    let mut repeats = 0;
    for logging in logging {
        match logging.await.unwrap().unwrap() {
            Some(logged) => assert!(ids.insert(logged.id), "one id each"),
            None => repeats += 1,
        }
    }
    assert_eq!((ids.len(), repeats), (150, 50));
    assert_eq!(pg.interaction_count().await.unwrap(), 150);
    // The tie folds them all, as logging one at a time would.
    let sled = open_temp();
    for (_, interaction) in pg.interactions().await.unwrap() {
        sled.1.log_interaction(&interaction).unwrap();
    }
    assert_eq!(pg.ties().await.unwrap(), sled.1.ties().unwrap());

    // The same content under twenty keys at once: logged once.
    let typed_again: Vec<_> = (0..20)
        .map(|n| {
            let pg = pg.clone();
            tokio::spawn(async move {
                let met = meeting(at_minute(500), &["UADA", "UCY"], None);
                pg.log_once_and_commit(&format!("again{n}"), Some("/met @cy coffee"), &met)
                    .await
            })
        })
        .collect();
    let mut logged = 0;
    for typed in typed_again {
        logged += usize::from(typed.await.unwrap().unwrap().is_some());
    }
    assert_eq!(logged, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_keeps_which_teams_are_tied_and_learns_from_its_own_meetings() {
    let Some(pg) = store().await else { return };
    let team = |name: &str| TeamId::parse(name).unwrap();
    pg.put_people(&three_teams()).await.unwrap();
    assert!(
        pg.teams_tied_to(&team("Payments"))
            .await
            .unwrap()
            .is_empty()
    );
    // Its own meeting is known at once, though the answer was kept.
    pg.log_once_and_commit("k1", None, &meeting(at_minute(1), &["UADA", "UBOB"], None))
        .await
        .unwrap();
    assert_eq!(
        pg.teams_tied_to(&team("Payments")).await.unwrap(),
        [team("Search")].into()
    );
    assert_eq!(
        pg.teams_tied_to(&team("Search")).await.unwrap(),
        [team("Payments")].into()
    );
    // Cy joins Payments: teams changed, the answers are read again.
    pg.put_person(&person("UCY", "Payments")).await.unwrap();
    pg.log_once_and_commit("k2", None, &meeting(at_minute(2), &["UCY", "UADA"], None))
        .await
        .unwrap();
    assert_eq!(
        pg.teams_tied_to(&team("Payments")).await.unwrap(),
        [team("Payments"), team("Search")].into()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_only_reads_leaves_the_schema_as_it_is() {
    let Some(cluster) = cluster() else { return };
    let url = cluster.create_database().unwrap();
    let refused = PgStore::connect_as_is(&url, HalfLife::DEFAULT)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::OlderDatabase { found: 0, .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("upgrade the replicas"),
        "{refused}"
    );
    assert_eq!(
        PgStore::pool_for(&url, HalfLife::DEFAULT)
            .unwrap()
            .schema_version()
            .await
            .unwrap(),
        0,
        "the refusal migrated nothing"
    );
    // Nothing was migrated by the refusal; a serving replica migrates.
    let serving = PgStore::connect(&url, HalfLife::DEFAULT).await.unwrap();
    let reading = PgStore::connect_as_is(&url, HalfLife::DEFAULT)
        .await
        .unwrap();
    assert_eq!(
        reading.schema_version().await.unwrap(),
        serving.schema_version().await.unwrap()
    );
}

#[tokio::test]
async fn the_notification_queue_fills_behind_a_stuck_listener_and_drains_after_it() {
    let Some(store) = store().await else { return };
    // A listener in a transaction hears nothing until it ends, as a
    // frozen replica's would, and the queue keeps every notification
    // meanwhile.
    let stuck = store.client().await.unwrap();
    stuck
        .batch_execute("LISTEN alliances_people")
        .await
        .unwrap();
    stuck.batch_execute("BEGIN; SELECT 1").await.unwrap();
    let before = store.notification_queue_usage().await.unwrap();
    store
        .client()
        .await
        .unwrap()
        .batch_execute(
            "SELECT pg_notify('alliances_people', repeat('x', 1000) || n) \
             FROM generate_series(1, 200) AS n",
        )
        .await
        .unwrap();
    let filled = store.notification_queue_usage().await.unwrap();
    assert!(filled > before, "{before} then {filled}");

    // Drained, not necessarily to 0: the cluster is the tests', and other
    // databases' listeners may lag a few pages behind.
    stuck.batch_execute("COMMIT").await.unwrap();
    until("the queue never drained", async || {
        store.notification_queue_usage().await.unwrap() < filled
    })
    .await;
}
