//! The demo's people at the bot's front door: its HTTP routes served on
//! 127.0.0.1, and what people type and press delivered to them by the fake
//! Slack, signed, as Slack delivers them. The answers are what people
//! would have seen.

use crate::app::App;
use crate::domain::{SystemClock, UserId};
use anyhow::Context as _;
use fake_slack::{Delivery, FakeSlack, PostedMessage};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How long a press's answer may take to reach its `response_url`: the
/// bot answers after acknowledging, within a few milliseconds here.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// The bot's HTTP routes, served until dropped.
pub(super) struct DemoFrontDoor {
    url: String,
    server: tokio::task::JoinHandle<()>,
}

impl DemoFrontDoor {
    /// Serves `app`'s routes on a port of 127.0.0.1 the system chooses,
    /// checking signatures with `fake`'s signing secret.
    pub(super) async fn open(app: &App, fake: &FakeSlack) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("listening on 127.0.0.1 for the demo's Slack requests")?;
        let url = format!("http://{}", listener.local_addr()?);
        let router = crate::inbound::http::router(
            app.front_door(),
            SecretString::from(fake.signing_secret().to_owned()),
            // Slack signs with real time, whatever the demo's calendar says.
            Arc::new(SystemClock),
        );
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, router).await {
                tracing::warn!(error = %err, "the demo's front door stopped");
            }
        });
        Ok(Self { url, server })
    }

    /// `user` types `/alliances {text}` in `channel`; the bot's answer,
    /// which only they see.
    pub(super) async fn alliances(
        &self,
        fake: &FakeSlack,
        user: &UserId,
        text: &str,
        channel: &str,
    ) -> anyhow::Result<Value> {
        let command = fake.slash_command("/alliances", text, user, channel);
        let answer = fake
            .deliver_over_http(&self.url, &command)
            .await
            .context("delivering a slash command")?;
        anyhow::ensure!(
            answer.status == 200,
            "the bot answered /alliances {text} with {}",
            answer.status
        );
        Ok(answer.body)
    }

    /// `user` presses the button `action_id` of `message`, as Slack sends
    /// it; what the bot answered through the press's `response_url`.
    /// `user` types `/alliances calendar` and pastes `address` into the
    /// modal the bot opens; what the modal says once the calendar is read.
    pub(super) async fn give_calendar(
        &self,
        fake: &FakeSlack,
        user: &UserId,
        address: &str,
    ) -> anyhow::Result<String> {
        let before = fake.modals_opened(user).len();
        self.alliances(fake, user, "calendar", "C0ALLIANCE").await?;
        let modal = wait_for(|| fake.modals_opened(user).into_iter().nth(before))
            .await
            .context("the calendar modal did not open")?;
        let submitted =
            fake.view_submission(user, &modal, &[("calendar_address", "address", address)]);
        let answer = fake
            .deliver_over_http(&self.url, &submitted)
            .await
            .context("submitting the calendar modal")?;
        anyhow::ensure!(answer.status == 200, "the bot answered {}", answer.status);
        let said = |view: &Value| {
            view["blocks"][0]["text"]["text"]
                .as_str()
                .map(str::to_owned)
        };
        wait_for(|| {
            fake.modals_opened(user)
                .into_iter()
                .find(|view| {
                    view["id"] == modal["id"] && view.get("submit").is_none_or(Value::is_null)
                })
                .filter(|view| !said(view).unwrap_or_default().starts_with("Reading"))
                .and_then(|view| said(&view))
        })
        .await
        .with_context(|| {
            let shown = fake
                .modals_opened(user)
                .into_iter()
                .find(|view| view["id"] == modal["id"])
                .map(|view| view["blocks"].to_string())
                .unwrap_or_default();
            format!("the calendar modal did not say what it found: {shown}")
        })
    }

    pub(super) async fn press(
        &self,
        fake: &FakeSlack,
        user: &UserId,
        message: &PostedMessage,
        action_id: &str,
    ) -> anyhow::Result<Value> {
        let button = buttons(message)
            .find(|b| b["action_id"] == action_id)
            .with_context(|| format!("the message has no button {action_id}"))?;
        let response_url = fake.response_url();
        let payload = json!({
            "type": "block_actions",
            "team": { "id": "T0FAKE", "domain": "fake" },
            "user": { "id": user.as_str(), "team_id": "T0FAKE" },
            "api_app_id": "A0FAKE",
            "token": "fake-verification-token",
            "container": { "type": "message", "message_ts": message.ts, "channel_id": message.channel, "is_ephemeral": false },
            "trigger_id": "1.2.demo",
            "channel": { "id": message.channel },
            "response_url": response_url,
            "actions": [{
                "type": "button",
                "action_id": action_id,
                "block_id": "circle",
                "text": button["text"],
                "value": button["value"],
                "action_ts": format!("{}.000200", chrono::Utc::now().timestamp()),
            }],
        });
        let answer = fake
            .deliver_over_http(&self.url, &Delivery::Interaction { payload })
            .await
            .context("delivering a button press")?;
        anyhow::ensure!(answer.status == 200, "the bot answered {}", answer.status);
        // Answered after the acknowledgement: wait for it to arrive.
        let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
        loop {
            if let Some(response) = fake.responses().into_iter().find(|r| r.url == response_url) {
                return Ok(response.body);
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "the press was not answered within {ANSWER_WITHIN:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// What `look` finds, once it finds it, within [`ANSWER_WITHIN`].
async fn wait_for<T>(mut look: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
    loop {
        if let Some(found) = look() {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

impl Drop for DemoFrontDoor {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The buttons of `message`, in its blocks' order.
pub(super) fn buttons(message: &PostedMessage) -> impl Iterator<Item = &Value> {
    message
        .blocks
        .as_array()
        .into_iter()
        .flatten()
        .filter(|block| block["type"] == "actions")
        .flat_map(|block| block["elements"].as_array().into_iter().flatten())
}
