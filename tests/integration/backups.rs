//! Backups through the real binary: export, import and restore as a person
//! runs them, what a store that will not open says, and the backup `serve`
//! takes.

use crate::helpers::{Backend, alliances, output_of, texts};
use std::path::Path;
use std::process::Output;

/// Runs the binary with `--data-dir data` and `args`.
async fn run(data: &Path, args: &[&str]) -> Output {
    run_on(data, None, args).await
}

/// Runs the binary with `--data-dir data` and `args`, on the database at
/// `database` if one is given.
async fn run_on(data: &Path, database: Option<&str>, args: &[&str]) -> Output {
    let mut command = alliances();
    command.arg("--data-dir").arg(data).args(args);
    if let Some(url) = database {
        command.env("ALLIANCES_DATABASE_URL", url);
    }
    output_of(command).await
}

/// Runs the binary and expects it to succeed; its standard output.
async fn ok(data: &Path, args: &[&str]) -> String {
    let output = run(data, args).await;
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{args:?}: {stderr}");
    stdout
}

/// Runs the binary and expects it to fail; its last line on standard error.
async fn refused(data: &Path, args: &[&str]) -> String {
    let output = run(data, args).await;
    let (_, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.trim().lines().last().unwrap_or_default().to_owned()
}

/// A backup's header with its time set aside, and its other lines.
fn header_and_records(backup: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let text = std::str::from_utf8(backup).expect("a backup is text");
    let (header, records) = text.split_once('\n').expect("a header line");
    let mut header: serde_json::Value = serde_json::from_str(header).expect("a JSON header");
    header
        .as_object_mut()
        .expect("an object")
        .remove("written_at")
        .expect("a time");
    (header, records.as_bytes().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_export_through_the_binary_gives_the_same_records() {
    let folder = tempfile::tempdir().unwrap();
    let (first_store, second_store) = (folder.path().join("one"), folder.path().join("two"));
    let file = folder.path().join("backup.jsonl");
    ok(&first_store, &["seed", "--people", "40", "--days", "60"]).await;
    ok(&first_store, &["export", file.to_str().unwrap()]).await;
    assert!(
        !folder.path().join("backup.jsonl.partial").exists(),
        "written whole, then renamed"
    );

    let imported = ok(&second_store, &["import", file.to_str().unwrap()]).await;
    assert!(
        imported.starts_with("imported 40 people, ")
            && imported.contains(" interactions and 0 other records from "),
        "{imported}"
    );
    let again = run(&second_store, &["export"]).await;
    assert!(again.status.success(), "{}", texts(&again).1);

    let first = std::fs::read(&file).unwrap();
    let (first_header, first_records) = header_and_records(&first);
    let (again_header, again_records) = header_and_records(&again.stdout);
    assert_eq!(first_header, again_header);
    assert!(
        first_records == again_records,
        "the records differ after a round trip"
    );

    // A second import into the same store is refused, in one sentence.
    let refusal = refused(&second_store, &["import", file.to_str().unwrap()]).await;
    assert!(
        refusal.contains("already holds data (40 people, ") && refusal.contains("add --replace"),
        "{refusal}"
    );
    let replaced = ok(
        &second_store,
        &["import", "--replace", file.to_str().unwrap()],
    )
    .await;
    assert!(
        replaced.contains("the store it replaced is kept in "),
        "{replaced}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sled_store_moves_to_postgresql_by_export_and_import_and_keeps_every_record() {
    let Some(Backend::Postgres { url, .. }) = Backend::postgres() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let sled = folder.path().join("sled");
    let file = folder.path().join("backup.jsonl");
    let file = file.to_str().unwrap();
    ok(&sled, &["seed", "--people", "40", "--days", "60"]).await;
    ok(&sled, &["export", file]).await;

    // The same binary, the same commands, the database named beside them.
    let unused = folder.path().join("no-folder");
    let on_pg = async |args: &[&str]| run_on(&unused, Some(&url), args).await;
    let imported = on_pg(&["import", file]).await;
    let (stdout, stderr) = texts(&imported);
    assert!(imported.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("imported 40 people, ") && stdout.contains(" into 127.0.0.1:"),
        "{stdout}"
    );
    let again = on_pg(&["export"]).await;
    assert!(again.status.success(), "{}", texts(&again).1);
    let (first_header, first_records) = header_and_records(&std::fs::read(file).unwrap());
    let (again_header, again_records) = header_and_records(&again.stdout);
    assert_eq!(first_header, again_header);
    assert!(
        first_records == again_records,
        "the records differ after the move"
    );
    assert!(!unused.exists(), "nothing was written to a data folder");

    // A second import is refused in one sentence; --replace takes the
    // place of everything, in one transaction.
    let refusal = on_pg(&["import", file]).await;
    let (_, stderr) = texts(&refusal);
    assert_eq!(refusal.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("already holds data (40 people, ") && stderr.contains("add --replace"),
        "{stderr}"
    );
    let replaced = on_pg(&["import", "--replace", file]).await;
    assert!(replaced.status.success(), "{}", texts(&replaced).1);
    // Restoring from a folder's backups is sled's; the sentence says what
    // restores a database.
    let restore = on_pg(&["restore"]).await;
    let (_, stderr) = texts(&restore);
    assert_eq!(restore.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("import --replace"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_backup_names_its_line_and_leaves_the_store_empty() {
    let folder = tempfile::tempdir().unwrap();
    let (source, target) = (folder.path().join("source"), folder.path().join("target"));
    ok(&source, &["seed", "--people", "10", "--days", "30"]).await;
    let backup = ok(&source, &["export"]).await;
    let mut lines: Vec<&str> = backup.lines().collect();
    lines[4] = r#"{"tree":"people","value":{"id":"U1","name":"Ada"#;
    let file = folder.path().join("broken.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();

    let refusal = refused(&target, &["import", file.to_str().unwrap()]).await;
    assert!(
        refusal.starts_with(&format!(
            "error: cannot import {}: line 5: it is not a line of a backup",
            file.display()
        )),
        "{refusal}"
    );
    let empty = ok(&target, &["export"]).await;
    assert_eq!(
        empty.lines().count(),
        2,
        "a header and a closing line: {empty}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_will_not_open_names_the_latest_backup_and_the_command_brings_it_back() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    ok(&data, &["seed", "--people", "30", "--days", "60"]).await;
    std::fs::create_dir(data.join("backups")).unwrap();
    let (older, latest) = (
        data.join("backups/alliances-2026-11-24T0600Z.jsonl"),
        data.join("backups/alliances-2026-11-25T0600Z.jsonl"),
    );
    ok(&data, &["export", older.to_str().unwrap()]).await;
    ok(&data, &["export", latest.to_str().unwrap()]).await;

    // Damage the store: cut sled's file short.
    std::fs::OpenOptions::new()
        .write(true)
        .open(data.join("db"))
        .unwrap()
        .set_len(100)
        .unwrap();
    let refusal = refused(&data, &["tick", "--dry-run"]).await;
    let command = format!(
        "alliances restore --data-dir {} {}",
        data.display(),
        latest.display()
    );
    assert_eq!(
        refusal,
        format!(
            "error: cannot open the store in {}: sled found damaged data in it; restore the \
             latest backup with `{command}` (the damaged store is kept aside, not deleted)",
            data.display()
        )
    );

    // The command, as the message gives it.
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let mut restore = alliances();
    restore.args(&words);
    let restored = output_of(restore).await;
    let (stdout, stderr) = texts(&restored);
    assert!(restored.status.success(), "{stderr}");
    assert!(
        stdout.contains("the store it replaced is kept in "),
        "{stdout}"
    );
    let now = run(&data, &["export"]).await;
    assert!(now.status.success(), "{}", texts(&now).1);
    let backup = std::fs::read(&latest).unwrap();
    assert!(
        header_and_records(&now.stdout).1 == header_and_records(&backup).1,
        "the store holds what the backup held"
    );
    ok(&data, &["tick", "--dry-run"]).await;
}

#[tokio::test]
async fn restore_without_a_backup_says_how_to_import_one() {
    let data = tempfile::tempdir().unwrap();
    let refusal = refused(data.path(), &["restore"]).await;
    assert_eq!(
        refusal,
        format!(
            "error: there is no backup in {}: name one (`alliances restore FILE`), or import \
             one kept elsewhere with `alliances import --replace FILE`",
            data.path().join("backups").display()
        )
    );
}

#[tokio::test]
async fn restore_is_refused_while_another_process_holds_the_store() {
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    ok(&data, &["seed", "--people", "10", "--days", "30"]).await;
    let file = folder.path().join("backup.jsonl");
    ok(&data, &["export", file.to_str().unwrap()]).await;

    // This test's process holds the store, as a running bot would.
    let store = alliances::data_dir::open_store(&alliances::config::Settings::default(), &data)
        .await
        .unwrap();
    let refusal = refused(&data, &["restore", file.to_str().unwrap()]).await;
    assert!(
        refusal.contains("only one alliances process may use a data folder at a time"),
        "{refusal}"
    );
    drop(store);
}

#[tokio::test]
async fn the_backup_commands_have_help() {
    for command in ["export", "import", "restore"] {
        let mut help = alliances();
        help.args([command, "--help"]);
        let output = output_of(help).await;
        assert!(output.status.success(), "{command}");
        assert!(texts(&output).0.contains("Usage:"), "{command}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_takes_a_backup_at_start_and_logs_it() {
    use crate::helpers::{fake_user, workspace};
    let fake = fake_slack::FakeSlack::start(workspace(vec![fake_user("U0000001", "Alice")]))
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut child = crate::helpers::serve_command(&fake, data.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its log, line by line, as it comes.
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        use std::io::BufRead as _;
        let (log, stderr) = (log.clone(), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        })
    };
    let logged = || log.lock().unwrap().clone();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !logged().contains("took a backup") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "serve took no backup: {}",
            logged()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let status = crate::helpers::stop_with_sigterm(child).await.status;
    reader.join().unwrap();
    let log = logged();
    assert!(status.success(), "{log}");
    let backups: Vec<_> = std::fs::read_dir(data.path().join("backups"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let line = log
        .lines()
        .find(|line| line.contains("took a backup"))
        .unwrap();
    assert!(line.contains(&backups[0].display().to_string()), "{line}");
    assert!(
        line.contains("records=") && line.contains("bytes="),
        "{line}"
    );
    let text = std::fs::read_to_string(&backups[0]).unwrap();
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with(r#"{"end":"alliances-backup""#),
        "a whole backup: {text}"
    );
    fake.stop().await;
}
