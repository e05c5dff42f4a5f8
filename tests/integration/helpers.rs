//! What the stories share: the binary, a small workspace, signed-off reads
//! of what the fake Slack received.

use alliances::domain::{Interaction, InteractionKind, UserId};
use chrono::{DateTime, Duration, Utc};
use fake_slack::{FakeChannel, FakeUser, Workspace};
use std::process::{Command, Output};

/// The bot token of the test workspaces.
pub const TOKEN: &str = "xoxb-test-token";

/// The `alliances` binary, with no `ALLIANCES_*` variable inherited from
/// the machine that runs the tests.
pub fn alliances() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_alliances"));
    for (name, _) in std::env::vars() {
        if name.starts_with("ALLIANCES_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    // Tests run side by side: each `serve` listens for health and metrics
    // on a port of the system's choosing, which it prints (see
    // [`listening`]), unless a test names one.
    command.env("ALLIANCES_HEALTH_ADDRESS", "127.0.0.1:0");
    command
}

/// Runs `command` off the async runtime's threads, so that a fake Slack
/// served by the same test keeps answering while the binary runs.
pub async fn output_of(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("the alliances binary runs"))
        .await
        .expect("the binary's thread finishes")
}

/// Standard output and standard error as text.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A path from the repository's root (or beside it, with `../`).
pub fn repository_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A file of the repository, read whole.
pub fn read_repository_file(relative: &str) -> String {
    let path = repository_path(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// A user id from a literal.
pub fn user(id: &str) -> UserId {
    UserId::parse(id).expect("a valid user id")
}

/// A person of a test workspace.
pub fn fake_user(id: &str, name: &str) -> FakeUser {
    FakeUser {
        id: id.to_owned(),
        name: name.to_lowercase(),
        real_name: name.to_owned(),
        tz: "Europe/Paris".to_owned(),
        team: None,
        is_bot: false,
        deleted: false,
    }
}

/// A workspace of these people and an `#alliances` channel.
pub fn workspace(users: Vec<FakeUser>) -> Workspace {
    Workspace::new(
        TOKEN,
        users,
        vec![FakeChannel {
            id: "C0ALLIANCE".to_owned(),
            name: "alliances".to_owned(),
        }],
    )
}

/// Alice in Payments and Bilal in Platform (U0000001 and U0000002): the
/// smallest company in which a meeting makes an alliance.
pub const PAYMENTS_AND_PLATFORM: &str = "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\"]\n\
                                         [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\"]\n";

/// The fake Slack of [`PAYMENTS_AND_PLATFORM`]'s two people.
pub async fn alice_and_bilal() -> fake_slack::FakeSlack {
    fake_slack::FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
    ]))
    .await
    .expect("the fake Slack starts")
}

/// The channel of the test workspaces, `#alliances`.
pub fn alliance_channel() -> alliances::domain::ChannelId {
    alliances::domain::ChannelId::parse("C0ALLIANCE").expect("a valid channel id")
}

/// Alice logs a coffee with Bilal through `fake`'s signed HTTP delivery to
/// the bot at `url`, and is told it is logged.
pub async fn alice_logs_a_coffee_with_bilal(fake: &fake_slack::FakeSlack, url: &str) {
    let met = fake.slash_command(
        "/met",
        "<@U0000002> coffee",
        user("U0000001"),
        alliance_channel(),
    );
    let answer = fake
        .deliver_over_http(url, &met)
        .await
        .expect("the bot answers");
    assert!(
        answer.body.to_string().contains("Logged"),
        "{}",
        answer.body
    );
}

/// The signing secret of the test bots.
pub const SIGNING_SECRET: &str = "test-signing-secret";

/// The key the test bots seal calendar addresses and hash emails with.
pub const ENCRYPTION_KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";

/// The files under `folder` whose bytes contain `needle`.
pub fn files_holding(folder: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            {
                found.push(path);
            }
        }
    }
    found
}

/// Where a story's bot keeps its data.
#[derive(Clone, Debug)]
pub enum Backend {
    /// sled, in the bot's temporary folder.
    Sled,
    /// A fresh database of the stories' PostgreSQL cluster.
    Postgres {
        /// Its connection string.
        url: String,
        /// The cluster's data folder, where its files are.
        data_dir: std::path::PathBuf,
    },
}

impl Backend {
    /// A fresh database on the stories' cluster (one for this test binary,
    /// started at the first call), or `None` without PostgreSQL, which the
    /// first call says in one line.
    pub fn postgres() -> Option<Backend> {
        use throwaway_postgres::{Cluster, Durability};
        static CLUSTER: std::sync::OnceLock<Option<Cluster>> = std::sync::OnceLock::new();
        let cluster = CLUSTER
            .get_or_init(|| Cluster::for_tests(Durability::NoFsync))
            .as_ref()?;
        let url = cluster.create_database().expect("a database is made");
        Some(Backend::Postgres {
            url,
            data_dir: cluster.data_dir(),
        })
    }

    /// Points `settings` at this store.
    pub fn configure(&self, settings: &mut alliances::config::Settings) {
        if let Backend::Postgres { url, .. } = self {
            settings.store.url = Some(url.clone().try_into().expect("a PostgreSQL URL"));
        }
    }

    /// What a `serve` process in its own environment needs to use this
    /// store rather than the sled store in its data folder.
    pub fn env(&self) -> Vec<(&'static str, &str)> {
        match self {
            Backend::Sled => Vec::new(),
            Backend::Postgres { url, .. } => vec![("ALLIANCES_DATABASE_URL", url.as_str())],
        }
    }

    /// The store itself, as a process that uses `data` as its data folder
    /// finds it: for seeding before the bot starts, or checking after it
    /// stopped or died.
    pub async fn open(&self, data: &std::path::Path) -> alliances::store::Store {
        use alliances::store::{Store, StoreOptions};
        match self {
            Backend::Sled => Store::open(data, &StoreOptions::default()).expect("the store opens"),
            Backend::Postgres { url, .. } => {
                Store::connect(url, alliances::domain::HalfLife::DEFAULT)
                    .await
                    .expect("the database answers")
            }
        }
    }
}

/// Declares a story that runs twice, as `NAME::on_sled` and
/// `NAME::on_postgres`: one body, the store it is given the only
/// difference. Without PostgreSQL the second says so and passes.
macro_rules! on_both_stores {
    ($(#[$doc:meta])* async fn $name:ident($store:ident: Backend $(,)?) $body:block) => {
        $(#[$doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn story($store: crate::helpers::Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sled() {
                story(crate::helpers::Backend::Sled).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(store) = crate::helpers::Backend::postgres() {
                    story(store).await;
                }
            }
        }
    };
}
pub(crate) use on_both_stores;

/// The bot, serving HTTP on 127.0.0.1 against a fake Slack, with its store
/// in a temporary folder.
pub struct TestBot {
    /// `http://127.0.0.1:PORT`, where Slack's requests go over HTTP (empty
    /// over Socket Mode).
    pub url: String,
    /// The bot's wiring: its store, scheduler and Slack client.
    pub app: alliances::app::App,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
    http: reqwest::Client,
    data: tempfile::TempDir,
}

/// Starts the bot over HTTP against `fake`, with `teams` as its teams file
/// (TOML), and waits until it answers.
pub async fn spawn_bot(fake: &fake_slack::FakeSlack, teams: &str) -> TestBot {
    spawn(fake, teams, false, system_clock(), |_| {}).await
}

/// Starts the bot over Socket Mode against `fake`, with `teams` as its teams
/// file (TOML), and waits until its socket is connected.
pub async fn spawn_bot_over_socket(fake: &fake_slack::FakeSlack, teams: &str) -> TestBot {
    spawn(fake, teams, true, system_clock(), |_| {}).await
}

/// Starts the bot over HTTP against `fake` with its data in `store`.
pub async fn spawn_bot_on(fake: &fake_slack::FakeSlack, teams: &str, store: &Backend) -> TestBot {
    spawn(fake, teams, false, system_clock(), |settings| {
        store.configure(settings)
    })
    .await
}

/// Starts the bot over HTTP with `clock` as its calendar clock.
pub async fn spawn_bot_on_clock(
    fake: &fake_slack::FakeSlack,
    teams: &str,
    clock: std::sync::Arc<dyn alliances::domain::Clock>,
) -> TestBot {
    spawn(fake, teams, false, clock, |_| {}).await
}

/// Starts the bot over HTTP with `clock` as its clock and settings changed
/// by `configure`.
pub async fn spawn_bot_on_clock_configured(
    fake: &fake_slack::FakeSlack,
    teams: &str,
    clock: std::sync::Arc<dyn alliances::domain::Clock>,
    configure: impl FnOnce(&mut alliances::config::Settings),
) -> TestBot {
    spawn(fake, teams, false, clock, configure).await
}

fn system_clock() -> std::sync::Arc<dyn alliances::domain::Clock> {
    std::sync::Arc::new(alliances::domain::SystemClock)
}

/// Starts the bot over Socket Mode with `clock` as its clock and settings
/// changed by `configure`.
pub async fn spawn_bot_over_socket_on_clock_configured(
    fake: &fake_slack::FakeSlack,
    teams: &str,
    clock: std::sync::Arc<dyn alliances::domain::Clock>,
    configure: impl FnOnce(&mut alliances::config::Settings),
) -> TestBot {
    spawn(fake, teams, true, clock, configure).await
}

/// Starts the bot over Socket Mode with settings changed by `configure`.
pub async fn spawn_bot_configured(
    fake: &fake_slack::FakeSlack,
    teams: &str,
    configure: impl FnOnce(&mut alliances::config::Settings),
) -> TestBot {
    spawn(fake, teams, true, system_clock(), configure).await
}

/// The bot over HTTP against `fake`, with `teams` as its teams file
/// (TOML): built, its secrets checked and its addresses bound, but not yet
/// serving; with the temporary folder of its store.
pub async fn start_bot(
    fake: &fake_slack::FakeSlack,
    teams: &str,
) -> (alliances::app::Started, tempfile::TempDir) {
    let (started, _, data) = start(fake, teams, false, system_clock(), |_| {}).await;
    (started, data)
}

async fn spawn(
    fake: &fake_slack::FakeSlack,
    teams: &str,
    over_socket: bool,
    clock: std::sync::Arc<dyn alliances::domain::Clock>,
    configure: impl FnOnce(&mut alliances::config::Settings),
) -> TestBot {
    let (started, app, data) = start(fake, teams, over_socket, clock, configure).await;
    let url = match started.bound().slack {
        Some(address) => format!("http://{address}"),
        None => String::new(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(started.serve(async move {
        let _ = stopped.await;
    }));
    let http = fake_slack::http_client().build().unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ready = if over_socket {
            fake.socket_connected()
        } else {
            http.get(format!("{url}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        };
        // Serving starts after the first people sync: wait for both.
        let synced = app.store().people().await.is_ok_and(|p| !p.is_empty());
        if ready && synced {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot did not start within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    TestBot {
        url,
        app,
        stop: Some(stop),
        served,
        http,
        data,
    }
}

/// The bot against `fake`, over HTTP on a port of the system's choosing
/// or over Socket Mode, started but not serving.
async fn start(
    fake: &fake_slack::FakeSlack,
    teams: &str,
    over_socket: bool,
    clock: std::sync::Arc<dyn alliances::domain::Clock>,
    configure: impl FnOnce(&mut alliances::config::Settings),
) -> (
    alliances::app::Started,
    alliances::app::App,
    tempfile::TempDir,
) {
    use alliances::app::{App, Transport};
    use alliances::config::{Secrets, Settings, Teams};
    use secrecy::SecretString;

    let data = tempfile::tempdir().expect("a temporary folder");
    let teams_file = data.path().join("teams.toml");
    std::fs::write(&teams_file, teams).expect("the teams file is written");
    let mut settings = Settings::default();
    settings.slack.api_url = fake.api_url().try_into().expect("the fake Slack's URL");
    settings.teams = Teams::File(teams_file);
    settings.commands.admins = vec![user("U0000009")];
    settings.health.address = "127.0.0.1:0".parse().expect("an address");
    // The nudge job runs on its cron and the real clock: left to itself it
    // would send whatever the time of day allows. Tests run it by hand
    // (or configure it), so it waits for a year that will not come.
    settings.schedule.nudges =
        alliances::config::CronSchedule::parse("0 0 0 1 1 * 2099").expect("a valid schedule");
    configure(&mut settings);
    let secrets = Secrets {
        bot_token: Some(SecretString::from(fake.bot_token().to_owned())),
        signing_secret: Some(SecretString::from(SIGNING_SECRET.to_owned())),
        app_token: Some(SecretString::from(fake.app_token().to_owned())),
        insights_token: None,
        encryption_key: Some(SecretString::from(ENCRYPTION_KEY.to_owned())),
    };
    let app = App::build(&settings, &secrets, &data.path().join("store"), clock)
        .await
        .expect("the bot builds");
    let transport = if over_socket {
        Transport::SocketMode
    } else {
        Transport::Http("127.0.0.1:0".parse().expect("an address"))
    };
    let started = app
        .start(transport, &secrets)
        .await
        .expect("the bot starts");
    (started, app, data)
}

impl TestBot {
    /// Posts `body` to `path` signed as Slack would sign it at `timestamp`
    /// (seconds), or unsigned when `timestamp` is `None`.
    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        timestamp: Option<i64>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some(timestamp) = timestamp {
            let secret = secrecy::SecretString::from(SIGNING_SECRET.to_owned());
            let signature = alliances::inbound::signature::sign(
                &secret,
                &timestamp.to_string(),
                body.as_bytes(),
            );
            request = request
                .header("x-slack-request-timestamp", timestamp.to_string())
                .header("x-slack-signature", signature);
        }
        request.send().await.expect("the bot answers")
    }

    /// Sends a signed slash command and returns the status and the JSON answer.
    pub async fn slash(
        &self,
        command: &str,
        text: &str,
        from: &str,
        trigger_id: &str,
    ) -> (u16, serde_json::Value) {
        let body = serde_urlencoded::to_string([
            ("command", command),
            ("text", text),
            ("user_id", from),
            ("channel_id", "C0ALLIANCE"),
            ("trigger_id", trigger_id),
            ("team_id", "T0FAKE"),
        ])
        .expect("a form");
        let response = self
            .post(
                "/slack/commands",
                "application/x-www-form-urlencoded",
                &body,
                Some(now()),
            )
            .await;
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// `/alliances text` from `from`, answered with 200: the reply's text.
    pub async fn alliances(&self, text: &str, from: &str) -> String {
        let (status, answer) = self.slash("/alliances", text, from, "1.2.3").await;
        assert_eq!(status, 200, "{answer}");
        answer["text"].as_str().unwrap_or_default().to_owned()
    }

    /// The person the bot's store knows as `id`, if any.
    pub async fn person(&self, id: &str) -> Option<alliances::domain::Person> {
        self.app
            .store()
            .person(&user(id))
            .await
            .expect("the store reads")
    }

    /// `times` meetings of `a` and `b` logged straight into the store, a
    /// day apart, the last at `last`.
    pub async fn log_meetings(&self, a: &str, b: &str, last: DateTime<Utc>, times: i64) {
        for n in 0..times {
            let meeting = Interaction::new(
                last - Duration::days(n),
                InteractionKind::Meeting,
                [user(a), user(b)],
                None,
                None,
            )
            .expect("a meeting of two");
            self.app
                .store()
                .log_interaction(&meeting)
                .await
                .expect("logged");
        }
    }

    /// Waits until the bot's first scheduler tick has run the weekly
    /// digest (quiet, on a fresh store), so that a digest posted after it
    /// is the one a test asked for.
    pub async fn first_scheduled_digest_has_run(&self) {
        eventually("the first scheduled digest has run", async || {
            self.app
                .store()
                .last_run("digest")
                .await
                .is_ok_and(|run| run.is_some())
        })
        .await;
    }

    /// Stops the bot the way SIGTERM does, and waits until it has.
    pub async fn stop(self) {
        self.stop_keeping_data().await;
    }

    /// Stops the bot as [`TestBot::stop`] does, and hands over its
    /// temporary folder (the store is in `store/` inside it), which is
    /// deleted when dropped.
    pub async fn stop_keeping_data(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let served = (&mut self.served).await.expect("the bot's task ends");
        served.expect("the bot stops cleanly");
        self.data
    }
}

/// Now, in seconds, as Slack stamps requests.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A `block_actions` payload, as Slack sends it when `user` presses the
/// button `action_id` (with `value`) on a message in a DM.
pub fn button_press(
    user: &str,
    action_id: &str,
    value: &str,
    response_url: &str,
) -> serde_json::Value {
    serde_json::json!({
        "type": "block_actions",
        "team": { "id": "T0FAKE", "domain": "fake" },
        "user": { "id": user, "team_id": "T0FAKE" },
        "api_app_id": "A0FAKE",
        "token": "fake-verification-token",
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "D0000001", "is_ephemeral": false },
        "trigger_id": "1.2.abc",
        "channel": { "id": "D0000001", "name": "directmessage" },
        "response_url": response_url,
        "actions": [{
            "type": "button",
            "action_id": action_id,
            "block_id": "nudge",
            "text": { "type": "plain_text", "text": "press" },
            "value": value,
            "action_ts": format!("{}.000200", now()),
        }],
    })
}

/// Waits until `condition` holds, for at most five seconds.
pub async fn eventually(what: &str, condition: impl AsyncFnMut() -> bool) {
    eventually_within(what, std::time::Duration::from_secs(5), condition).await;
}

/// Waits until `condition` holds, for at most `limit`. The condition is
/// async, as the store's reads are.
pub async fn eventually_within(
    what: &str,
    limit: std::time::Duration,
    mut condition: impl AsyncFnMut() -> bool,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {limit:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The first message `fake` received in a channel (not a DM), once there is one.
pub async fn first_channel_post(fake: &fake_slack::FakeSlack) -> fake_slack::PostedMessage {
    eventually("a message is posted in a channel", async || {
        fake.messages().iter().any(|m| m.dm_user.is_none())
    })
    .await;
    fake.messages()
        .into_iter()
        .find(|m| m.dm_user.is_none())
        .expect("a channel message, just seen")
}

/// Waits until `url` answers 200, for at most twenty seconds: a child
/// `serve` starting up.
pub async fn wait_until_answers(url: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !http_get(url)
        .await
        .is_ok_and(|response| response.status().is_success())
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{url} did not answer within 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Where a child `serve` listens, as it printed once its addresses were
/// bound (see `alliances serve --help`).
#[derive(Debug)]
pub struct Listening {
    /// `http://127.0.0.1:PORT`, where Slack's requests go over HTTP; `None`
    /// over Socket Mode.
    pub slack: Option<String>,
    /// `http://127.0.0.1:PORT`: health, metrics and insights.
    pub health: String,
}

/// Reads where `child` (a `serve` started with its standard output piped)
/// listens from the lines it prints, waiting at most twenty seconds.
pub async fn listening(child: &mut std::process::Child) -> Listening {
    use std::io::BufRead as _;
    let stdout = child
        .stdout
        .take()
        .expect("serve's standard output is piped");
    let reading = tokio::task::spawn_blocking(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut slack = None;
        let mut line = String::new();
        loop {
            line.clear();
            let read = reader.read_line(&mut line).expect("serve's output reads");
            assert!(read > 0, "serve exited before it said where it listens");
            let line = line.trim_end();
            if let Some(address) = line.strip_prefix("listening for Slack on ") {
                slack = Some(format!("http://{address}"));
            }
            if let Some(address) = line.strip_prefix("listening for health and metrics on ") {
                let health = format!("http://{address}");
                return (reader.into_inner(), Listening { slack, health });
            }
        }
    });
    let (stdout, listening) = tokio::time::timeout(std::time::Duration::from_secs(20), reading)
        .await
        .expect("serve says where it listens within 20 s")
        .expect("the reading thread ends");
    // Put back, so that waiting for the child reads whatever else it says.
    child.stdout = Some(stdout);
    listening
}

/// Sends SIGTERM to `child` (a `serve`) and waits for it to exit, off the
/// async runtime's threads: its status and whatever it piped.
pub async fn stop_with_sigterm(child: std::process::Child) -> Output {
    let signalled = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success(), "SIGTERM is sent");
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("the waiting thread ends")
        .expect("the child is reaped")
}

/// `alliances serve --http 127.0.0.1:0` on the store in `data`, against
/// `fake` (its bot token, signing secret and Web API), its standard output
/// piped for [`listening`]. Callers add a config file, more variables, and
/// where its logs go.
pub fn serve_command(fake: &fake_slack::FakeSlack, data: &std::path::Path) -> Command {
    let mut command = alliances();
    command
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--http", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .env("ALLIANCES_SLACK_BOT_TOKEN", fake.bot_token())
        .env("ALLIANCES_SLACK_SIGNING_SECRET", fake.signing_secret())
        .env("ALLIANCES_SLACK_API_URL", fake.api_url());
    command
}

/// `GET url` with the tests' HTTP client (see `fake_slack::http_client`).
pub async fn http_get(url: impl reqwest::IntoUrl) -> reqwest::Result<reqwest::Response> {
    fake_slack::http_client().build()?.get(url).send().await
}

/// What `/readyz` at `health` answers: its status and its text.
pub async fn readiness(health: &str) -> (u16, String) {
    let response = http_get(format!("{health}/readyz")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The notes of every meeting in `store`'s log: what the stories that
/// give each meeting a note of its own look for.
pub async fn notes_in(store: &alliances::store::Store) -> std::collections::BTreeSet<String> {
    store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, interaction)| interaction.note)
        .collect()
}
