//! Posting a message with a picture in it, through Slack's current upload
//! flow (`files.upload` is retired):
//!
//! 1. `files.getUploadURLExternal` announces the file (name, length, alt
//!    text) and answers an upload URL and a file id;
//! 2. the bytes are POSTed to that URL, which answers `OK - <length>`;
//! 3. `files.completeUploadExternal` shares the file into the channel with
//!    the message's blocks, so the picture shows in the message itself.
//!
//! `files.completeUploadExternal` takes a channel's id only: a channel
//! given by name is looked up first (see [`super::channels`]).
//!
//! Each step goes through [`SlackClient::call`]: rate control (both methods
//! are Tier 4; the upload, which has no published limit, is paced alike),
//! a time-out, and metrics (the upload as [`UPLOAD`]).

use super::client::{SlackClient, block_kit};
use super::error::SlackError;
use super::rate_control::UPLOAD;
use super::render::Message;
use crate::domain::ChannelId;
use slack_morphism::errors::{SlackClientApiError, SlackClientError};
use slack_morphism::prelude::*;

/// The method that shares the uploaded picture into the channel.
const COMPLETE: &str = "files.completeUploadExternal";

/// A PNG picture to post, with what Slack shows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    /// Its file name, such as `team-map.png`.
    pub filename: String,
    /// The title Slack shows above it.
    pub title: String,
    /// What a screen reader reads instead (Slack takes up to 1,000
    /// characters).
    pub alt_text: String,
}

impl SlackClient {
    /// Posts `message` to `channel` with `picture` in it, and returns the
    /// shared file's id.
    ///
    /// `channel` is a name (`alliances`, `#alliances`) or an id
    /// (`C0123ABCD`), as the settings give it (a `&str`, or a checked
    /// [`ChannelId`]). A name is looked up once
    /// with `conversations.list` and its id remembered; a name no channel
    /// the bot can see has is [`SlackError::ChannelNotFound`], before
    /// anything is uploaded. If Slack no longer knows a remembered id, it
    /// is forgotten and the name looked up again: under a new id, the file
    /// already uploaded is shared there.
    ///
    /// The picture is shared by `files.completeUploadExternal` with the
    /// message's blocks, so it shows in the message itself. Slack takes
    /// either `blocks` or an `initial_comment` there, not both (it ignores
    /// the blocks when both come), and no notification `text`: a message
    /// with blocks goes without its `text`, and one without blocks has its
    /// `text` as the comment.
    ///
    /// Every step may fail as any call does (see [`SlackError`]). A
    /// transient failure is retried by calling this again: a file uploaded
    /// but never completed is discarded by Slack, so nothing is posted
    /// twice; only a lost answer to the last step can post twice, as with
    /// `chat.postMessage`.
    pub async fn post_with_picture(
        &self,
        channel: &(impl AsRef<str> + ?Sized),
        message: &Message,
        picture: &Picture,
    ) -> Result<String, SlackError> {
        let channel = channel.as_ref();
        let blocks = block_kit(COMPLETE, "the message's blocks", message.blocks.clone())?;
        let target = self.resolve_channel(channel).await?;
        let (upload_url, file_id) = self.upload_url_for(picture).await?;
        self.upload(upload_url, picture).await?;
        let posted = self
            .share_upload(&target.id, message, &blocks, picture, file_id.clone())
            .await;
        let name = match (&posted, &target.name) {
            (Err(err), Some(name)) if err.is_channel_not_found() => name,
            _ => return posted,
        };
        // As with a remembered DM channel: forget the id Slack no longer
        // knows, and if it came from the cache, the channel may live on
        // under a new id (deleted and made again, or renamed and its name
        // given to another).
        self.channel_ids().forget(name);
        if !target.remembered {
            return posted;
        }
        tracing::info!(channel = %name, "the remembered channel id is gone: looking the name up again");
        let fresh = self.resolve_channel(channel).await?;
        if fresh.id == target.id {
            return posted;
        }
        // The file is uploaded and not yet shared: only step 3 is made again.
        self.share_upload(&fresh.id, message, &blocks, picture, file_id)
            .await
    }

    /// Step 3: shares the uploaded file `file_id` into the channel
    /// `channel`, in the message, under the picture's title.
    async fn share_upload(
        &self,
        channel: &ChannelId,
        message: &Message,
        blocks: &[SlackBlock],
        picture: &Picture,
        file_id: SlackFileId,
    ) -> Result<String, SlackError> {
        let file = SlackApiFilesComplete::new(file_id).with_title(picture.title.clone());
        let mut request = SlackApiFilesCompleteUploadExternalRequest::new(vec![file])
            .with_channel_id(SlackChannelId(channel.as_str().to_owned()));
        if blocks.is_empty() {
            request = request.with_initial_comment(message.text.clone());
        } else {
            request = request.with_blocks(blocks.to_vec());
        }
        let response = self
            .call(COMPLETE, None, || async {
                self.session()
                    .files_complete_upload_external(&request)
                    .await
            })
            .await?;
        let shared = response
            .files
            .into_iter()
            .next()
            .ok_or_else(|| SlackError::Unexpected {
                method: COMPLETE,
                detail: "no file in the answer".to_owned(),
            })?;
        tracing::debug!(channel = %channel, file = %shared.id, "posted a message with a picture");
        Ok(shared.id.0)
    }

    /// Step 1: announces the picture; its upload URL and file id.
    async fn upload_url_for(
        &self,
        picture: &Picture,
    ) -> Result<(SlackFileUploadUrl, SlackFileId), SlackError> {
        const METHOD: &str = "files.getUploadURLExternal";
        let mut request = SlackApiFilesGetUploadUrlExternalRequest::new(
            picture.filename.clone(),
            picture.png.len(),
        );
        if !picture.alt_text.is_empty() {
            request = request.with_alt_txt(picture.alt_text.clone());
        }
        let response = self
            .call(METHOD, None, || async {
                self.session().get_upload_url_external(&request).await
            })
            .await?;
        Ok((response.upload_url, response.file_id))
    }

    /// Step 2: POSTs the bytes to the upload URL.
    ///
    /// slack-morphism reads the upload service's answer, HTTP 200 with the
    /// plain text `OK - <length>`, as success: it decodes JSON only when
    /// the answer says it is JSON, and takes any other 200 as an empty
    /// answer. It keeps the URL (a short-lived credential) out of its logs.
    /// It also sends the bot token along, to Slack's own upload host,
    /// which is harmless. A status other than 200 or 429 it reports as an
    /// HTTP error, which would read as a passing transport failure; a 4xx
    /// says the upload itself was refused (a length that is not the one
    /// announced, an expired URL), which fails the same way again, so it
    /// becomes an API error here.
    async fn upload(
        &self,
        upload_url: SlackFileUploadUrl,
        picture: &Picture,
    ) -> Result<(), SlackError> {
        let request = SlackApiFilesUploadViaUrlRequest::new(
            upload_url,
            picture.png.clone(),
            "image/png".to_owned(),
        );
        self.call(UPLOAD, None, || async {
            self.session()
                .files_upload_via_url(&request)
                .await
                .map_err(refused_upload)
        })
        .await?;
        Ok(())
    }
}

/// A 4xx from the upload service (other than a 429) as an API error with
/// the code `HTTP <status>`, as a refused `response_url` is; anything else
/// as it came.
fn refused_upload(err: SlackClientError) -> SlackClientError {
    match err {
        SlackClientError::HttpError(http)
            if http.status_code.is_client_error() && http.status_code.as_u16() != 429 =>
        {
            SlackClientError::ApiError(SlackClientApiError::new(format!(
                "HTTP {}",
                http.status_code.as_u16()
            )))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ChannelId;
    use crate::metrics::Metrics;
    use fake_slack::{
        FakeChannel, FakeFile, FakeSlack, FakeUser, Fault, Faults, RecordedCall,
        UPLOAD as FAKE_UPLOAD, Workspace,
    };
    use secrecy::SecretString;
    use serde_json::json;

    const TOKEN: &str = "xoxb-upload-test";

    /// A 1×1 transparent PNG: signature, IHDR, one IDAT, IEND.
    const TINY_PNG: [u8; 67] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    fn channel() -> ChannelId {
        ChannelId::parse("C0DIGEST").unwrap()
    }

    fn workspace() -> Workspace {
        let ada = FakeUser {
            id: "U0000001".into(),
            name: "ada".into(),
            real_name: "Ada".into(),
            tz: "Europe/Paris".into(),
            team: None,
            is_bot: false,
            deleted: false,
        };
        let digest = FakeChannel {
            id: channel().into(),
            name: "alliances".into(),
        };
        Workspace::new(TOKEN, vec![ada], vec![digest])
    }

    async fn start(workspace: Workspace) -> (FakeSlack, SlackClient) {
        let fake = FakeSlack::start(workspace).await.unwrap();
        let client = client_for(&fake);
        (fake, client)
    }

    /// A new client of `fake`, with nothing remembered.
    fn client_for(fake: &FakeSlack) -> SlackClient {
        SlackClient::new(&fake.api_url(), &SecretString::from(TOKEN.to_owned())).unwrap()
    }

    /// The `conversations.list` calls the fake received.
    fn channel_lists(fake: &FakeSlack) -> Vec<RecordedCall> {
        fake.calls()
            .into_iter()
            .filter(|call| call.method == "conversations.list")
            .collect()
    }

    fn digest() -> Message {
        Message {
            text: "This week's alliances".into(),
            blocks: vec![
                json!({ "type": "header", "text": { "type": "plain_text", "text": "This week" } }),
                json!({ "type": "section", "text": { "type": "mrkdwn", "text": "*12* new alliances" } }),
            ],
        }
    }

    fn picture() -> Picture {
        Picture {
            png: TINY_PNG.to_vec(),
            filename: "team-map.png".into(),
            title: "Team map".into(),
            alt_text: "Which teams met this week".into(),
        }
    }

    #[tokio::test]
    async fn a_picture_is_posted_in_the_digest_message_with_its_exact_bytes() {
        let (fake, client) = start(workspace()).await;
        let metrics = Metrics::new();
        let client = client.with_metrics(metrics.clone());

        let file_id = client
            .post_with_picture(channel().as_str(), &digest(), &picture())
            .await
            .unwrap();

        assert_eq!(
            fake.files_in(channel()),
            vec![FakeFile {
                id: file_id,
                name: "team-map.png".into(),
                title: "Team map".into(),
                alt_text: Some("Which teams met this week".into()),
                bytes: TINY_PNG.to_vec(),
            }]
        );
        let message = &fake.messages()[0];
        assert_eq!(message.blocks, serde_json::Value::Array(digest().blocks));
        let metrics = metrics.render();
        for method in [
            "files.getUploadURLExternal",
            UPLOAD,
            "files.completeUploadExternal",
        ] {
            let line =
                format!("alliances_slack_calls_total{{method=\"{method}\",status=\"ok\"}} 1");
            assert!(metrics.contains(&line), "{line} not in\n{metrics}");
        }
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_message_without_blocks_takes_its_text_as_the_comment() {
        let (fake, client) = start(workspace()).await;
        let plain = Message {
            text: "The team map".into(),
            blocks: Vec::new(),
        };

        client
            .post_with_picture(channel().as_str(), &plain, &picture())
            .await
            .unwrap();

        let message = &fake.messages()[0];
        assert_eq!(message.text, "The team map");
        assert_eq!(message.files.len(), 1);
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_bot_not_in_the_channel_gets_a_permanent_error() {
        let mut workspace = workspace();
        workspace.channels_without_bot = vec![channel().into()];
        let (fake, client) = start(workspace).await;

        let err = client
            .post_with_picture(channel().as_str(), &digest(), &picture())
            .await
            .unwrap_err();

        assert!(
            matches!(&err, SlackError::Api { method: "files.completeUploadExternal", code } if code == "not_in_channel"),
            "{err:?}"
        );
        assert!(!err.is_transient());
        assert!(!err.to_string().contains(TOKEN));
        assert!(fake.files_in(channel()).is_empty());
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_429_on_complete_upload_external_is_transient_and_a_later_try_posts() {
        let (fake, client) = start(workspace()).await;
        // After a 429 the client waits for a turn of the method's budget:
        // paced ten times faster, the retries take a fraction of a second.
        let client = client.with_speedup(10.0);
        // One more 429 than the client retries; no wait, to keep the test quick.
        fake.set_faults(Faults::default().next_calls(
            "files.completeUploadExternal",
            4,
            Fault::RateLimited {
                retry_after_secs: 0,
            },
        ));

        let err = client
            .post_with_picture(channel().as_str(), &digest(), &picture())
            .await
            .unwrap_err();
        let later = client
            .post_with_picture(channel().as_str(), &digest(), &picture())
            .await;

        assert!(
            matches!(
                err,
                SlackError::RateLimited {
                    method: "files.completeUploadExternal",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_transient());
        assert!(later.is_ok(), "{later:?}");
        assert_eq!(fake.files_in(channel()).len(), 1, "posted once");
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_5xx_from_the_upload_url_is_transient_and_counted_under_its_own_name() {
        let (fake, client) = start(workspace()).await;
        let metrics = Metrics::new();
        let client = client.with_metrics(metrics.clone());
        fake.set_faults(Faults::default().next_calls(
            FAKE_UPLOAD,
            1,
            Fault::ServerError { status: 503 },
        ));

        let err = client
            .post_with_picture(channel().as_str(), &digest(), &picture())
            .await
            .unwrap_err();

        assert!(
            matches!(err, SlackError::Transport { method: UPLOAD, .. }),
            "{err:?}"
        );
        assert!(err.is_transient());
        let line = format!(
            "alliances_slack_calls_total{{method=\"{UPLOAD}\",status=\"transport_error\"}} 1"
        );
        assert!(metrics.render().contains(&line));
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_channel_name_with_or_without_its_hash_is_looked_up_and_posted_to_by_id() {
        let (fake, first) = start(workspace()).await;
        let second = client_for(&fake);

        first
            .post_with_picture("alliances", &digest(), &picture())
            .await
            .unwrap();
        second
            .post_with_picture("#alliances", &digest(), &picture())
            .await
            .unwrap();

        assert_eq!(fake.files_in(channel()).len(), 2);
        let lists = channel_lists(&fake);
        assert_eq!(lists.len(), 2, "one lookup per client");
        for list in &lists {
            assert_eq!(list.params["types"], "public_channel,private_channel");
            assert_eq!(list.params["exclude_archived"], "true");
            assert_eq!(list.params["limit"], "200");
        }
        let shared_into: Vec<serde_json::Value> = fake
            .calls()
            .into_iter()
            .filter(|call| call.method == "files.completeUploadExternal")
            .map(|call| call.params["channel_id"].clone())
            .collect();
        assert_eq!(shared_into, [json!("C0DIGEST"), json!("C0DIGEST")]);
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_looked_up_name_is_remembered_so_the_next_post_lists_no_channels() {
        let (fake, client) = start(workspace()).await;

        client
            .post_with_picture("alliances", &digest(), &picture())
            .await
            .unwrap();
        client
            .clone()
            .post_with_picture("#alliances", &digest(), &picture())
            .await
            .unwrap();

        assert_eq!(channel_lists(&fake).len(), 1);
        assert_eq!(fake.files_in(channel()).len(), 2);
        fake.stop().await;
    }

    #[tokio::test]
    async fn an_id_as_text_or_checked_is_used_as_it_is_without_listing_channels() {
        let (fake, client) = start(workspace()).await;

        client
            .post_with_picture("C0DIGEST", &digest(), &picture())
            .await
            .unwrap();
        client
            .post_with_picture(&channel(), &digest(), &picture())
            .await
            .unwrap();

        assert!(channel_lists(&fake).is_empty());
        assert_eq!(fake.files_in(channel()).len(), 2);
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_name_no_channel_has_is_a_permanent_error_naming_it_and_nothing_is_uploaded() {
        let (fake, client) = start(workspace()).await;

        let err = client
            .post_with_picture("#nowhere", &digest(), &picture())
            .await
            .unwrap_err();

        assert!(
            matches!(&err, SlackError::ChannelNotFound { name } if name == "nowhere"),
            "{err:?}"
        );
        assert!(!err.is_transient());
        assert!(err.is_channel_not_found());
        assert!(err.to_string().contains("#nowhere"), "{err}");
        assert!(
            fake.calls()
                .iter()
                .all(|call| call.method == "conversations.list"),
            "nothing but the lookup was called"
        );
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_name_on_a_later_page_is_found_by_following_the_cursor() {
        let mut workspace = workspace();
        let others = (1..=250).map(|n| FakeChannel {
            id: format!("C{n:07}"),
            name: format!("team-{n}"),
        });
        workspace.channels = others.chain(workspace.channels).collect();
        let (fake, client) = start(workspace).await;

        client
            .post_with_picture("alliances", &digest(), &picture())
            .await
            .unwrap();

        let lists = channel_lists(&fake);
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].params.get("cursor"), None);
        assert_eq!(lists[1].params["cursor"], "next:200");
        assert_eq!(fake.files_in(channel()).len(), 1);
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_private_channel_is_found_by_name_and_listing_without_its_scope_is_refused() {
        let mut private = workspace();
        private.private_channels = vec![channel().into()];
        let (fake, client) = start(private.clone()).await;
        client
            .post_with_picture("alliances", &digest(), &picture())
            .await
            .unwrap();
        assert_eq!(fake.files_in(channel()).len(), 1);
        fake.stop().await;

        private.granted_scopes = Some(vec!["chat:write".into(), "files:write".into()]);
        let (fake, client) = start(private).await;
        let err = client
            .post_with_picture("alliances", &digest(), &picture())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, SlackError::Api { method: "conversations.list", code } if code == "missing_scope"),
            "{err:?}"
        );
        assert!(!err.is_transient());
        fake.stop().await;
    }

    #[tokio::test]
    async fn a_remembered_id_slack_no_longer_knows_is_forgotten_and_the_name_looked_up_again() {
        let (fake, client) = start(workspace()).await;
        let stale = ChannelId::parse("C0GONE").unwrap();
        client.channel_ids().remember("alliances", stale);

        client
            .post_with_picture("alliances", &digest(), &picture())
            .await
            .unwrap();

        let refused: Vec<Option<String>> = fake
            .calls()
            .into_iter()
            .filter(|call| call.method == "files.completeUploadExternal" && !call.ok)
            .map(|call| call.error)
            .collect();
        assert_eq!(refused, [Some("channel_not_found".to_owned())]);
        assert_eq!(channel_lists(&fake).len(), 1);
        assert_eq!(fake.files_in(channel()).len(), 1);
        assert_eq!(client.channel_ids().get("alliances"), Some(channel()));
        // Only the sharing is made again: the file was uploaded once.
        let calls_to = |method: &str| {
            let calls = fake.calls();
            calls.iter().filter(|call| call.method == method).count()
        };
        assert_eq!(calls_to("files.getUploadURLExternal"), 1);
        assert_eq!(calls_to(FAKE_UPLOAD), 1);
        assert_eq!(calls_to("files.completeUploadExternal"), 2);
        fake.stop().await;
    }

    #[tokio::test]
    async fn an_unknown_id_is_not_found_without_listing_channels() {
        let (fake, client) = start(workspace()).await;

        let err = client
            .post_with_picture("C0GONE", &digest(), &picture())
            .await
            .unwrap_err();

        assert!(err.is_channel_not_found(), "{err:?}");
        assert!(channel_lists(&fake).is_empty());
        fake.stop().await;
    }

    #[test]
    fn a_refused_upload_is_an_api_error_and_a_rate_limit_stays_one() {
        let http = |status: u16| {
            SlackClientError::HttpError(slack_morphism::errors::SlackClientHttpError::new(
                status.try_into().unwrap(),
            ))
        };
        let refused = SlackError::from_client(UPLOAD, refused_upload(http(400)));
        assert!(
            matches!(&refused, SlackError::Api { code, .. } if code == "HTTP 400"),
            "{refused:?}"
        );
        assert!(!refused.is_transient());
        assert!(matches!(
            refused_upload(http(503)),
            SlackClientError::HttpError(_)
        ));
        assert!(matches!(
            refused_upload(http(429)),
            SlackClientError::HttpError(_)
        ));
    }
}
