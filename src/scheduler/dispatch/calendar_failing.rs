//! Telling someone, once, that their calendar has not been read for a
//! week: checked again before it goes, so that a calendar read again or
//! taken back meanwhile is not complained of.

use super::dm::DmSend;
use super::recheck::NotSent;
use super::{Dispatcher, Failure};
use crate::domain::{CalendarFailing, ChannelId};
use crate::slack::render_calendar_failing;
use crate::store::StoreError;

impl Dispatcher {
    /// Posts `planned` to its person's DM while it still holds; the DM
    /// channel opened for it, if one was.
    pub(super) async fn send_calendar_failing(
        &self,
        item_id: u64,
        planned: &CalendarFailing,
    ) -> Result<Result<Option<ChannelId>, NotSent>, Failure> {
        let as_now = || self.calendar_failing_as_now(item_id, planned);
        match self
            .send_in_dm(&planned.to, as_now, render_calendar_failing)
            .await?
        {
            DmSend::Posted { opened, .. } => Ok(Ok(opened)),
            DmSend::NotSent(why) => Ok(Err(why)),
        }
    }

    /// `planned` as it may go out now: while it is queued and the calendar
    /// still fails.
    async fn calendar_failing_as_now(
        &self,
        item_id: u64,
        planned: &CalendarFailing,
    ) -> Result<Result<CalendarFailing, NotSent>, StoreError> {
        if let Err(why) = self.still_ours(item_id).await? {
            return Ok(Err(why));
        }
        let failing = self
            .store
            .calendar(&planned.to)
            .await?
            .is_some_and(|feed| feed.failing_since.is_some());
        Ok(match failing {
            true => Ok(planned.clone()),
            false => Err(NotSent::CalendarMended),
        })
    }
}
