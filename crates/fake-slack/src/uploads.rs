//! File uploads, the way Slack takes them since it retired `files.upload`:
//! `files.getUploadURLExternal` announces a file (name, length) and hands
//! out an upload URL and a file id; the bytes are POSTed to that URL; then
//! `files.completeUploadExternal` shares the file, in a message of the
//! channel it names.
//!
//! [`Uploads`] keeps each announced file until it is completed; the two
//! Web API methods ([`super::methods`]) call into it. The route here,
//! `POST /upload/{file_id}` on the Web API port, is the upload service: it
//! takes the raw bytes (Slack also reads a multipart form; the bot sends
//! raw bytes, so the fake reads only those) and answers as Slack does,
//! HTTP 200 with the plain text `OK - <length>`. Faults apply to it as to
//! a Web API method, under the name [`UPLOAD`]; Slack documents no rate
//! limit for it, so the fake enforces none.

use super::api::answer_under_fault;
use super::methods::SlackError;
use super::recorder::{CallOutcome, FakeFile, RecordedCall};
use super::{SharedState, State as FakeState, lock};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The name the upload POST goes by in the recorded calls and in fault
/// rules (it is not a Web API method); the bot's metrics name it alike.
pub const UPLOAD: &str = "files.upload_url";

/// The largest upload the route reads. Slack takes files up to 1 GB; the
/// bot uploads pictures of a few hundred kilobytes, and a test should not
/// hold a gigabyte in memory.
const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// An announced file, on its way to being shared.
#[derive(Debug)]
struct Upload {
    name: String,
    alt_text: Option<String>,
    /// The length `files.getUploadURLExternal` announced.
    length: usize,
    /// The bytes, once an upload of the announced length arrived.
    bytes: Option<Vec<u8>>,
    /// Shared by `files.completeUploadExternal`, which Slack takes once.
    completed: bool,
}

/// Why the upload service refused a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum UploadRefusal {
    /// No file was announced under this id, or it was already shared.
    UnknownFile,
    /// The body's length is not the length announced.
    WrongLength {
        /// What `files.getUploadURLExternal` was told.
        announced: usize,
        /// What came.
        received: usize,
    },
}

/// The files announced so far.
#[derive(Debug)]
pub(super) struct Uploads {
    /// `http://127.0.0.1:PORT/upload/`.
    base: String,
    /// Ids are a sequence, so that a run's ids repeat from one run to the next.
    last_id: u64,
    files: HashMap<String, Upload>,
}

impl Uploads {
    /// Upload URLs under `http://{address}/upload/`.
    pub fn new(address: SocketAddr) -> Self {
        Self {
            base: format!("http://{address}/upload/"),
            last_id: 0,
            files: HashMap::new(),
        }
    }

    /// Announces a file: its fresh id (`F…`, as Slack's) and upload URL.
    pub fn announce(
        &mut self,
        name: String,
        length: usize,
        alt_text: Option<String>,
    ) -> (String, String) {
        self.last_id += 1;
        let id = format!("F{:010}", self.last_id);
        self.files.insert(
            id.clone(),
            Upload {
                name,
                alt_text,
                length,
                bytes: None,
                completed: false,
            },
        );
        let url = format!("{}{id}", self.base);
        (id, url)
    }

    /// Takes the bytes of the file `id`, if they are as long as announced;
    /// a second upload before completion replaces the first (a client
    /// retrying after a lost answer).
    pub fn receive(&mut self, id: &str, bytes: Vec<u8>) -> Result<usize, UploadRefusal> {
        let upload = self
            .files
            .get_mut(id)
            .filter(|upload| !upload.completed)
            .ok_or(UploadRefusal::UnknownFile)?;
        if bytes.len() != upload.length {
            return Err(UploadRefusal::WrongLength {
                announced: upload.length,
                received: bytes.len(),
            });
        }
        let length = bytes.len();
        upload.bytes = Some(bytes);
        Ok(length)
    }

    /// Completes the files `(id, title)`, all or none: each must have been
    /// announced, uploaded in full and not completed yet. Slack's reference
    /// names no separate code for a file whose bytes never came: to the
    /// upload service it is no file yet, so each case is `file_not_found`.
    pub fn complete(
        &mut self,
        files: &[(String, Option<String>)],
    ) -> Result<Vec<FakeFile>, SlackError> {
        for (id, _) in files {
            let ready = self
                .files
                .get(id)
                .is_some_and(|upload| !upload.completed && upload.bytes.is_some());
            if !ready {
                return Err(SlackError("file_not_found"));
            }
        }
        let mut completed = Vec::with_capacity(files.len());
        for (id, title) in files {
            let Some(upload) = self.files.get_mut(id) else {
                return Err(SlackError("file_not_found"));
            };
            upload.completed = true;
            completed.push(FakeFile {
                id: id.clone(),
                title: title.clone().unwrap_or_else(|| upload.name.clone()),
                name: upload.name.clone(),
                alt_text: upload.alt_text.clone(),
                bytes: upload.bytes.clone().unwrap_or_default(),
            });
        }
        Ok(completed)
    }
}

/// The upload route, over the shared state.
pub(super) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/upload/{id}", post(upload))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .with_state(state)
}

/// Takes one upload, unless a fault comes first, and records it as a call.
async fn upload(State(state): State<SharedState>, Path(id): Path<String>, body: Bytes) -> Response {
    answer_under_fault(&state, UPLOAD, (id, body), receive, |(id, body)| {
        upload_params(&id, &body)
    })
    .await
}

/// Applies one upload the faults let through: takes its bytes, records the
/// call with `outcome`, and answers as the upload service does.
fn receive(state: &mut FakeState, (id, body): (String, Bytes), outcome: CallOutcome) -> Response {
    let (answer, error) = match state.uploads.receive(&id, body.to_vec()) {
        Ok(length) => (uploaded(length), None),
        Err(refusal) => refused(&refusal),
    };
    state.recorder.record_call(RecordedCall {
        method: UPLOAD.to_owned(),
        params: upload_params(&id, &body),
        ok: error.is_none(),
        error: error.map(str::to_owned),
        outcome,
    });
    answer
}

/// What the recorded call of an upload shows: the file and the length sent.
fn upload_params(id: &str, body: &[u8]) -> Value {
    json!({ "file_id": id, "length": body.len() })
}

/// The upload service's answer to a complete upload.
fn uploaded(length: usize) -> Response {
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("OK - {length}"),
    )
        .into_response()
}

/// A refusal: its answer (an HTTP error with a line of text, as the upload
/// service is no JSON API) and the error recorded for it.
fn refused(refusal: &UploadRefusal) -> (Response, Option<&'static str>) {
    let (status, error, text) = match refusal {
        UploadRefusal::UnknownFile => (
            StatusCode::NOT_FOUND,
            "file_not_found",
            "no upload is expected at this URL".to_owned(),
        ),
        UploadRefusal::WrongLength {
            announced,
            received,
        } => (
            StatusCode::BAD_REQUEST,
            "length_mismatch",
            format!("announced {announced} bytes, received {received}"),
        ),
    };
    let answer = (status, [(CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response();
    (answer, Some(error))
}

impl super::FakeSlack {
    /// The files shared into `channel` (a channel id) so far, in the order
    /// they were shared, with the bytes uploaded.
    pub fn files_in(&self, channel: impl AsRef<str>) -> Vec<FakeFile> {
        let channel = channel.as_ref();
        lock(&self.state)
            .recorder
            .messages()
            .iter()
            .filter(|message| message.channel == channel)
            .flat_map(|message| message.files.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uploads() -> Uploads {
        Uploads::new(([127, 0, 0, 1], 9).into())
    }

    #[test]
    fn an_announced_file_gets_a_fresh_id_and_a_url_on_the_fake() {
        let mut uploads = uploads();
        let (first, url) = uploads.announce("map.png".into(), 3, None);
        let (second, _) = uploads.announce("map.png".into(), 3, None);
        assert_eq!(first, "F0000000001");
        assert_eq!(url, "http://127.0.0.1:9/upload/F0000000001");
        assert_ne!(first, second);
    }

    #[test]
    fn an_upload_must_be_as_long_as_announced() {
        let mut uploads = uploads();
        let (id, _) = uploads.announce("map.png".into(), 3, None);
        assert_eq!(
            uploads.receive(&id, vec![1, 2]),
            Err(UploadRefusal::WrongLength {
                announced: 3,
                received: 2
            })
        );
        assert_eq!(uploads.receive(&id, vec![1, 2, 3]), Ok(3));
        assert_eq!(
            uploads.receive("F9", vec![1, 2, 3]),
            Err(UploadRefusal::UnknownFile)
        );
    }

    #[test]
    fn a_file_is_completed_once_after_its_bytes_came_and_all_or_none() {
        let mut uploads = uploads();
        let (done, _) = uploads.announce("map.png".into(), 1, Some("A map".into()));
        let (waiting, _) = uploads.announce("other.png".into(), 1, None);
        uploads.receive(&done, vec![7]).unwrap();

        let both = [(done.clone(), None), (waiting.clone(), None)];
        assert_eq!(uploads.complete(&both), Err(SlackError("file_not_found")));

        let files = uploads
            .complete(&[(done.clone(), Some("Team map".into()))])
            .unwrap();
        assert_eq!(
            files,
            vec![FakeFile {
                id: done.clone(),
                name: "map.png".into(),
                title: "Team map".into(),
                alt_text: Some("A map".into()),
                bytes: vec![7],
            }]
        );
        assert_eq!(
            uploads.complete(&[(done.clone(), None)]),
            Err(SlackError("file_not_found"))
        );
        assert_eq!(
            uploads.receive(&done, vec![7]),
            Err(UploadRefusal::UnknownFile)
        );
    }
}
