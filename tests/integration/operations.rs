//! What an operator sees of a running bot: health, readiness and metrics
//! on their own address.

use crate::helpers::{
    Backend, TOKEN, alliances, fake_user, listening, on_both_stores, serve_command, user,
    wait_until_answers, workspace,
};
use crate::served::{Folder, Served};
use fake_slack::{FakeSlack, Fault, Faults};
use std::process::Stdio;

const TEAMS: &str = crate::helpers::PAYMENTS_AND_PLATFORM;

/// `serve --http` against `fake`, with its health and metrics on a port of
/// their own, on `store`; killed when dropped.
async fn serve_on(fake: &FakeSlack, store: &Backend) -> (Folder, Served) {
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", TEAMS);
    let bot = Served::start_with_env(fake, &folder.config, &folder.data, &store.env()).await;
    (folder, bot)
}

/// `serve --http` against `fake` on the sled store in its folder.
async fn serve(fake: &FakeSlack) -> (Folder, Served) {
    serve_on(fake, &Backend::Sled).await
}

async fn get(url: &str) -> (u16, String) {
    let response = crate::helpers::http_get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

on_both_stores! {
async fn an_operator_sees_health_readiness_and_what_the_bot_did_in_its_metrics(store: Backend) {
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
    ]))
    .await
    .unwrap();
    let (_folder, bot) = serve_on(&fake, &store).await;

    assert_eq!(
        get(&format!("{}/healthz", bot.health())).await,
        (200, "ok\n".to_owned())
    );
    assert_eq!(
        get(&format!("{}/readyz", bot.health())).await,
        (200, "ready\n".to_owned())
    );

    crate::helpers::alice_logs_a_coffee_with_bilal(&fake, &bot.url).await;

    let (status, metrics) = get(&format!("{}/metrics", bot.health())).await;
    assert_eq!(status, 200);
    for line in [
        "alliances_commands_total{kind=\"met\"} 1",
        "alliances_slack_calls_total{method=\"auth.test\",status=\"ok\"} 1",
        "alliances_slack_calls_total{method=\"users.list\",status=\"ok\"}",
        "alliances_job_duration_seconds_count{job=\"people\"}",
        "# TYPE alliances_nudges_sent counter",
        "# TYPE alliances_outbox_queued gauge",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
    // How full PostgreSQL's notification queue is, through which the
    // replicas hear one another; sled has none.
    let queue_usage = metrics
        .lines()
        .find_map(|line| line.strip_prefix("alliances_notification_queue_usage "));
    match store {
        Backend::Postgres { .. } => {
            let usage: f64 = queue_usage
                .unwrap_or_else(|| panic!("the queue's usage in:\n{metrics}"))
                .parse()
                .unwrap();
            assert!((0.0..1.0).contains(&usage), "{usage}");
        }
        Backend::Sled => assert_eq!(queue_usage, None, "{metrics}"),
    }
    fake.stop().await;
}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_that_cannot_reach_slack_is_alive_but_not_ready_and_says_why() {
    let fake = FakeSlack::start(workspace(vec![fake_user("U0000001", "Alice Moreau")]))
        .await
        .unwrap();
    let (_folder, bot) = serve(&fake).await;
    fake.set_faults(Faults::seeded(1).next_calls(
        "auth.test",
        10,
        Fault::ServerError { status: 503 },
    ));

    assert_eq!(get(&format!("{}/healthz", bot.health())).await.0, 200);
    let (status, text) = get(&format!("{}/readyz", bot.health())).await;
    assert_eq!(status, 503);
    assert!(
        text.starts_with("not ready: Slack: cannot reach Slack for auth.test"),
        "{text}"
    );
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_signing_secret_appears_in_the_logs_of_a_full_run_errors_included() {
    const APP_TOKEN: &str = "xapp-1-never-in-a-log-line";
    const WRONG_TOKEN: &str = "xoxb-wrong-and-still-secret";
    const INSIGHTS_TOKEN: &str = "insights-token-never-logged";
    const WRONG_INSIGHTS_TOKEN: &str = "insights-guess-never-logged";
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
    ]))
    .await
    .unwrap();
    let secrets = [
        TOKEN,
        APP_TOKEN,
        WRONG_TOKEN,
        INSIGHTS_TOKEN,
        WRONG_INSIGHTS_TOKEN,
        fake.signing_secret(),
    ];
    let mut logs = String::new();

    for format in ["pretty", "json"] {
        // A tick with a token Slack refuses: errors, logged.
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("teams.toml"), TEAMS).unwrap();
        let config = folder.path().join("alliances.toml");
        std::fs::write(&config, "[teams]\nfile = \"teams.toml\"\n").unwrap();
        let mut tick = alliances();
        tick.args(["--log-format", format])
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(folder.path().join("refused"))
            .arg("tick")
            .env("RUST_LOG", "debug")
            .env("ALLIANCES_SLACK_BOT_TOKEN", WRONG_TOKEN)
            .env("ALLIANCES_SLACK_APP_TOKEN", APP_TOKEN)
            .env("ALLIANCES_SLACK_API_URL", fake.api_url());
        let refused = crate::helpers::output_of(tick).await;
        assert!(!refused.status.success());
        logs.push_str(&String::from_utf8_lossy(&refused.stderr));

        // A served bot, at debug level: a meeting, a forged request, an
        // event, the insights page with a wrong token and the right one,
        // then SIGTERM.
        let mut child = serve_command(&fake, &folder.path().join("served"))
            .args(["--log-format", format])
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "debug")
            .env("ALLIANCES_SLACK_APP_TOKEN", APP_TOKEN)
            .env("ALLIANCES_INSIGHTS_TOKEN", INSIGHTS_TOKEN)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let listening = listening(&mut child).await;
        let url = listening.slack.unwrap();
        wait_until_answers(&format!("{url}/healthz")).await;
        let channel = alliances::domain::ChannelId::parse("C0ALLIANCE").unwrap();
        let met = fake.slash_command("/met", "<@U0000002> coffee", user("U0000001"), &channel);
        fake.deliver_over_http(&url, &met).await.unwrap();
        let forged = fake_slack::http_client()
            .build()
            .unwrap()
            .post(format!("{url}/slack/commands"))
            .header("x-slack-request-timestamp", "1")
            .header("x-slack-signature", "v0=forged")
            .body("command=%2Fmet&text=x")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 401);
        let home = fake_slack::Delivery::Event {
            event_id: format!("Ev{format}"),
            event: serde_json::json!({"type": "app_home_opened", "user": "U0000001", "tab": "home"}),
            event_time: chrono::Utc::now().timestamp(),
        };
        fake.deliver_over_http(&url, &home).await.unwrap();
        let insights = format!("{}/insights", listening.health);
        for (token, status) in [(WRONG_INSIGHTS_TOKEN, 401), (INSIGHTS_TOKEN, 200)] {
            let answer = fake_slack::http_client()
                .build()
                .unwrap()
                .get(&insights)
                .basic_auth("admin", Some(token))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), status);
        }
        let output = crate::helpers::stop_with_sigterm(child).await;
        assert!(output.status.success());
        logs.push_str(&String::from_utf8_lossy(&output.stderr));
    }

    assert!(
        logs.contains("invalid_auth"),
        "the refused token's error is logged"
    );
    assert!(
        logs.contains("\"level\":\"DEBUG\""),
        "the JSON run logged at debug level"
    );
    assert!(logs.contains("stopped; the store is flushed"));
    for secret in secrets {
        assert!(!logs.contains(secret), "`{secret}` appears in the logs");
    }
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_each_problem_with_its_fix_and_passes_a_sound_installation() {
    let mut workspace = workspace(vec![fake_user("U0000001", "Alice Moreau")]);
    let mut granted: Vec<String> = alliances::slack::BOT_SCOPES
        .iter()
        .filter(|s| **s != "im:write")
        .map(|s| s.to_string())
        .collect();
    granted.push("admin".to_owned());
    workspace.granted_scopes = Some(granted);
    let fake = FakeSlack::start(workspace).await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    let doctor_with_key = |token: &str, key: Option<&str>| {
        let mut command = alliances();
        command
            .arg("--data-dir")
            .arg(folder.path().join("data"))
            .arg("doctor")
            .env("ALLIANCES_SLACK_BOT_TOKEN", token)
            .env("ALLIANCES_SLACK_APP_TOKEN", "xapp-1-doctor")
            .env("ALLIANCES_SLACK_API_URL", fake.api_url());
        if let Some(key) = key {
            command.env("ALLIANCES_ENCRYPTION_KEY", key);
        }
        crate::helpers::output_of(command)
    };
    let doctor = |token: &str| doctor_with_key(token, None);

    let output = doctor(TOKEN).await;
    let (stdout, stderr) = crate::helpers::texts(&output);
    assert!(!output.status.success());
    assert!(
        stdout.contains("✓ the settings load and make sense"),
        "{stdout}"
    );
    assert!(stdout.contains("✓ `serve` can use Socket Mode"), "{stdout}");
    assert!(
        stdout.contains("✓ the bot token works: workspace"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✗ the token lacks these scopes: im:write\n    fix: add them to the app"),
        "{stdout}"
    );
    assert!(
        stdout.contains("scopes the bot does not use: admin"),
        "{stdout}"
    );
    assert!(stdout.contains("✓ no store yet in"), "{stdout}");
    assert!(
        stdout.contains("✓ ALLIANCES_ENCRYPTION_KEY is not set: nobody can give their calendar"),
        "{stdout}"
    );
    assert_eq!(stderr.trim(), "error: 1 problem found");

    // A key that is no key is a problem, and is never printed.
    let output = doctor_with_key(TOKEN, Some("hunter2-not-a-key")).await;
    let (stdout, stderr) = crate::helpers::texts(&output);
    assert!(
        stdout.contains("✗ ALLIANCES_ENCRYPTION_KEY must be 32 random bytes in base64")
            && stdout.contains("fix: export ALLIANCES_ENCRYPTION_KEY=$(openssl rand -base64 32)"),
        "{stdout}"
    );
    assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"));
    assert_eq!(stderr.trim(), "error: 2 problems found");
    let key = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    let (stdout, _) = crate::helpers::texts(&doctor_with_key(TOKEN, Some(key)).await);
    assert!(
        stdout.contains("✓ ALLIANCES_ENCRYPTION_KEY is a key: calendar addresses can be sealed"),
        "{stdout}"
    );

    let output = doctor("xoxb-revoked").await;
    let (stdout, _) = crate::helpers::texts(&output);
    assert!(!output.status.success());
    assert!(stdout.contains("✗ Slack at"), "{stdout}");
    assert!(stdout.contains("invalid_auth"), "{stdout}");
    assert!(
        !stdout.contains("xoxb-revoked"),
        "the token is never printed: {stdout}"
    );
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_task_that_dies_stops_the_whole_bot_with_its_error() {
    // Any of serve's tasks (scheduler, dispatcher, health server, backups,
    // rewrite, transport) is supervised as this one is. The error `serve`
    // returns is what makes `alliances serve` exit 1, so that systemd or
    // Kubernetes restarts it, rather than keep answering half alive.
    let fake = crate::helpers::alice_and_bilal().await;
    let (mut started, _data) = crate::helpers::start_bot(&fake, TEAMS).await;
    let bound = started.bound();
    let (kill, killed) = tokio::sync::oneshot::channel::<()>();
    started.supervise("the doomed task", |_stop| async move {
        let _ = killed.await;
        panic!("it could not go on");
    });
    let served = tokio::spawn(started.serve(std::future::pending()));
    let health = format!("http://{}/healthz", bound.health);
    wait_until_answers(&health).await;
    let slack = bound.slack.expect("served over HTTP");

    kill.send(()).unwrap();
    let error = tokio::time::timeout(std::time::Duration::from_secs(10), served)
        .await
        .expect("the bot stops")
        .expect("serve does not panic")
        .expect_err("serve fails");
    assert_eq!(
        format!("{error:#}"),
        "the doomed task failed: panicked: it could not go on"
    );
    assert!(
        crate::helpers::http_get(&health).await.is_err(),
        "health is down"
    );
    assert!(
        tokio::net::TcpStream::connect(slack).await.is_err(),
        "so is Slack's address"
    );
    fake.stop().await;
}
