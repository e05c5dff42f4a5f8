//! The real binary serving over HTTP in a child process, for the stories
//! where the process dies: started, awaited, killed with SIGKILL or stopped
//! with SIGTERM.

use crate::helpers::{alliances, listening, output_of, texts, wait_until_answers};
use fake_slack::FakeSlack;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// `alliances serve --http` in a child process.
pub struct Served {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`: Slack's requests.
    pub url: String,
    /// `http://127.0.0.1:PORT`: health, metrics and insights.
    health: String,
}

impl Served {
    /// Starts `serve` on ports of the system's choosing with `config` and
    /// `data`, against `fake`, and waits until it answers `/healthz`.
    pub async fn start(fake: &FakeSlack, config: &Path, data: &Path) -> Served {
        Self::start_with_env(fake, config, data, &[]).await
    }

    /// Starts `serve` as [`Served::start`] does, with these environment
    /// variables besides.
    pub async fn start_with_env(
        fake: &FakeSlack,
        config: &Path,
        data: &Path,
        variables: &[(&str, &str)],
    ) -> Served {
        let mut child = crate::helpers::serve_command(fake, data)
            .arg("--config")
            .arg(config)
            .envs(variables.iter().copied())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let listening = listening(&mut child).await;
        let served = Served {
            child: Some(child),
            url: listening.slack.expect("serve listens for Slack over HTTP"),
            health: listening.health,
        };
        wait_until_answers(&format!("{}/healthz", served.url)).await;
        served
    }

    /// `http://127.0.0.1:PORT`: where health, metrics and insights answer.
    pub fn health(&self) -> &str {
        &self.health
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
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
