//! Sending the digest: checked again against the store just before it is
//! drawn (see `recheck`), so that it names nobody who may no longer be
//! named, then posted to its channel with the team map as its picture
//! when it has one.

use super::recheck::NotSent;
use super::{Dispatcher, Failure};
use crate::charts::{self, ChartError};
use crate::domain::{Digest, TeamMap};
use crate::slack::{Message, Picture, render_digest};

impl Dispatcher {
    /// Posts the digest `planned`, the queued item `item_id`, to `channel`
    /// as it may go now, or says why it is not sent. A digest with nothing
    /// to say is not posted, and done with.
    pub(super) async fn send_digest(
        &self,
        item_id: u64,
        channel: &str,
        planned: &Digest,
        team_map: Option<&TeamMap>,
    ) -> Result<Result<(), NotSent>, Failure> {
        let digest = match self.digest_as_now(item_id, planned).await? {
            Ok(digest) => digest,
            Err(why) => return Ok(Err(why)),
        };
        if let Some(message) = render_digest(&digest) {
            self.post_digest(channel, &message, team_map).await?;
        }
        Ok(Ok(()))
    }

    /// Posts the digest, with the team map as its picture when it has one.
    /// The picture is a bonus: when Slack refuses it for good (the
    /// `files:write` scope not granted, say), the digest goes out without it
    /// rather than not at all.
    async fn post_digest(
        &self,
        channel: &str,
        message: &Message,
        team_map: Option<&TeamMap>,
    ) -> Result<String, Failure> {
        let picture = match team_map.cloned() {
            // Drawing takes tens of milliseconds of CPU: off the async threads.
            Some(map) => match tokio::task::spawn_blocking(move || team_map_picture(&map)).await {
                Ok(Ok(picture)) => Some(picture),
                Ok(Err(err)) => {
                    tracing::error!(error = %err, "the team map could not be drawn; the digest goes without it");
                    None
                }
                Err(err) => {
                    tracing::error!(error = %err, "drawing the team map failed; the digest goes without it");
                    None
                }
            },
            None => None,
        };
        if let Some(picture) = picture {
            match self
                .slack
                .post_with_picture(channel, message, &picture)
                .await
            {
                Err(err) if !err.is_transient() => {
                    tracing::warn!(error = %err, "Slack refused the digest's team map; posting the digest without it");
                }
                result => return result.map_err(Into::into),
            }
        }
        self.slack.post(channel, message).await.map_err(Into::into)
    }
}

/// The team map as the digest's picture.
fn team_map_picture(map: &TeamMap) -> Result<Picture, ChartError> {
    Ok(Picture {
        png: charts::team_map_png(map)?,
        filename: format!("team-map-{}.png", map.as_of.date_naive()),
        title: format!("Alliances between teams, {}", map.as_of.format("%-d %B %Y")),
        alt_text: charts::team_map_alt_text(map),
    })
}
