//! The store the settings name: the PostgreSQL database of `store.url`
//! (or `ALLIANCES_DATABASE_URL`), else sled in the data folder, opened
//! with the settings' cache size and tie half-life. The bot, the commands
//! on the store (`export`, `import`, `doctor`, …) and the benchmarks all
//! open it here, so that they open it alike: a store opened with another
//! half-life than its tie index was built with rebuilds the index from
//! the log.

use crate::config::Settings;
use crate::store::{Store, StoreError, StoreOptions};
use std::path::Path;

/// Opens the store the settings name: their database, migrated to this
/// build's schema, or sled in `data_dir` with their cache size.
pub async fn open_store(settings: &Settings, data_dir: &Path) -> Result<Store, StoreError> {
    match &settings.store.url {
        Some(url) => Store::connect(url.expose(), settings.rules.half_life).await,
        None => Store::open(data_dir, &store_options(settings)),
    }
}

/// Opens the store the settings name for a command that only reads or
/// checks it (`doctor`, `export`, `tick --dry-run`): as [`open_store`]
/// does, but a database's schema is left as it is (see
/// [`Store::connect_as_is`]).
pub async fn open_store_to_read(settings: &Settings, data_dir: &Path) -> Result<Store, StoreError> {
    match &settings.store.url {
        Some(url) => Store::connect_as_is(url.expose(), settings.rules.half_life).await,
        None => Store::open(data_dir, &store_options(settings)),
    }
}

/// How the settings open a store: its cache size and the tie half-life.
pub fn store_options(settings: &Settings) -> StoreOptions {
    let megabytes = settings.store.cache_capacity_mb.get();
    StoreOptions {
        cache_capacity_bytes: megabytes.saturating_mul(1024 * 1024),
        half_life: settings.rules.half_life,
    }
}
