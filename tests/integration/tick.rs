//! `alliances tick` against the fake Slack: the due jobs run once, a
//! neglected alliance in the store becomes a DM, and someone with no active
//! alliance is introduced to someone.

use crate::helpers::{TOKEN, fake_user, user, workspace};
use crate::served::Folder;
use alliances::domain::{Interaction, InteractionKind};
use alliances::store::{Store, StoreOptions};
use chrono::{Duration, Utc};
use fake_slack::FakeSlack;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tick_runs_the_due_jobs_once_and_nudges_a_neglected_alliance() {
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
        fake_user("U0000003", "Chen Park"),
    ]))
    .await
    .unwrap();
    // Whatever the time of day the test runs: a window that never closes.
    let folder = Folder::new(
        "[teams]\nfile = \"teams.toml\"\n[rules]\nwindow_start_hour = 0\nwindow_end_hour = 24\n\
         working_days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
        "[[team]]\nname = \"Payments\"\nmembers = [\"alice moreau\", \"U0000003\"]\n\
         [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\"]\n",
    );

    // Alice and Bilal (Platform) last met 100 days ago; Alice and Chen share a team.
    {
        let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
        let long_ago = Utc::now() - Duration::days(100);
        for (other, note) in [
            ("U0000002", "coffee about the roadmap"),
            ("U0000003", "lunch"),
        ] {
            let meeting = Interaction::new(
                long_ago,
                InteractionKind::Meeting,
                [user("U0000001"), user(other)],
                Some(user("U0000001")),
                Some(note.to_owned()),
            )
            .unwrap();
            store.log_interaction(&meeting).await.unwrap();
        }
        store.flush().await.unwrap();
    }

    let (stdout, stderr, succeeded) = folder.tick(&fake).await;
    assert!(succeeded, "{stderr}");
    assert!(stdout.contains("people: synced 3 people"), "{stdout}");
    assert!(
        stdout.contains("nudges: queued 2 (1 introduction)")
            && stdout.contains("outbox: sent 2, failed 0"),
        "{stdout}"
    );
    assert!(stdout.contains("digest: quiet period"), "{stdout}");
    assert!(
        stdout.contains("backup: "),
        "the first tick takes a backup: {stdout}"
    );
    assert!(!stderr.contains(TOKEN), "the token never appears in logs");

    let dms: Vec<_> = fake
        .messages()
        .into_iter()
        .filter(|m| m.dm_user.is_some())
        .collect();
    assert_eq!(dms.len(), 2);
    assert_eq!(dms[0].dm_user.as_deref(), Some("U0000001"));
    assert_eq!(
        dms[0].text,
        "It's been 100 days since you and <@U0000002> (Platform) last met."
    );
    assert!(
        dms[0]
            .blocks
            .to_string()
            .contains("last time: coffee about the roadmap")
    );
    // Bilal's one alliance has been quiet past 90 days: he is introduced to
    // Chen, whom Alice knows as well as him.
    assert_eq!(dms[1].dm_user.as_deref(), Some("U0000002"));
    assert_eq!(
        dms[1].text,
        "Someone worth knowing outside Platform: <@U0000003> in Payments."
    );
    assert!(
        dms[1]
            .blocks
            .to_string()
            .contains("You both know <@U0000001>, who could introduce you."),
        "{}",
        dms[1].blocks
    );

    let (stdout, _, succeeded) = folder.tick(&fake).await;
    assert!(succeeded);
    assert_eq!(stdout.trim(), "nothing due", "each due job runs once");
    assert_eq!(fake.messages().len(), 2);
    fake.stop().await;
}
