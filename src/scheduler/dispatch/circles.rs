//! Sending a leadership circle's prompt or check-in: into one group DM of
//! its members, opened with `conversations.open` (several users), under
//! the same limits, retries and deadline as every other message.
//!
//! Checked against the store before any call to Slack and again when its
//! post's turn has come: a member who opted out, snoozed, was deactivated
//! or forgotten since the circle formed is left out of the group DM and
//! the message (which is then written again, for a group DM without
//! them), and a circle with fewer than two members left gets nothing.

use super::dm::Stop;
use super::recheck::NotSent;
use super::{Dispatcher, Failure};
use crate::domain::{ChannelId, Circle, CircleKey, CircleMessage, CircleStage, UserId};
use crate::slack::{render_circle_check_in, render_circle_prompt};
use crate::store::StoreError;
use std::ops::ControlFlow;

impl Dispatcher {
    /// Posts `message`, the queued item `item_id`, to its circle's group
    /// DM: the channel it went to and whom that holds, or why it is not
    /// sent.
    pub(super) async fn send_circle_message(
        &self,
        item_id: u64,
        message: &CircleMessage,
    ) -> Result<Result<(ChannelId, Vec<UserId>), NotSent>, Failure> {
        let (mut circle, mut members) = match self.circle_as_now(item_id, message.circle).await? {
            Ok(now) => now,
            Err(why) => return Ok(Err(why)),
        };
        loop {
            let rendered = match message.stage {
                CircleStage::Prompt => render_circle_prompt(&members),
                CircleStage::CheckIn => render_circle_check_in(circle.key, &members),
            };
            // The group DM last written to, while it holds just these: with
            // someone gone or back, another one.
            let remembered = circle
                .channel
                .clone()
                .filter(|_| members == circle.channel_members);
            let (channel, opened) = match remembered {
                Some(channel) => (channel, false),
                None => (self.slack.open_group_dm(&members).await?, true),
            };
            let posted = self
                .slack
                .post_unless(channel.as_str(), &rendered, || async {
                    let now = self
                        .circle_as_now(item_id, message.circle)
                        .await
                        .map(|now| now.map(|(_, members)| members));
                    Stop::unless_changed(&members, now)
                })
                .await;
            match posted {
                Ok(ControlFlow::Continue(_)) => return Ok(Ok((channel, members))),
                Ok(ControlFlow::Break(Stop::NotSent(why))) => return Ok(Err(why)),
                Ok(ControlFlow::Break(Stop::Store(err))) => return Err(err.into()),
                // Someone left or came back meanwhile: written again.
                Ok(ControlFlow::Break(Stop::Changed(_))) => {
                    match self.circle_as_now(item_id, message.circle).await? {
                        Ok(now) => (circle, members) = now,
                        Err(why) => return Ok(Err(why)),
                    }
                }
                Err(err) if err.is_channel_not_found() && !opened => {
                    tracing::info!("the circle's group DM is gone: opening it again");
                    circle.channel = None;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The circle `key` of the queued item `item_id` as the store keeps it
    /// now, with its members who may be written to now, or why nothing
    /// goes to it. Point reads.
    async fn circle_as_now(
        &self,
        item_id: u64,
        key: CircleKey,
    ) -> Result<Result<(Circle, Vec<UserId>), NotSent>, StoreError> {
        if let Err(why) = self.still_ours(item_id).await? {
            return Ok(Err(why));
        }
        let Some(circle) = self.store.circle(key).await? else {
            return Ok(Err(NotSent::CircleTooSmall));
        };
        let members = self
            .store
            .circle_members_to_write(&circle, self.clock.now())
            .await?;
        if members.len() < 2 {
            return Ok(Err(NotSent::CircleTooSmall));
        }
        Ok(Ok((circle, members)))
    }
}
