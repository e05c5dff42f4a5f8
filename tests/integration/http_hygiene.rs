//! The bot's edges as an attacker, a careless client or an on-call
//! engineer meets them: requests sent halfway during a shutdown, secrets as
//! Kubernetes mounts them, and readiness while Socket Mode is down.

use crate::helpers::{
    alliances, eventually_within, listening, serve_command, stop_with_sigterm, user,
    wait_until_answers,
};
use crate::served::{Folder, Served};
use alliances::store::{Store, StoreOptions};
use fake_slack::{Fault, Faults};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const TEAMS: &str = crate::helpers::PAYMENTS_AND_PLATFORM;

use crate::helpers::{alice_and_bilal as company, alliance_channel as channel};

/// Waits up to `limit` for `child` to exit: its success, or `None` if it
/// was still running (then it is killed).
async fn exited_within(mut child: std::process::Child, limit: Duration) -> Option<bool> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return Some(status.success());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_request_left_half_sent_stops_within_the_grace_and_keeps_the_meeting() {
    const GRACE_SECONDS: u64 = 2;
    let fake = company().await;
    let folder = Folder::new(
        &format!(
            "[teams]\nfile = \"teams.toml\"\n[delivery]\nshutdown_grace_seconds = {GRACE_SECONDS}\n"
        ),
        TEAMS,
    );
    let mut child = serve_command(&fake, &folder.data)
        .arg("--config")
        .arg(&folder.config)
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let url = listening(&mut child).await.slack.expect("served over HTTP");
    wait_until_answers(&format!("{url}/healthz")).await;
    let met = fake.slash_command("/met", "<@U0000002> coffee", user("U0000001"), channel());
    let answer = fake.deliver_over_http(&url, &met).await.unwrap();
    assert!(
        answer.body.to_string().contains("Logged"),
        "{}",
        answer.body
    );

    // A client that starts a request and never finishes it, and one that
    // keeps a connection open without asking anything.
    let address = url.trim_start_matches("http://");
    let mut half_sent = tokio::net::TcpStream::connect(address).await.unwrap();
    half_sent
        .write_all(
            b"POST /slack/commands HTTP/1.1\r\nhost: bot\r\ncontent-length: 500\r\n\r\ncommand=",
        )
        .await
        .unwrap();
    let _idle = tokio::net::TcpStream::connect(address).await.unwrap();

    let signalled = Instant::now();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let limit = Duration::from_secs(GRACE_SECONDS) + Duration::from_secs(3);
    let exited = exited_within(child, limit).await;
    assert_eq!(
        exited,
        Some(true),
        "serve exits cleanly within its grace (waited {:?})",
        signalled.elapsed()
    );
    drop(half_sent);

    let store = Store::open(&folder.data, &StoreOptions::default()).unwrap();
    assert_eq!(
        store.interaction_count().await.unwrap(),
        1,
        "the meeting is on disk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signing_secret_mounted_with_a_trailing_newline_still_checks_slack_s_signatures() {
    let fake = company().await;
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", TEAMS);
    // As a Kubernetes Secret mounted from a file, or `echo` into an env file.
    let secret = format!("{}\n", fake.signing_secret());
    let bot = Served::start_with_env(
        &fake,
        &folder.config,
        &folder.data,
        &[("ALLIANCES_SLACK_SIGNING_SECRET", &secret)],
    )
    .await;
    let met = fake.slash_command("/met", "<@U0000002> coffee", user("U0000001"), channel());
    let answer = fake.deliver_over_http(&bot.url, &met).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.to_string().contains("Logged"),
        "{}",
        answer.body
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_socket_mode_the_bot_is_not_ready_while_no_connection_to_slack_is_up() {
    let fake = company().await;
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", TEAMS);
    let mut serve = alliances();
    serve
        .arg("--config")
        .arg(&folder.config)
        .arg("--data-dir")
        .arg(&folder.data)
        .arg("serve")
        .env("ALLIANCES_SLACK_BOT_TOKEN", fake.bot_token())
        .env("ALLIANCES_SLACK_APP_TOKEN", fake.app_token())
        .env("ALLIANCES_SLACK_API_URL", fake.api_url())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = serve.spawn().expect("serve starts");
    let health = listening(&mut child).await.health;
    wait_until_answers(&format!("{health}/readyz")).await;
    assert!(fake.socket_connected());

    // Slack drops the connections, and cannot give new ones for a while.
    fake.set_faults(Faults::seeded(1).next_calls(
        "apps.connections.open",
        1_000,
        Fault::ServerError { status: 503 },
    ));
    assert!(fake.disconnect_socket("refresh_requested") > 0);
    let readyz = format!("{health}/readyz");
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let response = crate::helpers::http_get(&readyz).await.unwrap();
        if response.status().as_u16() == 503 {
            break response.text().await.unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "/readyz stayed ready without a socket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        text.starts_with("not ready: Socket Mode: disconnected from Slack for "),
        "{text}"
    );
    eventually_within(
        "the fake sees no socket",
        Duration::from_secs(5),
        async || !fake.socket_connected(),
    )
    .await;
    let stopped = stop_with_sigterm(child).await;
    assert!(stopped.status.success());
}
