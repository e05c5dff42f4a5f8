//! Allies for an initiative and a lead's view, through the signed front
//! door: `/alliances allies` names the asker's live and fading alliances
//! and warm paths, never anyone opted out nor a warm path's contacts;
//! `/alliances team` shows a lead their team's reach and its key
//! partnerships as the digest counts them, team figures only.

use crate::helpers::{
    fake_user, on_both_stores, spawn_bot_on, spawn_bot_on_clock_configured, workspace,
};
use alliances::domain::{Binds, Partnership, TeamId};
use chrono::{Duration, Utc};
use fake_slack::FakeSlack;

/// Engineering, Sales and Marketing of five people each, Legal of two.
/// Ezra (U0000E01) leads Engineering.
fn company() -> (Vec<fake_slack::FakeUser>, String) {
    let teams = [
        ("Engineering", 'E', 5),
        ("Sales", 'S', 5),
        ("Marketing", 'M', 5),
        ("Legal", 'L', 2),
    ];
    let mut users = Vec::new();
    let mut file = String::new();
    for (team, letter, size) in teams {
        let ids: Vec<String> = (1..=size).map(|i| format!("U0000{letter}0{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            users.push(fake_user(id, &format!("{team} Person {}", i + 1)));
        }
        let members: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
        file.push_str(&format!(
            "[[team]]\nname = \"{team}\"\nmembers = [{}]\n",
            members.join(", ")
        ));
        if team == "Engineering" {
            file.push_str("leads = [\"U0000E01\"]\n");
        }
    }
    (users, file)
}

on_both_stores! {
async fn allies_lists_live_then_fading_then_warm_paths_and_never_names_the_opted_out(
    backend: Backend,
) {
    let (users, teams) = company();
    let fake = FakeSlack::start(workspace(users)).await.unwrap();
    let bot = spawn_bot_on(&fake, &teams, &backend).await;
    bot.log_meetings("U0000E01", "U0000S01", Utc::now() - Duration::days(10), 2)
        .await; // live
    bot.log_meetings("U0000E01", "U0000S02", Utc::now() - Duration::days(200), 1)
        .await; // fading
    bot.log_meetings("U0000E01", "U0000S03", Utc::now() - Duration::days(5), 3)
        .await; // live, but Sam 3 opts out
    bot.log_meetings("U0000E01", "U0000E02", Utc::now() - Duration::days(3), 6)
        .await; // a teammate Ezra knows well…
    bot.log_meetings("U0000E02", "U0000S04", Utc::now() - Duration::days(7), 2)
        .await; // …who works with Sales
    bot.log_meetings("U0000E01", "U0000M01", Utc::now() - Duration::days(4), 6)
        .await; // known well, but opts out…
    bot.log_meetings("U0000M01", "U0000S05", Utc::now() - Duration::days(7), 2)
        .await; // …so is no path
    for who in ["U0000S03", "U0000M01"] {
        assert!(bot.alliances("optout", who).await.contains("opted out"));
    }

    let typo = bot.alliances("allies Sales Marketng", "U0000E01").await;
    assert_eq!(
        typo,
        ":thinking_face: I don't know a team called `Marketng`. Did you mean Marketing? \
         Try: `/alliances allies Sales Marketing`"
    );

    let answer = bot.alliances("allies sales", "U0000E01").await;
    let at = |needle: &str| {
        answer
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {answer}"))
    };
    assert!(at("<@U0000S01>") < at("Worth reviving"), "{answer}");
    assert!(at("Worth reviving") < at("<@U0000S02>"), "{answer}");
    assert!(at("<@U0000S02>") < at("Warm paths"), "{answer}");
    assert!(
        answer.contains("• <@U0000E02> (Engineering) works with people in Sales"),
        "{answer}"
    );
    for never in ["U0000S03", "U0000M01", "U0000S04", "U0000S05"] {
        assert!(!answer.contains(never), "{never} is named: {answer}");
    }
    bot.stop().await;
    fake.stop().await;
}

}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_sees_the_team_s_reach_and_partnerships_and_others_are_told_who_can() {
    let (users, teams) = company();
    let fake = FakeSlack::start(workspace(users)).await.unwrap();
    let team = |name: &str| TeamId::parse(name).unwrap();
    // Everyone in Engineering keeps Sales close; Legal's two people are
    // too few for a figure about Engineering ↔ Legal.
    let partnerships = vec![
        Partnership::new(team("Engineering"), team("Sales"), 14, Binds::Everyone).unwrap(),
        Partnership::new(team("Engineering"), team("Legal"), 14, Binds::Leads).unwrap(),
    ];
    let bot = spawn_bot_on_clock_configured(
        &fake,
        &teams,
        std::sync::Arc::new(alliances::domain::SystemClock),
        |settings| settings.partnerships = partnerships,
    )
    .await;
    bot.log_meetings("U0000E01", "U0000S01", Utc::now() - Duration::days(10), 2)
        .await;
    bot.log_meetings("U0000E02", "U0000S02", Utc::now() - Duration::days(5), 1)
        .await;
    bot.log_meetings("U0000E03", "U0000S03", Utc::now() - Duration::days(200), 1)
        .await; // fading
    bot.log_meetings("U0000E01", "U0000L01", Utc::now() - Duration::days(3), 2)
        .await; // Legal: two people, under the floor

    let view = bot.alliances("team", "U0000E01").await;
    assert_eq!(
        view,
        "*How far Engineering reaches*\n\
         • Sales: 2 live alliances, 1 fading\n\
         No alliance yet with Marketing: a good place for someone in Engineering to start.\n\
         *Key partnerships*\n\
         • Engineering ↔ Sales: 2 of 5 people in Engineering and the leads of both teams have \
         a live alliance\n\
         (1 team under 5 people left out, so nobody can be singled out.)"
    );
    assert!(!view.contains("Legal") && !view.contains("<@"), "{view}");

    let refusal = bot.alliances("team", "U0000S01").await;
    assert!(
        refusal.contains("I don't have you down as leading a team")
            && refusal.contains("teams file"),
        "{refusal}"
    );
    bot.stop().await;
    fake.stop().await;
}
