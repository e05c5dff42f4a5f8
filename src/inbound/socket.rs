//! The Socket Mode transport (the default): the bot opens a WebSocket to
//! Slack with its app-level token, so it needs no public URL. Slack sends
//! slash commands, button presses and events down the socket; the answer to
//! a command travels back in the envelope's acknowledgement.
//!
//! slack-morphism's listener does the connecting, the acknowledging and the
//! reconnecting after Slack's `disconnect`; its callbacks are plain
//! functions, so the front door reaches them as the listener's user state.

use super::{FrontDoor, SlashCommand};
use crate::domain::UserId;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use slack_morphism::prelude::*;
use std::future::Future;
use std::sync::Arc;

type Client = slack_morphism::SlackClient<SlackClientHyperHttpsConnector>;
type CallbackResult<T> = slack_morphism::UserCallbackResult<T>;

/// Listens on Socket Mode until `shutdown` completes, then closes the socket.
pub async fn run(
    front: FrontDoor,
    client: Arc<Client>,
    app_token: &SecretString,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_interaction_events(on_interaction)
        .with_push_events(on_event);
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(client)
            .with_error_handler(on_error)
            .with_user_state(front),
    );
    let listener = SlackClientSocketModeListener::new(
        &SlackClientSocketModeConfig::new(),
        environment,
        callbacks,
    );
    let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose_secret().to_owned()));
    listener
        .listen_for(&token)
        .await
        .map_err(|err| anyhow::anyhow!("cannot open a Socket Mode connection: {err}"))?;
    listener.start().await;
    tracing::info!("listening on Socket Mode");
    shutdown.await;
    listener.shutdown().await;
    Ok(())
}

async fn front_door(states: &SlackClientEventsUserState) -> Result<FrontDoor, String> {
    states
        .read()
        .await
        .get_user_state::<FrontDoor>()
        .cloned()
        .ok_or_else(|| "the Socket Mode listener lost its front door".to_owned())
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> CallbackResult<SlackCommandEventResponse> {
    let front = front_door(&states).await?;
    let user = UserId::parse(&event.user_id.0)?;
    let reply = front
        .slash_command(SlashCommand {
            command: event.command.0,
            text: event.text.unwrap_or_default(),
            user,
            channel: Some(event.channel_id.0),
            trigger_id: event.trigger_id.0,
            response_url: Some(event.response_url.0.to_string()),
        })
        .await;
    let mut content = SlackMessageContent::new().with_text(reply.text);
    if !reply.blocks.is_empty() {
        content = content.with_blocks(serde_json::from_value(Value::Array(reply.blocks))?);
    }
    Ok(SlackCommandEventResponse::new(content)
        .with_response_type(SlackMessageResponseType::Ephemeral))
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> CallbackResult<()> {
    let front = front_door(&states).await?;
    // The front door reads Slack's JSON, the same on both transports.
    front.interaction(serde_json::to_value(&event)?).await;
    Ok(())
}

async fn on_event(
    event: SlackPushEventCallback,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> CallbackResult<()> {
    let front = front_door(&states).await?;
    front.event(serde_json::to_value(&event)?).await;
    Ok(())
}

fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<Client>,
    _states: SlackClientEventsUserState,
) -> axum::http::StatusCode {
    tracing::error!(error = %err, "Socket Mode delivery failed");
    axum::http::StatusCode::OK
}
