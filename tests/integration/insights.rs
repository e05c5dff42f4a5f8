//! An admin opens the insights page of a running bot in a real browser
//! (headless Chromium): the team map and the weekly chart are drawn with
//! the teams' names, a team under the k-anonymity floor is nowhere, and
//! nothing shows without the access token.

use crate::browser::Browser;
use crate::helpers::{fake_user, user, workspace};
use crate::served::{Folder, Served};
use alliances::domain::{Interaction, InteractionKind};
use alliances::store::{Store, StoreOptions};
use chrono::{Duration, Utc};
use fake_slack::FakeSlack;

/// The access token of the page in these tests.
const INSIGHTS_TOKEN: &str = "insights-e2e-token";

/// Payments (6), Platform (5) and Design (5) reach the default floor of
/// five; Legal (2) does not.
const TEAMS: [(&str, u32, u32); 4] = [
    ("Payments", 1, 6),
    ("Platform", 11, 5),
    ("Design", 21, 5),
    ("Legal", 31, 2),
];

fn id(n: u32) -> String {
    format!("U{n:07}")
}

fn teams_file() -> String {
    TEAMS
        .iter()
        .map(|(name, first, size)| {
            let members: Vec<String> = (*first..first + size)
                .map(|n| format!("\"{}\"", id(n)))
                .collect();
            format!(
                "[[team]]\nname = \"{name}\"\nmembers = [{}]\n",
                members.join(", ")
            )
        })
        .collect()
}

/// Meetings across teams over the last weeks: Payments–Platform often,
/// Platform–Design twice, Payments–Legal once; Payments and Design never.
async fn history(data: &std::path::Path) {
    let store = Store::open(data, &StoreOptions::default()).unwrap();
    let now = Utc::now();
    let meetings = [
        (1, 11, 40),
        (2, 12, 33),
        (3, 13, 19),
        (1, 12, 12),
        (4, 14, 5),
        (11, 21, 26),
        (12, 22, 2),
        (5, 31, 9),
    ];
    for (a, b, days_ago) in meetings {
        let meeting = Interaction::new(
            now - Duration::days(days_ago),
            InteractionKind::Meeting,
            [user(&id(a)), user(&id(b))],
            None,
            Some("coffee".to_owned()),
        )
        .unwrap();
        store.log_interaction(&meeting).await.unwrap();
    }
    store.flush().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_which_teams_have_alliances_on_the_insights_page_in_a_real_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let people = TEAMS
        .iter()
        .flat_map(|(name, first, size)| {
            (*first..first + size).map(move |n| fake_user(&id(n), &format!("{name} {n}")))
        })
        .collect();
    let fake = FakeSlack::start(workspace(people)).await.unwrap();
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", &teams_file());
    history(&folder.data).await;

    let bot = Served::start_with_env(
        &fake,
        &folder.config,
        &folder.data,
        &[("ALLIANCES_INSIGHTS_TOKEN", INSIGHTS_TOKEN)],
    )
    .await;
    let page = format!("{}/insights", bot.health());

    // Without the token: the challenge, and no figures.
    browser.goto(&page).await;
    assert_eq!(browser.count("svg").await, 0, "nothing without the token");

    browser
        .goto_with_basic_auth(&page, "admin", INSIGHTS_TOKEN)
        .await;
    browser.wait_for("svg#team-map g.cell").await;

    // The map: the three teams at the floor, each on both axes, in name
    // order; Legal (two people) nowhere on the page.
    let labels = browser.texts("#team-map text.team-label").await;
    assert_eq!(
        labels,
        [
            "Design", "Design", "Payments", "Payments", "Platform", "Platform"
        ],
        "row and column labels, row by row"
    );
    assert_eq!(browser.count("#team-map g.cell").await, 6);
    let body = browser.texts("body").await.join("\n");
    assert!(!body.contains("Legal"), "a team of two is never shown");
    // Payments–Platform: five alliances, all active.
    assert_eq!(
        browser
            .texts(r#"#team-map g.cell[data-teams="Payments|Platform"] text"#)
            .await,
        ["5", "5"]
    );
    // Payments and Design never met: marked on the map and listed.
    assert_eq!(
        browser
            .texts(r#"#team-map g.cell[data-teams="Design|Payments"] text"#)
            .await,
        ["none", "none"]
    );
    assert_eq!(
        browser.texts("#unconnected li").await,
        ["Design – Payments"]
    );
    let bridges = browser.texts("#bridges li span").await;
    assert_eq!(bridges, ["Design – Platform", "Payments – Platform"]);

    // The weekly chart: 26 weeks, and every alliance counted in one of them
    // (the meeting with Legal too: company-wide figures hide no one).
    assert_eq!(browser.count("#weekly-chart g.week").await, 26);
    let weekly_total: u32 = browser
        .attributes("#weekly-chart g.week", "data-new-alliances")
        .await
        .iter()
        .map(|n| n.parse::<u32>().unwrap())
        .sum();
    assert_eq!(weekly_total, 8);
    assert!(browser.count("#weekly-chart rect.bar").await >= 6);
    assert_eq!(browser.texts("#active-alliances").await, ["7"]);

    let shot = browser.screenshot_to("insights_for_an_admin").await;
    assert_eq!(shot.width, 1280);
    assert!(
        shot.bytes > 40_000,
        "a drawn page, not a blank one: {} bytes",
        shot.bytes
    );
    assert!(
        shot.height > 1000,
        "the whole page: {} px high",
        shot.height
    );
    assert!(shot.path.exists());

    // A bearer token opens it too (for scripts and dashboards).
    browser.goto_with_bearer(&page, INSIGHTS_TOKEN).await;
    browser.wait_for("svg#weekly-chart g.week").await;
    browser.close().await;
    bot.stop().await;
}
