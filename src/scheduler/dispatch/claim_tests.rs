//! The dispatcher on a store shared by replicas, against the fake Slack
//! and a real PostgreSQL database: an item another replica took over
//! while this one waited on Slack is left to that one, not posted twice.

use super::tests::{change_while_the_first_dm_opens_for, company_in, plan_company, planning_time};
use super::*;
use crate::config::Speedup;
use crate::domain::SettableClock;
use crate::store::ClaimNow;
use crate::store::fixtures::pg_replicas;

#[tokio::test]
async fn a_nudge_another_replica_took_over_while_its_post_waited_is_left_to_that_one() {
    let Some((a, b)) = pg_replicas().await else {
        return;
    };
    let (a, b) = (Store::from(a), Store::from(b));
    let (fake, slack) = company_in(&a).await;
    plan_company(&a).await;
    let first = a.pending_outbox().await.unwrap().remove(0);
    // Paced a thousand times faster than Slack: "a" claims for 120 ms.
    let settings = DeliverySettings {
        speedup: Speedup::try_from(1000.0).unwrap(),
        ..DeliverySettings::default()
    };
    let sending = Dispatcher::new(
        a.clone(),
        slack,
        Arc::new(SettableClock::new(planning_time())),
        settings,
        Policy::default(),
        Metrics::new(),
    );

    // "a" stalls on its first item past its claim (as on a long pause
    // after a 429, or frozen), and "b" takes the item over.
    let long = Duration::from_secs(60);
    let done = change_while_the_first_dm_opens_for(&fake, sending, &a, async |_| {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let taken = b.claim_due(1, long, planning_time()).await.unwrap();
        assert_eq!(
            taken,
            std::slice::from_ref(&first),
            "b takes over the first item"
        );
    })
    .await;

    assert_eq!(fake.messages().len(), 3, "a posts the other three only");
    assert_eq!((done.sent, done.withdrawn), (3, 0));
    assert_eq!(
        a.outbox().await.unwrap(),
        std::slice::from_ref(&first),
        "left queued"
    );
    assert_eq!(
        b.claim_now(first.id, long).await.unwrap(),
        ClaimNow::Held,
        "still b's to send"
    );
    fake.stop().await;
}
