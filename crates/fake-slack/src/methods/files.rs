//! `files.getUploadURLExternal` and `files.completeUploadExternal`: the
//! two Web API halves of a file upload (the bytes go in between, to the
//! upload service in [`super::super::uploads`]). Both need `files:write`.

use super::super::State;
use super::super::recorder::PostedMessage;
use super::super::workspace::BOT_USER_ID;
use super::{MethodResult, Params, SlackError, fields, read_blocks};
use serde_json::{Value, json};

/// The scope both methods need.
const FILES_WRITE: &str = "files:write";

/// Slack refuses an `alt_txt` longer than 1,000 characters
/// (`alt_txt_too_large`, in the method's reference).
const MAX_ALT_TEXT_CHARS: usize = 1000;

/// A file announced by `files.getUploadURLExternal`.
#[derive(Debug, Clone, PartialEq)]
struct Announcement {
    filename: String,
    length: usize,
    alt_text: Option<String>,
}

/// A `files.completeUploadExternal` as the call gives it.
#[derive(Debug, Clone, PartialEq)]
struct Completion {
    /// `(id, title)` of each file.
    files: Vec<(String, Option<String>)>,
    /// Where to share them; a file completed without one stays private.
    channel_id: Option<String>,
    /// The message's text when it is an `initial_comment`, else empty.
    text: String,
    /// A JSON array, or `Value::Null`: Slack ignores `blocks` when an
    /// `initial_comment` is given, and so does the fake.
    blocks: Value,
}

/// Announces a file and answers its id and upload URL.
pub(super) fn get_upload_url(state: &mut State, params: &Params) -> MethodResult {
    if !state.directory.grants(FILES_WRITE) {
        return Err(SlackError("missing_scope"));
    }
    let announced = read_announcement(params)?;
    let (file_id, upload_url) =
        state
            .uploads
            .announce(announced.filename, announced.length, announced.alt_text);
    Ok(fields(
        json!({ "upload_url": upload_url, "file_id": file_id }),
    ))
}

/// Shares uploaded files into a channel, in a message carrying the
/// call's blocks, and answers the files.
pub(super) fn complete_upload(state: &mut State, params: &Params) -> MethodResult {
    if !state.directory.grants(FILES_WRITE) {
        return Err(SlackError("missing_scope"));
    }
    let completion = read_completion(params)?;
    // Slack's `channel_id` is an id: a channel's name finds no channel.
    let destination = match &completion.channel_id {
        None => None,
        Some(id) => {
            let destination = state
                .directory
                .resolve(id)
                .filter(|destination| destination.channel.as_str() == id)
                .ok_or(SlackError("channel_not_found"))?;
            if !state.directory.bot_is_member(&destination.channel) {
                return Err(SlackError("not_in_channel"));
            }
            Some(destination)
        }
    };
    let files = state.uploads.complete(&completion.files)?;
    let answered: Vec<Value> = files
        .iter()
        .map(|file| {
            json!({
                "id": file.id,
                "name": file.name,
                "title": file.title,
                "size": file.bytes.len(),
                "user": BOT_USER_ID,
            })
        })
        .collect();
    if let Some(destination) = destination {
        let ts = state.recorder.next_ts();
        state.recorder.record_message(PostedMessage {
            channel: destination.channel.clone(),
            dm_user: destination.dm_user().map(str::to_owned),
            text: completion.text,
            blocks: completion.blocks,
            ts,
            files,
        });
    }
    Ok(fields(json!({ "files": answered })))
}

fn read_announcement(params: &Params) -> Result<Announcement, SlackError> {
    let filename = params.required("filename", "invalid_arguments")?;
    let length = params
        .text("length")
        .and_then(|length| length.trim().parse::<usize>().ok())
        .filter(|&length| length > 0)
        .ok_or(SlackError("invalid_arguments"))?;
    let alt_text = params.text("alt_txt").filter(|text| !text.is_empty());
    if alt_text
        .as_ref()
        .is_some_and(|text| text.chars().count() > MAX_ALT_TEXT_CHARS)
    {
        return Err(SlackError("alt_txt_too_large"));
    }
    Ok(Announcement {
        filename,
        length,
        alt_text,
    })
}

fn read_completion(params: &Params) -> Result<Completion, SlackError> {
    let files = read_files(params)?;
    let blocks = read_blocks(params)?;
    let comment = params
        .text("initial_comment")
        .filter(|text| !text.trim().is_empty());
    let (text, blocks) = match comment {
        Some(comment) => (comment, Value::Null),
        None => (String::new(), blocks),
    };
    Ok(Completion {
        files,
        channel_id: params.text("channel_id").filter(|id| !id.is_empty()),
        text,
        blocks,
    })
}

/// Reads `files`: a JSON array of `{"id": …, "title": …}` (JSON posts) or
/// a string holding one (form posts), with at least one file.
fn read_files(params: &Params) -> Result<Vec<(String, Option<String>)>, SlackError> {
    let invalid = SlackError("invalid_arguments");
    let listed = match params.value("files") {
        Some(Value::Array(files)) => files.clone(),
        Some(Value::String(encoded)) => match serde_json::from_str::<Value>(encoded) {
            Ok(Value::Array(files)) => files,
            Ok(_) | Err(_) => return Err(invalid),
        },
        Some(_) | None => return Err(invalid),
    };
    if listed.is_empty() {
        return Err(invalid);
    }
    listed
        .iter()
        .map(|file| {
            let id = file["id"]
                .as_str()
                .filter(|id| !id.is_empty())
                .ok_or(invalid)?;
            let title = file["title"].as_str().map(str::to_owned);
            Ok((id.to_owned(), title))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, Value)]) -> Params {
        Params::from_pairs(pairs)
    }

    #[test]
    fn an_announcement_needs_a_file_name_and_a_positive_length() {
        let read = |pairs: &[(&str, Value)]| read_announcement(&params(pairs));
        let announced = read(&[
            ("filename", json!("map.png")),
            ("length", json!("42")),
            ("alt_txt", json!("A map")),
        ]);
        assert_eq!(
            announced,
            Ok(Announcement {
                filename: "map.png".into(),
                length: 42,
                alt_text: Some("A map".into()),
            })
        );
        let invalid = Err(SlackError("invalid_arguments"));
        assert_eq!(read(&[("length", json!(42))]), invalid);
        assert_eq!(read(&[("filename", json!("map.png"))]), invalid);
        for bad in [json!("0"), json!("-3"), json!("many"), json!(1.5)] {
            assert_eq!(read(&[("filename", json!("a")), ("length", bad)]), invalid);
        }
        assert_eq!(
            read(&[
                ("filename", json!("a")),
                ("length", json!(1)),
                ("alt_txt", json!("x".repeat(1001)))
            ]),
            Err(SlackError("alt_txt_too_large"))
        );
    }

    #[test]
    fn files_may_come_as_an_array_or_as_a_json_string_of_one() {
        let files = json!([{ "id": "F1", "title": "Map" }, { "id": "F2" }]);
        let expected = vec![
            ("F1".to_owned(), Some("Map".to_owned())),
            ("F2".to_owned(), None),
        ];
        assert_eq!(
            read_files(&params(&[("files", files.clone())])),
            Ok(expected.clone())
        );
        assert_eq!(
            read_files(&params(&[("files", json!(files.to_string()))])),
            Ok(expected)
        );
        for bad in [
            json!([]),
            json!([{ "title": "x" }]),
            json!("nope"),
            json!(3),
        ] {
            assert_eq!(
                read_files(&params(&[("files", bad)])),
                Err(SlackError("invalid_arguments"))
            );
        }
        assert_eq!(
            read_files(&params(&[])),
            Err(SlackError("invalid_arguments"))
        );
    }

    #[test]
    fn an_initial_comment_replaces_the_blocks_as_slack_ignores_them_then() {
        let block = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "hi" } }]);
        let files = json!([{ "id": "F1" }]);
        let with_blocks = read_completion(&params(&[
            ("files", files.clone()),
            ("blocks", block.clone()),
        ]))
        .unwrap();
        assert_eq!(
            (with_blocks.text.as_str(), &with_blocks.blocks),
            ("", &block)
        );
        let with_comment = read_completion(&params(&[
            ("files", files.clone()),
            ("blocks", block),
            ("initial_comment", json!("Here it is")),
        ]))
        .unwrap();
        assert_eq!(with_comment.text, "Here it is");
        assert_eq!(with_comment.blocks, Value::Null);
        assert_eq!(
            read_completion(&params(&[("files", files), ("blocks", json!("{"))])),
            Err(SlackError("invalid_blocks"))
        );
    }
}
