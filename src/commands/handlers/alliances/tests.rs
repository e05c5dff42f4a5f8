//! `/alliances` against a real store in a temporary folder: what each
//! choice writes, and what the person is told.

use super::handle_alliances;
use crate::commands::handlers::{Context, PendingCommit};
use crate::config::Settings;
use crate::domain::{Person, UserId};
use crate::store::{Store, StoreOptions};
use chrono::{TimeZone, Utc};

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

/// Runs `/alliances text` as U1 and returns the answer's text and whether
/// it waited for a commit.
async fn run(store: &Store, text: &str) -> (String, bool) {
    run_with(store, text, &Settings::default()).await
}

/// Runs `/alliances text` as U1 under `settings`: the answer's text and
/// whether it waited for a commit.
async fn run_with(store: &Store, text: &str, settings: &Settings) -> (String, bool) {
    let commit = PendingCommit::default();
    let context = Context {
        store,
        settings,
        now: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(),
        user: &user("U1"),
        commit: &commit,
        limits: &crate::commands::limits::RequestLimits::new(&settings.commands),
        calendars_on: false,
    };
    let outcome = handle_alliances(&context, text).await;
    (outcome.reply.text, commit.is_needed())
}

async fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    store
        .put_person(&Person::new(user("U1"), "Ada"))
        .await
        .unwrap();
    (dir, store)
}

async fn ada(store: &Store) -> Person {
    store.person(&user("U1")).await.unwrap().unwrap()
}

#[tokio::test]
async fn shoutouts_on_and_off_are_remembered_and_confirmed() {
    let (_dir, store) = open().await;

    let (text, committed) = run(&store, "shoutouts on").await;
    assert!(ada(&store).await.shoutouts);
    assert!(committed, "the answer tells of a write");
    insta::assert_snapshot!(text, @":raised_hands: Shout-outs are on: when you're among the people who built the most new alliances, the digest may thank you by name. `/alliances shoutouts off` turns them off.");

    let (text, committed) = run(&store, "shoutouts off").await;
    assert!(!ada(&store).await.shoutouts);
    assert!(committed);
    insta::assert_snapshot!(text, @"Shout-outs are off: the digest won't thank you by name as a bridge-builder. `/alliances shoutouts on` turns them back on.");
}

#[tokio::test]
async fn shoutouts_on_while_opted_out_says_that_opting_out_still_wins() {
    let (_dir, store) = open().await;
    run(&store, "optout").await;

    let (text, _) = run(&store, "shoutouts on").await;
    let ada = ada(&store).await;
    assert!(ada.shoutouts && ada.opted_out);
    assert!(!ada.welcomes_shoutouts());
    assert!(text.contains("you're opted out"), "{text}");
}

#[tokio::test]
async fn a_mistyped_shoutouts_changes_nothing() {
    let (_dir, store) = open().await;
    let (text, committed) = run(&store, "shoutouts maybe").await;
    assert!(text.contains("`on` or `off`"), "{text}");
    assert!(!committed);
    assert!(!ada(&store).await.shoutouts);
}

#[tokio::test]
async fn the_export_holds_the_shout_outs_choice() {
    let (_dir, store) = open().await;
    run(&store, "shoutouts on").await;
    let (export, _) = run(&store, "export").await;
    assert!(export.contains("\"shoutouts\": true"), "{export}");
}

#[tokio::test]
async fn admins_see_how_delivery_stands_in_their_status_and_others_do_not() {
    use crate::domain::{Digest, OutboxState, Outgoing};
    let (_dir, store) = open().await;
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
    let digest = Outgoing::Digest {
        channel: "alliances".into(),
        digest: Digest::empty(now, now),
        team_map: None,
    };
    let mut queued = store
        .enqueue(vec![digest.clone(), digest], now)
        .await
        .unwrap();
    let mut failed = queued.remove(0);
    failed.attempts = 4;
    failed.state = OutboxState::Failed {
        at: now,
        error: "Slack refused chat.postMessage: not_in_channel".into(),
    };
    store.update_outbox_item(&failed).await.unwrap();

    let (text, _) = run(&store, "status").await;
    assert!(!text.contains("Delivery"), "not an admin: {text}");

    let text = status_as_admin(&store).await;
    assert!(
        text.contains("*Delivery* (admins only): 1 queued, 1 failed in the last 7 days."),
        "{text}"
    );
    assert!(
        text.contains(
            "• the digest for #alliances, given up on Mon 1 Jun 09:00 UTC after 4 attempts: \
             Slack refused chat.postMessage: not_in_channel"
        ),
        "{text}"
    );
}

/// `/alliances status` as U1, an admin.
async fn status_as_admin(store: &Store) -> String {
    let mut settings = Settings::default();
    settings.commands.admins = vec![user("U1")];
    run_with(store, "status", &settings).await.0
}

#[tokio::test]
async fn a_failed_nudge_names_to_admins_only_its_recipient_while_they_may_be_named() {
    use crate::domain::{Nudge, OutboxItem, OutboxState, Outgoing};
    use crate::store::fixtures::{intro_naming, reminder_quoting};
    let (_dir, store) = open().await;
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
    let mut dee = Person::new(user("U3"), "Dee");
    dee.opted_out = true;
    let mut eve = Person::new(user("U5"), "Eve");
    eve.deactivated = true;
    let (bob, cy) = (
        Person::new(user("U2"), "Bob"),
        Person::new(user("U4"), "Cy"),
    );
    store.put_people(&[bob, cy, dee, eve]).await.unwrap();
    let introduction = Nudge {
        reason: intro_naming("U4", "U2", 0, "U1").reason.unwrap(),
        ..reminder_quoting("U4", "U2", 0, "coffee")
    };
    let nudges = [
        // Bob's fading tie with Dee, who opted out since.
        reminder_quoting("U2", "U3", 0, "roadmap"),
        // To Eve, who left since.
        reminder_quoting("U5", "U2", 0, "roadmap"),
        // Cy had no alliance left.
        introduction,
    ];
    let queued = store
        .enqueue(nudges.into_iter().map(Outgoing::Nudge).collect(), now)
        .await
        .unwrap();
    for item in queued {
        let failed = OutboxItem {
            attempts: 4,
            state: OutboxState::Failed {
                at: now,
                error: "Slack refused chat.postMessage: channel_not_found".into(),
            },
            ..item
        };
        store.update_outbox_item(&failed).await.unwrap();
    }

    let text = status_as_admin(&store).await;
    let delivery = &text[text.find("*Delivery*").unwrap()..];
    insta::assert_snapshot!(delivery, @r"
    *Delivery* (admins only): 0 queued, 3 failed in the last 7 days.
    • an introduction, given up on Mon 1 Jun 09:00 UTC after 4 attempts: Slack refused chat.postMessage: channel_not_found
    • a nudge, given up on Mon 1 Jun 09:00 UTC after 4 attempts: Slack refused chat.postMessage: channel_not_found
    • a nudge to <@U2>, given up on Mon 1 Jun 09:00 UTC after 4 attempts: Slack refused chat.postMessage: channel_not_found
    ");
}

/// Ada in Platform, and five people in a team whose name would ping the
/// channel if written raw; Ada met U2 of them.
async fn open_with_a_hostile_team_name() -> (tempfile::TempDir, Store) {
    use crate::domain::{Interaction, InteractionKind, TeamId};
    let (dir, store) = open().await;
    let mut ada = ada(&store).await;
    ada.team = Some(TeamId::parse("Platform").unwrap());
    store.put_person(&ada).await.unwrap();
    for n in 2..=6 {
        let mut person = Person::new(user(&format!("U{n}")), format!("Person {n}"));
        person.team = Some(TeamId::parse("<!channel> & Co").unwrap());
        store.put_person(&person).await.unwrap();
    }
    let met = Interaction::new(
        Utc.with_ymd_and_hms(2026, 5, 20, 12, 0, 0).unwrap(),
        InteractionKind::Meeting,
        [user("U1"), user("U2")],
        Some(user("U1")),
        None,
    )
    .unwrap();
    store
        .log_interaction_once("met:hostile", &met)
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test]
async fn stats_escape_a_team_name_with_mrkdwn_control_characters() {
    let (_dir, store) = open_with_a_hostile_team_name().await;
    let (text, _) = run(&store, "stats").await;
    assert!(!text.contains("<!channel>"), "{text}");
    assert!(
        text.contains("• &lt;!channel&gt; &amp; Co: 5 people, 1 alliances, 0.2 per person"),
        "{text}"
    );
}

#[tokio::test]
async fn status_escapes_a_team_name_with_mrkdwn_control_characters() {
    let (_dir, store) = open_with_a_hostile_team_name().await;
    let (text, _) = run(&store, "status").await;
    assert!(!text.contains("<!channel>"), "{text}");
    // Met on 20 May at noon, asked on 1 June at 09:00: twelve days by the
    // calendar, though not twelve times 24 hours.
    assert!(
        text.contains("• <@U2> (&lt;!channel&gt; &amp; Co): last met 12 days ago, once in all"),
        "{text}"
    );
}

#[tokio::test]
async fn admins_are_told_what_an_uninstall_deletes_and_what_a_revoked_token_does_not() {
    let (_dir, store) = open().await;
    let mut settings = Settings::default();
    let commit = PendingCommit::default();
    let help = async |settings: &Settings, who: &str| {
        let context = Context {
            store: &store,
            settings,
            now: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(),
            user: &user(who),
            commit: &commit,
            limits: &crate::commands::limits::RequestLimits::new(&settings.commands),
            calendars_on: false,
        };
        handle_alliances(&context, "help").await.reply.text
    };
    settings.commands.admins = vec![user("U9")];
    assert!(
        !help(&settings, "U1").await.contains("For admins"),
        "not for everyone"
    );
    let told = help(&settings, "U9").await;
    let for_admins = told.split("\n\n").last().unwrap_or_default();
    insta::assert_snapshot!(for_admins, @"For admins: Revoking the bot's token deletes nothing: I stop working until I have a working one. Uninstalling the app deletes everything I hold but the newest backup, which is kept 7 days so that `alliances restore` can undo an uninstall by mistake, then deleted.");
    settings.purge.grace_days = 0;
    assert!(
        help(&settings, "U9")
            .await
            .ends_with("Uninstalling the app deletes everything I hold, backups included.")
    );
}

#[tokio::test]
async fn a_forgotten_person_comes_back_opted_out_and_unnamed_until_they_opt_in() {
    let (_dir, store) = open().await;
    store.forget_person(&user("U1")).await.unwrap();

    // Their own snooze brings them back, but not as someone to nudge.
    let (_, committed) = run(&store, "snooze 2w").await;
    assert!(committed);
    let back = ada(&store).await;
    assert!(back.opted_out, "{back:?}");
    assert_ne!(back.name, "Ada");
    assert!(store.is_forgotten(&user("U1")).await.unwrap());

    let (text, _) = run(&store, "optin").await;
    assert!(text.contains("Welcome back"), "{text}");
    assert!(!ada(&store).await.opted_out);
    assert!(
        !store.is_forgotten(&user("U1")).await.unwrap(),
        "opting in lifts the tombstone: the next sync names them again"
    );
}

/// Ada (U1) in Platform; Design of five (U2…U6) and Legal of two (U7,
/// U8). Ada knows U2 and U7 herself; U3, whom she knows well, has met U8.
async fn open_with_a_small_team() -> (tempfile::TempDir, Store) {
    use crate::domain::{Interaction, InteractionKind, TeamId};
    let (dir, store) = open().await;
    let mut ada = ada(&store).await;
    ada.team = Some(TeamId::parse("Platform").unwrap());
    store.put_person(&ada).await.unwrap();
    for (n, team) in (2..=6)
        .map(|n| (n, "Design"))
        .chain([(7, "Legal"), (8, "Legal")])
    {
        let mut person = Person::new(user(&format!("U{n}")), format!("Person {n}"));
        person.team = Some(TeamId::parse(team).unwrap());
        store.put_person(&person).await.unwrap();
    }
    for (key, a, b, day) in [
        ("met:1", "U1", "U2", 20),
        ("met:2", "U1", "U7", 21),
        ("met:3", "U1", "U3", 22),
        ("met:4", "U3", "U8", 23),
    ] {
        let met = Interaction::new(
            Utc.with_ymd_and_hms(2026, 5, day, 12, 0, 0).unwrap(),
            InteractionKind::Meeting,
            [user(a), user(b)],
            Some(user(a)),
            None,
        )
        .unwrap();
        store.log_interaction_once(key, &met).await.unwrap();
    }
    (dir, store)
}

/// Runs `/alliances text` as the admin U1 at `store`.
async fn run_as_admin(store: &Store, text: &str) -> String {
    let mut settings = Settings::default();
    settings.commands.admins = vec![user("U1")];
    run_with(store, text, &settings).await.0
}

/// `leaders` leaders, each alone in a team of their own with a teammate
/// who is not a leader: none has a live alliance, so each is due an early
/// warning; U1 is an admin and no leader.
async fn open_with_lonely_leaders(leaders: u32) -> (tempfile::TempDir, Store) {
    use crate::domain::TeamId;
    let (dir, store) = open().await;
    for n in 0..leaders {
        let team = TeamId::parse(&format!("Team {n}")).unwrap();
        let mut leader = Person::new(user(&format!("U10{n}")), format!("Leader {n}"));
        leader.team = Some(team.clone());
        leader.roles.leader = true;
        let mut teammate = Person::new(user(&format!("U20{n}")), format!("Teammate {n}"));
        teammate.team = Some(team);
        store.put_people(&[leader, teammate]).await.unwrap();
    }
    (dir, store)
}

#[tokio::test]
async fn allies_lists_your_own_ties_in_a_small_team_but_holds_back_warm_paths_into_it() {
    let (_dir, store) = open_with_a_small_team().await;
    let (text, committed) = run(&store, "allies Legal").await;
    assert!(!committed);
    assert!(!text.contains("U3") && !text.contains("U8"), "{text}");
    insta::assert_snapshot!(text, @r"
    *Your allies for Legal*
    On your side now, strongest first:
    • <@U7> (Legal): met 11 days ago, once in all
    I point to no warm paths into Legal: it has fewer than 5 active people, and a path into a team that small would single someone out.
    ");

    // Asked by U2, who knows nobody in Legal: no claim that nobody they
    // know works with it, since that is held back too.
    let settings = Settings::default();
    let commit = PendingCommit::default();
    let context = Context {
        store: &store,
        settings: &settings,
        now: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(),
        user: &user("U2"),
        commit: &commit,
        limits: &crate::commands::limits::RequestLimits::new(&settings.commands),
        calendars_on: false,
    };
    let text = handle_alliances(&context, "allies Legal").await.reply.text;
    insta::assert_snapshot!(text, @r"
    *Your allies for Legal*
    You have no alliances in Legal yet. A coffee with someone there is a fine start — `/met @name coffee` logs it, and I'll keep track from there.
    I point to no warm paths into Legal: it has fewer than 5 active people, and a path into a team that small would single someone out.
    ");
}

#[tokio::test]
async fn an_admin_s_dry_run_names_no_lonely_leader_nor_a_count_that_says_it_of_each() {
    let (_dir, store) = open_with_lonely_leaders(5).await;
    let text = run_as_admin(&store, "tick dry-run").await;
    // With nobody to revive, a leader here may get an ordinary
    // introduction, listed as any nudge is; never a line about a warning.
    assert_no_warning_names_a_leader(&text, 5);
    assert!(!text.contains("early warning:"), "{text}");
    assert!(
        text.contains(
            "Early warnings: I don't say how many of the 5 leaders have live alliances in fewer than 3 other teams right now"
        ),
        "{text}"
    );
    let nudges = text.lines().filter(|l| l.starts_with("• ")).count();
    assert!(
        text.starts_with(&format!("*Dry run*: {nudges} nudges are due")),
        "the header counts the nudges it lists: {text}"
    );
}

#[tokio::test]
async fn an_admin_s_dry_run_under_the_floor_does_not_even_count_lonely_leaders() {
    let (_dir, store) = open_with_lonely_leaders(3).await;
    let text = run_as_admin(&store, "tick dry-run").await;
    assert!(!text.contains("of 3 leaders"), "{text}");
    assert!(
        text.contains("Early warnings: with fewer than 5 leaders, I don't say how many are short of alliances."),
        "{text}"
    );
    assert_no_warning_names_a_leader(&text, 3);
}

/// No line of `text` that names one of the first `leaders` leaders of
/// [`open_with_lonely_leaders`] speaks of a warning.
fn assert_no_warning_names_a_leader(text: &str, leaders: u32) {
    for n in 0..leaders {
        let leader = format!("<@U10{n}>");
        assert!(
            text.lines()
                .filter(|line| line.contains(&leader))
                .all(|line| !line.to_lowercase().contains("warning")),
            "{text}"
        );
    }
}

#[tokio::test]
async fn allies_knows_no_team_whose_people_have_all_left() {
    let (_dir, store) = open_with_a_small_team().await;
    for id in ["U7", "U8"] {
        store
            .update_person(&user(id), |p| p.deactivated = true)
            .await
            .unwrap();
    }
    let (text, committed) = run(&store, "allies Legal").await;
    assert!(!committed);
    assert_eq!(
        text,
        ":thinking_face: I don't know a team called `Legal`. The teams I know: Design, Platform. \
         Try: `/alliances allies Design`"
    );
}

#[tokio::test]
async fn allies_leaves_out_the_asker_s_own_team_and_says_so() {
    let (_dir, store) = open_with_a_small_team().await;
    let (text, committed) = run(&store, "allies Platform").await;
    assert!(!committed);
    assert_eq!(
        text,
        "Platform is your own team: allies for an initiative are in the other teams it needs. \
         Name the others, as in `/alliances allies Sales Marketing`."
    );
    let (text, _) = run(&store, "allies Platform Design").await;
    assert!(text.starts_with("*Your allies for Design*"), "{text}");
    assert!(
        text.ends_with(
            "Platform is your own team: allies for an initiative are in the other teams it needs."
        ),
        "{text}"
    );
}
