use super::*;
use crate::store::fixtures::open_temp_store;
use parse::Problem;

fn bad(lines: impl IntoIterator<Item = u64>) -> Vec<BadLine> {
    lines
        .into_iter()
        .map(|line| BadLine {
            line,
            problem: Problem::NoDate,
        })
        .collect()
}

fn imported() -> Imported {
    Imported {
        file: "history.csv".into(),
        data_dir: "./data".into(),
        new: 0,
        already: 340,
        too_few: 0,
        left_out: 0,
        skipped: vec![],
        no_email_hashes: false,
    }
}

#[test]
fn a_second_import_says_nothing_was_new() {
    assert_eq!(
        imported().to_string(),
        "imported history.csv into ./data: 0 new, 340 already there"
    );
}

#[test]
fn the_summary_counts_people_left_out_rows_not_logged_and_lines_skipped() {
    let summary = Imported {
        new: 300,
        already: 40,
        too_few: 3,
        left_out: 12,
        skipped: bad([4, 9]),
        no_email_hashes: true,
        ..imported()
    };
    insta::assert_snapshot!(summary.to_string(), @r"
    imported history.csv into ./data: 300 new, 40 already there
    12 people in the file are not in the workspace or opted out; their rows were logged without them
    3 rows were left with fewer than two people, and not logged
    no email matched: nobody in the store has an email hash yet; let the people sync run with ALLIANCES_ENCRYPTION_KEY set and the users:read.email scope granted, then import again
    skipped 2 bad lines:
      line 4: it has no date
      line 9: it has no date
    ");
    let one = Imported {
        too_few: 1,
        left_out: 1,
        ..imported()
    };
    assert!(one.to_string().contains(
        "\n1 person in the file is not in the workspace or opted out; their rows were logged without them\n1 row was left with fewer than two people, and not logged"
    ));
}

#[test]
fn only_the_first_twenty_bad_lines_are_listed_then_how_many_more() {
    let listed = listed(&bad(2..=31));
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 21);
    assert_eq!(lines[0], "  line 2: it has no date");
    assert_eq!(lines[19], "  line 21: it has no date");
    assert_eq!(lines[20], "  and 10 more");
}

#[tokio::test]
async fn a_file_with_bad_lines_imports_nothing_unless_told_to_skip_them() {
    let (dir, store) = open_temp_store();
    store
        .put_people(&[
            crate::domain::Person::new(crate::domain::UserId::parse("U01").unwrap(), "Ada"),
            crate::domain::Person::new(crate::domain::UserId::parse("U02").unwrap(), "Bo"),
        ])
        .await
        .unwrap();
    drop(store);
    let file = dir.path().join("history.csv");
    std::fs::write(
        &file,
        "date,participants\n2026-11-20,U01;U02\nsoon,U01;U02\n",
    )
    .unwrap();
    let data = dir.path();
    let (settings, secrets) = (Settings::default(), Secrets::default());
    let run = |skip_bad| import(&settings, &secrets, data, &file, skip_bad);

    let refused = format!("{:#}", run(false).await.unwrap_err());
    assert!(
        refused.contains("1 line is bad, so nothing was imported:\n  line 3: its date is neither")
            && refused.ends_with("or add --skip-bad to import the other lines."),
        "{refused}"
    );
    let skipped = run(true).await.unwrap();
    assert_eq!((skipped.new, skipped.already), (1, 0));
    assert_eq!(skipped.skipped.len(), 1);
}

#[tokio::test]
async fn a_store_that_knows_nobody_yet_is_refused_with_the_people_sync_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.csv");
    std::fs::write(&file, "date,participants\n2026-11-20,U01;U02\n").unwrap();
    let data = dir.path().join("data");
    let refused = import(
        &Settings::default(),
        &Secrets::default(),
        &data,
        &file,
        false,
    )
    .await
    .unwrap_err();
    let said = format!("{refused:#}");
    assert!(
        said.contains("knows nobody yet") && said.contains("people sync run first"),
        "{said}"
    );
}
