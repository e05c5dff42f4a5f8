//! The store in the data folder, opened with the settings' cache size and
//! tie half-life. The bot, the commands on the store (`export`, `import`,
//! `restore`, `doctor`) and the benchmarks all open it here, so that they
//! open it alike: a store opened with another half-life than its tie index
//! was built with rebuilds the index from the log.

use crate::config::Settings;
use crate::store::{Store, StoreError, StoreOptions};
use std::path::Path;

/// Opens the store in `data_dir` with the settings' cache size.
pub fn open_store(settings: &Settings, data_dir: &Path) -> Result<Store, StoreError> {
    Store::open(data_dir, &store_options(settings))
}

/// How the settings open a store: its cache size and the tie half-life.
pub fn store_options(settings: &Settings) -> StoreOptions {
    StoreOptions {
        cache_capacity_bytes: settings
            .store
            .cache_capacity_mb
            .get()
            .saturating_mul(1024 * 1024),
        half_life: settings.rules.half_life,
    }
}
