//! The Web API methods behind the bot's front door — ephemeral replies,
//! message updates, App Home, user groups, profile fields, Socket Mode's
//! `apps.connections.open` — driven by the real slack-morphism client, so
//! that every answer is checked against the types the bot will parse.

use super::tests::{TOKEN, api_error_code, client_for, uid, workspace};
use super::*;
use serde_json::json;
use slack_morphism::prelude::*;

/// Five people (the fourth a bot, the fifth deactivated), their teams from
/// `tests::user`, and two user groups.
fn front_workspace() -> Workspace {
    let mut workspace = workspace(5);
    workspace.team_field_label = "Squad".into();
    workspace.users[1].team = None;
    workspace.usergroups = vec![
        FakeUserGroup {
            id: "S0PAYMENTS".into(),
            handle: "payments-team".into(),
            name: "Payments team".into(),
            members: vec!["U0000001".into(), "U0000003".into()],
        },
        FakeUserGroup {
            id: "S0SEARCH".into(),
            handle: "search".into(),
            name: "Search".into(),
            members: vec![],
        },
    ];
    workspace
}

fn section(text: &str) -> Vec<SlackBlock> {
    vec![SlackSectionBlock::new().with_text(md!("{}", text)).into()]
}

#[tokio::test]
async fn an_ephemeral_reply_is_recorded_for_its_one_reader_only() {
    let fake = FakeSlack::start(front_workspace())
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(TOKEN.into());
    let session = client.open_session(&token);

    let content = SlackMessageContent::new()
        .with_text("Logged your coffee with Person 3.".into())
        .with_blocks(section("Logged your coffee with *Person 3*."));
    let request = SlackApiChatPostEphemeralRequest::new(
        SlackChannelId("C0ALLIANCE".into()),
        uid("U0000001"),
        content,
    );
    session.chat_post_ephemeral(&request).await.expect("posted");
    let nobody = SlackApiChatPostEphemeralRequest::new(
        SlackChannelId("C0ALLIANCE".into()),
        uid("U9999999"),
        SlackMessageContent::new().with_text("hi".into()),
    );
    let refused = session.chat_post_ephemeral(&nobody).await;

    assert_eq!(api_error_code(refused), "user_not_found");
    let ephemerals = fake.ephemerals();
    assert_eq!(ephemerals.len(), 1);
    assert_eq!(ephemerals[0].channel.as_str(), "C0ALLIANCE");
    assert_eq!(ephemerals[0].user.as_str(), "U0000001");
    assert_eq!(ephemerals[0].text, "Logged your coffee with Person 3.");
    assert_eq!(
        ephemerals[0].blocks[0]["text"]["text"],
        "Logged your coffee with *Person 3*."
    );
    assert!(
        fake.messages().is_empty(),
        "an ephemeral message is not a message"
    );
    let calls = fake.calls();
    assert_eq!(calls[0].method, "chat.postEphemeral");
    assert_eq!(calls[0].params["user"], "U0000001");
    fake.stop().await;
}

#[tokio::test]
async fn an_update_rewrites_the_message_and_keeps_each_edit() {
    let fake = FakeSlack::start(front_workspace())
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(TOKEN.into());
    let session = client.open_session(&token);
    let channel = SlackChannelId("C0ALLIANCE".into());
    let first = SlackMessageContent::new().with_text("Did you meet Person 3?".into());
    let posted = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(channel.clone(), first))
        .await
        .expect("posted");

    for text in ["Thanks, logged.", "Thanks, logged twice."] {
        let content = SlackMessageContent::new()
            .with_text(text.into())
            .with_blocks(section(text));
        let update = SlackApiChatUpdateRequest::new(channel.clone(), content, posted.ts.clone());
        let updated = session.chat_update(&update).await.expect("updated");
        assert_eq!(updated.ts, posted.ts);
        assert_eq!(updated.message.content.text.as_deref(), Some(text));
    }
    let unknown = SlackApiChatUpdateRequest::new(
        channel,
        SlackMessageContent::new().with_text("lost".into()),
        SlackTs("1.000000".into()),
    );

    assert_eq!(
        api_error_code(session.chat_update(&unknown).await),
        "message_not_found"
    );
    let messages = fake.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].text, "Thanks, logged twice.");
    assert_eq!(messages[0].blocks[0]["type"], "section");
    let edits: Vec<String> = fake.updates().into_iter().map(|u| u.text).collect();
    assert_eq!(edits, ["Thanks, logged.", "Thanks, logged twice."]);
    assert!(fake.updates().iter().all(|u| u.ts == posted.ts.0));
    fake.stop().await;
}

#[tokio::test]
async fn a_published_home_view_is_the_one_that_person_sees() {
    let fake = FakeSlack::start(front_workspace())
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(TOKEN.into());
    let session = client.open_session(&token);

    for text in ["Your ties: none yet.", "Your ties: Person 3."] {
        let view =
            SlackView::Home(SlackHomeView::new(section(text)).with_private_metadata("v1".into()));
        let request = SlackApiViewsPublishRequest::new(uid("U0000001"), view);
        let published = session.views_publish(&request).await.expect("published");
        assert!(matches!(published.view.view, SlackView::Home(_)));
        assert_eq!(published.view.state_params.team_id.0, TEAM_ID);
    }
    let stranger = SlackApiViewsPublishRequest::new(
        uid("U9999999"),
        SlackView::Home(SlackHomeView::new(vec![])),
    );

    assert_eq!(
        api_error_code(session.views_publish(&stranger).await),
        "invalid_arguments"
    );
    let seen = fake.home_view("U0000001").expect("a home view");
    assert_eq!(seen["type"], "home");
    assert_eq!(seen["blocks"][0]["text"]["text"], "Your ties: Person 3.");
    assert_eq!(seen["private_metadata"], "v1");
    assert_eq!(fake.home_view("U0000002"), None);
    fake.stop().await;
}

#[tokio::test]
async fn user_groups_and_their_members_come_in_slacks_shape() {
    let fake = FakeSlack::start(front_workspace())
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(TOKEN.into());
    let session = client.open_session(&token);

    let listed = session
        .usergroups_list(&SlackApiUserGroupsListRequest::new().with_include_users(true))
        .await
        .expect("listed");
    let members = session
        .usergroups_users_list(&SlackApiUserGroupsUsersListRequest::new(SlackUserGroupId(
            "S0PAYMENTS".into(),
        )))
        .await
        .expect("members");
    let unknown = session
        .usergroups_users_list(&SlackApiUserGroupsUsersListRequest::new(SlackUserGroupId(
            "S0NOWHERE".into(),
        )))
        .await;

    let handles: Vec<&str> = listed
        .usergroups
        .iter()
        .map(|g| g.handle.as_str())
        .collect();
    assert_eq!(handles, ["payments-team", "search"]);
    let payments = &listed.usergroups[0];
    assert_eq!(payments.id.0, "S0PAYMENTS");
    assert_eq!(payments.name, "Payments team");
    assert_eq!(payments.team_id.0, TEAM_ID);
    assert_eq!(payments.user_count, 2);
    assert_eq!(payments.users.as_ref().map(Vec::len), Some(2));
    let ids: Vec<&str> = members.users.iter().map(|u| u.0.as_str()).collect();
    assert_eq!(ids, ["U0000001", "U0000003"]);
    assert_eq!(api_error_code(unknown), "no_such_subteam");
    fake.stop().await;
}

#[tokio::test]
async fn a_persons_team_is_a_custom_profile_field_found_by_its_label() {
    let fake = FakeSlack::start(front_workspace())
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(TOKEN.into());
    let session = client.open_session(&token);

    let team_profile = session
        .team_profile_get(&SlackApiTeamProfileGetRequest::new())
        .await
        .expect("team profile");
    let with_team = session
        .users_profile_get(&SlackApiUsersProfileGetRequest::new().with_user(uid("U0000003")))
        .await
        .expect("profile");
    let without_team = session
        .users_profile_get(&SlackApiUsersProfileGetRequest::new().with_user(uid("U0000002")))
        .await
        .expect("profile");
    let unknown = session
        .users_profile_get(&SlackApiUsersProfileGetRequest::new().with_user(uid("U9999999")))
        .await;

    // The field's members are private in slack-morphism: read it back as JSON.
    let fields = serde_json::to_value(&team_profile.profile.fields).expect("serialisable");
    assert_eq!(
        fields,
        json!([{ "id": TEAM_FIELD_ID, "ordering": 0, "label": "Squad",
        "hint": "The team you belong to", "type": "text" }])
    );
    let field = SlackUserProfileFieldId(TEAM_FIELD_ID.into());
    let team = with_team
        .profile
        .fields
        .as_ref()
        .and_then(|f| f.get(&field));
    assert_eq!(team.map(|v| v.value.as_str()), Some("Team 3"));
    assert_eq!(with_team.profile.real_name.as_deref(), Some("Person 3"));
    assert!(without_team.profile.fields.is_some_and(|f| f.is_empty()));
    assert_eq!(api_error_code(unknown), "user_not_found");
    fake.stop().await;
}

#[tokio::test]
async fn socket_mode_opens_with_the_app_token_and_refuses_the_bot_token() {
    let fake = FakeSlack::start(front_workspace())
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let (app_token, bot_token) = (
        SlackApiToken::new(fake.app_token().into()),
        SlackApiToken::new(TOKEN.into()),
    );
    let app = client.open_session(&app_token);
    let bot = client.open_session(&bot_token);
    let request = SlackApiAppsConnectionOpenRequest::new();

    let opened = app.apps_connections_open(&request).await.expect("opened");
    let again = app.apps_connections_open(&request).await.expect("opened");
    let with_bot_token = bot.apps_connections_open(&request).await;
    let app_posts = app
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            SlackChannelId("C0ALLIANCE".into()),
            SlackMessageContent::new().with_text("hi".into()),
        ))
        .await;

    let url = opened.url.0;
    assert_eq!(url.scheme(), "ws");
    assert_eq!(url.host_str(), Some("127.0.0.1"));
    assert_eq!(url.path(), "/link");
    assert!(
        url.query().is_some_and(|q| q.starts_with("ticket=")),
        "{url}"
    );
    assert_ne!(url, again.url.0, "every URL carries its own ticket");
    assert_eq!(api_error_code(with_bot_token), "not_allowed_token_type");
    assert_eq!(api_error_code(app_posts), "not_allowed_token_type");
    assert!(fake.messages().is_empty());
    fake.stop().await;
}
