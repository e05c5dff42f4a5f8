//! HTTP deliveries: the fake posts to the bot as Slack does in HTTP mode,
//! each request signed with the workspace's signing secret at the current
//! time — slash commands form-encoded to `{base}/slack/commands`,
//! interactions as the form field `payload` to `{base}/slack/interactivity`,
//! events as JSON to `{base}/slack/events`.

use super::delivery::{Delivery, DeliveryAnswer, DeliveryError, event_callback};
use super::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use super::{FakeSlack, lock};
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

impl FakeSlack {
    /// Posts `delivery` to the bot at `bot_base_url` (such as
    /// `http://127.0.0.1:PORT`), signed, and answers the bot's status and
    /// body. A status is an answer, even 401; only a failed or timed-out
    /// request (3 seconds unless [`FakeSlack::set_ack_timeout`]) is an error.
    pub async fn deliver_over_http(
        &self,
        bot_base_url: &str,
        delivery: &Delivery,
    ) -> Result<DeliveryAnswer, DeliveryError> {
        let base = bot_base_url.trim_end_matches('/');
        let (builder, secret, waited) = {
            let mut state = lock(&self.state);
            delivery.issue_trigger(&mut state.triggers);
            let builder = match delivery {
                Delivery::SlashCommand { .. } => self
                    .http
                    .post(format!("{base}/slack/commands"))
                    .form(&delivery.slash_command_fields(&state.directory)),
                Delivery::Interaction { payload } => self
                    .http
                    .post(format!("{base}/slack/interactivity"))
                    .form(&[("payload", payload.to_string())]),
                Delivery::Event {
                    event_id,
                    event,
                    event_time,
                } => self
                    .http
                    .post(format!("{base}/slack/events"))
                    .json(&event_callback(event_id, event, *event_time)),
            };
            let secret = state.directory.signing_secret().to_owned();
            (builder, secret, state.socket.ack_timeout)
        };
        let mut request = builder.timeout(waited).build()?;
        // The body is built by now; sign exactly those bytes.
        let body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .unwrap_or_default();
        let timestamp = chrono::Utc::now().timestamp();
        let signature = sign(&secret, timestamp, body);
        let headers = request.headers_mut();
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
        // `v0=` and hex digits are always a valid header value.
        if let Ok(signature) = HeaderValue::from_str(&signature) {
            headers.insert(SIGNATURE_HEADER, signature);
        }
        let response = self.http.execute(request).await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok(DeliveryAnswer {
            status,
            body: answer_body(&bytes),
        })
    }
}

/// The bot's body as JSON: `{}` when empty, a string when not JSON.
fn answer_body(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return json!({});
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_answer_is_an_empty_object_and_plain_text_a_string() {
        assert_eq!(answer_body(b""), json!({}));
        assert_eq!(answer_body(b" \n"), json!({}));
        assert_eq!(answer_body(br#"{"text":"ok"}"#), json!({ "text": "ok" }));
        assert_eq!(answer_body(b"fine"), json!("fine"));
    }
}
