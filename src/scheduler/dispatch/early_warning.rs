//! Sending an early warning: checked again against the store before any
//! call to Slack and again when its post's turn has come (see
//! [`recheck_early_warning`]), so that a step naming someone who opted
//! out, was paused or was met meanwhile is left out, and a warning to
//! someone who opted out, snoozed, was deactivated or forgotten, or whose
//! alliances reach enough teams by now, is not sent at all; then posted
//! in the leader's DM as a nudge is (see `dm`).

use super::dm::DmSend;
use super::recheck::NotSent;
use super::{Dispatcher, Failure};
use crate::domain::{ChannelId, EarlyWarning};
use crate::rules::{EarlyWarningNow, StepNow, recheck_early_warning};
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
        let as_now = || self.early_warning_as_now(item_id, planned);
        match self
            .send_in_dm(&planned.to, as_now, render_early_warning)
            .await?
        {
            DmSend::Posted { sent, opened } => Ok(Ok((sent, opened))),
            DmSend::NotSent(why) => Ok(Err(why)),
        }
    }

    /// The queued item `item_id`, the early warning `planned`, as it may go
    /// out now, or why it may not: point reads of the recipient and each
    /// of their alliances' peers, and a scan of the ties for theirs (see
    /// `Store::ties_of`). A warning goes to a leader at most once a month,
    /// so the scan, twice per warning, is paid rarely.
    async fn early_warning_as_now(
        &self,
        item_id: u64,
        planned: &EarlyWarning,
    ) -> Result<Result<EarlyWarning, NotSent>, StoreError> {
        if let Err(why) = self.still_ours(item_id).await? {
            return Ok(Err(why));
        }
        let to = self.store.person(&planned.to).await?;
        let ties = self.store.ties_of(&planned.to).await?;
        let mut peers = Vec::with_capacity(ties.len());
        for tie in &ties {
            peers.push(match tie.pair.other(&planned.to) {
                Some(peer) => self.store.person(peer).await?,
                None => None,
            });
        }
        let mut step_peers = Vec::with_capacity(planned.steps.len());
        for step in &planned.steps {
            step_peers.push(self.store.person(step.peer()).await?);
        }
        let alliances: Vec<_> = ties.iter().zip(peers.iter().map(Option::as_ref)).collect();
        let steps: Vec<StepNow<'_>> = planned
            .steps
            .iter()
            .zip(&step_peers)
            .map(|(step, peer)| StepNow {
                peer: peer.as_ref(),
                tie: ties.iter().find(|tie| tie.pair.contains(step.peer())),
            })
            .collect();
        let now = EarlyWarningNow {
            to: to.as_ref(),
            alliances: &alliances,
            steps: &steps,
        };
        Ok(
            recheck_early_warning(planned, &now, &self.policy, self.clock.now())
                .map_err(NotSent::Withdrawn),
        )
    }
}
