//! Early warning for a lonely leader: a leader whose live alliances reach
//! too few teams gets one kind DM with steps, their fading ties first, and
//! not another for a month; admins see how many leaders are short of
//! alliances, never who, and only from the k-anonymity floor up.

use crate::helpers::{eventually, fake_user, spawn_bot_on_clock_configured, user};
use alliances::domain::{Clock, DeliveryWindow, SettableClock, UserId};
use alliances::scheduler::JobKind;
use chrono::{Duration, Utc};
use fake_slack::{FakeSlack, FakeUserGroup};
use std::sync::Arc;

const TEAMS: [(&str, char); 5] = [
    ("Engineering", 'E'),
    ("Sales", 'S'),
    ("Marketing", 'M'),
    ("Legal", 'L'),
    ("Finance", 'F'),
];

/// Five teams of five; the first of each team is in the leadership group.
fn company() -> (fake_slack::Workspace, String) {
    let mut users = Vec::new();
    let mut file = String::new();
    for (team, letter) in TEAMS {
        let ids: Vec<String> = (1..=5).map(|i| format!("U0000{letter}0{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            users.push(fake_user(id, &format!("{team} Person {}", i + 1)));
        }
        let members: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
        file.push_str(&format!(
            "[[team]]\nname = \"{team}\"\nmembers = [{}]\n",
            members.join(", ")
        ));
    }
    let mut space = crate::helpers::workspace(users);
    space.usergroups = vec![FakeUserGroup {
        id: "S01".into(),
        handle: "leadership".into(),
        name: "Leadership".into(),
        members: TEAMS
            .iter()
            .map(|(_, letter)| format!("U0000{letter}01"))
            .collect(),
    }];
    (space, file)
}

fn dms_to(fake: &FakeSlack, id: &str) -> Vec<fake_slack::PostedMessage> {
    fake.messages()
        .into_iter()
        .filter(|m| m.dm_user.as_deref() == Some(id))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lonely_leader_is_warned_once_with_fading_ties_first_and_admins_see_only_a_count() {
    let (space, teams) = company();
    let fake = FakeSlack::start(space).await.unwrap();
    let clock = Arc::new(SettableClock::new(Utc::now()));
    let bot = spawn_bot_on_clock_configured(&fake, &teams, clock.clone(), |settings| {
        settings.rules.window = DeliveryWindow::ALWAYS;
        settings.leaders = toml::from_str("usergroup = \"leadership\"").unwrap();
    })
    .await;
    // Ada (U0000E01) leads: live only with Sales; fading with Marketing
    // (Mia, strong; Max, weak) and Legal (Lou); Lea in Legal, the
    // strongest of all, opts out. Finance she never met.
    bot.log_meetings("U0000E01", "U0000S02", clock.now() - Duration::days(5), 3)
        .await;
    bot.log_meetings("U0000E01", "U0000M02", clock.now() - Duration::days(150), 6)
        .await;
    bot.log_meetings("U0000E01", "U0000M03", clock.now() - Duration::days(150), 1)
        .await;
    bot.log_meetings("U0000E01", "U0000L02", clock.now() - Duration::days(200), 2)
        .await;
    bot.log_meetings("U0000E01", "U0000L03", clock.now() - Duration::days(120), 8)
        .await;
    assert!(
        bot.alliances("optout", "U0000L03")
            .await
            .contains("opted out")
    );

    let run = bot
        .app
        .scheduler()
        .run(JobKind::Nudges, clock.now())
        .await
        .unwrap();
    // The other leaders, who met nobody, have only someone new to offer:
    // one step is too few for a warning, so Ada's is the only one.
    assert!(run.summary.contains("1 early warning"), "{}", run.summary);
    eventually("Ada's warning arrives", async || {
        dms_to(&fake, "U0000E01").len() == 1
    })
    .await;
    let warning = &dms_to(&fake, "U0000E01")[0];
    let body = warning.blocks.to_string();
    let at = |needle: &str| {
        body.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {body}"))
    };
    assert!(at("1. <@U0000M02> (Marketing)") < at("2. <@U0000L02> (Legal)"));
    assert!(at("2. <@U0000L02>") < at("3. Someone new in Finance: <@U0000F01>"));
    assert!(
        !body.contains("U0000L03") && !body.contains("U0000M03"),
        "{body}"
    );
    // The warning is marked as given once Slack has taken it, just after
    // it arrives.
    eventually("Ada is marked as warned", async || {
        let ada = bot.person("U0000E01").await.unwrap();
        ada.early_warned_at.is_some()
    })
    .await;
    // Meeting Fay is on record as an introduction, so that nobody
    // introduces the two again soon; and nobody introduces Fay to Ada
    // in the same run.
    let introduced = async || {
        bot.app
            .store()
            .nudges_sent_since(clock.now() - Duration::days(1))
            .await
            .unwrap()
    };
    eventually("meeting Fay is on record", async || {
        introduced()
            .await
            .iter()
            .any(|n| n.is_intro() && n.to == user("U0000E01") && n.about == user("U0000F01"))
    })
    .await;
    let planned = bot.app.store().pending_outbox().await.unwrap();
    let fay_about_ada =
        |to: &UserId, about: &UserId| *to == user("U0000F01") && *about == user("U0000E01");
    assert!(
        !introduced()
            .await
            .iter()
            .any(|n| fay_about_ada(&n.to, &n.about))
    );
    assert!(
        !planned
            .iter()
            .filter_map(|item| item.outgoing.nudge())
            .any(|n| fay_about_ada(&n.to, &n.about))
    );

    // Every one of the five leaders is short of alliances: admins are not
    // told even how many, since "5 of 5" would say it of each, never who.
    let stats = bot.alliances("stats", "U0000009").await;
    assert!(
        stats.contains(
            "For admins: I don't say how many of the 5 leaders have live alliances in fewer than 3 other teams right now"
        ),
        "{stats}"
    );
    assert!(!stats.contains("<@"), "{stats}");
    assert!(!bot.alliances("stats", "U0000S02").await.contains("leaders"));

    // A week later: no second warning, nor any other nudge piled on.
    clock.advance(Duration::days(7));
    bot.app
        .scheduler()
        .run(JobKind::Nudges, clock.now())
        .await
        .unwrap();
    bot.app
        .scheduler()
        .dispatcher()
        .send_due(None)
        .await
        .unwrap();
    assert_eq!(dms_to(&fake, "U0000E01").len(), 1);

    // Two leaders leave the group: three are too few to be counted.
    fake.set_usergroup_members("leadership", &["U0000E01", "U0000S01", "U0000M01"])
        .unwrap();
    bot.app
        .scheduler()
        .run(JobKind::People, clock.now())
        .await
        .unwrap();
    let stats = bot.alliances("stats", "U0000009").await;
    assert!(
        stats.contains("with fewer than 5 leaders, I don't say how many"),
        "{stats}"
    );
    assert!(!stats.contains("of 3 leaders"), "{stats}");
    bot.stop().await;
    fake.stop().await;
}
