//! The `calendars` tree: whose calendar the bot may read, keyed by its
//! owner's Slack id, each with its address sealed ([`CalendarFeed`]).
//!
//! Written when someone gives their address ([`SledStore::put_calendar`],
//! durable before they are told), after every read of it by the daily job
//! ([`SledStore::update_calendar`]), and emptied of a person by `calendar off`
//! ([`SledStore::remove_calendar`]), by forget-me and by an uninstall's purge.
//! The store never sees an address opened, only the sealed text, so the
//! data folder and the backups (which keep the sealed text, so that a
//! restore keeps everyone's consent) hold no address that opens without
//! the operator's key.

use super::{SledStore, StoreError, keys, trees};
use crate::domain::{CalendarFeed, SealedAddress, UserId};

impl SledStore {
    /// Saves `feed`, replacing any calendar its owner gave before, and
    /// flushes: its owner is told it is kept.
    pub fn put_calendar(&self, feed: &CalendarFeed) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let key = keys::person(&feed.owner);
        trees
            .calendars
            .insert(key, self.encode(trees::CALENDARS, key, feed)?)?;
        trees.calendars.flush()?;
        Ok(())
    }

    /// Saves what a read of `feed` found, unless its owner took it back
    /// meanwhile (or gave another): then nothing is written, and the
    /// answer is `false`. Does not flush: a read lost to a crash is read
    /// again.
    pub fn update_calendar(&self, feed: &CalendarFeed) -> Result<bool, StoreError> {
        let trees = self.trees()?;
        let key = keys::person(&feed.owner);
        loop {
            let Some(current) = trees.calendars.get(key)? else {
                return Ok(false);
            };
            let stored: CalendarFeed = self.decode(trees::CALENDARS, key, &current)?;
            if stored.address != feed.address {
                return Ok(false);
            }
            let updated = self.encode(trees::CALENDARS, key, feed)?;
            if trees
                .calendars
                .compare_and_swap(key, Some(&current), Some(updated))?
                .is_ok()
            {
                return Ok(true);
            }
        }
    }

    /// Puts `with` (or nothing) in place of `owner`'s calendar if it is
    /// still the one sealed as `expected`, and flushes; whether it was.
    /// A consent whose first read failed gives back the calendar read
    /// before it this way, unless its owner took it back meanwhile.
    pub fn replace_calendar_if(
        &self,
        owner: &UserId,
        expected: &SealedAddress,
        with: Option<&CalendarFeed>,
    ) -> Result<bool, StoreError> {
        let trees = self.trees()?;
        let key = keys::person(owner);
        loop {
            let Some(current) = trees.calendars.get(key)? else {
                return Ok(false);
            };
            let stored: CalendarFeed = self.decode(trees::CALENDARS, key, &current)?;
            if stored.address != *expected {
                return Ok(false);
            }
            let replacement = with
                .map(|feed| self.encode(trees::CALENDARS, key, feed))
                .transpose()?;
            if trees
                .calendars
                .compare_and_swap(key, Some(&current), replacement)?
                .is_ok()
            {
                trees.calendars.flush()?;
                return Ok(true);
            }
        }
    }

    /// The calendar `owner` gave, if any.
    pub fn calendar(&self, owner: &UserId) -> Result<Option<CalendarFeed>, StoreError> {
        let trees = self.trees()?;
        let key = keys::person(owner);
        trees
            .calendars
            .get(key)?
            .map(|bytes| self.decode(trees::CALENDARS, key, &bytes))
            .transpose()
    }

    /// Every calendar given, by owner.
    pub fn calendars(&self) -> Result<Vec<CalendarFeed>, StoreError> {
        let trees = self.trees()?;
        trees
            .calendars
            .iter()
            .map(|entry| {
                let (key, bytes) = entry?;
                self.decode(trees::CALENDARS, &key, &bytes)
            })
            .collect()
    }

    /// Deletes the calendar `owner` gave, and flushes; whether there was
    /// one.
    pub fn remove_calendar(&self, owner: &UserId) -> Result<bool, StoreError> {
        let trees = self.trees()?;
        let removed = trees.calendars.remove(keys::person(owner))?.is_some();
        trees.calendars.flush()?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{CalendarFeed, SealedAddress};
    use crate::store::fixtures::{at_minute, open_temp, person, places_holding, user};

    fn feed(owner: &str, sealed: &str) -> CalendarFeed {
        CalendarFeed::new(
            user(owner),
            SealedAddress::from_sealed(sealed.into()),
            at_minute(0),
        )
    }

    #[test]
    fn a_calendar_given_is_kept_until_taken_back() {
        let (_dir, store) = open_temp();
        store.put_calendar(&feed("U1", "c2VhbGVkMQ==")).unwrap();
        store.put_calendar(&feed("U2", "c2VhbGVkMg==")).unwrap();
        assert_eq!(
            store.calendar(&user("U1")).unwrap(),
            Some(feed("U1", "c2VhbGVkMQ=="))
        );
        assert_eq!(store.calendars().unwrap().len(), 2);

        assert!(store.remove_calendar(&user("U1")).unwrap());
        assert!(!store.remove_calendar(&user("U1")).unwrap());
        assert_eq!(store.calendar(&user("U1")).unwrap(), None);
        assert_eq!(store.calendars().unwrap(), [feed("U2", "c2VhbGVkMg==")]);
    }

    #[test]
    fn a_read_does_not_bring_back_a_calendar_taken_back_or_replaced_meanwhile() {
        let (_dir, store) = open_temp();
        let given = feed("U1", "Zmlyc3Q=");
        store.put_calendar(&given).unwrap();
        let mut read = given.clone();
        read.read_well(at_minute(5), Some("\"v1\"".into()), None);
        assert!(store.update_calendar(&read).unwrap());
        assert_eq!(store.calendar(&user("U1")).unwrap(), Some(read.clone()));

        store.put_calendar(&feed("U1", "c2Vjb25k")).unwrap();
        assert!(
            !store.update_calendar(&read).unwrap(),
            "another address now"
        );
        store.remove_calendar(&user("U1")).unwrap();
        assert!(!store.update_calendar(&read).unwrap(), "taken back");
        assert_eq!(store.calendar(&user("U1")).unwrap(), None);
    }

    #[test]
    fn a_failed_first_read_gives_back_the_calendar_before_unless_it_was_taken_back() {
        let (_dir, store) = open_temp();
        let before = feed("U1", "b2xk");
        let pending = feed("U1", "bmV3");
        store.put_calendar(&pending).unwrap();
        assert!(
            store
                .replace_calendar_if(&user("U1"), &pending.address, Some(&before))
                .unwrap()
        );
        assert_eq!(store.calendar(&user("U1")).unwrap(), Some(before.clone()));
        assert!(
            !store
                .replace_calendar_if(&user("U1"), &pending.address, None)
                .unwrap(),
            "not the pending one any more"
        );
        store.remove_calendar(&user("U1")).unwrap();
        assert!(
            !store
                .replace_calendar_if(&user("U1"), &before.address, Some(&pending))
                .unwrap()
        );
        assert_eq!(store.calendar(&user("U1")).unwrap(), None);
    }

    #[test]
    fn forget_me_and_an_uninstall_take_the_calendar_and_an_export_shows_it() {
        let (_dir, store) = open_temp();
        store
            .put_people(&[person("UADA", "Ada", Some("Payments"))])
            .unwrap();
        let given = feed("UADA", "c2VhbGVkLWFkYQ==");
        store.put_calendar(&given).unwrap();
        assert_eq!(
            store.export_person(&user("UADA")).unwrap().calendar,
            Some(given.clone())
        );

        let forgotten = store.forget_person(&user("UADA")).unwrap();
        assert!(forgotten.calendar_removed);
        assert_eq!(store.calendar(&user("UADA")).unwrap(), None);
        assert!(places_holding(&store, b"c2VhbGVkLWFkYQ==").is_empty());

        store
            .put_calendar(&feed("UBOB", "c2VhbGVkLWJvYg=="))
            .unwrap();
        store.purge_everything().unwrap();
        assert!(store.calendars().unwrap().is_empty());
    }
}
