//! The command line as a person meets it: the demo, and what bad input gets.

use crate::helpers::{alliances, output_of, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_what_people_saw_and_the_same_seed_prints_the_same() {
    let run = || {
        let mut command = alliances();
        command.args(["demo", "--seed", "3", "--weeks", "2"]);
        output_of(command)
    };
    let (first, second) = (run().await, run().await);
    assert!(first.status.success(), "{}", texts(&first).1);
    let (stdout, _) = texts(&first);
    assert_eq!(
        first.stdout, second.stdout,
        "the same seed gives the same demo"
    );
    assert!(stdout.contains("DM to "), "{stdout}");
    assert!(stdout.contains("It's been "), "{stdout}");
    assert!(
        stdout.contains("[We met] [Snooze 2 weeks] [Not relevant] [Why this?]"),
        "{stdout}"
    );
    assert!(stdout.contains("#alliances"), "{stdout}");
    let summary = stdout.lines().last().unwrap();
    assert!(summary.starts_with("Summary: "), "{summary}");
    assert!(
        summary.contains("nudges sent") && summary.contains("new alliances"),
        "{summary}"
    );
    assert!(
        !stdout.contains("/tmp"),
        "no temporary path in what people read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_for_a_leader_prints_only_the_leaders_first_steps() {
    let mut command = alliances();
    command.args(["demo", "--weeks", "2", "--leaders-first"]);
    let output = output_of(command).await;
    assert!(output.status.success(), "{}", texts(&output).1);
    let (stdout, _) = texts(&output);
    let marked = stdout
        .lines()
        .filter(|l| l.starts_with("★ Leaders first — "))
        .count();
    let shown = stdout.lines().filter(|l| l.contains(" UTC  ")).count();
    assert_eq!(
        marked, shown,
        "every message shown is a marked step: {stdout}"
    );
    for step in [
        "a leadership circle is formed, in a group DM of its leaders:",
        "a week later, the circle's check-in:",
        "the circle answers its check-in:",
        "the key partnership's nudge, ranked before any other nudge:",
        "an early warning to a leader whose alliances have gone quiet:",
        "a lead asks who their allies are for an initiative:",
    ] {
        assert!(stdout.contains(step), "{step:?} in {stdout}");
    }
    assert!(
        !stdout.contains("A short hello is often all it takes."),
        "no everyday nudge: {stdout}"
    );
    let summary = stdout.lines().last().unwrap();
    assert!(summary.starts_with("Summary: "), "{summary}");
}

#[tokio::test]
async fn an_unknown_flag_gets_the_usage_and_a_non_zero_exit() {
    let mut command = alliances();
    command.args(["demo", "--sed", "3"]);
    let output = output_of(command).await;
    assert_eq!(output.status.code(), Some(2));
    let (_, stderr) = texts(&output);
    assert!(stderr.contains("Usage:"), "{stderr}");
}

#[tokio::test]
async fn every_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["demo", "--help"],
        &["tick", "--help"],
        &["serve", "--help"],
        &["fake-slack", "--help"],
        &["seed", "--help"],
        &["doctor", "--help"],
    ] {
        let mut command = alliances();
        command.args(args);
        let output = output_of(command).await;
        assert!(output.status.success(), "{args:?}");
        assert!(texts(&output).0.contains("Usage:"), "{args:?}");
    }
}

#[tokio::test]
async fn a_missing_config_file_stops_start_up_with_one_line_naming_it() {
    let data = tempfile::tempdir().unwrap();
    let mut command = alliances();
    command
        .args(["--config", "no-such-file.toml", "--data-dir"])
        .arg(data.path())
        .arg("tick");
    let output = output_of(command).await;
    assert_eq!(output.status.code(), Some(1));
    let (_, stderr) = texts(&output);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no-such-file.toml"), "{stderr}");
}

#[tokio::test]
async fn an_invalid_cron_expression_names_the_setting_without_a_backtrace() {
    let folder = tempfile::tempdir().unwrap();
    let config = folder.path().join("alliances.toml");
    std::fs::write(&config, "[schedule]\ndigest = \"0 9 * * Mon\"\n").unwrap();
    let mut command = alliances();
    command
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(folder.path().join("data"))
        .arg("tick");
    command.env("ALLIANCES_SLACK_BOT_TOKEN", "xoxb-test");
    let output = output_of(command).await;
    assert_eq!(output.status.code(), Some(1));
    let (_, stderr) = texts(&output);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("digest") && stderr.contains("seconds first"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[tokio::test]
async fn tick_without_a_bot_token_names_the_variable() {
    let data = tempfile::tempdir().unwrap();
    let mut command = alliances();
    command.arg("--data-dir").arg(data.path()).arg("tick");
    let output = output_of(command).await;
    assert_eq!(output.status.code(), Some(1));
    let (_, stderr) = texts(&output);
    assert!(stderr.contains("ALLIANCES_SLACK_BOT_TOKEN"), "{stderr}");
}

#[tokio::test]
async fn serve_without_the_tokens_its_transport_needs_names_the_variable() {
    let data = tempfile::tempdir().unwrap();
    let mut socket = alliances();
    socket.arg("--data-dir").arg(data.path()).arg("serve");
    socket.env("ALLIANCES_SLACK_BOT_TOKEN", "xoxb-test");
    let output = output_of(socket).await;
    assert_eq!(output.status.code(), Some(1));
    let (_, stderr) = texts(&output);
    assert!(stderr.contains("ALLIANCES_SLACK_APP_TOKEN"), "{stderr}");
    assert!(!stderr.contains("xoxb-test"), "{stderr}");

    let mut http = alliances();
    http.arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--http", "127.0.0.1:0"]);
    http.env("ALLIANCES_SLACK_BOT_TOKEN", "xoxb-test");
    let output = output_of(http).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(texts(&output).1.contains("ALLIANCES_SLACK_SIGNING_SECRET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_cleanly_on_sigterm_and_flushes_the_store() {
    use crate::helpers::{TOKEN, fake_user, workspace};
    let fake = fake_slack::FakeSlack::start(workspace(vec![fake_user("U0000001", "Alice")]))
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut child = crate::helpers::serve_command(&fake, data.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let listening = crate::helpers::listening(&mut child).await;
    crate::helpers::wait_until_answers(&format!("{}/healthz", listening.health)).await;
    let output = crate::helpers::stop_with_sigterm(child).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("stopped; the store is flushed"), "{stderr}");
    assert!(
        !stderr.contains(TOKEN) && !stderr.contains(fake.signing_secret()),
        "{stderr}"
    );
    fake.stop().await;
}

#[tokio::test]
async fn seed_fills_an_empty_store_and_tick_dry_run_prints_the_plan_without_slack() {
    let data = tempfile::tempdir().unwrap();
    let seed = || {
        let mut command = alliances();
        command
            .arg("--data-dir")
            .arg(data.path())
            .args(["seed", "--people", "60", "--days", "200"]);
        command
    };
    let seeded = output_of(seed()).await;
    let (stdout, stderr) = texts(&seeded);
    assert!(seeded.status.success(), "{stderr}");
    assert!(stdout.contains("60 people in 10 teams"), "{stdout}");
    let seeded_stdout = stdout.clone();

    let again = output_of(seed()).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(
        texts(&again).1.contains("already holds"),
        "{}",
        texts(&again).1
    );

    // `tick --dry-run` of the seeded folder, with the settings file given.
    let dry_run = |config: Option<&std::path::Path>| {
        let mut command = alliances();
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        command
            .arg("--data-dir")
            .arg(data.path())
            .args(["tick", "--dry-run"]);
        output_of(command)
    };
    let planned = dry_run(None).await;
    let (stdout, stderr) = texts(&planned);
    assert!(planned.status.success(), "{stderr}");
    assert!(stdout.contains("nothing is sent"), "{stdout}");
    assert!(stdout.contains("Nudges ("), "{stdout}");
    assert!(
        stdout.contains(" about ") && stdout.contains("catch-up every"),
        "a company with fading ties: {stdout}"
    );
    assert!(stdout.contains("Digest since"), "{stdout}");
    assert!(
        stdout.contains("early warning to ") && stdout.contains("Leadership circles ("),
        "the seeded company's leaders are known: {stdout}"
    );

    // With the partnership `seed` printed in the settings, the dry run
    // puts the Engineering lead's partnership nudge first.
    let settings = seeded_stdout
        .find("[[partnerships]]")
        .map(|at| &seeded_stdout[at..])
        .unwrap_or_else(|| panic!("seed prints the partnership: {seeded_stdout}"));
    let config = data.path().join("alliances.toml");
    std::fs::write(&config, settings).unwrap();
    let planned = dry_run(Some(&config)).await;
    let (stdout, stderr) = texts(&planned);
    assert!(planned.status.success(), "{stderr}");
    assert!(
        stdout.contains("partnership reminder to ") && stdout.contains("(Engineering) about "),
        "{stdout}"
    );
}

/// Runs `command` with its standard output a pipe whose reader is gone
/// before it starts, as `alliances … | head` once `head` has exited, and
/// its logs off: its output (standard error only).
async fn into_a_closed_pipe(mut command: std::process::Command) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    command
        .env("RUST_LOG", "off")
        .stdout(writer)
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("the binary starts");
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("the waiting thread ends")
        .expect("the child is reaped")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_that_prints_ends_quietly_when_its_reader_has_gone() {
    use crate::served::Folder;
    let fake = crate::helpers::alice_and_bilal().await;
    let folder = Folder::new(
        "[teams]\nfile = \"teams.toml\"\n",
        crate::helpers::PAYMENTS_AND_PLATFORM,
    );
    let seeded = tempfile::tempdir().unwrap();
    let backup = seeded.path().join("backup.jsonl");
    let in_folder = |data: &std::path::Path, args: &[&str]| {
        let mut command = alliances();
        command.arg("--data-dir").arg(data).args(args);
        command
    };
    // What import and restore read, written whole while someone reads.
    let mut seed = in_folder(seeded.path(), &["seed", "--people", "40", "--days", "30"]);
    seed.env("RUST_LOG", "off");
    assert!(output_of(seed).await.status.success());
    let export = in_folder(seeded.path(), &["export", backup.to_str().unwrap()]);
    assert!(output_of(export).await.status.success());

    let mut tick = in_folder(&folder.data, &["--config"]);
    tick.arg(&folder.config)
        .arg("tick")
        .env("ALLIANCES_SLACK_BOT_TOKEN", fake.bot_token())
        .env("ALLIANCES_SLACK_API_URL", fake.api_url());
    let empty = || tempfile::tempdir().unwrap();
    let (seed_into, import_into, restore_into) = (empty(), empty(), empty());
    let commands = [
        ("demo", in_folder(seeded.path(), &["demo", "--weeks", "1"])),
        (
            "seed",
            in_folder(
                seed_into.path(),
                &["seed", "--people", "20", "--days", "10"],
            ),
        ),
        (
            "tick --dry-run",
            in_folder(seeded.path(), &["tick", "--dry-run"]),
        ),
        ("tick", tick),
        ("export", in_folder(seeded.path(), &["export"])),
        (
            "import",
            in_folder(import_into.path(), &["import", backup.to_str().unwrap()]),
        ),
        (
            "restore",
            in_folder(restore_into.path(), &["restore", backup.to_str().unwrap()]),
        ),
        ("doctor", in_folder(seeded.path(), &["doctor"])),
        (
            "fake-slack",
            in_folder(seeded.path(), &["fake-slack", "--addr", "127.0.0.1:0"]),
        ),
        ("--help", in_folder(seeded.path(), &["--help"])),
    ];
    for (name, command) in commands {
        let output = into_a_closed_pipe(command).await;
        let (_, stderr) = texts(&output);
        assert!(
            output.status.success(),
            "{name}: {:?} {stderr}",
            output.status
        );
        assert_eq!(stderr, "", "{name} says nothing on standard error");
    }
    // Its work was done before it printed: the import and the restore
    // loaded the backup, and the seed wrote its company.
    for data in [&import_into, &restore_into, &seed_into] {
        let store =
            alliances::store::Store::open(data.path(), &alliances::store::StoreOptions::default())
                .unwrap();
        assert!(store.interaction_count().await.unwrap() > 0);
    }
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_goes_on_serving_when_nobody_reads_where_it_listens() {
    use crate::helpers::{fake_user, workspace};
    let fake = fake_slack::FakeSlack::start(workspace(vec![fake_user("U0000001", "Alice")]))
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = crate::helpers::serve_command(&fake, data.path())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its first people sync comes after it printed where it listens.
    crate::helpers::eventually_within(
        "serve syncs people",
        std::time::Duration::from_secs(20),
        async || fake.calls().iter().any(|call| call.method == "users.list"),
    )
    .await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "serve is still running"
    );
    let output = crate::helpers::stop_with_sigterm(child).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("stopped; the store is flushed"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_brings_a_database_to_this_builds_schema_and_keeps_its_password_to_itself() {
    let Some(cluster) =
        throwaway_postgres::Cluster::for_tests(throwaway_postgres::Durability::NoFsync)
    else {
        return;
    };
    let url = cluster.create_database().unwrap();
    // This build's schema: the newest of its migrations (`V5__….sql`).
    let newest = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/store/postgres/migrations"
    ))
    .unwrap()
    .filter_map(|file| {
        let name = file.unwrap().file_name().into_string().unwrap();
        name.strip_prefix('V')?
            .split_once("__")?
            .0
            .parse::<u32>()
            .ok()
    })
    .max()
    .unwrap();
    for _ in 0..2 {
        let mut command = alliances();
        command
            .args(["migrate"])
            .env("ALLIANCES_DATABASE_URL", &url);
        let output = output_of(command).await;
        let (stdout, stderr) = texts(&output);
        assert!(output.status.success(), "{stderr}");
        assert!(
            stdout.starts_with("the database at 127.0.0.1:")
                && stdout.ends_with(&format!("is at schema {newest}\n")),
            "{stdout}"
        );
    }

    // A database that is not there, named with a password.
    let nowhere = format!(
        "postgres://alliances:hunter2@127.0.0.1:{}/nowhere?connect_timeout=2",
        cluster.port().wrapping_add(1)
    );
    let mut command = alliances();
    command.args(["migrate", "--database-url", &nowhere]);
    let output = output_of(command).await;
    let (stdout, stderr) = texts(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("/nowhere"), "{stderr}");
    assert!(
        !stdout.contains("hunter2") && !stderr.contains("hunter2"),
        "{stderr}"
    );

    // --help names the variable but never shows its value.
    let mut command = alliances();
    command
        .args(["migrate", "--help"])
        .env("ALLIANCES_DATABASE_URL", &nowhere);
    let (help, _) = texts(&output_of(command).await);
    assert!(
        help.contains("ALLIANCES_DATABASE_URL") && !help.contains("hunter2"),
        "{help}"
    );
}
