//! The workspace around the bot: where teams come from, people joining and
//! leaving, introductions, the digest on demand, forgetting, uninstalling.

use crate::helpers::{
    TOKEN, TestBot, button_press, eventually, fake_user, first_channel_post, on_both_stores,
    spawn_bot_configured, spawn_bot_over_socket, user, workspace,
};
use alliances::app::App;
use alliances::config::{Secrets, Settings, Teams};
use alliances::domain::{ChannelId, SystemClock};
use alliances::scheduler::JobKind;
use fake_slack::{Delivery, FakeSlack, FakeUser, FakeUserGroup};
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;

pub(crate) const TEAMS: &str = "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\", \"U0000009\"]\n\
                     [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\"]\n\
                     [[team]]\nname = \"Design\"\nmembers = [\"U0000003\"]\n";

pub(crate) fn people() -> Vec<FakeUser> {
    vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
        fake_user("U0000003", "Chen Park"),
        fake_user("U0000009", "Ines Admin"),
    ]
}

/// Slack says Bilal (U0000002) was deactivated; once the bot knows.
async fn bilal_leaves(fake: &FakeSlack, bot: &TestBot) {
    let left = json!({ "id": "U0000002", "name": "bilal", "deleted": true, "is_bot": false, "profile": { "real_name": "Bilal Haddad" } });
    fake.deliver_over_socket(&event(
        "Ev2",
        json!({ "type": "user_change", "user": left }),
    ))
    .await
    .unwrap();
    eventually("Bilal is deactivated", async || {
        bot.person("U0000002").await.is_some_and(|p| p.deactivated)
    })
    .await;
}

fn channel() -> ChannelId {
    ChannelId::parse("C0ALLIANCE").unwrap()
}

fn event(id: &str, event: serde_json::Value) -> Delivery {
    Delivery::Event {
        event_id: id.to_owned(),
        event,
        event_time: 1_700_000_000,
    }
}

/// Runs the people job of a bot configured by `configure` against `fake`.
async fn synced_teams(
    fake: &FakeSlack,
    configure: impl FnOnce(&mut Settings),
) -> Vec<(String, Option<String>)> {
    let data = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.slack.api_url = fake.api_url().try_into().expect("the fake Slack's URL");
    configure(&mut settings);
    let secrets = Secrets {
        bot_token: Some(SecretString::from(TOKEN.to_owned())),
        ..Secrets::default()
    };
    let app = App::build(&settings, &secrets, data.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    app.scheduler()
        .run(JobKind::People, chrono::Utc::now())
        .await
        .unwrap();
    app.store()
        .people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id.to_string(), p.team.map(|t| t.to_string())))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_come_from_the_profile_field_or_from_user_groups() {
    let mut users = people();
    users[0].team = Some("Payments".to_owned());
    users[1].team = Some("Platform".to_owned());
    let mut space = workspace(users);
    space.usergroups = vec![
        FakeUserGroup {
            id: "S01".into(),
            handle: "team-design".into(),
            name: "Design".into(),
            members: vec!["U0000001".into()],
        },
        FakeUserGroup {
            id: "S02".into(),
            handle: "oncall".into(),
            name: "On call".into(),
            members: vec!["U0000002".into()],
        },
        FakeUserGroup {
            id: "S03".into(),
            handle: "team-legal".into(),
            name: "Legal".into(),
            members: vec!["U0000003".into()],
        },
    ];
    let fake = FakeSlack::start(space).await.unwrap();

    let by_field = synced_teams(&fake, |_| {}).await;
    assert!(
        by_field.contains(&("U0000001".into(), Some("Payments".into()))),
        "{by_field:?}"
    );
    assert!(
        by_field.contains(&("U0000002".into(), Some("Platform".into()))),
        "{by_field:?}"
    );
    assert!(
        by_field.contains(&("U0000003".into(), None)),
        "{by_field:?}"
    );

    let by_group = synced_teams(&fake, |s| {
        s.teams = Teams::Usergroups("team-".into());
    })
    .await;
    assert!(
        by_group.contains(&("U0000001".into(), Some("Design".into()))),
        "{by_group:?}"
    );
    assert!(
        by_group.contains(&("U0000002".into(), None)),
        "on-call is not a team: {by_group:?}"
    );
    assert!(
        by_group.contains(&("U0000003".into(), Some("Legal".into()))),
        "{by_group:?}"
    );
    fake.stop().await;
}

on_both_stores! {
async fn an_introduction_opens_a_group_dm_with_both_people(backend: Backend) {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |s| backend.configure(s)).await;

    let intro = fake.slash_command(
        "/alliances",
        "intro <@U0000002> <@U0000003> you both work on onboarding",
        user("U0000001"),
        channel(),
    );
    let answer = fake.deliver_over_socket(&intro).await.unwrap();
    assert!(
        answer.body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("group DM"),
        "{}",
        answer.body
    );

    eventually("the introduction is posted", async || {
        fake.messages()
            .iter()
            .any(|m| m.text.contains("meet <@U0000003>"))
    })
    .await;
    let posted = fake
        .messages()
        .into_iter()
        .find(|m| m.text.contains("meet <@U0000003>"))
        .unwrap();
    assert!(
        posted
            .text
            .contains("<@U0000001> thinks you two should talk"),
        "{}",
        posted.text
    );
    assert!(
        posted.text.contains("you both work on onboarding"),
        "{}",
        posted.text
    );
    assert!(
        posted.channel.as_str().starts_with('G') || posted.channel.as_str().starts_with('C'),
        "a group DM"
    );
    bot.stop().await;
}
}

on_both_stores! {
async fn an_admin_posts_the_digest_now_and_others_may_not(backend: Backend) {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |s| backend.configure(s)).await;
    let met = fake.slash_command(
        "/met",
        "<@U0000002> today lunch",
        user("U0000001"),
        channel(),
    );
    fake.deliver_over_socket(&met).await.unwrap();

    let refused = fake.slash_command("/alliances", "digest now", user("U0000001"), channel());
    let answer = fake.deliver_over_socket(&refused).await.unwrap();
    assert!(
        answer.body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Only the admins"),
        "{}",
        answer.body
    );

    let now = fake.slash_command(
        "/alliances",
        "digest now #alliances",
        user("U0000009"),
        channel(),
    );
    fake.deliver_over_socket(&now).await.unwrap();
    let digest = first_channel_post(&fake).await;
    assert_eq!(
        Some(digest.channel.clone()),
        fake.channel_named("alliances")
    );
    // Both teams are under the k-anonymity floor: the two are thanked by
    // name, their teams left unsaid and no first bridge told.
    let blocks = digest.blocks.to_string();
    assert!(blocks.contains("<@U0000001> and <@U0000002>"), "{blocks}");
    assert!(
        !blocks.contains("Payments") && !blocks.contains("bridge"),
        "{blocks}"
    );
    bot.stop().await;
}
}

on_both_stores! {
async fn a_person_who_turns_shout_outs_on_is_thanked_by_name_in_the_digest(backend: Backend) {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |s| backend.configure(s)).await;
    bot.first_scheduled_digest_has_run().await;
    let say = |from: &str, command: &str, text: &str| {
        fake.slash_command(command, text, user(from), channel())
    };

    let on = say("U0000001", "/alliances", "shoutouts on");
    let answer = fake.deliver_over_socket(&on).await.unwrap();
    assert!(
        answer.body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Shout-outs are on"),
        "{}",
        answer.body
    );
    // Alice and Bilal form two new alliances each; only Alice said yes.
    for (from, to) in [
        ("U0000001", "U0000002"),
        ("U0000001", "U0000003"),
        ("U0000002", "U0000003"),
    ] {
        let met = say(from, "/met", &format!("<@{to}> today lunch"));
        fake.deliver_over_socket(&met).await.unwrap();
    }
    let now = say("U0000009", "/alliances", "digest now");
    fake.deliver_over_socket(&now).await.unwrap();
    let digest = first_channel_post(&fake).await;
    let thanks: Vec<String> = digest
        .blocks
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|block| block["text"]["text"].as_str())
        .filter(|text| text.contains("Bridge-builders"))
        .map(str::to_owned)
        .collect();
    assert_eq!(thanks.len(), 1, "{}", digest.blocks);
    assert!(
        thanks[0].ends_with(": <@U0000001> with 2 new alliances."),
        "only Alice, who said yes: {}",
        thanks[0]
    );
    bot.stop().await;
}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_me_after_the_confirm_leaves_no_trace() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;
    for (from, to) in [("U0000001", "U0000002"), ("U0000002", "U0000003")] {
        let met = fake.slash_command(
            "/met",
            &format!("<@{to}> yesterday lunch"),
            user(from),
            channel(),
        );
        fake.deliver_over_socket(&met).await.unwrap();
    }
    let url = fake.response_url();
    let confirm = Delivery::Interaction {
        payload: button_press("U0000001", "forget_me_confirm", "", &url),
    };
    fake.deliver_over_socket(&confirm).await.unwrap();

    eventually("the confirm is answered", async || {
        fake.responses().iter().any(|r| r.url == url)
    })
    .await;
    let store = bot.app.store();
    assert_eq!(
        store.interaction_count().await.unwrap(),
        1,
        "only Bilal and Chen's meeting stays"
    );
    let export =
        serde_json::to_string(&store.export_person(&user("U0000001")).await.unwrap()).unwrap();
    assert!(!export.contains("lunch"), "{export}");
    assert!(
        store
            .ties()
            .await
            .unwrap()
            .iter()
            .all(|t| !t.pair.contains(&user("U0000001")))
    );
    bot.stop().await;
}

on_both_stores! {
async fn people_joining_changing_and_the_app_leaving_are_kept_current(backend: Backend) {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |s| backend.configure(s)).await;

    let newcomer = json!({ "id": "U0000042", "name": "dana", "real_name": "Dana Ito", "tz": "Asia/Tokyo",
                           "deleted": false, "is_bot": false, "profile": { "real_name": "Dana Ito", "display_name": "Dana" } });
    fake.deliver_over_socket(&event(
        "Ev1",
        json!({ "type": "team_join", "user": newcomer }),
    ))
    .await
    .unwrap();
    eventually("the newcomer is known", async || {
        bot.person("U0000042").await.is_some()
    })
    .await;
    let dana = bot.person("U0000042").await.unwrap();
    assert_eq!(
        (dana.name.as_str(), dana.tz.as_deref()),
        ("Dana", Some("Asia/Tokyo"))
    );

    bilal_leaves(&fake, &bot).await;
    let bilal = bot.person("U0000002").await.unwrap();
    assert_eq!(
        bilal.team.map(|t| t.to_string()).as_deref(),
        Some("Platform"),
        "the team stays"
    );

    let met = fake.slash_command(
        "/met",
        "<@U0000003> today lunch",
        user("U0000001"),
        channel(),
    );
    fake.deliver_over_socket(&met).await.unwrap();
    fake.deliver_over_socket(&event("Ev3", json!({ "type": "app_uninstalled" })))
        .await
        .unwrap();
    eventually("everything is purged", async || {
        bot.app.store().people().await.unwrap().is_empty()
    })
    .await;
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 0);
    bot.stop().await;
}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_home_draws_the_reach_and_a_colleague_who_left_no_longer_counts() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;
    let met = fake.slash_command(
        "/met",
        "<@U0000002> <@U0000009> 3d ago lunch",
        user("U0000001"),
        channel(),
    );
    fake.deliver_over_socket(&met).await.unwrap();
    eventually("the lunch is logged", async || {
        bot.app.store().interaction_count().await.unwrap() == 1
    })
    .await;
    let alice = user("U0000001");
    let opened = |id: &str| {
        event(
            id,
            json!({ "type": "app_home_opened", "user": "U0000001", "tab": "home" }),
        )
    };
    fake.deliver_over_socket(&opened("Ev1")).await.unwrap();
    eventually("the App Home is published", async || {
        fake.home_view(&alice).is_some()
    })
    .await;
    let home = fake.home_view(&alice).unwrap().to_string();
    assert!(
        home.contains("🟩 *Platform* · <@U0000002> · last met 3 days ago · fresh"),
        "{home}"
    );
    assert!(
        home.contains("No alliance yet with Design —") && !home.contains("*Payments*"),
        "her own team is no part of her reach: {home}"
    );

    bilal_leaves(&fake, &bot).await;
    fake.deliver_over_socket(&opened("Ev3")).await.unwrap();
    eventually("the App Home is published again", async || {
        fake.home_view(&alice)
            .is_some_and(|home| home.to_string().contains("still open to you: Design."))
    })
    .await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passive_signals_count_only_when_the_workspace_opts_in_and_keep_no_text() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |s| s.events.passive_signals = true).await;

    let mention = json!({ "type": "message", "channel": "C0ALLIANCE", "user": "U0000001",
                          "text": "thanks <@U0000002> for the secret plan", "ts": "1700000000.000100" });
    fake.deliver_over_socket(&event("Ev1", mention))
        .await
        .unwrap();
    let within_team = json!({ "type": "message", "channel": "C0ALLIANCE", "user": "U0000001",
                              "text": "hi <@U0000009>", "ts": "1700000001.000100" });
    fake.deliver_over_socket(&event("Ev2", within_team))
        .await
        .unwrap();

    eventually("the signal is logged", async || {
        bot.app.store().interaction_count().await.unwrap() == 1
    })
    .await;
    let logged = bot.app.store().interactions().await.unwrap();
    let everything = format!("{logged:?}");
    assert!(
        !everything.contains("secret plan"),
        "no message text is stored: {everything}"
    );
    assert_eq!(
        logged[0].1.kind,
        alliances::domain::InteractionKind::Passive
    );
    bot.stop().await;

    let quiet = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_over_socket(&quiet, TEAMS).await;
    let mention = json!({ "type": "message", "user": "U0000001", "text": "<@U0000002>", "ts": "1700000000.000100" });
    quiet
        .deliver_over_socket(&event("Ev1", mention))
        .await
        .unwrap();
    // A later event that leaves a trace shows the earlier one was handled.
    let opened = json!({ "type": "app_home_opened", "user": "U0000001", "tab": "home" });
    quiet
        .deliver_over_socket(&event("Ev2", opened))
        .await
        .unwrap();
    eventually("the App Home is published", async || {
        quiet.home_view(user("U0000001")).is_some()
    })
    .await;
    assert_eq!(
        bot.app.store().interaction_count().await.unwrap(),
        0,
        "off by default"
    );
    bot.stop().await;
}
