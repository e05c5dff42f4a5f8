//! `conversations.list`: the workspace's channels as the bot sees them, a
//! page at a time: the public ones with `channels:read`, the private ones
//! it is in with `groups:read`.
//!
//! The fake holds channels, not DMs: of Slack's types it knows
//! `public_channel` and `private_channel`, and answers `invalid_types` to
//! `im` and `mpim` rather than pretend there are none.

use super::super::State;
use super::super::directory::Directory;
use super::super::workspace::FakeChannel;
use super::paging::Page;
use super::{CREATED_AT, MethodResult, Params, SlackError, fields};
use serde_json::{Value, json};

/// What Slack lists when the call names no `types`.
const DEFAULT_TYPES: &str = "public_channel";

/// The scope that lists public channels.
const CHANNELS_READ: &str = "channels:read";
/// The scope that lists private channels.
const GROUPS_READ: &str = "groups:read";

/// Which channels the call asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Listing {
    public: bool,
    private: bool,
    exclude_archived: bool,
}

/// Answers one page of the channels asked for and the cursor of the next
/// (empty at the end).
pub(super) fn answer(state: &State, params: &Params) -> MethodResult {
    let listing = read_listing(params)?;
    let directory = &state.directory;
    if (listing.public && !directory.grants(CHANNELS_READ))
        || (listing.private && !directory.grants(GROUPS_READ))
    {
        return Err(SlackError("missing_scope"));
    }
    let page = Page::read(params)?;
    let listed: Vec<&FakeChannel> = directory
        .channels()
        .iter()
        .filter(|channel| listing.shows(directory, channel))
        .collect();
    let (range, next_cursor) = page.of(listed.len())?;
    let channels: Vec<Value> = listed[range]
        .iter()
        .map(|channel| channel_info(directory, channel))
        .collect();
    Ok(fields(json!({
        "channels": channels,
        "response_metadata": { "next_cursor": next_cursor },
    })))
}

impl Listing {
    /// Whether `channel` is on the list: of a type asked for, not archived
    /// if those are left out, and, if private, one the bot is in (Slack
    /// lists no private channel to someone outside it).
    fn shows(self, directory: &Directory, channel: &FakeChannel) -> bool {
        let private = directory.is_private(&channel.id);
        let of_type = if private {
            self.private && directory.bot_is_member(&channel.id)
        } else {
            self.public
        };
        of_type && !(self.exclude_archived && directory.is_archived(&channel.id))
    }
}

/// Reads `types` (comma-separated; `public_channel` when absent) and
/// `exclude_archived`.
fn read_listing(params: &Params) -> Result<Listing, SlackError> {
    let types = params
        .text("types")
        .filter(|types| !types.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TYPES.to_owned());
    let mut listing = Listing {
        public: false,
        private: false,
        exclude_archived: params.flag("exclude_archived"),
    };
    for kind in types.split(',').map(str::trim) {
        match kind {
            "public_channel" => listing.public = true,
            "private_channel" => listing.private = true,
            _ => return Err(SlackError("invalid_types")),
        }
    }
    Ok(listing)
}

/// A channel in the shape Slack gives it. Channel ids from before 2021
/// that start with `G` are private "groups": Slack marks them `is_group`
/// rather than `is_channel`.
fn channel_info(directory: &Directory, channel: &FakeChannel) -> Value {
    let id = &channel.id;
    let group = id.as_str().starts_with('G');
    json!({
        "id": id.as_str(),
        "name": channel.name,
        "name_normalized": channel.name,
        "created": CREATED_AT,
        "is_channel": !group,
        "is_group": group,
        "is_im": false,
        "is_mpim": false,
        "is_private": directory.is_private(id),
        "is_archived": directory.is_archived(id),
        "is_general": channel.name == "general",
        "is_shared": false,
        "is_org_shared": false,
        "is_member": directory.bot_is_member(id),
        "previous_names": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(pairs: &[(&str, Value)]) -> Result<Listing, SlackError> {
        read_listing(&Params::from_pairs(pairs))
    }

    #[test]
    fn public_channels_are_listed_when_no_types_are_named() {
        let expected = Listing {
            public: true,
            private: false,
            exclude_archived: false,
        };
        assert_eq!(listing(&[]), Ok(expected));
        assert_eq!(listing(&[("types", json!(""))]), Ok(expected));
    }

    #[test]
    fn types_come_comma_separated_and_dms_are_not_channels_here() {
        assert_eq!(
            listing(&[
                ("types", json!("public_channel, private_channel")),
                ("exclude_archived", json!(true)),
            ]),
            Ok(Listing {
                public: true,
                private: true,
                exclude_archived: true,
            })
        );
        for unknown in ["im", "public_channel,mpim", "channels"] {
            assert_eq!(
                listing(&[("types", json!(unknown))]),
                Err(SlackError("invalid_types")),
                "{unknown}"
            );
        }
    }
}
