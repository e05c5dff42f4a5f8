//! Tests of backups: the round trip, what an import refuses and leaves
//! behind, the periodic backups of a folder, and what a store that will
//! not open says.

use super::*;
use crate::domain::{
    ChannelId, Digest, Interaction, Neglected, Nudge, NudgeReason, OutboxState, Outgoing, TeamGap,
    TeamId,
};
use crate::store::fixtures::{
    any_interaction, at_minute, meeting, open_temp, person, reopen, sent, user,
};
use crate::store::{JobRun, SledStore, StoreOptions, keys};
use proptest::prelude::*;
use std::ops::ControlFlow;

/// The instant every export of these tests is stamped with.
fn written_at() -> DateTime<Utc> {
    at_minute(24 * 60)
}

/// A backup of `store`, as bytes.
fn export(store: &SledStore) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .export_backup(&mut out, written_at(), |_| ControlFlow::Continue(()))
        .unwrap();
    out
}

/// A fresh store with `backup` loaded into it.
fn load(backup: &[u8]) -> (tempfile::TempDir, SledStore) {
    let (dir, store) = open_temp();
    store.load_backup(backup, |_| {}).unwrap();
    (dir, store)
}

/// Why `backup` is not imported into a new data folder, which it leaves
/// without a store.
fn refusal(backup: impl AsRef<[u8]>) -> String {
    let root = tempfile::tempdir().unwrap();
    let (file, data) = (root.path().join("backup.jsonl"), root.path().join("data"));
    std::fs::write(&file, backup).unwrap();
    let error = import_backup(
        &data,
        &file,
        &StoreOptions::default(),
        Replacing::EmptyOnly,
        |_, _| {},
    )
    .unwrap_err();
    let left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{error}: {left:?}");
    error.to_string()
}

fn neglected_nudge(to: &str, about: &str) -> Nudge {
    let gap = TeamGap {
        own_team: TeamId::parse("Payments").unwrap(),
        alliances: 1,
        most: 3,
        // Not a round number in binary: the text must come back as it was.
        boost: 0.1 + 0.2,
        figures_shown: true,
    };
    Nudge {
        to: user(to),
        about: user(about),
        about_team: TeamId::parse("Search").unwrap(),
        planned_at: at_minute(60),
        reason: NudgeReason::Neglected(Neglected {
            last_met: at_minute(0),
            days_since: 94,
            cadence_days: 30,
            times_met: 2,
            last_note: Some("coffee \"about\" the roadmap\n".into()),
            strength_then: 1.0 / 3.0,
            strength_now: 0.123_456_789_012_345_67,
            gap,
        }),
    }
}

fn quiet_digest() -> Digest {
    Digest {
        since: at_minute(0),
        until: at_minute(10),
        new_alliances: vec![],
        unnamed_new_alliances: 0,
        bridges: vec![],
        unconnected_team_pairs: vec![],
        bridge_builders: vec![],
        team_figures: vec![],
        small_teams_held_back: 0,
        partnerships: vec![],
    }
}

/// Writes records into every tree, those a backup leaves out included.
fn fill_every_tree(store: &SledStore) {
    let mut ada = person("UADA", "Ada Lovelace", Some("Payments"));
    ada.tz = Some("Europe/London".into());
    ada.paused.insert(user("UBOB"));
    ada.snoozed_until = Some(at_minute(9_000));
    let mut cy = person("UCY", "Cy Twombly", None);
    cy.opted_out = true;
    store
        .put_people(&[ada, person("UBOB", "Bob", Some("Search")), cy])
        .unwrap();
    store
        .log_interaction(&meeting(at_minute(5), &["UADA", "UBOB"], Some("coffee ☕")))
        .unwrap();
    store
        .log_interaction_once(
            "met:T1",
            &meeting(at_minute(1), &["UBOB", "UCY", "UDEE"], None),
        )
        .unwrap();
    // A logged key whose interaction is then forgotten stays (see
    // `logged_keys`), though its interaction is gone.
    store
        .log_interaction_once("met:T2", &meeting(at_minute(7), &["UEVE", "UFAY"], None))
        .unwrap();
    store.forget_person(&user("UEVE")).unwrap();
    store.record_nudge_sent(&sent("UADA", "UBOB", 30)).unwrap();
    store.record_nudge_sent(&sent("UBOB", "UADA", 30)).unwrap();
    let mut queued = store
        .enqueue(
            vec![
                Outgoing::Nudge(neglected_nudge("UADA", "UCY")),
                Outgoing::Digest {
                    channel: "alliances".into(),
                    digest: quiet_digest(),
                    team_map: Some(crate::domain::TeamMap {
                        as_of: at_minute(60),
                        active_days: 90,
                        teams: vec![
                            TeamId::parse("Design").unwrap(),
                            TeamId::parse("Payments").unwrap(),
                        ],
                        pairs: vec![crate::domain::TeamPair {
                            teams: (
                                TeamId::parse("Design").unwrap(),
                                TeamId::parse("Payments").unwrap(),
                            ),
                            active_alliances: 2,
                            alliances_ever: 3,
                            strength: 1.75,
                        }],
                        small_teams_held_back: 1,
                        teams_left_out: 0,
                    }),
                },
            ],
            at_minute(60),
        )
        .unwrap();
    let failed = &mut queued[1];
    failed.attempts = 3;
    failed.state = OutboxState::Failed {
        at: at_minute(70),
        error: "channel_not_found".into(),
    };
    store.update_outbox_item(failed).unwrap();
    store
        .record_run(
            "digest",
            &JobRun {
                scheduled_for: at_minute(60),
                started_at: at_minute(61),
                summary: "a quiet week".into(),
            },
        )
        .unwrap();
    store
        .remember_dm_channel(&user("UADA"), &ChannelId::parse("D0ADA").unwrap())
        .unwrap();
    store.first_delivery("event:Ev1", at_minute(80)).unwrap();
    let circle = crate::domain::Circle {
        key: crate::domain::CircleKey { round: 1, index: 1 },
        members: vec![user("UADA"), user("UBOB"), user("UCY")],
        formed_at: at_minute(90),
        channel: Some(ChannelId::parse("G0CIRCLE").unwrap()),
        channel_members: vec![user("UADA"), user("UBOB"), user("UCY")],
        check_in_at: Some(at_minute(100)),
        outcome: Some(crate::domain::CircleOutcome::Skipped {
            by: Some(user("UBOB")),
            at: at_minute(110),
        }),
    };
    store.put_circles(&[circle]).unwrap();
    let mut calendar = crate::domain::CalendarFeed::new(
        user("UBOB"),
        crate::domain::SealedAddress::from_sealed("AVNlYWxlZCBhZGRyZXNz".into()),
        at_minute(120),
    );
    calendar.read_well(at_minute(121), Some("\"v1\"".into()), None);
    store.put_calendar(&calendar).unwrap();
}

#[test]
fn a_store_with_every_tree_filled_exports_imports_and_exports_the_same_bytes() {
    let (_dir, store) = open_temp();
    fill_every_tree(&store);
    let first = export(&store);
    let (_copy_dir, copy) = load(&first);
    let second = export(&copy);
    assert_eq!(
        String::from_utf8(second).unwrap(),
        String::from_utf8(first.clone()).unwrap()
    );

    assert_eq!(copy.people().unwrap(), store.people().unwrap());
    assert_eq!(copy.interactions().unwrap(), store.interactions().unwrap());
    assert_eq!(copy.interaction_count(), store.interaction_count());
    assert_eq!(copy.ties().unwrap(), store.ties().unwrap(), "folded again");
    assert_eq!(copy.outbox().unwrap(), store.outbox().unwrap());
    assert_eq!(
        copy.nudges_sent_since(at_minute(0)).unwrap(),
        store.nudges_sent_since(at_minute(0)).unwrap()
    );
    assert_eq!(
        copy.last_run("digest").unwrap(),
        store.last_run("digest").unwrap()
    );
    assert_eq!(
        copy.dm_channel(&user("UADA")).unwrap(),
        store.dm_channel(&user("UADA")).unwrap()
    );
    let bob = TeamId::parse("Search").unwrap();
    assert_eq!(
        copy.teams_tied_to(&bob).unwrap(),
        store.teams_tied_to(&bob).unwrap()
    );
    // Logged keys came along: a retried delivery still logs nothing, the
    // forgotten meeting's included.
    for key in ["met:T1", "met:T2"] {
        let again = meeting(at_minute(1), &["UBOB", "UCY"], None);
        assert_eq!(
            copy.log_interaction_once(key, &again).unwrap(),
            None,
            "{key}"
        );
    }
    // Deliveries are left out: they expire in minutes.
    assert!(copy.first_delivery("event:Ev1", at_minute(81)).unwrap());
    // Tombstones came along, with their key: Eve stays forgotten.
    assert!(copy.is_forgotten(&user("UEVE")).unwrap());
    assert!(!copy.is_forgotten(&user("UADA")).unwrap());
    assert_eq!(copy.circles().unwrap(), store.circles().unwrap());

    let text = String::from_utf8(first).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (header, key) = lines[0]
        .split_once(r#","tombstone_key":""#)
        .expect("a forget drew a key");
    assert_eq!(
        header,
        r#"{"format":"alliances-backup","format_version":2,"schema_version":1,"written_at":"2026-03-03T09:00:00Z""#
    );
    let (key, round) = key.split_once('"').expect("the key, quoted");
    assert_eq!(key.len(), 64, "64 hex digits: {key}");
    assert_eq!(round, r#","last_circle_round":1}"#, "the circle's round");
    assert_eq!(
        lines.last().unwrap(),
        &r#"{"end":"alliances-backup","counts":{"people":3,"interactions":2,"logged_keys":2,"outbox":2,"nudges":2,"jobs":1,"dm_channels":1,"tombstones":1,"circles":1,"calendars":1}}"#
    );
    assert!(
        text.contains(r#""strength_then":0.3333333333333333,"#),
        "{text}"
    );
}

#[test]
fn a_small_backup_reads_as_documented() {
    let (_dir, store) = open_temp();
    store
        .put_person(&person("U1", "Ada", Some("Payments")))
        .unwrap();
    store
        .log_interaction_once(
            "met:T1",
            &meeting(at_minute(0), &["U1", "U2"], Some("coffee")),
        )
        .unwrap();
    store
        .remember_dm_channel(&user("U1"), &ChannelId::parse("D1").unwrap())
        .unwrap();
    let text = String::from_utf8(export(&store)).unwrap();
    // The id is sled's; it is the same in every fresh store.
    insta::assert_snapshot!(text, @r#"
    {"format":"alliances-backup","format_version":2,"schema_version":1,"written_at":"2026-03-03T09:00:00Z"}
    {"tree":"people","value":{"id":"U1","name":"Ada","team":"Payments","tz":null,"opted_out":false,"deactivated":false,"snoozed_until":null,"paused":[],"shoutouts":false}}
    {"tree":"interactions","id":0,"value":{"at":"2026-03-02T09:00:00Z","kind":"meeting","participants":["U1","U2"],"logged_by":"U1","note":"coffee"}}
    {"tree":"logged_keys","key":"met:T1","value":0}
    {"tree":"dm_channels","key":"U1","value":"D1"}
    {"end":"alliances-backup","counts":{"people":1,"interactions":1,"logged_keys":1,"outbox":0,"nudges":0,"jobs":0,"dm_channels":1,"tombstones":0}}
    "#);
}

/// One write to a store, of the kinds a history is made of.
#[derive(Debug, Clone)]
enum Step {
    Join(&'static str, Option<&'static str>),
    Log(Interaction),
    LogOnce(u8, Interaction),
    Nudge(&'static str, &'static str, i64),
    Queue(&'static str, &'static str),
    Channel(&'static str),
    Job(&'static str, i64),
    Forget(&'static str),
}

const POOL: [&str; 5] = ["U1", "U2", "U3", "U4", "W5"];

fn any_step() -> impl Strategy<Value = Step> {
    let who = || proptest::sample::select(POOL.to_vec());
    prop_oneof![
        (
            who(),
            proptest::option::of(proptest::sample::select(vec!["Payments", "Search"]))
        )
            .prop_map(|(id, team)| Step::Join(id, team)),
        any_interaction(&POOL).prop_map(Step::Log),
        (0_u8..4, any_interaction(&POOL)).prop_map(|(key, i)| Step::LogOnce(key, i)),
        (who(), who(), 0_i64..100).prop_map(|(to, about, at)| Step::Nudge(to, about, at)),
        (who(), who()).prop_map(|(to, about)| Step::Queue(to, about)),
        who().prop_map(Step::Channel),
        (
            proptest::sample::select(vec!["people", "nudges", "digest"]),
            0_i64..100
        )
            .prop_map(|(job, at)| Step::Job(job, at)),
        who().prop_map(Step::Forget),
    ]
}

fn apply(store: &SledStore, step: &Step) {
    match step {
        Step::Join(id, team) => store.put_person(&person(id, "Someone", *team)).unwrap(),
        Step::Log(interaction) => drop(store.log_interaction(interaction).unwrap()),
        Step::LogOnce(key, interaction) => drop(
            store
                .log_interaction_once(&format!("k{key}"), interaction)
                .unwrap(),
        ),
        Step::Nudge(to, about, at) => store.record_nudge_sent(&sent(to, about, *at)).unwrap(),
        Step::Queue(to, about) => drop(store.enqueue(
            vec![Outgoing::Nudge(neglected_nudge(to, about))],
            at_minute(1),
        )),
        Step::Channel(id) => store
            .remember_dm_channel(&user(id), &ChannelId::parse(&format!("D{id}")).unwrap())
            .unwrap(),
        Step::Job(job, at) => {
            let run = JobRun {
                scheduled_for: at_minute(*at),
                started_at: at_minute(*at),
                summary: format!("ran at {at}"),
            };
            store.record_run(job, &run).unwrap();
        }
        Step::Forget(id) => drop(store.forget_person(&user(id)).unwrap()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_history_exports_imports_and_exports_the_same_bytes(steps in proptest::collection::vec(any_step(), 0..24)) {
        let (_dir, store) = open_temp();
        for step in &steps {
            apply(&store, step);
        }
        let first = export(&store);
        let (_copy_dir, copy) = load(&first);
        prop_assert_eq!(&export(&copy), &first);
        prop_assert_eq!(copy.ties().unwrap(), store.ties().unwrap());
        prop_assert_eq!(copy.interaction_count(), store.interaction_count());
    }
}

#[test]
fn ids_drawn_after_an_import_are_above_every_id_it_loaded() {
    let (dir, store) = open_temp();
    for minute in 0..3 {
        store
            .log_interaction(&meeting(at_minute(minute), &["U1", "U2"], None))
            .unwrap();
    }
    store
        .enqueue(
            vec![Outgoing::Nudge(neglected_nudge("U1", "U2"))],
            at_minute(5),
        )
        .unwrap();
    // As after years of restarts: sled moves its id counter on by two
    // million at each open.
    store.flush().unwrap();
    drop(store);
    let store = reopen(dir.path()).unwrap();
    let late = store
        .log_interaction(&meeting(at_minute(9), &["U2", "U3"], None))
        .unwrap();
    assert!(late.id >= 2_000_000, "{}", late.id);
    let backup = export(&store);
    drop(store);

    let target = tempfile::tempdir().unwrap();
    let file = target.path().join("backup.jsonl");
    std::fs::write(&file, &backup).unwrap();
    let data = target.path().join("data");
    import_backup(
        &data,
        &file,
        &StoreOptions::default(),
        Replacing::EmptyOnly,
        |_, _| {},
    )
    .unwrap();
    for round in 1..=2 {
        let store = reopen(&data).unwrap();
        let logged = store
            .log_interaction(&meeting(at_minute(20), &["U4", "U5"], None))
            .unwrap();
        assert!(logged.id > late.id, "{} after {}", logged.id, late.id);
        let queued = store
            .enqueue(
                vec![Outgoing::Nudge(neglected_nudge("U4", "U5"))],
                at_minute(21),
            )
            .unwrap();
        assert!(queued[0].id > late.id);
        assert_eq!(store.interaction_count(), 4 + round);
        store.flush().unwrap();
    }
}

/// A backup of a store with one of everything, as text.
fn sample() -> String {
    let (_dir, store) = open_temp();
    fill_every_tree(&store);
    String::from_utf8(export(&store)).unwrap()
}

#[test]
fn a_backup_of_format_1_without_tombstones_still_loads() {
    let format_1 = "{\"format\":\"alliances-backup\",\"format_version\":1,\"schema_version\":1,\"written_at\":\"2026-03-03T09:00:00Z\"}\n\
        {\"tree\":\"people\",\"value\":{\"id\":\"U1\",\"name\":\"Ada\",\"team\":null,\"tz\":null,\"opted_out\":false,\"deactivated\":false}}\n\
        {\"end\":\"alliances-backup\",\"counts\":{\"people\":1,\"interactions\":0,\"logged_keys\":0,\"outbox\":0,\"nudges\":0,\"jobs\":0,\"dm_channels\":0}}\n";
    let (_dir, store) = load(format_1.as_bytes());
    assert_eq!(store.people().unwrap().len(), 1);
    assert!(!store.is_forgotten(&user("U1")).unwrap());
}

#[test]
fn tombstones_without_their_key_or_with_a_bad_one_are_refused() {
    let text = sample();
    let header = text.lines().next().unwrap();
    let (without_key, _) = header.split_once(r#","tombstone_key""#).unwrap();
    assert_eq!(
        refusal(with_line(1, &format!("{without_key}}}"))),
        "line 1: the backup holds tombstones, but its header has no `tombstone_key` to know them by"
    );
    assert_eq!(
        refusal(with_line(
            1,
            &format!(r#"{without_key},"tombstone_key":"beef"}}"#)
        )),
        "line 1: the header's `tombstone_key` is not 64 hex digits"
    );
}

/// `sample()` with line `n` (from 1) replaced by `with`.
fn with_line(n: usize, with: &str) -> String {
    let mut lines: Vec<String> = sample().lines().map(String::from).collect();
    lines[n - 1] = with.to_owned();
    lines.join("\n") + "\n"
}

#[test]
fn a_malformed_backup_is_refused_by_its_line_and_loads_nothing() {
    let text = sample();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        refusal(with_line(3, "{not json")),
        "line 3: it is not a line of a backup (key must be a string at line 1 column 2)"
    );
    assert_eq!(
        refusal(with_line(6, r#"{"tree":"people","value":{"id":"UZED"}}"#)),
        "line 6: a people record after the interactions records; a backup lists its trees in \
         this order: people, interactions, logged_keys, outbox, nudges, jobs, dm_channels, \
         tombstones, circles, calendars"
    );
    assert!(
        refusal(with_line(
            2,
            r#"{"tree":"people","value":{"id":"UADA","name":7}}"#
        ))
        .starts_with(
            "line 2: the people record's value does not decode: invalid type: integer `7`"
        ),
    );
    assert_eq!(
        refusal(with_line(2, r#"{"tree":"peeple","value":{}}"#)),
        "line 2: there is no tree \"peeple\" in a backup; the trees are people, interactions, \
         logged_keys, outbox, nudges, jobs, dm_channels, tombstones, circles, calendars"
    );
    // The same person twice.
    let twice = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[1..].join("\n"));
    assert_eq!(
        refusal(&twice),
        "line 3: the people record at `UADA` does not come after the one before it; a backup \
         lists each tree in key order, each key once"
    );
    let dm_channel = 1 + lines
        .iter()
        .position(|line| line.starts_with(r#"{"tree":"dm_channels""#))
        .unwrap();
    let bad_key = with_line(
        dm_channel,
        r#"{"tree":"dm_channels","key":"not a user","value":"D1"}"#,
    );
    assert!(
        refusal(&bad_key).starts_with(&format!("line {dm_channel}: the dm_channels record's key"))
    );
    let interaction_without_id = lines
        .iter()
        .position(|line| line.starts_with(r#"{"tree":"interactions""#))
        .unwrap();
    let stripped = lines[interaction_without_id].replacen(r#","id":0"#, "", 1);
    assert_eq!(
        refusal(with_line(interaction_without_id + 1, &stripped)),
        format!(
            "line {}: a interactions record has an `id` and no `key`",
            interaction_without_id + 1
        )
    );
}

#[test]
fn a_backup_cut_short_or_miscounted_or_followed_by_more_is_refused() {
    let text = sample();
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let cut = lines[..n - 1].join("\n") + "\n";
    assert_eq!(
        refusal(&cut),
        format!(
            "the backup ends after line {} without its closing line: it was cut short (a full \
             disk, or a writer that stopped), so it is not loaded",
            n - 1
        )
    );
    let torn = &text[..text.len() - lines[n - 1].len() - 20];
    assert!(refusal(torn).starts_with(&format!("the backup ends after line {} without", n - 1)));
    let miscounted = with_line(n, &lines[n - 1].replace(r#""jobs":1"#, r#""jobs":2"#));
    assert_eq!(
        refusal(&miscounted),
        format!("line {n}: the closing line counts 2 jobs records, but the backup holds 1")
    );
    assert_eq!(
        refusal(format!("{text}\n{}\n", lines[1])),
        format!("line {}: it follows the closing line", n + 2)
    );
    // Empty lines are nothing.
    let (_dir, store) = open_temp();
    store
        .load_backup(format!("{text}\n\n").as_bytes(), |_| {})
        .unwrap();
}

#[test]
fn a_file_that_is_not_a_backup_or_is_newer_is_refused_in_a_sentence() {
    assert_eq!(
        refusal(""),
        "this is not an alliances backup: its first line is not a backup header (the file is empty)"
    );
    assert!(refusal("name,team\nAda,Payments\n").starts_with("this is not an alliances backup"));
    assert_eq!(
        refusal(
            "{\"format\":\"other\",\"format_version\":1,\"schema_version\":1,\"written_at\":\"2026-03-02T09:00:00Z\"}\n"
        ),
        "this is not an alliances backup: its first line is not a backup header (its format is \"other\")"
    );
    let newer_format = with_line(
        1,
        &sample()
            .lines()
            .next()
            .unwrap()
            .replace("\"format_version\":2", "\"format_version\":3"),
    );
    assert_eq!(
        refusal(&newer_format),
        "the backup is in format 3, newer than this build reads (up to 2): import it with a newer alliances"
    );
    let newer_schema = with_line(
        1,
        &sample()
            .lines()
            .next()
            .unwrap()
            .replace("\"schema_version\":1", "\"schema_version\":4"),
    );
    assert_eq!(
        refusal(&newer_schema),
        "the backup holds data of schema 4, newer than this build reads (up to 1): import it with a newer alliances"
    );
    let mut binary = b"{\"format\":".to_vec();
    binary.extend_from_slice(&[0xff, 0xfe, b'\n']);
    assert_eq!(refusal(binary), "line 1: it is not UTF-8 text");
}

#[test]
fn an_export_told_to_stop_stops() {
    let (_dir, store) = open_temp();
    let batch: Vec<Interaction> = (0..2_500)
        .map(|i| meeting(at_minute(i), &["U1", "U2"], None))
        .collect();
    store.log_interactions(&batch).unwrap();
    let mut calls = Vec::new();
    let error = store
        .export_backup(&mut Vec::new(), written_at(), |counts| {
            calls.push(counts.interactions);
            if counts.interactions >= 2_000 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_err();
    assert!(matches!(error, BackupError::Stopped), "{error}");
    assert_eq!(calls, [1_000, 2_000]);
}

#[test]
fn a_backup_file_is_written_whole_or_not_at_all() {
    let (dir, store) = open_temp();
    store.put_person(&person("U1", "Ada", None)).unwrap();
    let file = dir.path().join("out.jsonl");
    let go_on = |_: &Counts| ControlFlow::Continue(());
    let exported = store
        .export_backup_file(&file, written_at(), go_on)
        .unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), export(&store));
    assert_eq!(exported.bytes, std::fs::metadata(&file).unwrap().len());
    assert!(!dir.path().join("out.jsonl.partial").exists());

    let batch: Vec<Interaction> = (0..1_500)
        .map(|i| meeting(at_minute(i), &["U1", "U2"], None))
        .collect();
    store.log_interactions(&batch).unwrap();
    let stopped = dir.path().join("stopped.jsonl");
    let error = store
        .export_backup_file(&stopped, written_at(), |_| ControlFlow::Break(()))
        .unwrap_err();
    assert!(matches!(error, BackupError::Stopped), "{error}");
    assert!(!stopped.exists());
    assert!(!dir.path().join("stopped.jsonl.partial").exists());
}

#[test]
fn keys_of_records_are_checked_against_their_values_on_export() {
    let (_dir, store) = open_temp();
    store.put_person(&person("U1", "Ada", None)).unwrap();
    let value = store
        .trees()
        .unwrap()
        .people
        .get(keys::person(&user("U1")))
        .unwrap()
        .unwrap();
    store.trees().unwrap().people.insert(b"U2", value).unwrap();
    let error = store
        .export_backup(&mut Vec::new(), written_at(), |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the store's people tree holds an unreadable value at `U2`: the key is not the key its \
         value gives; stop alliances and restore the latest backup (`alliances restore --help`)"
    );
}

#[test]
fn a_round_formed_after_an_import_never_takes_the_number_of_one_emptied_before() {
    let (_dir, store) = open_temp();
    let pair = |a: &str, b: &str| vec![user(a), user(b)];
    store
        .save_circles_and_enqueue(&[], &[pair("U1", "U2")], at_minute(0))
        .unwrap();
    // Round 1's buttons are out in Slack, but forget-me emptied it.
    store.forget_person(&user("U1")).unwrap();
    assert!(store.circles().unwrap().is_empty());

    let (_copy_dir, copy) = load(&export(&store));
    let next = copy
        .save_circles_and_enqueue(&[], &[pair("U3", "U4")], at_minute(60))
        .unwrap();
    assert_eq!(next.formed[0].key.round, 2);
}
