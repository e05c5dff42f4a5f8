//! The fake on the wire, below any client: form posts, query strings, raw
//! JSON, missing tokens and unknown methods, checked byte for byte.

use super::*;
use serde_json::{Value, json};
use std::io::{Read, Write};

const TOKEN: &str = "xoxb-wire";

fn workspace() -> Workspace {
    let person = |id: &str, name: &str| FakeUser {
        id: id.into(),
        name: name.into(),
        real_name: name.into(),
        tz: "Asia/Tokyo".into(),
        team: None,
        is_bot: false,
        deleted: false,
    };
    Workspace::new(
        TOKEN,
        vec![person("U1", "ada"), person("U2", "bo"), person("U3", "cy")],
        vec![FakeChannel {
            id: "C1".into(),
            name: "alliances".into(),
        }],
    )
}

/// What came back: the status code, the content type and the JSON body.
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
}

/// Sends one raw HTTP/1.1 request. Blocking std I/O on a blocking thread
/// keeps the test free of an HTTP client that might paper over mistakes.
async fn send(fake: &FakeSlack, request_line: &str, headers: &[&str], body: &str) -> Answer {
    let address = fake.address;
    let mut request =
        format!("{request_line} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let raw = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connects");
        stream.write_all(request.as_bytes()).expect("sends");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("reads");
        raw
    })
    .await
    .expect("the blocking task finishes");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        body,
    }
}

const AUTH: &str = "Authorization: Bearer xoxb-wire";
const FORM: &str = "Content-Type: application/x-www-form-urlencoded";
const JSON: &str = "Content-Type: application/json; charset=utf-8";

#[tokio::test]
async fn a_call_without_a_token_is_not_authed_with_http_200_and_json() {
    let fake = FakeSlack::start(workspace()).await.expect("fake starts");
    let answer = send(&fake, "GET /api/auth.test", &[], "").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.body, json!({ "ok": false, "error": "not_authed" }));
    assert_eq!(fake.calls()[0].error.as_deref(), Some("not_authed"));
    fake.stop().await;
}

#[tokio::test]
async fn an_unknown_method_is_answered_as_slack_does() {
    let fake = FakeSlack::start(workspace()).await.expect("fake starts");
    let answer = send(&fake, "POST /api/chat.fly", &[AUTH], "").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        json!({ "ok": false, "error": "unknown_method" })
    );
    assert_eq!(fake.calls()[0].method, "chat.fly");
    fake.stop().await;
}

#[tokio::test]
async fn a_form_post_with_blocks_as_a_json_string_is_accepted() {
    let fake = FakeSlack::start(workspace()).await.expect("fake starts");
    let body =
        "channel=%23alliances&text=Hello+there&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D";
    let answer = send(&fake, "POST /api/chat.postMessage", &[AUTH, FORM], body).await;
    assert_eq!(answer.body["ok"], true, "{}", answer.body);
    assert_eq!(answer.body["channel"], "C1");
    assert_eq!(answer.body["ts"], "1700000000.000100");
    let message = &fake.messages()[0];
    assert_eq!(message.text, "Hello there");
    assert_eq!(message.blocks, json!([{ "type": "divider" }]));
    assert_eq!(fake.calls()[0].params["channel"], "#alliances");
    fake.stop().await;
}

#[tokio::test]
async fn query_string_and_body_parameters_are_merged() {
    let fake = FakeSlack::start(workspace()).await.expect("fake starts");
    let answer = send(
        &fake,
        "POST /api/chat.postMessage?channel=C1",
        &[AUTH, JSON],
        r#"{"text":"from the body"}"#,
    )
    .await;
    assert_eq!(answer.body["ok"], true, "{}", answer.body);
    assert_eq!(
        fake.calls()[0].params,
        json!({ "channel": "C1", "text": "from the body" })
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_page_of_users_can_be_asked_for_in_the_query_string() {
    let fake = FakeSlack::start(workspace()).await.expect("fake starts");
    let first = send(&fake, "GET /api/users.list?limit=2", &[AUTH], "").await;
    assert_eq!(first.body["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(first.body["members"][0]["tz_offset"], 32_400);
    let cursor = first.body["response_metadata"]["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let line = format!("GET /api/users.list?limit=2&cursor={cursor}");
    let last = send(&fake, &line, &[AUTH], "").await;
    assert_eq!(last.body["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(last.body["response_metadata"]["next_cursor"], "");
    let bad = send(&fake, "GET /api/users.list?cursor=zzz", &[AUTH], "").await;
    assert_eq!(bad.body["error"], "invalid_cursor");
    let bad = send(&fake, "GET /api/users.list?limit=lots", &[AUTH], "").await;
    assert_eq!(bad.body["error"], "invalid_limit");
    fake.stop().await;
}

#[tokio::test]
async fn several_people_comma_separated_get_one_stable_group_dm() {
    let fake = FakeSlack::start(workspace()).await.expect("fake starts");
    let first = send(
        &fake,
        "POST /api/conversations.open",
        &[AUTH, FORM],
        "users=U1,U2",
    )
    .await;
    let again = send(
        &fake,
        "POST /api/conversations.open",
        &[AUTH, FORM],
        "users=U2,U1",
    )
    .await;
    let group = first.body["channel"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert!(group.starts_with('G'), "{group}");
    assert_eq!(again.body["channel"]["id"], group.as_str());
    assert_eq!(again.body["already_open"], true);
    let post = format!("channel={group}&text=Meet+each+other");
    let posted = send(&fake, "POST /api/chat.postMessage", &[AUTH, FORM], &post).await;
    assert_eq!(posted.body["ok"], true, "{}", posted.body);
    assert_eq!(fake.messages()[0].dm_user, None);
    fake.stop().await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_and_recorded() {
    let fake = FakeSlack::start(workspace()).await.expect("fake starts");
    let answer = send(&fake, "POST /api/chat.postMessage", &[AUTH, JSON], "{oops").await;
    assert_eq!(answer.body, json!({ "ok": false, "error": "invalid_json" }));
    let blocks = r#"{"channel":"C1","text":"hi","blocks":{"type":"divider"}}"#;
    let answer = send(&fake, "POST /api/chat.postMessage", &[AUTH, JSON], blocks).await;
    assert_eq!(answer.body["error"], "invalid_blocks");
    let empty = r#"{"channel":"C1"}"#;
    let answer = send(&fake, "POST /api/chat.postMessage", &[AUTH, JSON], empty).await;
    assert_eq!(answer.body["error"], "no_text");
    assert_eq!(fake.calls().len(), 3);
    assert!(fake.messages().is_empty());
    fake.stop().await;
}
