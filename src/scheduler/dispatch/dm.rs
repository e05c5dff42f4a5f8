//! Sending a message to one person's DM — a nudge or an early warning —
//! checked again against the store before any call to Slack and again
//! when its post's turn has come, after the waits for Slack's limits and
//! for its DM channel, so that a choice made meanwhile is honoured.
//!
//! The DM channel is taken from the store when known, so a repeat message
//! skips `conversations.open`; one Slack no longer knows is forgotten and
//! opened afresh; one opened now is handed back, to be remembered only
//! with the record of what was sent.

use super::recheck::NotSent;
use super::{Dispatcher, Failure};
use crate::domain::{ChannelId, UserId};
use crate::slack::Message;
use crate::store::StoreError;
use std::future::Future;
use std::ops::ControlFlow;

/// How a send to a DM ended, short of a failure.
pub(super) enum DmSend<T> {
    /// Slack accepted it, as `sent` (which may differ from what was
    /// planned: a step or a contact left out who may no longer be named);
    /// `opened` is the DM channel opened for it, to remember.
    Posted { sent: T, opened: Option<ChannelId> },
    /// It no longer holds: not sent.
    NotSent(NotSent),
}

/// Why a message was not posted when its turn came.
pub(super) enum Stop<T> {
    /// It no longer holds.
    NotSent(NotSent),
    /// It holds, but says something else now: to be written again.
    Changed(T),
    /// The store could not be read.
    Store(StoreError),
}

impl<T: PartialEq> Stop<T> {
    /// Whether a message written as `written` may still be posted, by what
    /// the store says of it now (`as_now`).
    pub(super) fn unless_changed(
        written: &T,
        as_now: Result<Result<T, NotSent>, StoreError>,
    ) -> ControlFlow<Self> {
        match as_now {
            Ok(Ok(now)) if now == *written => ControlFlow::Continue(()),
            Ok(Ok(now)) => ControlFlow::Break(Self::Changed(now)),
            Ok(Err(why)) => ControlFlow::Break(Self::NotSent(why)),
            Err(err) => ControlFlow::Break(Self::Store(err)),
        }
    }
}

impl Dispatcher {
    /// Posts to `to`'s DM what `as_now` says may go out now, as `render`
    /// writes it: `as_now` is asked before any call to Slack and again
    /// just before the post; when its answer changed meanwhile, the
    /// message is written again and waits its turn again.
    pub(super) async fn send_in_dm<T: PartialEq, AsNow>(
        &self,
        to: &UserId,
        as_now: impl Fn() -> AsNow,
        render: impl Fn(&T) -> Message,
    ) -> Result<DmSend<T>, Failure>
    where
        AsNow: Future<Output = Result<Result<T, NotSent>, StoreError>>,
    {
        let mut current = match as_now().await? {
            Ok(current) => current,
            Err(why) => return Ok(DmSend::NotSent(why)),
        };
        let mut dm = self
            .store
            .dm_channel(to)
            .await?
            .map(|remembered| (remembered, false));
        loop {
            let (channel, opened) = match dm.take() {
                Some(known) => known,
                None => (self.slack.open_dm(to).await?, true),
            };
            let message = render(&current);
            let posted = self
                .slack
                .post_unless(channel.as_str(), &message, || async {
                    Stop::unless_changed(&current, as_now().await)
                })
                .await;
            match posted {
                Ok(ControlFlow::Continue(_)) => {
                    return Ok(DmSend::Posted {
                        sent: current,
                        opened: opened.then_some(channel),
                    });
                }
                Ok(ControlFlow::Break(Stop::NotSent(why))) => return Ok(DmSend::NotSent(why)),
                Ok(ControlFlow::Break(Stop::Store(err))) => return Err(err.into()),
                Ok(ControlFlow::Break(Stop::Changed(now))) => {
                    current = now;
                    dm = Some((channel, opened));
                }
                Err(err) if err.is_channel_not_found() && !opened => {
                    tracing::info!("the remembered DM channel is gone: opening it again");
                    self.store.forget_dm_channel(to).await?;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
}
