//! Socket Mode end to end: a real tokio-tungstenite client, and
//! slack-morphism's own Socket Mode listener, connect to the fake through
//! `apps.connections.open`, receive envelopes and ack them.
//!
//! slack-morphism keeps its envelope types private, so the raw client checks
//! each envelope's fields by hand and parses its payload with the public
//! payload types; the listener test then proves the whole frames, hello and
//! disconnect included, parse: its error handler, which receives every
//! frame slack-morphism cannot read, must stay silent.

use super::tests::{client_for, workspace};
use super::*;
use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use slack_morphism::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

type Socket = WebSocketStream<TcpStream>;

/// Long enough for anything on one machine; only a broken fake waits it out.
const PATIENCE: Duration = Duration::from_secs(5);

/// A fresh Socket Mode URL, asked for with the app token.
async fn socket_url(fake: &FakeSlack) -> String {
    let client = client_for(fake);
    let token = SlackApiToken::new(fake.app_token().into());
    let session = client.open_session(&token);
    let opened = session
        .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await
        .expect("a URL");
    opened.url.0.to_string()
}

/// Opens a WebSocket to `url`; the handshake's error if it is refused.
async fn connect(url: &str) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let address = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .expect("a ws:// URL");
    let stream = TcpStream::connect(address).await.expect("the port is open");
    tokio_tungstenite::client_async(url, stream)
        .await
        .map(|(socket, _)| socket)
}

/// The next text frame, as JSON.
async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("a valid frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).expect("JSON");
        }
    }
}

/// An envelope of type `kind`, checked field by field as slack-morphism's
/// `SlackSocketModeEventEnvelopeParams` reads it: its id, whether it takes
/// a response, and its payload parsed with slack-morphism's type.
async fn next_envelope<T: DeserializeOwned>(socket: &mut Socket, kind: &str) -> (String, bool, T) {
    let raw = next_frame(socket).await;
    assert_eq!(raw["type"], kind, "{raw}");
    assert_eq!(raw["retry_attempt"], 0, "{raw}");
    let id = raw["envelope_id"]
        .as_str()
        .expect("an envelope id")
        .to_owned();
    let accepts = raw["accepts_response_payload"].as_bool().expect("a flag");
    let payload = serde_json::from_value(raw["payload"].clone())
        .unwrap_or_else(|error| panic!("slack-morphism cannot parse {raw}: {error}"));
    (id, accepts, payload)
}

/// Connects and checks the hello.
async fn connected_client(fake: &FakeSlack) -> Socket {
    let mut socket = connect(&socket_url(fake).await).await.expect("admitted");
    let hello = next_frame(&mut socket).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    assert_eq!(hello["num_connections"], 1);
    assert_eq!(hello["connection_info"]["app_id"], APP_ID);
    assert!(hello["debug_info"]["host"].is_string(), "{hello}");
    socket
}

/// Ada, who types the slash commands, and the channel she types them in.
const ADA: &str = "U0000001";
const ALLIANCES: &str = "C0ALLIANCE";

#[tokio::test]
async fn a_slash_command_goes_down_the_socket_and_the_acks_payload_comes_back() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let mut socket = connected_client(&fake).await;
    assert!(fake.socket_connected());
    let command = fake.slash_command("/met", "<@U0000002> coffee", ADA, ALLIANCES);

    let client = async {
        let (id, accepts, command) =
            next_envelope::<SlackCommandEvent>(&mut socket, "slash_commands").await;
        assert!(accepts);
        assert_eq!(command.command.0, "/met");
        assert_eq!(command.text.as_deref(), Some("<@U0000002> coffee"));
        assert_eq!(command.user_id.0, "U0000001");
        assert_eq!(command.channel_id.0, "C0ALLIANCE");
        assert_eq!(command.channel_name.as_deref(), Some("alliances"));
        let url = command.response_url.0.to_string();
        assert!(url.contains("/response/"), "{url}");
        let ack = json!({
            "envelope_id": id,
            "payload": { "text": "Logged.", "response_type": "ephemeral" },
        });
        socket
            .send(Message::text(ack.to_string()))
            .await
            .expect("acked");
    };
    let (answer, ()) = tokio::join!(fake.deliver_over_socket(&command), client);

    let answer = answer.expect("acknowledged");
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        json!({ "text": "Logged.", "response_type": "ephemeral" })
    );
    drop(socket);
    fake.stop().await;
}

#[tokio::test]
async fn events_and_interactions_arrive_in_the_envelopes_slack_morphism_parses() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let mut socket = connected_client(&fake).await;
    let event = Delivery::Event {
        event_id: "Ev0HOME".into(),
        event: json!({ "type": "app_home_opened", "user": "U0000001", "channel": "D0000001", "tab": "home" }),
        event_time: 1_700_000_000,
    };
    let button = Delivery::Interaction {
        payload: json!({
            "type": "block_actions",
            "team": { "id": TEAM_ID, "domain": TEAM_DOMAIN },
            "user": { "id": "U0000001", "name": "person.1", "team_id": TEAM_ID },
            "api_app_id": APP_ID,
            "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "D0000001" },
            "trigger_id": "1.2.3",
            "actions": [{ "type": "button", "action_id": "snooze", "block_id": "b1", "value": "7", "action_ts": "1700000001.000000" }],
        }),
    };

    let client = async {
        let (id, accepts, pushed) =
            next_envelope::<SlackPushEventCallback>(&mut socket, "events_api").await;
        assert!(!accepts);
        assert_eq!(pushed.event_id.0, "Ev0HOME");
        assert!(matches!(
            pushed.event,
            SlackEventCallbackBody::AppHomeOpened(_)
        ));
        let ack = json!({ "envelope_id": id });
        socket
            .send(Message::text(ack.to_string()))
            .await
            .expect("acked");
    };
    let (answer, ()) = tokio::join!(fake.deliver_over_socket(&event), client);
    assert_eq!(answer.expect("acknowledged").body, json!({}));

    let client = async {
        let (id, accepts, pressed) =
            next_envelope::<SlackInteractionEvent>(&mut socket, "interactive").await;
        assert!(!accepts);
        assert!(matches!(pressed, SlackInteractionEvent::BlockActions(_)));
        let ack = json!({ "envelope_id": id });
        socket
            .send(Message::text(ack.to_string()))
            .await
            .expect("acked");
    };
    let (answer, ()) = tokio::join!(fake.deliver_over_socket(&button), client);
    assert_eq!(answer.expect("acknowledged").status, 200);
    drop(socket);
    fake.stop().await;
}

#[tokio::test]
async fn an_envelope_nobody_acks_in_time_is_a_delivery_error() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let mut socket = connected_client(&fake).await;
    fake.set_ack_timeout(Duration::from_millis(200));
    let command = fake.slash_command("/met", "", ADA, ALLIANCES);

    let silent = async {
        next_envelope::<SlackCommandEvent>(&mut socket, "slash_commands").await;
    };
    let (answer, ()) = tokio::join!(fake.deliver_over_socket(&command), silent);

    assert!(
        matches!(answer, Err(DeliveryError::NotAcknowledged { waited, .. }) if waited == Duration::from_millis(200)),
        "{answer:?}"
    );
    drop(socket);
    fake.stop().await;
}

#[tokio::test]
async fn without_a_client_nothing_is_delivered_and_waiting_gives_up() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let command = fake.slash_command("/met", "", ADA, ALLIANCES);

    assert!(!fake.socket_connected());
    assert!(!fake.wait_for_socket(Duration::from_millis(50)).await);
    assert!(matches!(
        fake.deliver_over_socket(&command).await,
        Err(DeliveryError::NotConnected)
    ));
    fake.stop().await;
}

#[tokio::test]
async fn a_ticket_opens_one_connection_and_a_made_up_one_none() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let url = socket_url(&fake).await;
    let forged = format!(
        "{}ticket=not-a-ticket",
        url.split("ticket=").next().expect("a query")
    );

    assert!(connect(&forged).await.is_err());
    let first = connect(&url).await.expect("admitted");
    assert!(connect(&url).await.is_err(), "a ticket works once");
    assert!(fake.wait_for_socket(PATIENCE).await);
    drop(first);
    fake.stop().await;
}

#[tokio::test]
async fn a_disconnect_tells_the_client_why_closes_and_a_new_ticket_reconnects() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let mut socket = connected_client(&fake).await;

    assert_eq!(fake.disconnect_socket("refresh_requested"), 1);
    assert!(!fake.socket_connected());
    let disconnect = next_frame(&mut socket).await;
    assert_eq!(disconnect["type"], "disconnect");
    assert_eq!(disconnect["reason"], "refresh_requested");
    assert!(disconnect["debug_info"]["host"].is_string(), "{disconnect}");
    let closing = tokio::time::timeout(PATIENCE, socket.next())
        .await
        .expect("in time");
    assert!(
        matches!(closing, Some(Ok(Message::Close(_))) | None),
        "{closing:?}"
    );
    drop(socket);

    let again = connected_client(&fake).await;
    assert!(fake.wait_for_socket(PATIENCE).await);
    drop(again);
    fake.stop().await;
}

/// What `report` gave within [`PATIENCE`], or `None`.
async fn within<T>(report: impl Future<Output = Option<T>>) -> Option<T> {
    tokio::time::timeout(PATIENCE, report).await.ok().flatten()
}

/// What the listener's callbacks report to the test.
#[derive(Clone)]
struct Reports {
    commands: mpsc::UnboundedSender<SlackCommandEvent>,
    hellos: mpsc::UnboundedSender<String>,
    errors: mpsc::UnboundedSender<String>,
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    if let Some(reports) = state.read().await.get_user_state::<Reports>() {
        let _ = reports.commands.send(event.clone());
    }
    let text = format!("Noted: {}", event.text.unwrap_or_default());
    Ok(SlackCommandEventResponse::new(
        SlackMessageContent::new().with_text(text),
    ))
}

/// slack-morphism does not export its hello type by name; a generic
/// callback takes it all the same.
async fn on_hello<Hello: std::fmt::Debug>(
    hello: Hello,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) {
    if let Some(reports) = state.read().await.get_user_state::<Reports>() {
        let _ = reports.hellos.send(format!("{hello:?}"));
    }
}

/// Receives every frame slack-morphism could not parse, among other errors.
fn on_error(
    error: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> HttpStatusCode {
    if let Ok(storage) = state.try_read()
        && let Some(reports) = storage.get_user_state::<Reports>()
    {
        let _ = reports.errors.send(format!("{error:?}"));
    }
    HttpStatusCode::BAD_REQUEST
}

#[tokio::test]
async fn slack_morphisms_own_socket_mode_listener_connects_answers_and_reconnects() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let (commands, mut commands_seen) = mpsc::unbounded_channel();
    let (hellos, mut hellos_seen) = mpsc::unbounded_channel();
    let (errors, mut errors_seen) = mpsc::unbounded_channel();
    let reports = Reports {
        commands,
        hellos,
        errors,
    };
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(Arc::new(client_for(&fake)))
            .with_error_handler(on_error)
            .with_user_state(reports),
    );
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_hello_events(on_hello);
    // One connection, so that it connects at once (the second of the default
    // two would wait out a 5-second back-off).
    let config = SlackClientSocketModeConfig::new().with_max_connections_count(1);
    let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
    listener
        .listen_for(&SlackApiToken::new(fake.app_token().into()))
        .await
        .expect("registered");
    listener.start().await;
    assert!(
        fake.wait_for_socket(PATIENCE).await,
        "the listener connects"
    );

    let command = fake.slash_command("/met", "@ada", ADA, ALLIANCES);
    let answer = fake
        .deliver_over_socket(&command)
        .await
        .expect("acknowledged");
    assert_eq!(answer.body["text"], "Noted: @ada");
    let seen = within(commands_seen.recv())
        .await
        .expect("the callback ran");
    assert_eq!(seen.user_id.0, "U0000001");
    let hello = within(hellos_seen.recv()).await;
    let errors: Vec<String> = std::iter::from_fn(|| errors_seen.try_recv().ok()).collect();
    let hello = hello.unwrap_or_else(|| panic!("no hello parsed; errors: {errors:?}"));
    assert!(hello.contains(APP_ID), "{hello}");

    // slack-morphism reconnects by itself after Slack's `disconnect`.
    assert_eq!(fake.disconnect_socket("refresh_requested"), 1);
    assert!(
        fake.wait_for_socket(PATIENCE).await,
        "the listener reconnects"
    );
    let again = fake.slash_command("/met", "again", ADA, ALLIANCES);
    let answer = fake
        .deliver_over_socket(&again)
        .await
        .expect("acknowledged");
    assert_eq!(answer.body["text"], "Noted: again");
    assert!(within(hellos_seen.recv()).await.is_some(), "a second hello");

    listener.shutdown().await;
    fake.stop().await;
    let errors: Vec<String> = std::iter::from_fn(|| errors_seen.try_recv().ok()).collect();
    assert!(errors.is_empty(), "slack-morphism reported {errors:?}");
}
