//! Forget-me keeps its word: a forgotten person is not brought back by the
//! next people sync or profile change, nobody is nudged to or about them,
//! and their id and name leave the store's files on disk, not only its
//! answers.

use crate::helpers::{
    Backend, TestBot, button_press, eventually, eventually_within, fake_user, on_both_stores,
    spawn_bot_configured, user, workspace,
};
use alliances::domain::ChannelId;
use alliances::scheduler::JobKind;
use fake_slack::{Delivery, FakeSlack};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

const ZELDA: &str = "U0000005";

/// What of Zelda must leave the files: her id, her name and her handle.
const HER_TRACES: [&str; 3] = [ZELDA, "Zelda Quist", "zelda quist"];

/// The bound docs/operating.md promises: a forget-me reaches the store's
/// files within a minute of the confirm.
const ERASED_WITHIN: Duration = Duration::from_secs(60);

const TEAMS: &str = "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\", \"U0000009\"]\n\
                     [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\"]\n\
                     [[team]]\nname = \"Design\"\nmembers = [\"U0000003\", \"U0000005\"]\n";

fn channel() -> ChannelId {
    ChannelId::parse("C0ALLIANCE").unwrap()
}

/// Every file under `folder` but the backups, recursively.
fn files_but_backups(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "backups" {
                    folders.push(path);
                }
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Each of `files` that holds one of Zelda's traces, with the trace: read
/// byte by byte.
fn files_naming_her(files: Vec<PathBuf>) -> Vec<(PathBuf, &'static str)> {
    let mut found = Vec::new();
    for file in files {
        // A file the store removes while it is read is no longer there.
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        for trace in HER_TRACES {
            if bytes.windows(trace.len()).any(|w| w == trace.as_bytes()) {
                found.push((file.clone(), trace));
            }
        }
    }
    found
}

/// The files that hold the store's records, its data written to them
/// first: sled's folder (its backups aside); for PostgreSQL, the files of
/// the database's tables, their indexes and their TOAST, after a
/// checkpoint. Not the write-ahead log, nor the database's statistics:
/// docs/operating.md says how long those keep what was deleted.
async fn store_files(bot: &TestBot, store: &Backend) -> Vec<PathBuf> {
    match store {
        Backend::Sled => {
            bot.app.store().flush().await.unwrap();
            files_but_backups(bot.app.store().path().unwrap())
        }
        Backend::Postgres { url, data_dir } => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client.batch_execute("CHECKPOINT").await.unwrap();
            let rows = client
                .query(
                    "WITH tables AS (SELECT oid, reltoastrelid FROM pg_class \
                       WHERE relnamespace = 'public'::regnamespace AND relkind = 'r') \
                     SELECT pg_relation_filepath(oid) FROM tables \
                     UNION SELECT pg_relation_filepath(reltoastrelid) FROM tables \
                       WHERE reltoastrelid <> 0 \
                     UNION SELECT pg_relation_filepath(indexrelid) FROM pg_index \
                       WHERE indrelid IN (SELECT oid FROM tables UNION SELECT reltoastrelid FROM tables)",
                    &[],
                )
                .await
                .unwrap();
            let mut files = Vec::new();
            for row in rows {
                let Some(relative) = row.get::<_, Option<String>>(0) else {
                    continue;
                };
                let main = data_dir.join(&relative);
                let name = main.file_name().unwrap().to_string_lossy().into_owned();
                // The relation's segments (`16390.1`) and forks (`16390_fsm`).
                for entry in std::fs::read_dir(main.parent().unwrap()).unwrap().flatten() {
                    let file = entry.file_name().to_string_lossy().into_owned();
                    if file == name
                        || file.starts_with(&format!("{name}."))
                        || file.starts_with(&format!("{name}_"))
                    {
                        files.push(entry.path());
                    }
                }
            }
            files
        }
    }
}

/// Whether a message the fake received names Zelda, in its text or blocks.
fn names_her(text: &str) -> bool {
    HER_TRACES.iter().any(|trace| text.contains(trace)) || text.contains("Zelda")
}

async fn deliver(fake: &FakeSlack, delivery: &Delivery) {
    fake.deliver_over_socket(delivery)
        .await
        .expect("the bot takes the delivery");
}

fn user_change(event_id: &str, id: &str, name: &str) -> Delivery {
    Delivery::Event {
        event_id: event_id.to_owned(),
        event: json!({ "type": "user_change", "user": {
            "id": id, "name": name.to_lowercase(), "real_name": name, "tz": "Europe/Paris",
            "deleted": false, "is_bot": false, "profile": { "real_name": name } } }),
        event_time: 1_700_000_000,
    }
}

/// Runs the nudges as their job would (every window open), sends them, and
/// posts the digest now.
async fn a_tick_with_the_digest(bot: &TestBot) {
    let scheduler = bot.app.scheduler();
    scheduler
        .run(JobKind::Nudges, chrono::Utc::now())
        .await
        .expect("the nudges job runs");
    scheduler
        .dispatcher()
        .drain(Duration::from_secs(5))
        .await
        .expect("the outbox is sent");
    scheduler
        .post_digest_now(None)
        .await
        .expect("the digest is posted");
}

on_both_stores! {
async fn a_forgotten_person_stays_forgotten_through_a_sync_a_profile_change_and_a_tick_and_leaves_the_files(
    backend: Backend,
) {
    let mut people = crate::workspace_life::people();
    people.push(fake_user(ZELDA, "Zelda Quist"));
    let fake = FakeSlack::start(workspace(people)).await.unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |settings| {
        // Whatever the time of day the test runs: a window that never closes.
        settings.rules = settings.rules.any_time();
        backend.configure(settings);
    })
    .await;
    // The digest a fresh install posts at start comes before the meetings
    // below, not with them (it would name her before she asked).
    bot.first_scheduled_digest_has_run().await;

    // Zelda has met Alice and Bilal; Alice has met Chen.
    for (from, text) in [
        (ZELDA, "<@U0000001> yesterday coffee with Zelda Quist"),
        ("U0000002", "<@U0000005> yesterday lunch"),
        ("U0000001", "<@U0000003> yesterday roadmap"),
    ] {
        deliver(
            &fake,
            &fake.slash_command("/met", text, user(from), channel()),
        )
        .await;
    }
    eventually("the three meetings are logged", async || {
        bot.app.store().interaction_count().await.unwrap() == 3
    })
    .await;
    assert!(
        !files_naming_her(store_files(&bot, &backend).await).is_empty(),
        "before she is forgotten, the files hold her"
    );

    let url = fake.response_url();
    deliver(
        &fake,
        &Delivery::Interaction {
            payload: button_press(ZELDA, "forget_me_confirm", "", &url),
        },
    )
    .await;
    eventually("the confirm is answered", async || {
        fake.responses().iter().any(|r| r.url == url)
    })
    .await;

    // Slack still lists her, and tells of a change to her profile; Bilal's
    // change, delivered after hers, says when hers has been handled.
    bot.app
        .scheduler()
        .run(JobKind::People, chrono::Utc::now())
        .await
        .expect("the people job runs");
    deliver(&fake, &user_change("EvZelda", ZELDA, "Zelda Quist")).await;
    deliver(&fake, &user_change("EvBilal", "U0000002", "Bilal H.")).await;
    eventually("Bilal's change is recorded", async || {
        bot.person("U0000002")
            .await
            .is_some_and(|bilal| bilal.name == "Bilal H.")
    })
    .await;
    a_tick_with_the_digest(&bot).await;

    let store = bot.app.store();
    assert_eq!(store.person(&user(ZELDA)).await.unwrap(), None);
    assert!(
        store
            .people()
            .await
            .unwrap()
            .iter()
            .all(|p| p.id != user(ZELDA))
    );
    let messages = fake.messages();
    assert!(
        messages.iter().any(|m| m.dm_user.is_none()),
        "the digest is posted"
    );
    for message in &messages {
        assert_ne!(message.dm_user.as_deref(), Some(ZELDA), "{message:?}");
        let said = format!("{} {}", message.text, message.blocks);
        assert!(!names_her(&said), "a message names her: {said}");
    }

    eventually_within(
        "her id and name are in no file of the store",
        ERASED_WITHIN,
        async || files_naming_her(store_files(&bot, &backend).await).is_empty(),
    )
    .await;
    // The rewritten store goes on working.
    deliver(
        &fake,
        &fake.slash_command("/met", "<@U0000002> today tea", user("U0000003"), channel()),
    )
    .await;
    eventually("the meeting after the rewrite is logged", async || {
        bot.app.store().interaction_count().await.unwrap() == 2
    })
    .await;
    assert_eq!(bot.app.store().interactions().await.unwrap().len(), 2);
    bot.stop().await;
    fake.stop().await;
}
}
