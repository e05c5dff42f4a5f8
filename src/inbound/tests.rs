//! What the front door answers when the store cannot make a write durable:
//! never the "Logged" or "Done" of a write that may not survive a crash.

use super::*;
use crate::config::Teams;
use crate::domain::{Person, SystemClock};
use crate::store::{SledStore, StoreOptions};
use secrecy::SecretString;

const APOLOGY: &str = "Sorry, something went wrong on my side";

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

/// A front door over `store`, with a Slack client that is never called.
fn front_door(store: Store) -> FrontDoor {
    let settings = Settings::default();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let token = SecretString::from("xoxb-unused".to_owned());
    let slack = SlackClient::new("http://127.0.0.1:9/api", &token).unwrap();
    let scheduler = Scheduler::new(
        &settings,
        store.clone(),
        slack.clone(),
        clock.clone(),
        Teams::listed([]),
        Metrics::new(),
    );
    FrontDoor::new(
        store,
        slack,
        Arc::new(settings),
        clock,
        scheduler,
        tokio_util::task::TaskTracker::new(),
        Metrics::new(),
    )
}

fn command(command: &str, text: &str) -> SlashCommand {
    SlashCommand {
        command: command.to_owned(),
        text: text.to_owned(),
        user: user("U1"),
        channel: None,
        trigger_id: "trigger-1".to_owned(),
        response_url: None,
    }
}

/// A sled store in a temporary folder that knows Ada (U1) and Bob (U2):
/// sled's, so that a test can make its commits or flushes fail.
fn ada_and_bob() -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), &StoreOptions::default()).unwrap();
    for (id, name) in [("U1", "Ada"), ("U2", "Bob")] {
        store.put_person(&Person::new(user(id), name)).unwrap();
    }
    (dir, store)
}

#[tokio::test]
async fn a_write_that_cannot_be_made_durable_is_answered_with_an_apology() {
    let (_dir, store) = ada_and_bob();
    let front = front_door(store.with_failing_commits().into());

    for (name, text) in [("/met", "<@U2> coffee"), ("/alliances", "snooze 1w")] {
        let reply = front.slash_command(command(name, text)).await;
        assert!(
            reply.text.starts_with(APOLOGY),
            "{name} {text} → {}",
            reply.text
        );
    }

    // An answer that tells of no write needs no commit.
    let help = front.slash_command(command("/alliances", "help")).await;
    assert!(!help.text.contains(APOLOGY), "{}", help.text);
}

#[tokio::test]
async fn a_write_that_may_still_reach_the_disk_is_not_called_unchanged_and_a_retry_logs_it_once() {
    let (_dir, store) = ada_and_bob();
    // The disk is full for two flushes, then has room again.
    let front = front_door(store.clone().with_failing_flushes(2).into());

    for (name, text) in [("/met", "<@U2> coffee"), ("/alliances", "snooze 1w")] {
        let reply = front.slash_command(command(name, text)).await;
        assert!(
            reply.text.contains("this may not have been saved")
                && reply.text.contains("`/alliances status` shows what I have"),
            "{name} {text} → {}",
            reply.text
        );
        assert!(
            !reply.text.contains("nothing was changed"),
            "{}",
            reply.text
        );
    }

    // Ada types it again: Slack gives the command a new trigger id, and the
    // meeting, still in the store, is not logged a second time.
    let again = SlashCommand {
        trigger_id: "trigger-2".to_owned(),
        ..command("/met", "<@U2> coffee")
    };
    let reply = front.slash_command(again).await;
    assert_eq!(
        reply.text,
        "That meeting is already logged: nothing changed."
    );
    assert_eq!(store.interaction_count(), 1);

    // Another note is another meeting.
    let tea = SlashCommand {
        trigger_id: "trigger-3".to_owned(),
        ..command("/met", "<@U2> tea")
    };
    assert!(front.slash_command(tea).await.text.contains("Logged"));
    assert_eq!(store.interaction_count(), 2);
}

#[tokio::test]
async fn a_durable_write_is_answered_as_done() {
    let (_dir, store) = ada_and_bob();
    let store = Store::from(store);
    let front = front_door(store.clone());
    let met = front.slash_command(command("/met", "<@U2> coffee")).await;
    assert!(met.text.contains("Logged"), "{}", met.text);
    let snooze = front
        .slash_command(command("/alliances", "snooze 1w"))
        .await;
    assert!(snooze.text.contains("Snoozed until"), "{}", snooze.text);
    assert_eq!(store.interaction_count().await.unwrap(), 1);
}
