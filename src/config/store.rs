//! The `[store]`, `[backup]`, `[purge]` and `[health]` sections: how the
//! data is kept, backed up, and kept for a while after an uninstall; and
//! where `serve` answers health checks and Prometheus.

use super::section::{at_least_one, count, section};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserializer;
use std::net::SocketAddr;
use std::num::NonZeroU64;

section! {
    /// Which store holds the data, and how the sled store is opened.
    pub struct StoreSettings {
        /// The PostgreSQL database that replicas share; none keeps the data
        /// in sled, in the data folder. `ALLIANCES_DATABASE_URL` overrides
        /// it, and is where a URL with a password belongs.
        pub url: Option<DatabaseUrl> = None,
        /// sled's page cache, in MiB. sled's own default is 1 GiB, far more than
        /// the tie index of a large workspace needs.
        #[serde(deserialize_with = "mebibytes")]
        pub cache_capacity_mb: NonZeroU64 = NonZeroU64::from(const { count(64) }),
    }
}

/// The environment variable holding the database's URL.
pub const DATABASE_URL_VAR: &str = "ALLIANCES_DATABASE_URL";

/// Where the PostgreSQL database is: `postgres://user:password@host:port/
/// database`, or libpq's `host=… dbname=…` form. It may hold a password,
/// so it is kept as a secret, whose `Debug` shows none of it; the store
/// says where it is by host, port and database only.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    /// The URL, password and all, for the store to connect with.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the URL carries a password, which a config file must not:
    /// in its user information, or as a `password` parameter.
    fn has_password(&self) -> bool {
        let url = self.expose();
        match url.split_once("://") {
            Some((_, rest)) => {
                // As the client reads it: the user information runs to
                // the first `@`, whatever comes before it.
                let in_user = rest
                    .split_once('@')
                    .is_some_and(|(user, _)| user.contains(':'));
                let in_query = rest.split_once('?').is_some_and(|(_, query)| {
                    query.split('&').any(|pair| {
                        let key = pair.split('=').next().unwrap_or_default();
                        crate::domain::percent_decoded(key).eq_ignore_ascii_case("password")
                    })
                });
                in_user || in_query
            }
            None => url
                .split_whitespace()
                .any(|pair| pair.trim_start().starts_with("password")),
        }
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = &'static str;

    fn try_from(url: String) -> Result<Self, Self::Error> {
        let url = url.trim();
        let known = ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
            || url.contains('=');
        if !known {
            return Err("must be a PostgreSQL connection string, e.g. \
                 postgres://alliances@db.internal:5432/alliances");
        }
        Ok(DatabaseUrl(SecretString::from(url.to_owned())))
    }
}

impl StoreSettings {
    /// Refuses a password written in the config file: a file is read by
    /// whoever reads the deployment, and a secret belongs in the
    /// environment, as the Slack tokens do.
    pub(super) fn check_written(&self) -> Result<(), String> {
        match &self.url {
            Some(url) if url.has_password() => Err(format!(
                "holds a password: give the URL in {DATABASE_URL_VAR} instead, \
                 which is read from the environment only"
            )),
            _ => Ok(()),
        }
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
