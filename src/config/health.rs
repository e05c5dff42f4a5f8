//! The `[health]` section: where `serve` answers health checks and
//! Prometheus.

use super::section::section;
use std::net::SocketAddr;

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
