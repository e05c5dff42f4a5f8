//! The fake driven by the real slack-morphism client, built the way the bot
//! builds it: if these pass, the bot's Slack adapter can talk to the fake.
//! Its fixtures (`workspace`, `client_for`, …) serve the front door's tests
//! too.

use super::*;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

pub(super) const TOKEN: &str = "xoxb-fake-token";

pub(super) fn user(n: usize) -> FakeUser {
    FakeUser {
        id: format!("U{n:07}"),
        name: format!("person.{n}"),
        real_name: format!("Person {n}"),
        tz: "Europe/Paris".into(),
        team: Some(format!("Team {}", n % 7)),
        is_bot: false,
        deleted: false,
    }
}

/// `people` users (the last two a bot and a deactivated user) and two channels.
pub(super) fn workspace(people: usize) -> Workspace {
    let mut users: Vec<FakeUser> = (1..=people).map(user).collect();
    if let [.., bot, gone] = users.as_mut_slice() {
        bot.is_bot = true;
        gone.deleted = true;
    }
    Workspace::new(
        TOKEN,
        users,
        vec![
            FakeChannel {
                id: "C0ALLIANCE".into(),
                name: "alliances".into(),
            },
            FakeChannel {
                id: "C0GENERAL".into(),
                name: "general".into(),
            },
        ],
    )
}

pub(super) fn client_for(fake: &FakeSlack) -> SlackClient<SlackClientHyperHttpsConnector> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .expect("roots")
        .https_or_http()
        .enable_http1()
        .build();
    let connector =
        SlackClientHyperConnector::with_connector(https).with_slack_api_url(&fake.api_url());
    SlackClient::new(connector)
}

pub(super) fn api_error_code(result: Result<impl std::fmt::Debug, SlackClientError>) -> String {
    match result {
        Err(SlackClientError::ApiError(error)) => error.code,
        other => panic!("expected a Slack API error, got {other:?}"),
    }
}

pub(super) fn uid(id: &str) -> SlackUserId {
    SlackUserId(id.into())
}

/// Every page of `users.list`, following `next_cursor` until it is empty.
async fn pages_of_users(
    session: &SlackClientSession<'_, SlackClientHyperHttpsConnector>,
    limit: u16,
) -> Vec<Vec<SlackUser>> {
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let request = SlackApiUsersListRequest::new()
            .with_limit(limit)
            .opt_cursor(cursor);
        let page = session.users_list(&request).await.expect("a page");
        pages.push(page.members);
        cursor = page
            .response_metadata
            .and_then(|metadata| metadata.next_cursor)
            .filter(|next| !next.0.is_empty());
        if cursor.is_none() || pages.len() > 10 {
            return pages;
        }
    }
}

#[tokio::test]
async fn users_list_pages_through_250_people_a_hundred_at_a_time_giving_each_once() {
    let fake = FakeSlack::start(workspace(250)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let pages = pages_of_users(&session, 100).await;

    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![100, 100, 50]);
    let mut ids: Vec<&str> = pages.iter().flatten().map(|m| m.id.0.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 250);
    let calls = fake.calls();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.method == "users.list" && c.ok));
    assert_eq!(calls[0].params["limit"], "100");
    assert_eq!(calls[2].params["cursor"], "next:200");
    fake.stop().await;
}

#[tokio::test]
async fn users_list_shows_people_in_slacks_shape_with_bots_and_deactivated_users_flagged() {
    let fake = FakeSlack::start(workspace(250)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let members: Vec<SlackUser> = pages_of_users(&session, 1000)
        .await
        .into_iter()
        .flatten()
        .collect();

    assert_eq!(members.len(), 250);
    let first = &members[0];
    assert_eq!(first.name.as_deref(), Some("person.1"));
    assert_eq!(first.real_name.as_deref(), Some("Person 1"));
    assert_eq!(first.tz.as_deref(), Some("Europe/Paris"));
    assert_eq!(first.tz_offset, Some(3_600));
    assert_eq!(first.flags.is_bot, Some(false));
    assert_eq!(first.deleted, Some(false));
    assert_eq!(members[248].flags.is_bot, Some(true));
    assert_eq!(members[249].deleted, Some(true));
    fake.stop().await;
}

#[tokio::test]
async fn a_reopened_dm_keeps_its_id_and_a_message_into_it_keeps_its_recipient_and_blocks() {
    let fake = FakeSlack::start(workspace(5)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    let open = SlackApiConversationsOpenRequest::new().with_users(vec![uid("U0000002")]);

    let first = session.conversations_open(&open).await.expect("opened");
    let again = session.conversations_open(&open).await.expect("reopened");
    assert_eq!(first.channel.id, again.channel.id);
    assert_eq!(first.channel.id.0, "D0000002");

    let blocks: Vec<SlackBlock> = vec![
        SlackSectionBlock::new()
            .with_text(md!("You have not met *Person 3* in a while."))
            .into(),
    ];
    let content = SlackMessageContent::new()
        .with_text("You have not met Person 3 in a while.".into())
        .with_blocks(blocks);
    let post = SlackApiChatPostMessageRequest::new(first.channel.id.clone(), content);
    let posted = session.chat_post_message(&post).await.expect("posted");

    assert_eq!(posted.channel.0, "D0000002");
    assert_eq!(fake.user_for_dm("D0000002").as_deref(), Some("U0000002"));
    let messages = fake.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].channel, "D0000002");
    assert_eq!(messages[0].dm_user.as_deref(), Some("U0000002"));
    assert_eq!(messages[0].text, "You have not met Person 3 in a while.");
    assert_eq!(messages[0].blocks[0]["type"], "section");
    assert_eq!(
        messages[0].blocks[0]["text"]["text"],
        "You have not met *Person 3* in a while."
    );
    assert_eq!(messages[0].ts, posted.ts.0);
    assert_eq!(posted.message.content.blocks.map(|b| b.len()), Some(1));
    fake.stop().await;
}

#[tokio::test]
async fn posting_to_alliances_by_name_lands_in_the_channel_with_increasing_timestamps() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let mut stamps = Vec::new();
    for address in ["#alliances", "alliances", "C0ALLIANCE"] {
        let content = SlackMessageContent::new().with_text("Three new alliances this week.".into());
        let post = SlackApiChatPostMessageRequest::new(SlackChannelId(address.into()), content);
        let posted = session.chat_post_message(&post).await.expect("posted");
        assert_eq!(posted.channel.0, "C0ALLIANCE");
        stamps.push(posted.ts.0);
    }

    assert_eq!(
        fake.channel_named("#alliances"),
        fake.channel_named("alliances")
    );
    assert!(
        stamps.windows(2).all(|pair| pair[0] < pair[1]),
        "{stamps:?}"
    );
    let messages = fake.messages();
    assert_eq!(messages.len(), 3);
    assert!(
        messages.iter().all(|m| m.channel.as_str() == "C0ALLIANCE"
            && m.dm_user.is_none()
            && m.blocks.is_null())
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_wrong_token_is_refused_with_invalid_auth_and_the_client_reports_it() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let client = client_for(&fake);
    let wrong = SlackApiToken::new("xoxb-not-this-one".into());
    let session = client.open_session(&wrong);

    assert_eq!(api_error_code(session.auth_test().await), "invalid_auth");
    let list = session.users_list(&SlackApiUsersListRequest::new()).await;
    assert_eq!(api_error_code(list), "invalid_auth");

    let calls = fake.calls();
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|c| !c.ok && c.error.as_deref() == Some("invalid_auth"))
    );
    fake.stop().await;
}

#[tokio::test]
async fn an_unknown_channel_is_not_found_and_nothing_is_posted() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    for address in ["#nowhere", "C0NOWHERE", "D0000001"] {
        let content = SlackMessageContent::new().with_text("hello".into());
        let post = SlackApiChatPostMessageRequest::new(SlackChannelId(address.into()), content);
        let result = session.chat_post_message(&post).await;
        assert_eq!(api_error_code(result), "channel_not_found", "{address}");
    }
    assert!(fake.messages().is_empty());
    fake.stop().await;
}

#[tokio::test]
async fn a_dm_with_an_unknown_or_deactivated_person_is_refused() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let unknown = SlackApiConversationsOpenRequest::new().with_users(vec![uid("U9999999")]);
    let deactivated = SlackApiConversationsOpenRequest::new().with_users(vec![uid("U0000003")]);
    let nobody = SlackApiConversationsOpenRequest::new();
    assert_eq!(
        api_error_code(session.conversations_open(&unknown).await),
        "user_not_found"
    );
    assert_eq!(
        api_error_code(session.conversations_open(&deactivated).await),
        "user_disabled"
    );
    assert_eq!(
        api_error_code(session.conversations_open(&nobody).await),
        "users_list_not_supplied"
    );
    fake.stop().await;
}

#[tokio::test]
async fn every_call_is_recorded_in_order_with_its_params_and_outcome() {
    let fake = FakeSlack::start(workspace(4)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let me = session.auth_test().await.expect("authenticated");
    assert_eq!(me.user_id.0, BOT_USER_ID);
    assert_eq!(me.bot_id.map(|id| id.0), Some(BOT_ID.to_owned()));
    session
        .users_list(&SlackApiUsersListRequest::new().with_limit(2))
        .await
        .expect("a page");
    let open = SlackApiConversationsOpenRequest::new().with_users(vec![uid("U0000001")]);
    let dm = session.conversations_open(&open).await.expect("opened");
    let content = SlackMessageContent::new().with_text("hi".into());
    let post = SlackApiChatPostMessageRequest::new(dm.channel.id, content.clone());
    session.chat_post_message(&post).await.expect("posted");
    let lost = SlackApiChatPostMessageRequest::new(SlackChannelId("#lost".into()), content);
    let _ = session.chat_post_message(&lost).await;

    let calls = fake.calls();
    let summary: Vec<(&str, bool, Option<&str>)> = calls
        .iter()
        .map(|c| (c.method.as_str(), c.ok, c.error.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("auth.test", true, None),
            ("users.list", true, None),
            ("conversations.open", true, None),
            ("chat.postMessage", true, None),
            ("chat.postMessage", false, Some("channel_not_found")),
        ]
    );
    assert_eq!(calls[2].params["users"], serde_json::json!(["U0000001"]));
    assert_eq!(calls[3].params["channel"], "D0000001");
    assert_eq!(calls[3].params["text"], "hi");
    assert_eq!(calls[4].params["channel"], "#lost");
    fake.stop().await;
}

#[tokio::test]
async fn a_stopped_fake_answers_no_more_calls() {
    let fake = FakeSlack::start(workspace(2)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    fake.stop().await;
    // `fake` is gone; the client still knows its URL and must fail to connect.
    let session = client.open_session(&token);
    assert!(session.auth_test().await.is_err());
}

#[tokio::test]
async fn people_have_emails_with_users_read_email_and_none_without_it() {
    let mut scoped = workspace(4);
    scoped.granted_scopes = Some(vec!["users:read".into(), "users:read.email".into()]);
    let mut unscoped = workspace(4);
    unscoped.granted_scopes = Some(vec!["users:read".into()]);
    let mut emails = Vec::new();
    for workspace in [scoped, unscoped] {
        let fake = FakeSlack::start(workspace).await.expect("fake starts");
        let client = client_for(&fake);
        let token = SlackApiToken::new(fake.bot_token().into());
        let session = client.open_session(&token);
        let members = session
            .users_list(&SlackApiUsersListRequest::new())
            .await
            .expect("listed")
            .members;
        let listed: Vec<Option<String>> = members
            .iter()
            .map(|m| m.profile.as_ref().and_then(|p| p.email.clone()))
            .map(|email| email.map(|e| e.0))
            .collect();
        let profile = session
            .users_profile_get(&SlackApiUsersProfileGetRequest::new().with_user(uid("U0000001")))
            .await
            .expect("a profile")
            .profile;
        emails.push((listed, profile.email.map(|e| e.0)));
        fake.stop().await;
    }

    let person = |n| Some(format!("person.{n}@{EMAIL_DOMAIN}"));
    // The third is a bot, with no email; the fourth is deactivated, with one.
    assert_eq!(
        emails[0],
        (vec![person(1), person(2), None, person(4)], person(1))
    );
    assert_eq!(emails[1], (vec![None; 4], None));
}
