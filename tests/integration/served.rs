//! The real binary serving over HTTP in a child process, for the stories
//! where the process dies: started, awaited, killed with SIGKILL or stopped
//! with SIGTERM.

use crate::helpers::{alliances, free_port, output_of, texts, wait_until_answers};
use fake_slack::FakeSlack;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// `alliances serve --http` in a child process.
pub struct Served {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`: Slack's requests.
    pub url: String,
    /// `http://127.0.0.1:PORT`: health, metrics and insights, when asked for.
    health: Option<String>,
}

impl Served {
    /// Starts `serve` on a free port with `config` and `data`, against
    /// `fake`, and waits until it answers `/healthz`. Its health listener
    /// takes a port of the system's choosing.
    pub async fn start(fake: &FakeSlack, config: &Path, data: &Path) -> Served {
        Self::spawn(fake, config, data, None, &[]).await
    }

    /// Starts `serve` as [`Served::start`] does, with its health listener
    /// on a free port that [`Served::health`] gives, and these environment
    /// variables besides.
    pub async fn start_with_health(
        fake: &FakeSlack,
        config: &Path,
        data: &Path,
        variables: &[(&str, &str)],
    ) -> Served {
        Self::spawn(fake, config, data, Some(free_port()), variables).await
    }

    async fn spawn(
        fake: &FakeSlack,
        config: &Path,
        data: &Path,
        health_port: Option<u16>,
        variables: &[(&str, &str)],
    ) -> Served {
        let port = free_port();
        let mut command = crate::helpers::serve_command(fake, data, port);
        command.arg("--config").arg(config);
        if let Some(health_port) = health_port {
            command.env(
                "ALLIANCES_HEALTH_ADDRESS",
                format!("127.0.0.1:{health_port}"),
            );
        }
        let child = command
            .envs(variables.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let served = Served {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            health: health_port.map(|port| format!("http://127.0.0.1:{port}")),
        };
        wait_until_answers(&format!("{}/healthz", served.url)).await;
        served
    }

    /// `http://127.0.0.1:PORT`: where health, metrics and insights answer.
    ///
    /// # Panics
    ///
    /// If it was not started with [`Served::start_with_health`].
    pub fn health(&self) -> &str {
        self.health
            .as_deref()
            .expect("serve was started with start_with_health")
    }

    /// Kills it with SIGKILL: no shutdown, no flush.
    pub async fn kill_9(mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL is sent");
            tokio::task::spawn_blocking(move || child.wait())
                .await
                .expect("the waiting thread ends")
                .expect("the child is reaped");
        }
    }

    /// Stops it with SIGTERM and waits until it has exited cleanly.
    pub async fn stop(mut self) {
        if let Some(child) = self.child.take() {
            let output = crate::helpers::stop_with_sigterm(child).await;
            assert!(output.status.success(), "serve stopped cleanly");
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A folder for a served bot: its config file (TOML, written now) and its
/// data folder.
pub struct Folder {
    _dir: tempfile::TempDir,
    /// The config file.
    pub config: PathBuf,
    /// The data folder.
    pub data: PathBuf,
}

impl Folder {
    /// Runs `alliances tick` on this folder against `fake`: its standard
    /// output, its standard error, and whether it succeeded.
    pub async fn tick(&self, fake: &FakeSlack) -> (String, String, bool) {
        let mut tick = alliances();
        tick.arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(&self.data)
            .arg("tick")
            .env("ALLIANCES_SLACK_BOT_TOKEN", fake.bot_token())
            .env("ALLIANCES_SLACK_API_URL", fake.api_url());
        let output = output_of(tick).await;
        let (stdout, stderr) = texts(&output);
        (stdout, stderr, output.status.success())
    }

    /// A folder whose config is `config`, and whose teams file is `teams`
    /// (named `teams.toml`, for `[teams] file = "teams.toml"`).
    pub fn new(config: &str, teams: &str) -> Folder {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let config_path = dir.path().join("alliances.toml");
        std::fs::write(&config_path, config).expect("the config is written");
        std::fs::write(dir.path().join("teams.toml"), teams).expect("the teams file is written");
        Folder {
            data: dir.path().join("data"),
            config: config_path,
            _dir: dir,
        }
    }
}
