//! The Socket Mode transport (the default): the bot opens WebSockets to
//! Slack with its app-level token, so it needs no public URL. Slack sends
//! slash commands, button presses and events down a socket; the answer to
//! a command travels back in the envelope's acknowledgement.
//!
//! slack-morphism opens the connections (two, so that one is up while the
//! other is refreshed), pings them and opens them again when they drop.
//! The frames are read here, as its [`SlackSocketModeClientListener`]:
//! each is handed to the front door and acknowledged, and the connections
//! up are counted in [`SocketConnections`], which `/readyz` reports — a
//! bot with no connection up receives nothing Slack sends.

use super::requests::CommandFields;
use super::{EventCallback, FrontDoor, Interaction};
use crate::slack::{render_modal_answer, render_reply};
use parking_lot::Mutex;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use slack_morphism::prelude::*;
use slack_morphism::socket_mode::clients_manager::{
    SlackSocketModeClientsManager, SlackSocketModeClientsManagerFactory,
};
use slack_morphism::socket_mode::{SlackSocketModeClientListener, SlackSocketModeWssClientId};
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Instant;

type Manager = dyn SlackSocketModeClientsManager + Send + Sync;

/// Which Socket Mode connections are up. Cheap to clone; clones share it.
/// Behind parking_lot's lock, which no panic elsewhere leaves poisoned:
/// each change is one insert or remove.
#[derive(Clone, Debug, Default)]
pub struct SocketConnections(Arc<Mutex<Connections>>);

#[derive(Debug, Default)]
struct Connections {
    /// The connections Slack said `hello` on and that have not dropped.
    up: HashSet<SlackSocketModeWssClientId>,
    /// When the last one dropped, if none is up and one ever was.
    none_since: Option<Instant>,
}

impl SocketConnections {
    /// What keeps the bot from receiving Slack's requests, if anything:
    /// no connection up yet, or none since one dropped.
    pub fn problem(&self) -> Option<String> {
        let connections = self.0.lock();
        if !connections.up.is_empty() {
            return None;
        }
        Some(match connections.none_since {
            None => "not connected to Slack yet".to_owned(),
            Some(since) => format!(
                "disconnected from Slack for {} s; reconnecting",
                since.elapsed().as_secs()
            ),
        })
    }

    fn connected(&self, id: &SlackSocketModeWssClientId) {
        let mut connections = self.0.lock();
        connections.up.insert(id.clone());
        connections.none_since = None;
    }

    fn dropped(&self, id: &SlackSocketModeWssClientId) {
        let mut connections = self.0.lock();
        if connections.up.remove(id) && connections.up.is_empty() {
            connections.none_since = Some(Instant::now());
        }
    }
}

/// Listens on Socket Mode, through the front door's Slack client, until
/// `shutdown` completes, then closes the sockets. `connections` follows
/// which are up.
pub async fn run(
    front: FrontDoor,
    app_token: &SecretString,
    connections: SocketConnections,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let client = front.slack.morphism();
    let environment = Arc::new(SlackClientEventsListenerEnvironment::new(client.clone()));
    let manager: Arc<Manager> = client.http_api.connector.new_clients_manager(environment);
    let frames = Arc::new(Frames {
        front,
        manager: Arc::downgrade(&manager),
        connections,
    });
    let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose_secret().to_owned()));
    manager
        .register_new_token(&SlackClientSocketModeConfig::new(), token, frames)
        .await
        .map_err(|err| anyhow::anyhow!("cannot open a Socket Mode connection: {err}"))?;
    manager.start().await;
    tracing::info!("listening on Socket Mode");
    shutdown.await;
    manager.shutdown().await;
    Ok(())
}

/// A frame Slack sends down a socket, read once into the same types HTTP
/// reads its requests into.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Frame {
    /// The connection is up.
    Hello {},
    /// Slack is about to close the connection (to refresh it, say).
    Disconnect {
        #[serde(default)]
        reason: String,
    },
    /// A button press, or another interaction.
    Interactive(Envelope<Interaction>),
    /// An `event_callback` envelope.
    EventsApi(Envelope<EventCallback>),
    /// A slash command.
    SlashCommands(Envelope<CommandFields>),
}

/// A request in its envelope, which the acknowledgement names.
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    envelope_id: String,
    payload: T,
}

/// Any frame, as far as acknowledging it needs.
#[derive(Deserialize)]
struct Unread {
    envelope_id: String,
}

/// Reads what Slack sends down the sockets.
struct Frames {
    front: FrontDoor,
    /// Weak: the manager holds this listener.
    manager: Weak<Manager>,
    connections: SocketConnections,
}

#[async_trait::async_trait]
impl SlackSocketModeClientListener for Frames {
    async fn on_message(&self, id: &SlackSocketModeWssClientId, frame: String) -> Option<String> {
        let frame = match serde_json::from_str::<Frame>(&frame) {
            Ok(frame) => frame,
            Err(err) => {
                // Acknowledged all the same, or Slack would send it again.
                tracing::warn!(error = %err, "a Socket Mode frame the bot cannot read");
                let envelope = serde_json::from_str::<Unread>(&frame).ok()?;
                return Some(acknowledgement(&envelope.envelope_id, None));
            }
        };
        match frame {
            Frame::Hello {} => {
                self.connections.connected(id);
                None
            }
            Frame::Disconnect { reason } => {
                tracing::info!(%reason, "Slack asked for a new Socket Mode connection");
                self.reconnect(id).await;
                None
            }
            Frame::Interactive(request) => {
                let answer = self.front.interaction(request.payload).await;
                let payload = answer.as_ref().map(render_modal_answer);
                Some(acknowledgement(&request.envelope_id, payload))
            }
            Frame::EventsApi(request) => {
                self.front.event(request.payload).await;
                Some(acknowledgement(&request.envelope_id, None))
            }
            Frame::SlashCommands(request) => {
                let answer = match request.payload.into_command() {
                    Ok(command) => Some(render_reply(&self.front.slash_command(command).await)),
                    Err(problem) => {
                        tracing::warn!(problem, "a slash command the bot cannot read");
                        None
                    }
                };
                Some(acknowledgement(&request.envelope_id, answer))
            }
        }
    }

    async fn on_error(&self, error: Box<dyn std::error::Error + Send + Sync + 'static>) {
        tracing::error!(error = %error, "Socket Mode failed");
    }

    async fn on_disconnect(&self, id: &SlackSocketModeWssClientId) {
        tracing::warn!("a Socket Mode connection dropped; reconnecting");
        self.reconnect(id).await;
    }
}

impl Frames {
    /// Counts the connection `id` as down, and opens another in its place.
    async fn reconnect(&self, id: &SlackSocketModeWssClientId) {
        self.connections.dropped(id);
        if let Some(manager) = self.manager.upgrade() {
            manager.restart_client(id).await;
        }
    }
}

/// The frame that acknowledges the envelope `envelope_id`, carrying
/// `payload` (a slash command's answer, rendered by `slack`) if there is
/// one.
fn acknowledgement(envelope_id: &str, payload: Option<Value>) -> String {
    let mut frame = serde_json::json!({ "envelope_id": envelope_id });
    if let Some(payload) = payload {
        frame["payload"] = payload;
    }
    frame.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(reconnected: u64) -> SlackSocketModeWssClientId {
        SlackSocketModeWssClientId::new(0, 0, reconnected)
    }

    #[test]
    fn the_bot_is_reachable_while_one_connection_is_up() {
        let connections = SocketConnections::default();
        assert_eq!(
            connections.problem().as_deref(),
            Some("not connected to Slack yet")
        );
        connections.connected(&id(0));
        connections.connected(&id(1));
        connections.dropped(&id(0));
        assert_eq!(connections.problem(), None, "one is still up");
        connections.dropped(&id(1));
        assert_eq!(
            connections.problem().as_deref(),
            Some("disconnected from Slack for 0 s; reconnecting")
        );
        connections.connected(&id(2));
        assert_eq!(connections.problem(), None);
    }
}
