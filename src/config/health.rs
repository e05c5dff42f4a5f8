//! The `[health]` section: where `serve` answers health checks and
//! Prometheus.

use serde::Deserialize;

/// Where `serve` answers `/healthz`, `/readyz` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthSettings {
    /// The address to listen on; `ALLIANCES_HEALTH_ADDRESS` overrides it.
    /// Loopback by default: the metrics are for the operator, not the
    /// world. In a container, `0.0.0.0:9100`.
    pub address: std::net::SocketAddr,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            address: std::net::SocketAddr::from(([127, 0, 0, 1], 9100)),
        }
    }
}
