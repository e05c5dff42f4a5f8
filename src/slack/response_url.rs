//! Answering through a `response_url`: a plain HTTPS POST, without a token,
//! to a URL that came in a slash command or a button press.
//!
//! The URL comes from outside, so it is checked before anything is sent:
//! Slack's response URLs are on `https://hooks.slack.com/`; anything else
//! (a forged payload over Socket Mode, a mistake) could make the bot post
//! a person's answer to a host of someone else's choosing, or reach an
//! address inside the network it runs in. The host of the configured Web
//! API is accepted too, for the fake Slack, which serves both.

use super::replies::render_press_answer;
use super::{SlackClient, SlackError, render_reply};
use crate::domain::{PressAnswer, Reply};
use reqwest::Url;
use serde_json::Value;
use std::time::Duration;

/// Where Slack's response URLs live.
const SLACK_HOOKS: &str = "https://hooks.slack.com/";

/// Slack expects an answer to a `response_url` within its 30-minute life;
/// a few seconds is plenty, and keeps a stuck request from piling up.
const RESPONSE_URL_TIMEOUT: Duration = Duration::from_secs(10);

/// The plain HTTP client `response_url`s are posted with (see
/// [`https_client`]): an allowed host must not hand the post on to another.
pub(super) fn client() -> Result<reqwest::Client, SlackError> {
    https_client()
        .map_err(SlackError::Setup)?
        .timeout(RESPONSE_URL_TIMEOUT)
        .build()
        .map_err(|err| SlackError::Setup(err.to_string()))
}

/// The start of every plain HTTPS client of the bot's (`response_url`s,
/// calendar feeds): it follows no redirect on its own, and its TLS is
/// rustls with ring, as slack-morphism's connector, trusting the system's
/// CA certificates as the Web API client does. Without any (a machine
/// that only runs the demo), plain HTTP still works.
pub fn https_client() -> Result<reqwest::ClientBuilder, String> {
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(https_config()?)
        .redirect(reqwest::redirect::Policy::none()))
}

/// The TLS configuration of [`https_client`]: ring, the system's CA
/// certificates, or none if it has none.
pub(super) fn https_config() -> Result<rustls::ClientConfig, String> {
    // Read once: the system's certificates are files, and a calendar
    // fetch builds a client for each request.
    static CONFIG: std::sync::OnceLock<Result<rustls::ClientConfig, String>> =
        std::sync::OnceLock::new();
    CONFIG.get_or_init(read_https_config).clone()
}

fn read_https_config() -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    let (added, _unreadable) =
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if added == 0 {
        tracing::debug!("no CA certificates found: HTTPS requests will fail");
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl SlackClient {
    /// Answers a slash command later, through its `response_url`: `reply`
    /// is seen by the person who typed the command only.
    pub async fn answer_command(
        &self,
        response_url: &str,
        reply: &Reply,
    ) -> Result<(), SlackError> {
        self.respond(response_url, &render_reply(reply)).await
    }

    /// Answers a button press through its `response_url`, below the
    /// message whose button was pressed or in its place.
    pub async fn answer_press(
        &self,
        response_url: &str,
        answer: &PressAnswer,
    ) -> Result<(), SlackError> {
        self.respond(response_url, &render_press_answer(answer))
            .await
    }

    /// Posts `body`, Slack's message JSON (`text`, `blocks`,
    /// `response_type`, `replace_original`), to a `response_url`. A URL
    /// that is not Slack's is refused, and logged, before anything is sent.
    async fn respond(&self, response_url: &str, body: &Value) -> Result<(), SlackError> {
        const METHOD: &str = "response_url";
        let (http, api_url) = self.plain_http();
        let url = match allowed(response_url, api_url) {
            Ok(url) => url,
            Err(host) => {
                tracing::warn!(%host, "refused to post to a response_url that is not Slack's");
                return Err(SlackError::NotSlacksResponseUrl { host });
            }
        };
        let transport = |err: reqwest::Error| SlackError::Transport {
            method: METHOD,
            // Without the URL: it is a short-lived credential.
            detail: err.without_url().to_string(),
        };
        let response = http.post(url).json(body).send().await.map_err(transport)?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(SlackError::Api {
                method: METHOD,
                code: format!("HTTP {}", response.status().as_u16()),
            })
        }
    }
}

/// `response_url` as a URL to post to, if it is on Slack's hooks host or
/// on the host of `api_url`; else the host it names, for the refusal.
fn allowed(response_url: &str, api_url: &str) -> Result<Url, String> {
    let Ok(url) = Url::parse(response_url) else {
        return Err("an unreadable URL".to_owned());
    };
    let same_origin = |base: &str| {
        Url::parse(base).is_ok_and(|base| {
            base.scheme() == url.scheme()
                && base.host() == url.host()
                && base.port_or_known_default() == url.port_or_known_default()
        })
    };
    let plain = url.username().is_empty() && url.password().is_none();
    if plain && (same_origin(SLACK_HOOKS) || same_origin(api_url)) {
        Ok(url)
    } else {
        Err(url.host_str().unwrap_or("no host").to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake_slack::{FakeChannel, FakeSlack, Workspace};
    use serde_json::json;

    const FAKE_API: &str = "http://127.0.0.1:4000/api";

    /// Slack's response URLs and upload URLs are HTTPS: the client must
    /// speak TLS, not refuse the scheme. Nothing listens on port 1 here,
    /// so the request fails at connecting, after the scheme was taken.
    #[tokio::test]
    async fn the_client_speaks_https() {
        let err = client()
            .unwrap()
            .post("https://127.0.0.1:1/commands/T0/1/abc")
            .send()
            .await
            .unwrap_err();
        let chain = format!("{:?}", anyhow::Error::from(err));
        assert!(!chain.contains("scheme is not http"), "{chain}");
        assert!(chain.contains("onnect"), "{chain}");
    }

    #[test]
    fn only_slack_s_hooks_and_the_api_s_own_host_are_posted_to() {
        for url in [
            "https://hooks.slack.com/actions/T0/1/abc",
            "https://hooks.slack.com:443/commands/T0/2/def",
            "http://127.0.0.1:4000/response/abc",
        ] {
            assert!(allowed(url, FAKE_API).is_ok(), "{url}");
        }
        for (url, host) in [
            ("http://hooks.slack.com/actions/T0/1/abc", "hooks.slack.com"),
            (
                "https://hooks.slack.com.evil.example/x",
                "hooks.slack.com.evil.example",
            ),
            (
                "https://evil.example/?https://hooks.slack.com/",
                "evil.example",
            ),
            ("https://user@hooks.slack.com/actions", "hooks.slack.com"),
            ("http://127.0.0.1:4001/response/abc", "127.0.0.1"),
            (
                "http://169.254.169.254/latest/meta-data/",
                "169.254.169.254",
            ),
            ("hooks.slack.com/actions", "an unreadable URL"),
        ] {
            assert_eq!(allowed(url, FAKE_API), Err(host.to_owned()), "{url}");
        }
        assert!(
            allowed(
                "http://127.0.0.1:4000/response/abc",
                "https://slack.com/api"
            )
            .is_err(),
            "against Slack, only Slack's hosts"
        );
    }

    #[tokio::test]
    async fn a_foreign_response_url_is_refused_and_a_slack_one_is_posted_to() {
        let fake = FakeSlack::start(Workspace::new(
            "xoxb-test",
            Vec::new(),
            Vec::<FakeChannel>::new(),
        ))
        .await
        .unwrap();
        let slack = SlackClient::new(&fake.api_url(), &"xoxb-test".to_owned().into()).unwrap();
        let body = json!({ "text": "Logged" });
        // A listener that would take the post, on another port.
        let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let foreign = format!("http://{}/response/x", elsewhere.local_addr().unwrap());

        let refused = slack.respond(&foreign, &body).await;
        assert!(
            matches!(&refused, Err(SlackError::NotSlacksResponseUrl { host }) if host == "127.0.0.1"),
            "{refused:?}"
        );
        let url = fake.response_url();
        slack.respond(&url, &body).await.unwrap();
        let responses = fake.responses();
        assert_eq!(responses.len(), 1);
        assert_eq!(responses[0].url, url);
    }
}
