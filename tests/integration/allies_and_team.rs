//! Allies for an initiative and a lead's view, through the signed front
//! door: `/alliances allies` names the asker's live and fading alliances
//! and warm paths, never anyone opted out nor a warm path's contacts;
//! `/alliances team` shows a lead their team's reach and its key
//! partnerships as the digest counts them, team figures only.

use crate::helpers::{
    TestBot, fake_user, spawn_bot, spawn_bot_on_clock_configured, user, workspace,
};
use alliances::domain::{Binds, Interaction, InteractionKind, Partnership, TeamId};
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

/// `times` meetings of `a` and `b`, the last `days_ago` days ago.
fn met(bot: &TestBot, a: &str, b: &str, days_ago: i64, times: usize) {
    for n in 0..times {
        let when = Utc::now() - Duration::days(days_ago + n as i64);
        let meeting = Interaction::new(
            when,
            InteractionKind::Meeting,
            [user(a), user(b)],
            None,
            None,
        )
        .unwrap();
        bot.app.store().log_interaction(&meeting).unwrap();
    }
}

async fn ask(bot: &TestBot, text: &str, from: &str) -> String {
    let (status, answer) = bot.slash("/alliances", text, from, "1.2.3").await;
    assert_eq!(status, 200, "{answer}");
    answer["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allies_lists_live_then_fading_then_warm_paths_and_never_names_the_opted_out() {
    let (users, teams) = company();
    let fake = FakeSlack::start(workspace(users)).await.unwrap();
    let bot = spawn_bot(&fake, &teams).await;
    met(&bot, "U0000E01", "U0000S01", 10, 2); // live
    met(&bot, "U0000E01", "U0000S02", 200, 1); // fading
    met(&bot, "U0000E01", "U0000S03", 5, 3); // live, but Sam 3 opts out
    met(&bot, "U0000E01", "U0000E02", 3, 6); // a teammate Ezra knows well…
    met(&bot, "U0000E02", "U0000S04", 7, 2); // …who works with Sales
    met(&bot, "U0000E01", "U0000M01", 4, 6); // known well, but opts out…
    met(&bot, "U0000M01", "U0000S05", 7, 2); // …so is no path
    for who in ["U0000S03", "U0000M01"] {
        assert!(ask(&bot, "optout", who).await.contains("opted out"));
    }

    let typo = ask(&bot, "allies Sales Marketng", "U0000E01").await;
    assert_eq!(
        typo,
        ":thinking_face: I don't know a team called `Marketng`. Did you mean Marketing? \
         Try: `/alliances allies Sales Marketing`"
    );

    let answer = ask(&bot, "allies sales", "U0000E01").await;
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
    met(&bot, "U0000E01", "U0000S01", 10, 2);
    met(&bot, "U0000E02", "U0000S02", 5, 1);
    met(&bot, "U0000E03", "U0000S03", 200, 1); // fading
    met(&bot, "U0000E01", "U0000L01", 3, 2); // Legal: two people, under the floor

    let view = ask(&bot, "team", "U0000E01").await;
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

    let refusal = ask(&bot, "team", "U0000S01").await;
    assert!(
        refusal.contains("I don't have you down as leading a team")
            && refusal.contains("teams file"),
        "{refusal}"
    );
    bot.stop().await;
    fake.stop().await;
}
