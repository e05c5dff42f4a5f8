//! The `[store]`, `[backup]`, `[purge]` and `[health]` sections: how the
//! data is kept, backed up, and kept for a while after an uninstall; and
//! where `serve` answers health checks and Prometheus.

use super::section::{at_least_one, count, section};
use serde::Deserializer;
use std::net::SocketAddr;
use std::num::NonZeroU64;

section! {
    /// How the sled store is opened.
    pub struct StoreSettings {
        /// sled's page cache, in MiB. sled's own default is 1 GiB, far more than
        /// the tie index of a large workspace needs.
        #[serde(deserialize_with = "mebibytes")]
        pub cache_capacity_mb: NonZeroU64 = NonZeroU64::from(const { count(64) }),
    }
}

/// Reads `store.cache_capacity_mb`, refusing 0 with the fix.
fn mebibytes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NonZeroU64, D::Error> {
    at_least_one::<_, u64, _>(deserializer, "must be at least 1 (MiB), e.g. 64")
}

section! {
    /// The periodic backups `serve` keeps, in `backups/` inside the data
    /// folder. By default a day's backups for a week: a store found damaged
    /// on a Monday can go back to any day of the week before.
    #[derive(PartialEq, Eq)]
    pub struct BackupSettings {
        /// A backup is taken when the newest is this many hours old (at start,
        /// when there is none); 0 turns periodic backups off.
        pub every_hours: u32 = 24,
        /// The newest this many are kept; older ones are removed.
        pub keep: u32 = 7,
    }
}

section! {
    /// What the purge on uninstall (`events.purge_on_uninstall`) keeps, so
    /// that an uninstall by mistake can be undone.
    #[derive(PartialEq, Eq)]
    pub struct PurgeSettings {
        /// The newest backup is kept this many days after the purge, for
        /// `alliances restore`, then deleted; 0 deletes it with everything
        /// else. By default a week: an uninstall on a Friday is noticed after
        /// the weekend.
        pub grace_days: u32 = 7,
    }
}

section! {
    /// Where `serve` answers `/healthz`, `/readyz` and `/metrics`.
    #[derive(PartialEq, Eq)]
    pub struct HealthSettings {
        /// The address to listen on; `ALLIANCES_HEALTH_ADDRESS` overrides it.
        /// Loopback by default: the metrics are for the operator, not the
        /// world. In a container, `0.0.0.0:9100`.
        pub address: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 9100)),
    }
}
