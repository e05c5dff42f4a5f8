//! Sending an early warning: checked again against the store just before
//! it goes (see [`recheck_early_warning`]), so that a step naming someone
//! who opted out, was paused or was met meanwhile is left out, and a
//! warning to someone who opted out or snoozed is not sent at all; then
//! posted in the leader's DM, opened afresh if the remembered channel is
//! gone.

use super::recheck::NotSent;
use super::{Dispatcher, Failure};
use crate::domain::{ChannelId, EarlyWarning, PairKey};
use crate::rules::{StepNow, recheck_early_warning};
use crate::slack::render_early_warning;
use crate::store::StoreError;

impl Dispatcher {
    /// Sends the early warning `planned` of the queued item `item_id` if it
    /// still holds; returns it as sent, with the DM channel opened for it
    /// if one was, or why it was not sent.
    pub(super) async fn send_early_warning(
        &self,
        item_id: u64,
        planned: &EarlyWarning,
    ) -> Result<Result<(EarlyWarning, Option<ChannelId>), NotSent>, Failure> {
        let warning = match self.early_warning_as_now(item_id, planned)? {
            Ok(warning) => warning,
            Err(why) => return Ok(Err(why)),
        };
        let message = render_early_warning(&warning);
        let mut remembered = self.store.dm_channel(&warning.to)?;
        loop {
            let (channel, opened) = match remembered.take() {
                Some(known) => (known, false),
                None => (self.slack.open_dm(&warning.to).await?, true),
            };
            match self.slack.post(channel.as_str(), &message).await {
                Ok(_) => return Ok(Ok((warning, opened.then_some(channel)))),
                Err(err) if err.is_channel_not_found() && !opened => {
                    tracing::info!("the remembered DM channel is gone: opening it again");
                    self.store.forget_dm_channel(&warning.to)?;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The queued item `item_id`, the early warning `planned`, as it may go
    /// out now, or why it may not: point reads of the recipient, each
    /// step's peer and their tie.
    fn early_warning_as_now(
        &self,
        item_id: u64,
        planned: &EarlyWarning,
    ) -> Result<Result<EarlyWarning, NotSent>, StoreError> {
        if !self.store.in_outbox(item_id)? {
            return Ok(Err(NotSent::LeftTheOutbox));
        }
        let to = self.store.person(&planned.to)?;
        let mut peers = Vec::with_capacity(planned.steps.len());
        for step in &planned.steps {
            let peer = self.store.person(step.peer())?;
            let tie = match PairKey::new(&planned.to, step.peer()) {
                Some(pair) => self.store.tie(&pair)?,
                None => None,
            };
            peers.push((peer, tie));
        }
        let steps_now: Vec<StepNow<'_>> = peers
            .iter()
            .map(|(peer, tie)| StepNow {
                peer: peer.as_ref(),
                tie: tie.as_ref(),
            })
            .collect();
        Ok(
            recheck_early_warning(planned, to.as_ref(), &steps_now, self.clock.now())
                .map_err(NotSent::Withdrawn),
        )
    }
}
