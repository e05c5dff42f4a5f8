//! The `calendars` table: whose calendar the bot may read, each address
//! sealed (see the sled store's `calendars`). Every write is committed
//! when it returns, so the owner may be told at once.

use super::super::StoreError;
use super::{PgStore, decoded, json};
use crate::domain::{CalendarFeed, SealedAddress, UserId};

impl PgStore {
    /// Saves `feed`, replacing any calendar its owner gave before.
    pub async fn put_calendar(&self, feed: &CalendarFeed) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO calendars (owner, feed) VALUES ($1, $2) \
                 ON CONFLICT (owner) DO UPDATE SET feed = EXCLUDED.feed",
                &[&feed.owner.as_str(), &json(feed)],
            )
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }

    /// Saves what a read of `feed` found, unless its owner took it back
    /// meanwhile (or gave another): then nothing is written, and the
    /// answer is `false`.
    pub async fn update_calendar(&self, feed: &CalendarFeed) -> Result<bool, StoreError> {
        self.replace_calendar_if(&feed.owner, &feed.address, Some(feed))
            .await
    }

    /// Puts `with` (or nothing) in place of `owner`'s calendar if it is
    /// still the one sealed as `expected`; whether it was.
    pub async fn replace_calendar_if(
        &self,
        owner: &UserId,
        expected: &SealedAddress,
        with: Option<&CalendarFeed>,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.failed(e))?;
        let Some(row) = tx
            .query_opt(
                "SELECT feed FROM calendars WHERE owner = $1 FOR UPDATE",
                &[&owner.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?
        else {
            return Ok(false);
        };
        let stored: CalendarFeed = decoded(&row, "feed", "calendars", || owner.to_string())?;
        if stored.address != *expected {
            return Ok(false);
        }
        match with {
            Some(feed) => {
                tx.execute(
                    "UPDATE calendars SET feed = $2 WHERE owner = $1",
                    &[&owner.as_str(), &json(feed)],
                )
                .await
            }
            None => {
                tx.execute("DELETE FROM calendars WHERE owner = $1", &[&owner.as_str()])
                    .await
            }
        }
        .map_err(|e| self.failed(e))?;
        self.commit_tx(tx).await?;
        Ok(true)
    }

    /// The calendar `owner` gave, if any.
    pub async fn calendar(&self, owner: &UserId) -> Result<Option<CalendarFeed>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT feed FROM calendars WHERE owner = $1",
                &[&owner.as_str()],
            )
            .await
            .map_err(|e| self.failed(e))?;
        row.map(|row| decoded(&row, "feed", "calendars", || owner.to_string()))
            .transpose()
    }

    /// Every calendar given, by owner.
    pub async fn calendars(&self) -> Result<Vec<CalendarFeed>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT owner, feed FROM calendars ORDER BY owner COLLATE \"C\"",
                &[],
            )
            .await
            .map_err(|e| self.failed(e))?;
        rows.iter()
            .map(|row| decoded(row, "feed", "calendars", || row.get::<_, String>("owner")))
            .collect()
    }

    /// Deletes the calendar `owner` gave; whether there was one.
    pub async fn remove_calendar(&self, owner: &UserId) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let removed = client
            .execute("DELETE FROM calendars WHERE owner = $1", &[&owner.as_str()])
            .await
            .map_err(|e| self.failed(e))?;
        Ok(removed == 1)
    }
}
