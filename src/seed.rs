//! `alliances seed`: fills a store with a synthetic company — its people,
//! their teams, time zones and who leads, and its history — with the generator the
//! demo and the benchmarks use, so anyone can try `tick --dry-run` on a
//! realistic company.

use crate::domain::Person;
use crate::store::{Store, StoreError};
use crate::synthetic::{Company, SyntheticPerson};

/// Interactions written per batch: one sled batch each, and one step of
/// the progress report.
const CHUNK: usize = 10_000;

/// What seeding wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// People written.
    pub people: usize,
    /// Interactions written.
    pub interactions: usize,
}

/// Why a store was not seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The store already holds a history; mixing a synthetic one in would
    /// spoil both.
    #[error(
        "the store in {0} already holds {1} interactions: seed an empty data folder (--data-dir)"
    )]
    NotEmpty(String, usize),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes `company` into `store`, calling `progress(done, total)` after
/// each batch of interactions, then flushes.
pub async fn seed(
    store: &Store,
    company: &Company,
    mut progress: impl FnMut(usize, usize),
) -> Result<Seeded, SeedError> {
    let existing = store.interaction_count().await?;
    if existing > 0 {
        return Err(SeedError::NotEmpty(store.place(), existing));
    }
    let people: Vec<Person> = company
        .people
        .iter()
        .map(SyntheticPerson::to_person)
        .collect();
    store.put_people(&people).await?;
    let total = company.history.len();
    let mut done = 0;
    for chunk in company.history.chunks(CHUNK) {
        done += store.log_interactions(chunk).await?;
        progress(done, total);
    }
    store.flush().await?;
    Ok(Seeded {
        people: people.len(),
        interactions: done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;
    use crate::synthetic::CompanySize;
    use chrono::{TimeZone, Utc};

    fn company() -> Company {
        let until = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        Company::generate(
            3,
            CompanySize {
                people: 120,
                teams: 8,
                days: 120,
            },
            until,
        )
    }

    #[tokio::test]
    async fn a_seeded_store_holds_the_company_and_its_history() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let company = company();
        let mut reports = Vec::new();
        let seeded = seed(&store, &company, |done, total| reports.push((done, total)))
            .await
            .unwrap();

        assert_eq!(
            seeded,
            Seeded {
                people: 120,
                interactions: company.history.len()
            }
        );
        assert_eq!(
            store.interaction_count().await.unwrap(),
            company.history.len()
        );
        assert_eq!(
            reports.last(),
            Some(&(company.history.len(), company.history.len()))
        );
        let people = store.people().await.unwrap();
        assert!(people.iter().all(|p| p.team.is_some() && p.tz.is_some()));
        assert_eq!(
            people.iter().filter(|p| p.opted_out).count(),
            company.people.iter().filter(|p| p.opted_out).count()
        );
        assert!(!store.ties().await.unwrap().is_empty());
        assert_eq!(
            people.iter().filter(|p| p.roles.leads.is_some()).count(),
            8,
            "each team's lead is recorded"
        );
        assert_eq!(
            people.iter().filter(|p| p.roles.leader).count(),
            company.people.iter().filter(|p| p.roles.leader).count()
        );
    }

    #[tokio::test]
    async fn a_store_with_a_history_is_not_seeded_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        seed(&store, &company(), |_, _| {}).await.unwrap();
        let err = seed(&store, &company(), |_, _| {})
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("already holds") && err.contains("--data-dir"),
            "{err}"
        );
    }
}
