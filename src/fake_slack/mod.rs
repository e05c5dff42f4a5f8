//! A local Slack workspace: Slack's Web API on 127.0.0.1, for the demo, the
//! tests and the benchmarks.
//!
//! [`FakeSlack::start`] serves a [`Workspace`] (people, channels, the bot's
//! token) on a free port; point the real Slack client at
//! [`FakeSlack::api_url`] and it cannot tell the difference for the methods
//! the bot uses: `auth.test`, `users.list`, `conversations.open` and
//! `chat.postMessage`. Every call is recorded ([`FakeSlack::calls`]) and
//! every accepted message too ([`FakeSlack::messages`]), so a test can check
//! what people would have read.
//!
//! It speaks plain JSON, as Slack does; it must not use slack-morphism's
//! types, so that it checks the client rather than agreeing with it. Its
//! tests drive it with the real slack-morphism client.
//!
//! Layout: `workspace` holds the data, `methods` one file per Web API
//! method, `api` the HTTP edge, `recorder` what was seen.

mod api;
mod methods;
mod recorder;
mod workspace;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod wire_tests;

pub use recorder::{PostedMessage, RecordedCall};
pub use workspace::{BOT_ID, BOT_USER_ID, FakeChannel, FakeUser, TEAM_ID, TEAM_NAME, Workspace};

use crate::domain::{ChannelId, UserId};
use recorder::Recorder;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use workspace::Directory;

/// Everything a call may read or change.
#[derive(Debug)]
struct State {
    directory: Directory,
    recorder: Recorder,
    /// The workspace URL `auth.test` gives; it points back at the fake.
    team_url: String,
}

/// A std Mutex, not tokio's: every handler holds it for a few look-ups and
/// never across an await, and the accessors below are synchronous.
type SharedState = Arc<Mutex<State>>;

/// Locks the state. A handler that panicked while holding the lock left the
/// data usable (each change is one push or one insert), so a poisoned lock
/// is taken over rather than turned into a panic on every later call.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running fake Slack. Dropping it stops the server too; [`FakeSlack::stop`]
/// also waits until the server has finished.
pub struct FakeSlack {
    address: SocketAddr,
    bot_token: String,
    state: SharedState,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<io::Result<()>>,
}

impl FakeSlack {
    /// Checks `workspace` and serves it on `127.0.0.1` at a free port, in a
    /// spawned task. Fails if the workspace is inconsistent (duplicate ids or
    /// names, an empty token) or if no port can be bound.
    pub async fn start(workspace: Workspace) -> io::Result<FakeSlack> {
        let bot_token = workspace.bot_token.clone();
        let directory = Directory::new(workspace)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            directory,
            recorder: Recorder::default(),
            team_url: format!("http://{address}/"),
        }));
        let router = api::router(Arc::clone(&state));
        let (shutdown, stop_requested) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                // Either `stop` sent the signal or the FakeSlack was dropped
                // (the sender with it): both mean "finish and stop".
                .with_graceful_shutdown(async {
                    let _ = stop_requested.await;
                })
                .await
        });
        tracing::debug!(%address, "fake Slack started");
        Ok(FakeSlack {
            address,
            bot_token,
            state,
            shutdown,
            server,
        })
    }

    /// The Web API's base URL, `http://127.0.0.1:PORT/api`, without a
    /// trailing slash: slack-morphism appends `/{method}`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.address)
    }

    /// The token the fake accepts.
    pub fn bot_token(&self) -> &str {
        &self.bot_token
    }

    /// Every call so far, in the order they were answered.
    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.state).recorder.calls().to_vec()
    }

    /// Every message accepted by `chat.postMessage` so far, in order.
    pub fn messages(&self) -> Vec<PostedMessage> {
        lock(&self.state).recorder.messages().to_vec()
    }

    /// The person at the other end of a DM the fake has opened.
    pub fn user_for_dm(&self, channel: &ChannelId) -> Option<UserId> {
        lock(&self.state).directory.user_for_dm(channel)
    }

    /// The id of the public channel with this name (with or without `#`).
    pub fn channel_named(&self, name: &str) -> Option<ChannelId> {
        lock(&self.state).directory.channel_named(name)
    }

    /// Stops accepting calls, lets the calls in flight finish, and waits for
    /// the server task to end.
    pub async fn stop(self) {
        // The server may already have stopped on its own; nothing to signal then.
        let _ = self.shutdown.send(());
        match self.server.await {
            Ok(Ok(())) => tracing::debug!(address = %self.address, "fake Slack stopped"),
            Ok(Err(error)) => tracing::warn!(%error, "fake Slack stopped with an error"),
            Err(error) => tracing::warn!(%error, "fake Slack's server task failed"),
        }
    }
}

impl fmt::Debug for FakeSlack {
    // The token is left out: fake or not, tokens are never formatted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSlack")
            .field("api_url", &self.api_url())
            .finish_non_exhaustive()
    }
}
