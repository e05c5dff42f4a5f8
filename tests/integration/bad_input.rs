//! Bad input is tried, not assumed: random and mutated requests to the three
//! endpoints never crash the bot, always get a 4xx or an ephemeral sentence,
//! and nothing that was refused changes the store.

use crate::helpers::{TestBot, fake_user, now, spawn_bot, workspace};
use fake_slack::FakeSlack;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::sync::OnceLock;

const TEAMS: &str = crate::helpers::PAYMENTS_AND_PLATFORM;

/// One bot for every case of a test: starting one per case would test
/// start-up, not input. Each test has its own, as they run side by side.
struct World {
    runtime: tokio::runtime::Runtime,
    bot: TestBot,
    _fake: FakeSlack,
}

fn world(cell: &'static OnceLock<World>) -> &'static World {
    cell.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (fake, bot) = runtime.block_on(async {
            let fake = FakeSlack::start(workspace(vec![
                fake_user("U0000001", "Alice Moreau"),
                fake_user("U0000002", "Bilal Haddad"),
            ]))
            .await
            .unwrap();
            let bot = spawn_bot(&fake, TEAMS).await;
            (fake, bot)
        });
        World {
            runtime,
            bot,
            _fake: fake,
        }
    })
}

fn config() -> Config {
    Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text that looks a little like what people type, and a lot like what they don't.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        proptest::collection::vec(
            prop_oneof![
                Just("<@U0000002>".to_owned()),
                Just("<@U0000002|bilal>".to_owned()),
                Just("<@u0000002>".to_owned()),
                Just("@bilal.haddad".to_owned()),
                Just("<@".to_owned()),
                Just("yesterday".to_owned()),
                Just("last".to_owned()),
                Just("3d".to_owned()),
                Just("ago".to_owned()),
                Just("2026-02-30".to_owned()),
                Just("snooze".to_owned()),
                Just("pause".to_owned()),
                Just("\u{0}".to_owned()),
                "[a-z]{1,8}",
            ],
            0..8
        )
        .prop_map(|words| words.join(" ")),
    ]
}

#[test]
fn random_slash_commands_get_a_sentence_or_a_4xx_and_change_nothing_unless_logged() {
    static WORLD: OnceLock<World> = OnceLock::new();
    let world = world(&WORLD);
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(
                prop_oneof![Just("/met"), Just("/alliances"), Just("/other")],
                text(),
                any::<u32>(),
            ),
            |(command, text, n)| {
                world.runtime.block_on(async {
                    let before = world.bot.app.store().interaction_count().await.unwrap();
                    let (status, answer) = world
                        .bot
                        .slash(command, &text, "U0000001", &format!("p-{n}"))
                        .await;
                    prop_assert!(
                        status == 200 || (400..500).contains(&status),
                        "status {status}"
                    );
                    if status == 200 {
                        prop_assert_eq!(&answer["response_type"], "ephemeral");
                        let reply = answer["text"].as_str().unwrap_or_default();
                        prop_assert!(!reply.is_empty());
                        prop_assert!(!reply.contains("panicked"));
                        let logged = reply.contains("Logged:");
                        let after = world.bot.app.store().interaction_count().await.unwrap();
                        prop_assert!(
                            logged || after == before,
                            "{text:?} changed the store: {reply}"
                        );
                    }
                    Ok(())
                })
            },
        )
        .unwrap();
}

fn mutated(body: &str, position: usize, byte: u8) -> String {
    let mut bytes = body.as_bytes().to_vec();
    if !bytes.is_empty() {
        let at = position % bytes.len();
        bytes[at] = byte;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn broken_bodies_and_headers_on_every_endpoint_get_a_4xx_or_a_plain_answer() {
    static WORLD: OnceLock<World> = OnceLock::new();
    let world = world(&WORLD);
    let mut runner = TestRunner::new(config());
    let endpoints = prop_oneof![
        // A genuine, signed request here logs nothing: `status` only reads.
        Just((
            "/slack/commands",
            "application/x-www-form-urlencoded",
            "command=%2Falliances&text=status&user_id=U0000001&trigger_id=m"
        )),
        Just((
            "/slack/events",
            "application/json",
            r#"{"type":"event_callback","event_id":"Ev1","event":{"type":"app_home_opened","user":"U0000001","tab":"home"}}"#
        )),
        Just((
            "/slack/interactivity",
            "application/x-www-form-urlencoded",
            "payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U0000001%22%7D%2C%22actions%22%3A%5B%5D%7D"
        )),
    ];
    let signing = prop_oneof![
        Just(Some(0i64)),
        Just(None),
        Just(Some(-400)),
        Just(Some(400)),
    ];
    runner
        .run(
            &(
                endpoints,
                any::<usize>(),
                any::<u8>(),
                signing,
                any::<bool>(),
            ),
            |((path, content_type, body), position, byte, skew, mutate)| {
                world.runtime.block_on(async {
                    let before = world.bot.app.store().interaction_count().await.unwrap();
                    let body = if mutate {
                        mutated(body, position, byte)
                    } else {
                        body.to_owned()
                    };
                    let response = world
                        .bot
                        .post(path, content_type, &body, skew.map(|s| now() + s))
                        .await;
                    let status = response.status().as_u16();
                    prop_assert!(status < 500, "{path} answered {status} to {body:?}");
                    if skew != Some(0) {
                        prop_assert_eq!(status, 401, "{} with a bad signature", path);
                    }
                    prop_assert_eq!(
                        world.bot.app.store().interaction_count().await.unwrap(),
                        before
                    );
                    Ok(())
                })
            },
        )
        .unwrap();
}
