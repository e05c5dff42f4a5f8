//! File uploads over HTTP, the way most Slack clients make them (a query
//! string, raw bytes, a form post): the three steps, and each way they
//! can go wrong.

use super::tests::{TOKEN, workspace};
use super::*;
use serde_json::{Value, json};

const BLOCKS: &str = r#"[{"type":"section","text":{"type":"mrkdwn","text":"*This week*"}}]"#;

fn http() -> reqwest::Client {
    crate::http_client()
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

/// The channel the files are shared into.
const ALLIANCE: &str = "C0ALLIANCE";

/// Calls a Web API method with form parameters and returns its JSON.
async fn call(fake: &FakeSlack, method: &str, form: &[(&str, &str)]) -> Value {
    http()
        .post(format!("{}/{method}", fake.api_url()))
        .bearer_auth(TOKEN)
        .form(form)
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON")
}

/// Step 1 with a query string, as slack-morphism sends it: the file id
/// and the upload URL.
async fn announce(fake: &FakeSlack, filename: &str, length: usize) -> (String, String) {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/files.getUploadURLExternal", fake.api_url()),
        &[
            ("filename", filename),
            ("length", &length.to_string()),
            ("alt_txt", "Who met whom"),
        ],
    )
    .expect("a URL");
    let answer: Value = http()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["ok"], true, "{answer}");
    let id = answer["file_id"].as_str().expect("a file id").to_owned();
    let url = answer["upload_url"].as_str().expect("a URL").to_owned();
    (id, url)
}

/// Step 2: the status, content type and text of the upload's answer.
async fn upload(url: &str, bytes: &[u8]) -> (u16, String, String) {
    let answer = http()
        .post(url)
        .header("content-type", "image/png")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("an answer");
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, answer.text().await.expect("text"))
}

/// Step 3 into `channel`, with the blocks, as a form post.
async fn complete(fake: &FakeSlack, id: &str, channel: &str) -> Value {
    let files = json!([{ "id": id, "title": "Team map" }]).to_string();
    call(
        fake,
        "files.completeUploadExternal",
        &[
            ("files", &files),
            ("channel_id", channel),
            ("blocks", BLOCKS),
        ],
    )
    .await
}

#[tokio::test]
async fn an_uploaded_file_is_shared_in_a_message_with_its_blocks() {
    let fake = FakeSlack::start(workspace(3)).await.unwrap();
    let bytes = b"\x89PNG not really".to_vec();

    let (id, url) = announce(&fake, "map.png", bytes.len()).await;
    assert!(id.starts_with('F'), "{id}");
    assert_eq!(url, format!("http://{}/upload/{id}", fake.address));
    let uploaded = upload(&url, &bytes).await;
    assert_eq!(
        uploaded,
        (
            200,
            "text/plain; charset=utf-8".to_owned(),
            format!("OK - {}", bytes.len())
        )
    );
    let answer = complete(&fake, &id, "C0ALLIANCE").await;

    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(answer["files"][0]["id"], id.as_str());
    assert_eq!(answer["files"][0]["title"], "Team map");
    let files = fake.files_in(ALLIANCE);
    assert_eq!(
        files,
        vec![FakeFile {
            id: id.clone(),
            name: "map.png".into(),
            title: "Team map".into(),
            alt_text: Some("Who met whom".into()),
            bytes,
        }]
    );
    let message = &fake.messages()[0];
    assert_eq!(
        message.blocks,
        serde_json::from_str::<Value>(BLOCKS).unwrap()
    );
    assert_eq!(message.files, files);
    let methods: Vec<String> = fake.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        [
            "files.getUploadURLExternal",
            UPLOAD,
            "files.completeUploadExternal"
        ]
    );
    fake.stop().await;
}

#[tokio::test]
async fn an_unknown_file_id_can_be_neither_uploaded_nor_completed() {
    let fake = FakeSlack::start(workspace(3)).await.unwrap();
    let url = format!("http://{}/upload/F404", fake.address);

    let (status, _, _) = upload(&url, b"abc").await;
    let answer = complete(&fake, "F404", "C0ALLIANCE").await;

    assert_eq!(status, 404);
    assert_eq!(answer["error"], "file_not_found");
    assert!(fake.messages().is_empty());
    fake.stop().await;
}

#[tokio::test]
async fn an_upload_of_another_length_than_announced_is_refused() {
    let fake = FakeSlack::start(workspace(3)).await.unwrap();
    let (id, url) = announce(&fake, "map.png", 4).await;

    let (status, _, text) = upload(&url, b"abc").await;
    let answer = complete(&fake, &id, "C0ALLIANCE").await;

    assert_eq!(
        (status, text.as_str()),
        (400, "announced 4 bytes, received 3")
    );
    assert_eq!(answer["error"], "file_not_found", "nothing was uploaded");
    let refused = &fake.calls()[1];
    assert_eq!(
        (refused.method.as_str(), refused.error.as_deref()),
        (UPLOAD, Some("length_mismatch"))
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_file_completed_before_its_upload_is_not_found_and_can_be_completed_after() {
    let fake = FakeSlack::start(workspace(3)).await.unwrap();
    let (id, url) = announce(&fake, "map.png", 3).await;

    let early = complete(&fake, &id, "C0ALLIANCE").await;
    upload(&url, b"abc").await;
    let later = complete(&fake, &id, "C0ALLIANCE").await;
    let again = complete(&fake, &id, "C0ALLIANCE").await;

    assert_eq!(early["error"], "file_not_found");
    assert_eq!(later["ok"], true, "{later}");
    assert_eq!(
        again["error"], "file_not_found",
        "Slack completes a file once"
    );
    assert_eq!(fake.files_in(ALLIANCE).len(), 1);
    fake.stop().await;
}

#[tokio::test]
async fn a_file_is_shared_only_into_a_channel_given_by_id_that_exists() {
    let fake = FakeSlack::start(workspace(3)).await.unwrap();
    let (id, url) = announce(&fake, "map.png", 3).await;
    upload(&url, b"abc").await;

    let unknown = complete(&fake, &id, "C0NOWHERE").await;
    let by_name = complete(&fake, &id, "alliances").await;
    let by_id = complete(&fake, &id, "C0ALLIANCE").await;

    assert_eq!(unknown["error"], "channel_not_found");
    assert_eq!(by_name["error"], "channel_not_found");
    assert_eq!(
        by_id["ok"], true,
        "a refused call leaves the file to complete"
    );
    fake.stop().await;
}

#[tokio::test]
async fn neither_a_file_nor_a_message_goes_into_a_channel_the_bot_is_not_in() {
    let mut workspace = workspace(3);
    workspace.channels_without_bot = vec!["C0GENERAL".into()];
    let fake = FakeSlack::start(workspace).await.unwrap();
    let (id, url) = announce(&fake, "map.png", 3).await;
    upload(&url, b"abc").await;

    let file = complete(&fake, &id, "C0GENERAL").await;
    let post = call(
        &fake,
        "chat.postMessage",
        &[("channel", "general"), ("text", "hello")],
    )
    .await;

    assert_eq!(file["error"], "not_in_channel");
    assert_eq!(post["error"], "not_in_channel");
    assert!(fake.messages().is_empty());
    fake.stop().await;
}

#[tokio::test]
async fn a_token_without_files_write_may_not_upload() {
    let mut workspace = workspace(3);
    workspace.granted_scopes = Some(vec!["chat:write".into()]);
    let fake = FakeSlack::start(workspace).await.unwrap();

    let announced = call(
        &fake,
        "files.getUploadURLExternal",
        &[("filename", "map.png"), ("length", "3")],
    )
    .await;
    let completed = complete(&fake, "F1", "C0ALLIANCE").await;

    assert_eq!(announced["error"], "missing_scope");
    assert_eq!(completed["error"], "missing_scope");
    fake.stop().await;
}

#[tokio::test]
async fn faults_hit_the_upload_and_the_methods_as_any_call() {
    let fake = FakeSlack::start(workspace(3)).await.unwrap();
    let (id, url) = announce(&fake, "map.png", 3).await;
    fake.set_faults(
        Faults::default()
            .next_calls(UPLOAD, 1, Fault::ServerError { status: 503 })
            .next_calls(
                "files.completeUploadExternal",
                1,
                Fault::RateLimited {
                    retry_after_secs: 2,
                },
            ),
    );

    let (status, _, _) = upload(&url, b"abc").await;
    let (retried, _, _) = upload(&url, b"abc").await;
    let limited = http()
        .post(format!("{}/files.completeUploadExternal", fake.api_url()))
        .bearer_auth(TOKEN)
        .form(&[
            ("files", json!([{ "id": id }]).to_string().as_str()),
            ("channel_id", "C0ALLIANCE"),
        ])
        .send()
        .await
        .unwrap();
    let limited_status = limited.status().as_u16();
    let retry_after = limited.headers().get("retry-after").cloned();
    let answer = complete(&fake, &id, "C0ALLIANCE").await;

    assert_eq!((status, retried), (503, 200));
    assert_eq!(limited_status, 429);
    assert_eq!(retry_after.unwrap(), "2");
    assert_eq!(answer["ok"], true, "{answer}");
    fake.stop().await;
}

#[test]
fn both_methods_are_held_to_tier_4() {
    let limits = Limits::slack();
    for method in ["files.getUploadURLExternal", "files.completeUploadExternal"] {
        assert_eq!(limits.allowed_per_minute(method), Some(100.0), "{method}");
    }
    assert_eq!(limits.allowed_per_minute(UPLOAD), None);
}
