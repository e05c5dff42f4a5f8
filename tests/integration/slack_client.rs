//! The bot's Slack client against the fake Slack, over real HTTP.

use crate::helpers::{TOKEN, fake_user, user, workspace};
use alliances::domain::{Neglected, Nudge, NudgeReason, TeamGap, TeamId};
use alliances::slack::{SlackClient, SlackError, render_nudge};
use chrono::Utc;
use fake_slack::FakeSlack;
use secrecy::SecretString;

fn client(fake: &FakeSlack, token: &str) -> SlackClient {
    SlackClient::new(&fake.api_url(), &SecretString::from(token.to_owned())).unwrap()
}

#[tokio::test]
async fn the_client_lists_everyone_across_pages_with_their_time_zones() {
    let mut users: Vec<_> = (0..450)
        .map(|i| fake_user(&format!("U{i:07}"), &format!("Person {i}")))
        .collect();
    users[3].is_bot = true;
    users[4].deleted = true;
    users[5].tz = "America/New_York".to_owned();
    let fake = FakeSlack::start(workspace(users)).await.unwrap();

    let people = client(&fake, TOKEN).list_people().await.unwrap();

    assert_eq!(people.len(), 450);
    let pages = fake
        .calls()
        .iter()
        .filter(|c| c.method == "users.list")
        .count();
    assert_eq!(pages, 3, "200 a page, following next_cursor");
    assert!(people[3].is_bot && !people[4].is_bot);
    assert!(people[4].deleted);
    assert_eq!(people[5].tz.as_deref(), Some("America/New_York"));
    assert_eq!(people[0].tz.as_deref(), Some("Europe/Paris"));
    fake.stop().await;
}

#[tokio::test]
async fn a_nudge_opens_the_dm_and_posts_block_kit_into_it() {
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice"),
        fake_user("U0000002", "Bilal"),
    ]))
    .await
    .unwrap();
    let nudge = Nudge {
        to: user("U0000001"),
        about: user("U0000002"),
        about_team: TeamId::parse("Platform").unwrap(),
        planned_at: Utc::now(),
        reason: NudgeReason::Neglected(Neglected {
            last_met: Utc::now(),
            days_since: 94,
            cadence_days: 60,
            times_met: 3,
            last_note: Some("lunch".to_owned()),
            strength_then: 2.0,
            strength_now: 1.0,
            gap: TeamGap {
                own_team: TeamId::parse("Payments").unwrap(),
                alliances: 1,
                most: 3,
                boost: 1.67,
                figures_shown: true,
            },
        }),
    };

    let client = client(&fake, TOKEN);
    let dm = client.open_dm(&nudge.to).await.unwrap();
    client
        .post(dm.as_str(), &render_nudge(&nudge))
        .await
        .unwrap();

    let methods: Vec<_> = fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(methods, ["conversations.open", "chat.postMessage"]);
    let message = &fake.messages()[0];
    assert_eq!(message.dm_user.as_deref(), Some("U0000001"));
    assert_eq!(
        message.blocks[2]["elements"].as_array().map(Vec::len),
        Some(4),
        "four buttons"
    );
    fake.stop().await;
}

#[tokio::test]
async fn slack_errors_come_back_as_sentences_without_the_token() {
    let fake = FakeSlack::start(workspace(vec![fake_user("U0000001", "Alice")]))
        .await
        .unwrap();

    let wrong = client(&fake, "xoxb-wrong-token")
        .list_people()
        .await
        .unwrap_err();
    assert!(matches!(&wrong, SlackError::Api { code, .. } if code == "invalid_auth"));
    let text = wrong.to_string();
    assert_eq!(
        text,
        "Slack refused users.list: invalid_auth (check the bot token in ALLIANCES_SLACK_BOT_TOKEN)"
    );
    assert!(!format!("{wrong:?}").contains("xoxb-wrong-token"));

    let missing = client(&fake, TOKEN)
        .open_dm(&user("U0000009"))
        .await
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        "Slack refused conversations.open: user_not_found"
    );

    let stopped = FakeSlack::start(workspace(vec![])).await.unwrap();
    let url_of_nothing = stopped.api_url();
    stopped.stop().await;
    let gone = SlackClient::new(&url_of_nothing, &SecretString::from(TOKEN.to_owned()))
        .unwrap()
        .list_people()
        .await
        .unwrap_err();
    assert!(matches!(gone, SlackError::Transport { .. }), "{gone}");
    fake.stop().await;
}
