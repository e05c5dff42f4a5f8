//! A channel's id from what the settings call it. The digest's channel
//! (`digest.channel`) may be a name (`alliances`, `#alliances`) or an id
//! (`C0123ABCD`); `chat.postMessage` takes either, but
//! `files.completeUploadExternal` takes only an id.
//!
//! A name is looked up with `conversations.list` (the public channels and
//! the private ones the bot is in, archived ones left out), page by page
//! through [`SlackClient::call`], and its id is remembered in the client's
//! `ChannelIdCache` (see `channel_ids`), which its clones share: the lookup
//! runs once per name while the process lives. A remembered id that Slack
//! no longer knows (the channel was deleted, or renamed and its name given to
//! another) is forgotten by whoever meets `channel_not_found` for it.

use super::client::{PAGE_SIZE, SlackClient};
use super::error::SlackError;
use crate::domain::ChannelId;
use slack_morphism::prelude::*;
use std::ops::ControlFlow;

/// A channel as the settings give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ChannelRef {
    /// An id, to use as it is.
    Id(ChannelId),
    /// A name, without its `#`, in lower case.
    Name(String),
}

impl ChannelRef {
    /// Reads `channel`: without a leading `#`, an id if it is one as Slack
    /// writes them (upper-case letters and digits after a `C`, `G` or
    /// `D`), else a name. Slack keeps channel names in lower case, so no
    /// name can be mistaken for an id, and `#Alliances` is `alliances`.
    pub fn parse(channel: &str) -> Result<Self, SlackError> {
        let trimmed = channel.trim();
        let bare = trimmed.strip_prefix('#').unwrap_or(trimmed).trim();
        if bare.is_empty() {
            return Err(SlackError::ChannelNotFound {
                name: channel.to_owned(),
            });
        }
        Ok(match ChannelId::parse(bare) {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Name(bare.to_lowercase()),
        })
    }
}

/// A channel's id, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ResolvedChannel {
    /// The channel's id.
    pub id: ChannelId,
    /// The name it was found by, if it was given by name.
    pub name: Option<String>,
    /// Whether the id came from the cache rather than from Slack just now.
    pub remembered: bool,
}

impl SlackClient {
    /// The id of `channel` (a name, with or without `#`, or an id): an id
    /// as it is, a remembered name from the cache, any other name from
    /// `conversations.list`. A name no channel the bot can see has is
    /// [`SlackError::ChannelNotFound`].
    pub(super) async fn resolve_channel(
        &self,
        channel: &str,
    ) -> Result<ResolvedChannel, SlackError> {
        let name = match ChannelRef::parse(channel)? {
            ChannelRef::Id(id) => {
                return Ok(ResolvedChannel {
                    id,
                    name: None,
                    remembered: false,
                });
            }
            ChannelRef::Name(name) => name,
        };
        let (id, remembered) = match self.channel_ids().get(&name) {
            Some(id) => (id, true),
            None => {
                let id = self.look_up_channel(&name).await?;
                self.channel_ids().remember(&name, id.clone());
                (id, false)
            }
        };
        Ok(ResolvedChannel {
            id,
            name: Some(name),
            remembered,
        })
    }

    /// Walks `conversations.list`, following `next_cursor`, until a channel
    /// is named `name`.
    async fn look_up_channel(&self, name: &str) -> Result<ChannelId, SlackError> {
        const METHOD: &str = "conversations.list";
        let request = SlackApiConversationsListRequest::new()
            .with_types(vec![
                SlackConversationType::Public,
                SlackConversationType::Private,
            ])
            .with_exclude_archived(true)
            .with_limit(PAGE_SIZE);
        let found = self
            .page_through(METHOD, &request, |page| {
                let found = page
                    .channels
                    .into_iter()
                    .find(|channel| channel.name.as_deref() == Some(name));
                Ok(match found {
                    Some(channel) => ControlFlow::Break(channel.id),
                    None => ControlFlow::Continue(()),
                })
            })
            .await?;
        let id = found.ok_or_else(|| SlackError::ChannelNotFound {
            name: name.to_owned(),
        })?;
        ChannelId::parse(&id.0).map_err(SlackError::unexpected(METHOD))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_is_an_id_when_it_reads_as_one_and_else_a_lower_case_name() {
        let id = |id: &str| ChannelRef::Id(ChannelId::parse(id).unwrap());
        let name = |name: &str| ChannelRef::Name(name.to_owned());
        for (given, read) in [
            ("C0123ABCD", id("C0123ABCD")),
            ("G0PRIVATE", id("G0PRIVATE")),
            ("#C0123ABCD", id("C0123ABCD")),
            ("alliances", name("alliances")),
            ("#alliances", name("alliances")),
            (" #Alliances ", name("alliances")),
            ("c0123abcd", name("c0123abcd")),
            ("team-news", name("team-news")),
        ] {
            assert_eq!(ChannelRef::parse(given).unwrap(), read, "{given:?}");
        }
    }

    #[test]
    fn an_empty_channel_is_not_found() {
        for empty in ["", "#", "  "] {
            let err = ChannelRef::parse(empty).unwrap_err();
            assert!(err.is_channel_not_found(), "{err:?}");
            assert!(!err.is_transient());
        }
    }
}
