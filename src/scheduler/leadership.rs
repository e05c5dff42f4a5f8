//! Which replica runs the scheduled jobs when several share a PostgreSQL
//! store: the one that holds the `scheduler` lease in the database. (A
//! sled store's one process holds it from its first try.) The
//! holder renews it every [`RENEW_EVERY`] for [`LEASE`]; a holder that
//! dies stops renewing, and another replica takes the lease once it has
//! run out: within [`LEASE`] and one [`RENEW_EVERY`] of the last renewal,
//! under the 30 seconds the jobs may go unattended.
//!
//! Two replicas must never both believe they lead. A replica counts itself
//! the leader only until its last renewal's lease could run out, timed
//! from before it asked (the database starts the lease later than that),
//! less a tenth for clocks that run at slightly different rates: a leader
//! cut off from the database stops leading by itself before anyone else
//! can take the lease.
//!
//! The lease is checked again where it matters most: the jobs write
//! through a store fenced by it ([`crate::store::Store::fenced_by`]), so
//! a replica that lost it mid-job queues nothing.

use crate::store::{Store, StoreError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The lease's name in the database.
pub const NAME: &str = "scheduler";

/// How long a renewal holds the lease.
pub const LEASE: Duration = Duration::from_secs(20);

/// How often the holder renews it, and how often the others try for it.
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

/// One replica's view of the lease, shared by its clones.
#[derive(Clone)]
pub struct Leadership {
    store: Store,
    /// Who this replica is, as the lease names it.
    holder: String,
    lease: Duration,
    renew_every: Duration,
    /// Until when this replica may count itself the leader.
    until: Arc<Mutex<Option<Instant>>>,
    /// Whether other replicas may share the store: if not, this process
    /// alone runs the jobs, and leads without asking.
    shared: bool,
}

impl Leadership {
    /// This replica's view of the `scheduler` lease in `store`, under
    /// the replica's name, with the built-in timings.
    pub fn new(store: Store) -> Self {
        let holder = store.replica().unwrap_or("this process").to_owned();
        Self::with_timing(store, holder, LEASE, RENEW_EVERY)
    }

    /// As [`Leadership::new`], with other timings: for tests.
    pub fn with_timing(
        store: Store,
        holder: String,
        lease: Duration,
        renew_every: Duration,
    ) -> Self {
        Self {
            shared: store.is_shared(),
            store,
            holder,
            lease,
            renew_every,
            until: Arc::new(Mutex::new(None)),
        }
    }

    /// Whether this replica leads now.
    pub fn leads(&self) -> bool {
        !self.shared || self.until().is_some_and(|until| Instant::now() < until)
    }

    /// Gives the lease up now, if this replica holds it.
    pub async fn release(&self) {
        *self.until() = None;
        if let Err(error) = self.store.release_lease(NAME, &self.holder).await {
            tracing::warn!(%error, "could not give up the scheduler's lease; it runs out by itself");
        }
    }

    /// Tries for the lease, or renews it, every `renew_every` until `stop`;
    /// then gives it up, so that another replica may take it at once.
    pub async fn run(&self, stop: CancellationToken) {
        if !self.shared {
            return stop.cancelled().await;
        }
        loop {
            self.try_once().await;
            tokio::select! {
                () = tokio::time::sleep(self.renew_every) => {}
                () = stop.cancelled() => break,
            }
        }
        self.release().await;
    }

    /// One try for the lease: whether this replica leads after it. When
    /// the database cannot be asked, leading stops by itself as the last
    /// renewal runs out.
    pub async fn try_once(&self) -> bool {
        if let Err(error) = self.ask().await {
            tracing::warn!(%error, "could not renew the scheduler's lease");
        }
        self.leads()
    }

    /// One try for the lease, the database's error given back: for a
    /// `tick`, which must say why it ran nothing.
    pub async fn ask(&self) -> Result<bool, StoreError> {
        let asked = Instant::now();
        if self
            .store
            .hold_lease(NAME, &self.holder, self.lease)
            .await?
        {
            let was = self.leads();
            *self.until() = Some(asked + self.lease.mul_f64(0.9));
            if !was {
                tracing::info!(holder = %self.holder, "this replica now runs the scheduled jobs");
            }
        } else if self.until().take().is_some() {
            tracing::info!(holder = %self.holder, "another replica runs the scheduled jobs now");
        }
        Ok(self.leads())
    }

    fn until(&self) -> MutexGuard<'_, Option<Instant>> {
        self.until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests;
