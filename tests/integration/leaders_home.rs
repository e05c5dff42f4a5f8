//! A leader's App Home, through the fake Slack: opened over Socket Mode,
//! it shows the key partnerships that bind them (the tie to revive, or
//! who leads the other team) and their leadership circle as it goes from
//! formed to asked to met, naming only those who may be named; someone who
//! leads nothing sees none of it.

use crate::helpers::{
    button_press, eventually, fake_user, spawn_bot_over_socket_on_clock_configured, user, workspace,
};
use alliances::config::CronSchedule;
use alliances::domain::{
    Binds, ChannelId, Clock as _, Interaction, InteractionKind, Partnership, SettableClock, TeamId,
};
use alliances::scheduler::JobKind;
use chrono::{Duration, TimeZone, Utc};
use fake_slack::{Delivery, FakeSlack};
use std::sync::Arc;

/// Dana leads Engineering and is one of the leaders; Eve leads it too;
/// Eli is an engineer. Pat leads Product; Uma (Sales) and Ines (Design)
/// are leaders.
const TEAMS: &str = "\
leaders = [\"U0000001\", \"U0000021\", \"U0000031\"]\n\
[[team]]\nname = \"Engineering\"\nmembers = [\"U0000001\", \"U0000002\", \"U0000003\"]\nleads = [\"U0000001\", \"U0000003\"]\n\
[[team]]\nname = \"Product\"\nmembers = [\"U0000011\", \"U0000012\"]\nleads = [\"U0000011\"]\n\
[[team]]\nname = \"Sales\"\nmembers = [\"U0000021\"]\n\
[[team]]\nname = \"Design\"\nmembers = [\"U0000031\"]\n";

const PEOPLE: [(&str, &str); 7] = [
    ("U0000001", "Dana Ito"),
    ("U0000002", "Eli Brandt"),
    ("U0000003", "Eve Moss"),
    ("U0000011", "Pat Lee"),
    ("U0000012", "Quinn Roy"),
    ("U0000021", "Uma Kerr"),
    ("U0000031", "Ines Sol"),
];

fn name_of(id: &str) -> Option<String> {
    PEOPLE
        .iter()
        .find(|(of, _)| *of == id)
        .map(|(_, name)| (*name).to_owned())
}

fn channel() -> ChannelId {
    ChannelId::parse("C0ALLIANCE").unwrap()
}

/// Opens `who`'s App Home (event `event_id`) and waits until the view
/// published for them says `until`; returns it as they read it.
async fn open_home(fake: &FakeSlack, who: &str, event_id: &str, until: &str) -> String {
    let opened = Delivery::Event {
        event_id: event_id.to_owned(),
        event: serde_json::json!({ "type": "app_home_opened", "user": who, "tab": "home" }),
        event_time: Utc::now().timestamp(),
    };
    fake.deliver_over_socket(&opened).await.unwrap();
    let read = || {
        fake.home_view(who)
            .map(|view| alliances::slack::readable_text("", &view["blocks"], name_of))
            .unwrap_or_default()
    };
    eventually("the App Home is published", async || read().contains(until)).await;
    read()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_s_home_shows_their_partnership_and_their_circle_as_it_goes() {
    let users = PEOPLE
        .iter()
        .map(|(id, name)| fake_user(id, name))
        .collect();
    let fake = FakeSlack::start(workspace(users)).await.unwrap();
    let start = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
    let clock = SettableClock::new(start);
    let team = |name: &str| TeamId::parse(name).unwrap();
    let bot =
        spawn_bot_over_socket_on_clock_configured(&fake, TEAMS, Arc::new(clock.clone()), |s| {
            s.partnerships = vec![
                Partnership::new(team("Engineering"), team("Product"), 14, Binds::Leads).unwrap(),
            ];
            s.circles = toml::from_str("size = 3").unwrap();
            // The test runs the job when it wants.
            s.schedule.circles = CronSchedule::parse("0 0 0 1 1 * 2099").unwrap();
        })
        .await;
    let store = bot.app.store().clone();
    // Dana and Pat last met 23 days ago: past the partnership's 14 days.
    let met = Interaction::new(
        start - Duration::days(23),
        InteractionKind::Meeting,
        [user("U0000001"), user("U0000011")],
        None,
        Some("the Q3 roadmap".into()),
    )
    .unwrap();
    store.log_interaction(&met).await.unwrap();

    let report = bot
        .app
        .scheduler()
        .run(JobKind::Circles, clock.now())
        .await
        .unwrap();
    assert_eq!(report.summary, "formed round 1: 1 circle of 3 leaders");

    let dana = open_home(&fake, "U0000001", "Ev1", "Your leadership circle").await;
    assert!(
        dana.contains(
            "🟧 *Engineering ↔ Product*: it's been 23 days since you and @Pat Lee last met \
             (once so far); the partnership asks for every 14 days."
        ),
        "{dana}"
    );
    assert!(
        dana.contains("With @Uma Kerr and @Ines Sol, since Mon 1 Jun. Find 45 minutes together")
            && dana.contains("On Mon 8 Jun I'll ask once whether you got together."),
        "{dana}"
    );
    assert!(
        dana.find("Your key partnerships") < dana.find("Your reach"),
        "partnerships come first: {dana}"
    );

    let eve = open_home(&fake, "U0000003", "Ev2", "Your key partnerships").await;
    assert!(
        eve.contains(
            "⬜ *Engineering ↔ Product*: no live tie in Product yet. @Pat Lee leads Product: \
             a 20-minute coffee would start one."
        ),
        "{eve}"
    );
    assert!(
        !eve.contains("Your leadership circle"),
        "a lead, not a leader: {eve}"
    );
    let pat = open_home(&fake, "U0000011", "Ev3", "Your key partnerships").await;
    assert!(
        pat.contains("*Product ↔ Engineering*: it's been 23 days since you and @Dana Ito"),
        "{pat}"
    );

    let eli = open_home(&fake, "U0000002", "Ev4", "Your alliances").await;
    assert!(
        !eli.contains("partnership") && !eli.contains("circle"),
        "an engineer who leads nothing sees the Home everyone sees: {eli}"
    );

    // Ines opts out; a week on, the circle is asked whether they met.
    let optout = fake.slash_command("/alliances", "optout", user("U0000031"), channel());
    fake.deliver_over_socket(&optout).await.unwrap();
    eventually("Ines is opted out", async || {
        store
            .person(&user("U0000031"))
            .await
            .is_ok_and(|p| p.is_some_and(|p| p.opted_out))
    })
    .await;
    clock.advance(Duration::days(7));
    bot.app
        .scheduler()
        .run(JobKind::Circles, clock.now())
        .await
        .unwrap();
    let asked = open_home(&fake, "U0000001", "Ev5", "I asked whether you got together").await;
    assert!(
        asked.contains("With @Uma Kerr and 1 other, since Mon 1 Jun.") && !asked.contains("Ines"),
        "{asked}"
    );

    // Uma presses *We met* in the group DM.
    let url = fake.response_url();
    let press = Delivery::Interaction {
        payload: button_press("U0000021", "circle_we_met", "1-1", &url),
    };
    fake.deliver_over_socket(&press).await.unwrap();
    eventually("the press is answered", async || {
        fake.responses().iter().any(|r| r.url == url)
    })
    .await;
    let met = open_home(&fake, "U0000001", "Ev6", "You got together.").await;
    assert!(met.contains("Your leadership circle"), "{met}");
    bot.stop().await;
    fake.stop().await;
}
