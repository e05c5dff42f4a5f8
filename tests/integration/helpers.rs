//! What the stories share: the binary, a small workspace, signed-off reads
//! of what the fake Slack received.

use alliances::domain::{ChannelId, UserId};
use alliances::fake_slack::{FakeChannel, FakeUser, Workspace};
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

/// A user id from a literal.
pub fn user(id: &str) -> UserId {
    UserId::parse(id).expect("a valid user id")
}

/// A person of a test workspace.
pub fn fake_user(id: &str, name: &str) -> FakeUser {
    FakeUser {
        id: user(id),
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
    Workspace {
        bot_token: TOKEN.to_owned(),
        users,
        channels: vec![FakeChannel {
            id: ChannelId::parse("C0ALLIANCE").expect("a valid channel id"),
            name: "alliances".to_owned(),
        }],
    }
}
