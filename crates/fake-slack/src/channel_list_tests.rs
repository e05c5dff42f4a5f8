//! `conversations.list` driven by the real slack-morphism client: pages
//! that follow `next_cursor`, the channels the bot may see, and the scopes
//! it needs to see them.

use super::tests::{TOKEN, api_error_code, client_for, workspace};
use super::*;
use slack_morphism::prelude::*;

/// `count` public channels, `C0000001` `#channel-1` onwards.
fn many_channels(count: usize) -> Workspace {
    let channels = (1..=count)
        .map(|n| FakeChannel {
            id: format!("C{n:07}"),
            name: format!("channel-{n}"),
        })
        .collect();
    Workspace::new(TOKEN, Vec::new(), channels)
}

/// `#alliances` (public), `#archive` (public, archived), `#leads`
/// (private, the bot in it) and `#board` (private, the bot not in it).
fn mixed_channels() -> Workspace {
    let mut workspace = workspace(2);
    workspace.channels = vec![
        FakeChannel {
            id: String::from("C0ALLIANCE"),
            name: "alliances".into(),
        },
        FakeChannel {
            id: String::from("C0ARCHIVE"),
            name: "archive".into(),
        },
        FakeChannel {
            id: String::from("C0LEADS"),
            name: "leads".into(),
        },
        FakeChannel {
            id: String::from("C0BOARD"),
            name: "board".into(),
        },
    ];
    workspace.archived_channels = vec![String::from("C0ARCHIVE")];
    workspace.private_channels = vec![String::from("C0LEADS"), String::from("C0BOARD")];
    workspace.channels_without_bot = vec![String::from("C0BOARD")];
    workspace
}

fn both_types() -> Vec<SlackConversationType> {
    vec![
        SlackConversationType::Public,
        SlackConversationType::Private,
    ]
}

/// Every page of `conversations.list` for `request`, following
/// `next_cursor` until it is empty.
async fn pages_of_channels(
    fake: &FakeSlack,
    request: SlackApiConversationsListRequest,
) -> Vec<Vec<SlackChannelInfo>> {
    let client = client_for(fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = session
            .conversations_list(&request.clone().opt_cursor(cursor))
            .await
            .expect("a page");
        pages.push(page.channels);
        cursor = page
            .response_metadata
            .and_then(|metadata| metadata.next_cursor)
            .filter(|next| !next.0.is_empty());
        if cursor.is_none() || pages.len() > 10 {
            return pages;
        }
    }
}

fn names(pages: &[Vec<SlackChannelInfo>]) -> Vec<&str> {
    pages
        .iter()
        .flatten()
        .map(|channel| channel.name.as_deref().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn conversations_list_pages_through_250_channels_giving_each_once() {
    let fake = FakeSlack::start(many_channels(250))
        .await
        .expect("fake starts");

    let request = SlackApiConversationsListRequest::new().with_limit(100);
    let pages = pages_of_channels(&fake, request).await;

    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![100, 100, 50]);
    let mut ids: Vec<&str> = pages.iter().flatten().map(|c| c.id.0.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 250);
    let calls = fake.calls();
    assert_eq!(calls.len(), 3);
    assert!(
        calls
            .iter()
            .all(|c| c.method == "conversations.list" && c.ok)
    );
    assert_eq!(calls[0].params["limit"], "100");
    assert_eq!(calls[2].params["cursor"], "next:200");
    fake.stop().await;
}

#[tokio::test]
async fn the_list_holds_the_private_channels_the_bot_is_in_and_leaves_out_the_archived_on_request()
{
    let fake = FakeSlack::start(mixed_channels())
        .await
        .expect("fake starts");

    let all = pages_of_channels(
        &fake,
        SlackApiConversationsListRequest::new().with_types(both_types()),
    )
    .await;
    let live = pages_of_channels(
        &fake,
        SlackApiConversationsListRequest::new()
            .with_types(both_types())
            .with_exclude_archived(true),
    )
    .await;
    let public = pages_of_channels(&fake, SlackApiConversationsListRequest::new()).await;

    assert_eq!(names(&all), ["alliances", "archive", "leads"]);
    assert_eq!(names(&live), ["alliances", "leads"]);
    assert_eq!(names(&public), ["alliances", "archive"]);
    let flags: Vec<(Option<bool>, Option<bool>, Option<bool>)> = all
        .iter()
        .flatten()
        .map(|c| (c.flags.is_private, c.flags.is_archived, c.flags.is_member))
        .collect();
    assert_eq!(
        flags,
        [
            (Some(false), Some(false), Some(true)),
            (Some(false), Some(true), Some(true)),
            (Some(true), Some(false), Some(true)),
        ]
    );
    fake.stop().await;
}

#[tokio::test]
async fn each_type_of_channel_needs_its_read_scope_when_scopes_are_named() {
    let with_scopes = |scopes: &[&str]| {
        let mut workspace = mixed_channels();
        workspace.granted_scopes = Some(scopes.iter().map(|s| (*s).to_owned()).collect());
        workspace
    };
    let fake = FakeSlack::start(with_scopes(&["chat:write", "channels:read"]))
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    let public = SlackApiConversationsListRequest::new();
    let private =
        SlackApiConversationsListRequest::new().with_types(vec![SlackConversationType::Private]);

    assert!(session.conversations_list(&public).await.is_ok());
    let refused = session.conversations_list(&private).await;
    assert_eq!(api_error_code(refused), "missing_scope");
    fake.stop().await;

    let fake = FakeSlack::start(with_scopes(&["chat:write", "groups:read"]))
        .await
        .expect("fake starts");
    let client = client_for(&fake);
    let session = client.open_session(&token);
    let both = SlackApiConversationsListRequest::new().with_types(both_types());

    assert!(session.conversations_list(&private).await.is_ok());
    assert_eq!(
        api_error_code(session.conversations_list(&both).await),
        "missing_scope"
    );
    let wrong = SlackApiToken::new("xoxb-not-this-one".into());
    let stranger = client.open_session(&wrong);
    assert_eq!(
        api_error_code(stranger.conversations_list(&public).await),
        "invalid_auth"
    );
    fake.stop().await;
}
