//! Sending a leadership circle's prompt or check-in: into one group DM of
//! its members, opened with `conversations.open` (several users), under
//! the same limits, retries and deadline as every other message.
//!
//! Checked against the store just before it goes: a member who opted out,
//! snoozed, was deactivated or forgotten since the circle formed is left
//! out of the group DM and the message, and a circle with fewer than two
//! members left gets nothing.

use super::recheck::NotSent;
use super::{Dispatcher, Failure};
use crate::domain::{ChannelId, CircleMessage, CircleStage, UserId};
use crate::slack::{render_circle_check_in, render_circle_prompt};

impl Dispatcher {
    /// Posts `message`, the queued item `item_id`, to its circle's group
    /// DM: the channel it went to and whom that holds, or why it is not
    /// sent.
    pub(super) async fn send_circle_message(
        &self,
        item_id: u64,
        message: &CircleMessage,
    ) -> Result<Result<(ChannelId, Vec<UserId>), NotSent>, Failure> {
        if !self.store.in_outbox(item_id)? {
            return Ok(Err(NotSent::LeftTheOutbox));
        }
        let Some(circle) = self.store.circle(message.circle)? else {
            return Ok(Err(NotSent::CircleTooSmall));
        };
        let members = self
            .store
            .circle_members_to_write(&circle, self.clock.now())?;
        if members.len() < 2 {
            return Ok(Err(NotSent::CircleTooSmall));
        }
        let rendered = match message.stage {
            CircleStage::Prompt => render_circle_prompt(&members),
            CircleStage::CheckIn => render_circle_check_in(circle.key, &members),
        };
        // The group DM last written to, while it holds just these: with
        // someone gone or back, another one.
        let remembered = circle.channel.filter(|_| members == circle.channel_members);
        if let Some(channel) = remembered {
            match self.slack.post(channel.as_str(), &rendered).await {
                Ok(_) => return Ok(Ok((channel, members))),
                Err(err) if err.is_channel_not_found() => {
                    tracing::info!("the circle's group DM is gone: opening it again");
                }
                Err(err) => return Err(err.into()),
            }
        }
        let channel = self.slack.open_group_dm(&members).await?;
        self.slack.post(channel.as_str(), &rendered).await?;
        Ok(Ok((channel, members)))
    }
}
