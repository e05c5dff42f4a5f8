//! Cursor paging, as `users.list` and `conversations.list` answer it: a
//! `limit` per page and an opaque `next_cursor` that is empty on the last.

use super::{Params, SlackError};
use std::ops::Range;

/// With no limit (or 0) both methods give pages of 100, as Slack documents,
/// which keeps the bot's paging path busy in small demos.
const DEFAULT_LIMIT: usize = 100;
/// Slack documents 1000 as the most it returns in one page; larger limits
/// are cut down to it, as Slack does, rather than refused.
const MAX_LIMIT: usize = 1000;
/// Our cursors are opaque to the client; inside, they carry the next offset.
const CURSOR_PREFIX: &str = "next:";

/// Which slice of a list to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Page {
    offset: usize,
    limit: usize,
}

impl Page {
    /// Reads `limit` and `cursor`: `invalid_limit` for a limit that is not a
    /// count, `invalid_cursor` for a cursor the fake did not give.
    pub fn read(params: &Params) -> Result<Self, SlackError> {
        let limit = match params.text("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => match text.trim().parse::<u64>() {
                Ok(0) => DEFAULT_LIMIT,
                Ok(n) => usize::try_from(n).map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT)),
                Err(_) => return Err(SlackError("invalid_limit")),
            },
        };
        let offset = match params.text("cursor") {
            None => 0,
            Some(cursor) if cursor.is_empty() => 0,
            Some(cursor) => cursor
                .strip_prefix(CURSOR_PREFIX)
                .and_then(|offset| offset.parse::<usize>().ok())
                .ok_or(SlackError("invalid_cursor"))?,
        };
        Ok(Self { offset, limit })
    }

    /// The items of a list of `len` this page holds, and the cursor of the
    /// next page (empty at the end); `invalid_cursor` past the end.
    pub fn of(self, len: usize) -> Result<(Range<usize>, String), SlackError> {
        if self.offset > len {
            return Err(SlackError("invalid_cursor"));
        }
        let end = len.min(self.offset.saturating_add(self.limit));
        let next_cursor = if end < len {
            format!("{CURSOR_PREFIX}{end}")
        } else {
            String::new()
        };
        Ok((self.offset..end, next_cursor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn read(pairs: &[(&str, Value)]) -> Result<Page, SlackError> {
        Page::read(&Params::from_pairs(pairs))
    }

    #[test]
    fn an_absent_or_zero_limit_means_a_hundred_and_a_huge_one_is_capped() {
        assert_eq!(read(&[]).unwrap().limit, 100);
        assert_eq!(read(&[("limit", json!("0"))]).unwrap().limit, 100);
        assert_eq!(read(&[("limit", json!(5000))]).unwrap().limit, 1000);
        assert_eq!(read(&[("limit", json!("40"))]).unwrap().limit, 40);
    }

    #[test]
    fn a_limit_that_is_not_a_count_is_invalid() {
        for bad in [json!("ten"), json!("-1"), json!(2.5)] {
            assert_eq!(read(&[("limit", bad)]), Err(SlackError("invalid_limit")));
        }
    }

    #[test]
    fn a_cursor_the_fake_did_not_give_is_invalid() {
        assert_eq!(read(&[("cursor", json!(""))]).unwrap().offset, 0);
        assert_eq!(read(&[("cursor", json!("next:40"))]).unwrap().offset, 40);
        assert_eq!(
            read(&[("cursor", json!("dXNlcjpVMDYx"))]),
            Err(SlackError("invalid_cursor"))
        );
    }

    #[test]
    fn a_page_names_the_next_until_the_last_and_none_starts_past_the_end() {
        let page = |cursor: &str| read(&[("limit", json!(2)), ("cursor", json!(cursor))]);
        assert_eq!(page("").unwrap().of(5), Ok((0..2, "next:2".to_owned())));
        assert_eq!(page("next:4").unwrap().of(5), Ok((4..5, String::new())));
        assert_eq!(page("next:5").unwrap().of(5), Ok((5..5, String::new())));
        assert_eq!(
            page("next:6").unwrap().of(5),
            Err(SlackError("invalid_cursor"))
        );
    }
}
