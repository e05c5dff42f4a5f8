//! `alliances history import` through the real binary: people found by
//! Slack id and by their email's keyed hash, each row logged once however
//! often the file is imported, and a bad file refused whole, or its good
//! lines imported with `--skip-bad`.

use crate::helpers::{alliances, files_holding, output_of, texts, user};
use alliances::calendars::CalendarKey;
use alliances::domain::{InteractionKind, Person};
use alliances::store::{Store, StoreOptions};
use std::path::Path;
use std::process::Output;

/// The operator's key of these tests (32 bytes, base64).
const KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";

/// A past meeting of Ada and Bo by email, then by id with Cy, who opted
/// out, and a stranger; Di and the stranger alone; and the first row
/// again, as Bo's own calendar export would have it.
const HISTORY: &str = "\u{feff}date,participants,kind\r\n\
                       2025-03-04,\"ada@example.com; bo@example.com\",meeting\r\n\
                       2025-03-05T09:30:00+01:00,U0000001;U0000002;U0000003;stranger@example.com,calendar\r\n\
                       2025-03-06,U0000004 stranger@example.com,\r\n\
                       2025-03-04,bo@example.com;ADA@example.com,meeting\r\n";

/// A data folder with Ada, Bo, Cy (opted out) and Di, their emails hashed
/// under [`KEY`] as the people sync keeps them.
async fn workspace() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let key = CalendarKey::parse(KEY).unwrap();
    let person = |id: &str, name: &str, email: &str| Person {
        email: Some(key.email_hash(email)),
        ..Person::new(user(id), name)
    };
    let mut cy = person("U0000003", "Cy", "cy@example.com");
    cy.opted_out = true;
    let store = Store::open(data.path(), &StoreOptions::default()).unwrap();
    store
        .put_people(&[
            person("U0000001", "Ada", "ada@example.com"),
            person("U0000002", "Bo", "bo@example.com"),
            cy,
            person("U0000004", "Di", "di@example.com"),
        ])
        .await
        .unwrap();
    store.flush().await.unwrap();
    data
}

/// `history import` of `file` into `data`, with the key when `keyed`.
async fn import(data: &Path, file: &Path, keyed: bool, extra: &[&str]) -> Output {
    let mut command = alliances();
    command
        .arg("--data-dir")
        .arg(data)
        .args(["history", "import"])
        .arg(file)
        .args(extra);
    if keyed {
        command.env("ALLIANCES_ENCRYPTION_KEY", KEY);
    }
    output_of(command).await
}

/// The interactions in the store in `data`: when, what kind, who.
async fn interactions(data: &Path) -> Vec<(String, InteractionKind, Vec<String>)> {
    let store = Store::open(data, &StoreOptions::default()).unwrap();
    store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, i)| {
            assert_eq!((i.logged_by, i.note), (None, None));
            let people = i.participants.iter().map(|p| p.to_string()).collect();
            (i.at.to_rfc3339(), i.kind, people)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_is_logged_once_with_people_found_by_email_or_id_and_never_kept_as_email() {
    let data = workspace().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("history.csv");
    std::fs::write(&file, HISTORY).unwrap();

    let first = import(data.path(), &file, true, &[]).await;
    let (stdout, stderr) = texts(&first);
    assert!(first.status.success(), "{stderr}");
    assert_eq!(stderr, "", "a quiet import says nothing on standard error");
    let summary: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        summary[1..],
        [
            "2 people in the file are not in the workspace or opted out; their rows were logged without them",
            "1 row was left with fewer than two people, and not logged",
        ],
        "{stdout}"
    );
    assert!(summary[0].ends_with(": 2 new, 1 already there"), "{stdout}");
    let ada_and_bo = vec!["U0000001".to_owned(), "U0000002".to_owned()];
    assert_eq!(
        interactions(data.path()).await,
        [
            (
                "2025-03-04T12:00:00+00:00".to_owned(),
                InteractionKind::Meeting,
                ada_and_bo.clone()
            ),
            (
                "2025-03-05T08:30:00+00:00".to_owned(),
                InteractionKind::Calendar,
                ada_and_bo
            ),
        ]
    );

    let again = import(data.path(), &file, true, &[]).await;
    let (stdout, stderr) = texts(&again);
    assert!(again.status.success(), "{stderr}");
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .ends_with(": 0 new, 3 already there"),
        "{stdout}"
    );
    assert_eq!(interactions(data.path()).await.len(), 2, "nothing doubled");

    for address in ["ada@example.com", "stranger@example.com", "example.com"] {
        assert!(!stdout.contains(address) && !stderr.contains(address));
        assert_eq!(
            files_holding(data.path(), address.as_bytes()),
            Vec::<std::path::PathBuf>::new()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_bad_lines_is_refused_by_line_number_unless_told_to_skip_them() {
    let data = workspace().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("history.csv");
    std::fs::write(
        &file,
        "date,participants\n\
         2025-03-04,U0000001;U0000002\n\
         04/03/2025,U0000001;U0000002\n\
         2999-01-01,U0000001;U0000002\n\
         2025-03-04,U0000001;Ada Lovelace\n\
         2025-03-05,U0000002;U0000004\n",
    )
    .unwrap();

    let refused = import(data.path(), &file, false, &[]).await;
    let (stdout, stderr) = texts(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("3 lines are bad, so nothing was imported:"),
        "{stderr}"
    );
    for said in [
        "  line 3: its date is neither a day (2026-11-20) nor a time",
        "  line 4: its date, 2999-01-01, is still to come",
        "  line 5: participant 2 is neither an email nor a Slack user id",
        "add --skip-bad to import the other lines",
    ] {
        assert!(stderr.contains(said), "{said:?} in {stderr}");
    }
    assert!(!stderr.contains("Lovelace"), "{stderr}");
    assert_eq!(interactions(data.path()).await, [], "nothing imported");

    let skipped = import(data.path(), &file, false, &["--skip-bad"]).await;
    let (stdout, stderr) = texts(&skipped);
    assert!(skipped.status.success(), "{stderr}");
    assert!(stdout.contains(": 2 new, 0 already there"), "{stdout}");
    assert!(
        stdout.contains("skipped 3 bad lines:\n  line 3: "),
        "{stdout}"
    );
    assert_eq!(interactions(data.path()).await.len(), 2);
}

#[tokio::test]
async fn a_file_naming_emails_without_the_key_is_refused_with_the_variable_and_the_sync() {
    let data = workspace().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("history.csv");
    std::fs::write(&file, HISTORY).unwrap();
    let refused = import(data.path(), &file, false, &[]).await;
    let (_, stderr) = texts(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ALLIANCES_ENCRYPTION_KEY") && stderr.contains("people sync"),
        "{stderr}"
    );
    assert!(!stderr.contains("example.com"), "{stderr}");
    assert_eq!(interactions(data.path()).await, []);
}

#[tokio::test]
async fn history_import_is_refused_while_another_process_holds_the_store() {
    let data = workspace().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("history.csv");
    std::fs::write(&file, "date,participants\n2025-03-04,U0000001;U0000002\n").unwrap();
    // This test's process holds the store, as a running bot would.
    let store = Store::open(data.path(), &StoreOptions::default()).unwrap();
    let refused = import(data.path(), &file, false, &[]).await;
    let (_, stderr) = texts(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("only one alliances process may use a data folder at a time"),
        "{stderr}"
    );
    assert_eq!(store.interaction_count().await.unwrap(), 0);
}

#[tokio::test]
async fn history_import_has_help_and_ends_quietly_when_its_reader_has_gone() {
    let mut help = alliances();
    help.args(["history", "import", "--help"]);
    let output = output_of(help).await;
    assert!(output.status.success());
    assert!(texts(&output).0.contains("--skip-bad"));

    let data = workspace().await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("history.csv");
    std::fs::write(&file, "date,participants\n2025-03-04,U0000001;U0000002\n").unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = alliances();
    command
        .arg("--data-dir")
        .arg(data.path())
        .args(["history", "import"])
        .arg(&file)
        .env("RUST_LOG", "off")
        .stdout(writer);
    let output = output_of(command).await;
    assert!(output.status.success(), "{}", texts(&output).1);
    assert_eq!(texts(&output).1, "");
    assert_eq!(
        interactions(data.path()).await.len(),
        1,
        "imported before it printed"
    );
}
