//! The app's tokens revoked, and the app uninstalled: what stays, what goes,
//! and how an uninstall by mistake is undone.

use crate::helpers::{
    TestBot, alliances, eventually, fake_user, now, output_of, spawn_bot, spawn_bot_on_clock,
    texts, workspace,
};
use crate::served::{Folder, Served};
use alliances::config::BackupSettings;
use alliances::domain::{Clock, SettableClock};
use alliances::store::{BackupFolder, Store, StoreOptions};
use chrono::Duration;
use fake_slack::{Delivery, FakeSlack};
use serde_json::json;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

const TEAMS: &str = crate::helpers::PAYMENTS_AND_PLATFORM;

fn people() -> Vec<fake_slack::FakeUser> {
    vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
    ]
}

fn event(id: &str, event: serde_json::Value) -> Delivery {
    Delivery::Event {
        event_id: id.to_owned(),
        event,
        event_time: chrono::Utc::now().timestamp(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_deletes_nothing_and_the_bot_says_it_is_not_ready_until_it_has_a_working_one()
 {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", TEAMS);
    let bot = Served::start_with_env(&fake, &folder.config, &folder.data, &[]).await;
    crate::helpers::alice_logs_a_coffee_with_bilal(&fake, &bot.url).await;
    let backups = BackupFolder::of(&folder.data);
    eventually("serve takes its first backup", async || {
        backups.latest().is_ok_and(|latest| latest.is_some())
    })
    .await;
    assert_eq!(
        crate::helpers::readiness(bot.health()).await,
        (200, "ready\n".to_owned())
    );

    // An admin revokes a leaked token: Slack refuses it from now on, and
    // tells the app.
    fake.revoke_bot_token();
    let revoked = event(
        "EvRevoked",
        json!({ "type": "tokens_revoked", "tokens": { "oauth": [], "bot": [fake_slack::BOT_USER_ID] } }),
    );
    fake.deliver_over_http(&bot.url, &revoked).await.unwrap();

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    let (status, text) = loop {
        let (status, text) = crate::helpers::readiness(bot.health()).await;
        if status != 200 || tokio::time::Instant::now() > deadline {
            break (status, text);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(status, 503, "{text}");
    assert!(
        text.starts_with("not ready: Slack: the bot token was revoked")
            && text.contains("ALLIANCES_SLACK_BOT_TOKEN"),
        "{text}"
    );
    assert!(!text.contains(fake.bot_token()), "{text}");
    bot.stop().await;

    let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
    assert_eq!(store.people().await.unwrap().len(), 2, "nobody is deleted");
    assert_eq!(
        store.interaction_count().await.unwrap(),
        1,
        "the history stays"
    );
    assert!(
        backups.latest().unwrap().is_some(),
        "the backups stay: {:?}",
        backups.list().unwrap()
    );
}

/// Waits until the bot has taken the backup `serve` takes at start.
async fn first_backup_taken(bot: &TestBot) -> BackupFolder {
    let backups = BackupFolder::of(bot.app.store().path().unwrap());
    eventually("serve takes its first backup", async || {
        backups.latest().is_ok_and(|latest| latest.is_some())
    })
    .await;
    backups
}

/// Slack tells the bot it was uninstalled; once the purge is done (the
/// store empty, one backup at most left).
async fn uninstall(bot: &TestBot) {
    let gone = json!({
        "type": "event_callback",
        "event_id": "EvGone",
        "event": { "type": "app_uninstalled" },
    });
    let answer = bot
        .post(
            "/slack/events",
            "application/json",
            &gone.to_string(),
            Some(now()),
        )
        .await;
    assert_eq!(answer.status().as_u16(), 200);
    let backups = BackupFolder::of(bot.app.store().path().unwrap());
    eventually("everything is purged", async || {
        bot.app
            .store()
            .people()
            .await
            .is_ok_and(|people| people.is_empty())
            && backups.list().is_ok_and(|left| left.len() <= 1)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uninstall_purges_all_but_the_newest_backup_and_a_restore_brings_the_history_back() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot(&fake, TEAMS).await;
    let backups = first_backup_taken(&bot).await;
    let (status, _) = bot
        .slash("/met", "<@U0000002> coffee", "U0000001", "trigger-1")
        .await;
    assert_eq!(status, 200);
    eventually("the meeting is logged", async || {
        bot.app.store().interaction_count().await.unwrap() == 1
    })
    .await;
    // The next periodic backup, as `serve` takes it a day later.
    let newest = bot
        .app
        .store()
        .take_backup(chrono::Utc::now() + Duration::days(1), 7, |_| {
            ControlFlow::Continue(())
        })
        .await
        .unwrap()
        .expect("a sled store keeps backups in its folder")
        .path;

    uninstall(&bot).await;
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 0);
    let kept: Vec<_> = backups
        .list()
        .unwrap()
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    assert_eq!(kept, [newest], "only the newest backup stays");

    let data = bot.stop_keeping_data().await;
    let store_folder = data.path().join("store");
    let mut restore = alliances();
    restore.arg("--data-dir").arg(&store_folder).arg("restore");
    let restored = output_of(restore).await;
    let (stdout, stderr) = texts(&restored);
    assert!(restored.status.success(), "{stderr}");
    assert!(stdout.starts_with("restored "), "{stdout}");

    let store = Store::open(&store_folder, &StoreOptions::default()).unwrap();
    assert_eq!(store.people().await.unwrap().len(), 2);
    assert_eq!(
        store.interaction_count().await.unwrap(),
        1,
        "the meeting is back"
    );
    assert_eq!(
        store.kept_backup().await.unwrap(),
        None,
        "the restore ends the grace"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_an_uninstall_kept_is_deleted_once_the_grace_is_over() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let clock = Arc::new(SettableClock::new(chrono::Utc::now()));
    let bot = spawn_bot_on_clock(&fake, TEAMS, clock.clone()).await;
    let backups = first_backup_taken(&bot).await;
    let uninstalled_at = clock.now();

    uninstall(&bot).await;
    let store = bot.app.store();
    let kept = store
        .kept_backup()
        .await
        .unwrap()
        .expect("the newest backup is kept");
    assert!(kept.path.exists());
    assert_eq!(
        kept.until.timestamp(),
        (uninstalled_at + Duration::days(7)).timestamp(),
        "purge.grace_days is 7 by default"
    );

    clock.advance(Duration::days(6));
    bot.app.scheduler().run_due().await.unwrap();
    assert!(kept.path.exists(), "within the grace, the backup stays");
    let taken = alliances::backups::take_if_due(
        store,
        &BackupSettings::default(),
        clock.now(),
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert_eq!(taken, None, "no backup of the purged store takes its place");

    clock.advance(Duration::days(1));
    bot.app.scheduler().run_due().await.unwrap();
    assert!(
        !kept.path.exists(),
        "after the grace, the backup is deleted"
    );
    assert_eq!(store.kept_backup().await.unwrap(), None);
    assert!(backups.list().unwrap().is_empty());
    bot.stop().await;
}
