//! Socket Mode's bookkeeping: the tickets `apps.connections.open` minted,
//! the open connections (each an outbox its task drains), and the envelopes
//! awaiting an ack. It lives in the fake's shared state and does no I/O;
//! [`super::socket_mode`] owns the sockets.

use super::delivery::DeliveryError;
use super::opaque_id;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Slack expects an envelope to be acknowledged within 3 seconds, and
/// retries it otherwise; the fake waits as long before it gives up.
pub(super) const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(3);

/// What a connection's task is asked to send.
#[derive(Debug)]
pub(super) enum Outgoing {
    /// A frame, such as an envelope.
    Frame(String),
    /// A `disconnect` frame, after which the connection closes.
    Disconnect(String),
}

/// One open connection, as the hub sees it.
#[derive(Debug)]
struct Connection {
    id: u64,
    outgoing: mpsc::UnboundedSender<Outgoing>,
}

/// An envelope sent and not yet acknowledged.
#[derive(Debug)]
struct PendingAck {
    connection: u64,
    answer: oneshot::Sender<Value>,
}

/// Tickets, open connections and the acks awaited.
#[derive(Debug)]
pub(super) struct SocketHub {
    /// `ws://127.0.0.1:PORT/link`, without a ticket.
    link_url: String,
    tickets: HashSet<String>,
    /// Oldest first; envelopes go to the last.
    connections: Vec<Connection>,
    next_connection: u64,
    pending: HashMap<String, PendingAck>,
    /// The number of open connections, for those who wait for one.
    pub(super) connected: watch::Sender<usize>,
    /// How long a delivery waits for its ack.
    pub(super) ack_timeout: Duration,
}

impl SocketHub {
    /// A hub for a server listening at `link_url`.
    pub(super) fn new(link_url: String) -> Self {
        Self {
            link_url,
            tickets: HashSet::new(),
            connections: Vec::new(),
            next_connection: 1,
            pending: HashMap::new(),
            connected: watch::Sender::new(0),
            ack_timeout: DEFAULT_ACK_TIMEOUT,
        }
    }

    /// A fresh URL with a one-time ticket, as `apps.connections.open` gives.
    pub(super) fn mint_url(&mut self) -> String {
        let ticket = opaque_id();
        self.tickets.insert(ticket.clone());
        format!("{}?ticket={ticket}", self.link_url)
    }

    /// Uses up `ticket`: `true` the first time for a ticket the hub minted.
    pub(super) fn redeem(&mut self, ticket: &str) -> bool {
        self.tickets.remove(ticket)
    }

    /// Adds a connection: its id, its outbox, and how many are now open.
    pub(super) fn register(&mut self) -> (u64, mpsc::UnboundedReceiver<Outgoing>, usize) {
        let id = self.next_connection;
        self.next_connection += 1;
        let (outgoing, outbox) = mpsc::unbounded_channel();
        self.connections.push(Connection { id, outgoing });
        self.publish_count();
        (id, outbox, self.connections.len())
    }

    /// Removes a connection (if still there) and fails the acks it owed.
    pub(super) fn unregister(&mut self, id: u64) {
        self.connections.retain(|connection| connection.id != id);
        // Dropping the senders tells each waiting delivery the connection closed.
        self.pending.retain(|_, pending| pending.connection != id);
        self.publish_count();
    }

    fn publish_count(&self) {
        // `send_replace` updates the value even when nobody is waiting.
        self.connected.send_replace(self.connections.len());
    }

    /// Whether at least one client is connected.
    pub(super) fn is_connected(&self) -> bool {
        !self.connections.is_empty()
    }

    /// Sends `frame` down the newest connection and awaits its ack there.
    pub(super) fn send_envelope(
        &mut self,
        envelope_id: &str,
        frame: String,
    ) -> Result<oneshot::Receiver<Value>, DeliveryError> {
        let connection = self.connections.last().ok_or(DeliveryError::NotConnected)?;
        let (answer, answered) = oneshot::channel();
        self.pending.insert(
            envelope_id.to_owned(),
            PendingAck {
                connection: connection.id,
                answer,
            },
        );
        if connection.outgoing.send(Outgoing::Frame(frame)).is_err() {
            self.pending.remove(envelope_id);
            return Err(DeliveryError::NotConnected);
        }
        Ok(answered)
    }

    /// Stops waiting for an envelope's ack.
    pub(super) fn forget(&mut self, envelope_id: &str) {
        self.pending.remove(envelope_id);
    }

    /// Hands an ack to the delivery waiting for it. Frames that are not
    /// acks of a pending envelope are ignored, as Slack ignores them.
    pub(super) fn acknowledge(&mut self, frame: &str) {
        let Ok(ack) = serde_json::from_str::<Value>(frame) else {
            tracing::debug!(frame, "fake Slack ignored a frame that is not JSON");
            return;
        };
        let envelope_id = ack.get("envelope_id").and_then(Value::as_str);
        match envelope_id.and_then(|id| self.pending.remove(id)) {
            // The delivery may have given up already; then nobody listens.
            Some(pending) => {
                let _ = pending.answer.send(ack);
            }
            None => tracing::debug!(
                frame,
                "fake Slack ignored a frame that acks nothing pending"
            ),
        }
    }

    /// Tells every client to reconnect and forgets their connections.
    pub(super) fn disconnect_all(&mut self, reason: &str) -> usize {
        let frame = json!({
            "type": "disconnect",
            "reason": reason,
            "debug_info": debug_info(),
        })
        .to_string();
        let connections = std::mem::take(&mut self.connections);
        for connection in &connections {
            // A task that already ended has nothing left to tell.
            let _ = connection
                .outgoing
                .send(Outgoing::Disconnect(frame.clone()));
        }
        for connection in &connections {
            self.pending
                .retain(|_, pending| pending.connection != connection.id);
        }
        self.publish_count();
        connections.len()
    }
}

/// Socket Mode's `debug_info`, as Slack's hello and disconnect carry it.
pub(super) fn debug_info() -> Value {
    json!({ "host": "fake-slack", "build_number": 1, "approximate_connection_time": 18060 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ack_reaches_the_delivery_waiting_for_it_and_only_once() {
        let mut hub = SocketHub::new(String::new());
        let (_id, _outbox, _) = hub.register();
        let mut answered = hub.send_envelope("e1", "{}".into()).unwrap();
        hub.acknowledge(r#"{"envelope_id":"e2"}"#);
        assert!(answered.try_recv().is_err());
        hub.acknowledge(r#"{"envelope_id":"e1","payload":{"text":"hi"}}"#);
        assert_eq!(answered.try_recv().unwrap()["payload"]["text"], "hi");
        assert!(hub.pending.is_empty());
    }

    #[test]
    fn without_a_connection_nothing_can_be_delivered() {
        let mut hub = SocketHub::new(String::new());
        assert!(matches!(
            hub.send_envelope("e1", "{}".into()),
            Err(DeliveryError::NotConnected)
        ));
    }

    #[test]
    fn a_closed_connection_fails_the_acks_it_owed() {
        let mut hub = SocketHub::new(String::new());
        let (id, _outbox, _) = hub.register();
        let mut answered = hub.send_envelope("e1", "{}".into()).unwrap();
        hub.unregister(id);
        assert!(matches!(
            answered.try_recv(),
            Err(oneshot::error::TryRecvError::Closed)
        ));
        assert!(!hub.is_connected());
    }
}
