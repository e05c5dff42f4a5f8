//! Socket Mode, Slack's side: a WebSocket server on its own 127.0.0.1 port.
//!
//! `apps.connections.open` mints a one-time ticket and answers
//! `ws://127.0.0.1:PORT/link?ticket=…`; a client that connects with a live
//! ticket is greeted with `hello` and joins the open connections. The fake
//! then sends envelopes down the newest connection and waits for their acks
//! ([`super::FakeSlack::deliver_over_socket`]), or tells every client to
//! reconnect ([`super::FakeSlack::disconnect_socket`]), as Slack does before
//! it recycles a connection.
//!
//! The connections and the acks awaited live in
//! [`super::socket_hub::SocketHub`], inside the fake's shared state; each
//! connection's task owns its WebSocket and takes the lock only for a
//! look-up, never across an await.

use super::delivery::{Delivery, DeliveryAnswer, DeliveryError};
use super::socket_hub::{Outgoing, debug_info};
use super::workspace::APP_ID;
use super::{FakeSlack, SharedState, lock, opaque_id};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{StatusCode, Uri};

/// A client that connects but never finishes the WebSocket handshake is
/// dropped after this long, so that it cannot hold a task forever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// After sending its close frame the fake waits this long for the client's.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// The path the URLs point at, as in Slack's `wss://wss-primary.slack.com/link`.
const LINK_PATH: &str = "/link";

/// Accepts connections until `stop` turns true (or its sender is dropped),
/// then waits for every connection to close.
pub(super) async fn serve(
    listener: TcpListener,
    state: SharedState,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let mut connections = JoinSet::new();
    loop {
        // Pick what happened, then act once the select's borrows are over.
        let accepted = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                connections.spawn(serve_connection(stream, Arc::clone(&state), stop.clone()));
            }
            Err(error) => {
                // Out of file descriptors, say: wait a little rather than spin.
                tracing::warn!(%error, "fake Slack could not accept a Socket Mode connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// The ticket in a URL's query string.
fn ticket_of(uri: &Uri) -> Option<&str> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("ticket="))
}

/// Checks the ticket during the handshake; a missing, unknown or used one
/// is refused with 401 before the WebSocket opens.
async fn handshake(stream: TcpStream, state: &SharedState) -> Option<WebSocketStream<TcpStream>> {
    let check_state = Arc::clone(state);
    // tungstenite fixes the callback's error type; it cannot be boxed.
    #[expect(clippy::result_large_err, reason = "the signature is tungstenite's")]
    let check_ticket = move |request: &Request, response: Response| {
        let uri = request.uri();
        let admitted = uri.path() == LINK_PATH
            && ticket_of(uri).is_some_and(|ticket| lock(&check_state).socket.redeem(ticket));
        if admitted {
            Ok(response)
        } else {
            let mut refusal = ErrorResponse::new(Some("invalid or used ticket".to_owned()));
            *refusal.status_mut() = StatusCode::UNAUTHORIZED;
            Err(refusal)
        }
    };
    let accepted = tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        tokio_tungstenite::accept_hdr_async(stream, check_ticket),
    )
    .await;
    match accepted {
        Ok(Ok(socket)) => Some(socket),
        Ok(Err(error)) => {
            tracing::debug!(%error, "fake Slack refused a Socket Mode handshake");
            None
        }
        Err(_) => {
            tracing::debug!("a Socket Mode client did not finish its handshake in time");
            None
        }
    }
}

/// What woke a connection's task.
enum Wakeup {
    Outgoing(Option<Outgoing>),
    Incoming(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Stop,
}

/// One connection: hello, then envelopes out and acks in until either side
/// closes, the hub disconnects it, or the fake stops.
async fn serve_connection(stream: TcpStream, state: SharedState, mut stop: watch::Receiver<bool>) {
    let Some(mut socket) = handshake(stream, &state).await else {
        return;
    };
    let (id, mut outbox, open) = lock(&state).socket.register();
    tracing::debug!(
        connection = id,
        open,
        "a Socket Mode client connected to the fake"
    );
    let hello = json!({
        "type": "hello",
        "num_connections": open,
        "debug_info": debug_info(),
        "connection_info": { "app_id": APP_ID },
    });
    if socket.send(Message::text(hello.to_string())).await.is_ok() {
        loop {
            // The select only picks what happened; acting on it below keeps
            // the socket free of the borrows the select's futures hold.
            let wakeup = tokio::select! {
                outgoing = outbox.recv() => Wakeup::Outgoing(outgoing),
                incoming = socket.next() => Wakeup::Incoming(incoming),
                _ = stop.wait_for(|stopped| *stopped) => Wakeup::Stop,
            };
            match wakeup {
                Wakeup::Outgoing(Some(Outgoing::Frame(frame))) => {
                    if socket.send(Message::text(frame)).await.is_err() {
                        break;
                    }
                }
                Wakeup::Outgoing(Some(Outgoing::Disconnect(frame))) => {
                    let _ = socket.send(Message::text(frame)).await;
                    close(&mut socket).await;
                    break;
                }
                Wakeup::Outgoing(None) | Wakeup::Stop => {
                    close(&mut socket).await;
                    break;
                }
                Wakeup::Incoming(Some(Ok(Message::Text(frame)))) => {
                    lock(&state).socket.acknowledge(frame.as_str());
                }
                Wakeup::Incoming(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => break,
                // tungstenite answers pings itself; pongs and binary frames mean nothing here.
                Wakeup::Incoming(Some(Ok(_))) => {}
            }
        }
    }
    lock(&state).socket.unregister(id);
    tracing::debug!(connection = id, "a Socket Mode client left the fake");
}

/// Sends a close frame and waits a little for the client's answer.
async fn close(socket: &mut WebSocketStream<TcpStream>) {
    let _ = socket.close(None).await;
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await;
}

impl FakeSlack {
    /// Whether a Socket Mode client is connected now.
    pub fn socket_connected(&self) -> bool {
        lock(&self.state).socket.is_connected()
    }

    /// Waits until a Socket Mode client is connected, for at most `timeout`;
    /// `false` if none came.
    pub async fn wait_for_socket(&self, timeout: Duration) -> bool {
        let mut connected = lock(&self.state).socket.connected.subscribe();
        let arrived = tokio::time::timeout(timeout, connected.wait_for(|open| *open > 0)).await;
        matches!(arrived, Ok(Ok(_)))
    }

    /// Sends `{"type":"disconnect","reason":…}` to every connected client
    /// and closes their connections, as Slack does before recycling one
    /// (`refresh_requested`, `warning`…). The client is expected to reconnect
    /// through `apps.connections.open`. Answers how many were told.
    pub fn disconnect_socket(&self, reason: &str) -> usize {
        lock(&self.state).socket.disconnect_all(reason)
    }

    /// How long [`FakeSlack::deliver_over_socket`] and
    /// [`FakeSlack::deliver_over_http`] wait for the bot; 3 seconds unless
    /// set, as Slack. Tests of a silent bot set it shorter.
    pub fn set_ack_timeout(&self, timeout: Duration) {
        lock(&self.state).socket.ack_timeout = timeout;
    }

    /// Sends `delivery` in an envelope to the newest connected client and
    /// waits for its ack; the answer's body is the ack's `payload` (`{}`
    /// when it has none).
    pub async fn deliver_over_socket(
        &self,
        delivery: &Delivery,
    ) -> Result<DeliveryAnswer, DeliveryError> {
        let envelope_id = opaque_id();
        let (answered, waited) = {
            let mut state = lock(&self.state);
            delivery.issue_trigger(&mut state.triggers);
            let frame = delivery
                .envelope(&envelope_id, &state.directory)
                .to_string();
            let waited = state.socket.ack_timeout;
            (state.socket.send_envelope(&envelope_id, frame)?, waited)
        };
        match tokio::time::timeout(waited, answered).await {
            Ok(Ok(ack)) => Ok(DeliveryAnswer {
                status: 200,
                body: ack.get("payload").cloned().unwrap_or_else(|| json!({})),
            }),
            Ok(Err(_)) => Err(DeliveryError::ConnectionClosed { envelope_id }),
            Err(_) => {
                lock(&self.state).socket.forget(&envelope_id);
                Err(DeliveryError::NotAcknowledged {
                    envelope_id,
                    waited,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket_hub::SocketHub;

    #[test]
    fn a_ticket_is_read_from_the_query_and_works_once() {
        let mut hub = SocketHub::new("ws://127.0.0.1:1/link".into());
        let url: Uri = hub.mint_url().parse().unwrap();
        let ticket = ticket_of(&url).unwrap().to_owned();
        assert!(hub.redeem(&ticket));
        assert!(!hub.redeem(&ticket));
        let debug: Uri = format!("/link?ticket={ticket}&debug_reconnects=true")
            .parse()
            .unwrap();
        assert_eq!(ticket_of(&debug), Some(ticket.as_str()));
    }
}
