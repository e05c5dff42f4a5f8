//! Waiting on what the fake has seen, for the tests that drive it: the
//! fake's own and the bot's. A condition polled until it holds, never a
//! bare sleep, so that a test is as fast as the code it waits on and
//! names what never came.

use std::time::Duration;

/// How long [`eventually`] waits: far longer than anything a test waits on
/// takes on a loaded machine, short enough that a hang fails the test soon.
const PATIENCE: Duration = Duration::from_secs(5);
/// How often [`eventually`] asks again.
const POLL: Duration = Duration::from_millis(10);

/// Waits until `condition` holds, asking every 10 ms.
///
/// # Panics
///
/// After five seconds without it, naming `what` was awaited: this is for
/// tests, where that is the failure to report.
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {PATIENCE:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}
