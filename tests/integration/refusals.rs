//! What the bot turns away, and how it says so: meetings with people who
//! opted out or left (typed, or pressed on an old nudge), meetings with more people than it logs at once, more
//! meetings or introductions in an hour than anyone makes by hand, and the
//! same two people introduced twice. Each refusal is a sentence that says
//! what to do, and nothing is logged.

use crate::helpers::now;
use crate::helpers::{
    TestBot, button_press, eventually, fake_user, spawn_bot, spawn_bot_configured, workspace,
};
use fake_slack::{Delivery, FakeSlack, FakeUser};
use serde_json::json;

/// Alice and Dana in Payments, Bilal in Platform, Chen in Design, Erin in
/// Legal, and twelve people in Sales.
fn teams() -> String {
    let sales: Vec<String> = (10..22).map(|n| format!("\"U00000{n}\"")).collect();
    format!(
        "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\", \"U0000004\"]\n\
         [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\"]\n\
         [[team]]\nname = \"Design\"\nmembers = [\"U0000003\"]\n\
         [[team]]\nname = \"Legal\"\nmembers = [\"U0000005\"]\n\
         [[team]]\nname = \"Sales\"\nmembers = [{}]\n",
        sales.join(", ")
    )
}

fn people() -> Vec<FakeUser> {
    let mut people = vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
        fake_user("U0000003", "Chen Park"),
        fake_user("U0000004", "Dana Ito"),
        fake_user("U0000005", "Erin Left"),
    ];
    people.extend((10..22).map(|n| fake_user(&format!("U00000{n}"), &format!("Seller {n}"))));
    people
}

/// Slack tells the bot, over signed HTTP, that Erin was deactivated.
async fn erin_leaves(bot: &TestBot) {
    let envelope = json!({ "type": "event_callback", "event_id": "Ev-erin", "event_time": now(),
        "event": { "type": "user_change", "user": { "id": "U0000005", "name": "erin",
            "deleted": true, "is_bot": false, "profile": { "real_name": "Erin Left" } } } });
    let response = bot
        .post(
            "/slack/events",
            "application/json",
            &envelope.to_string(),
            Some(now()),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    eventually("Erin is deactivated", async || {
        bot.app
            .store()
            .person(&crate::helpers::user("U0000005"))
            .await
            .unwrap()
            .is_some_and(|p| p.deactivated)
    })
    .await;
}

async fn answer(bot: &TestBot, command: &str, text: &str, from: &str, trigger: &str) -> String {
    let (status, body) = bot.slash(command, text, from, trigger).await;
    assert_eq!(status, 200, "{body}");
    body["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_logs_a_meeting_with_someone_who_opted_out_or_left_and_the_refusal_tells_neither() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot(&fake, &teams()).await;

    let opted_out = answer(&bot, "/alliances", "optout", "U0000002", "t-1").await;
    assert!(opted_out.contains("You're opted out"), "{opted_out}");
    erin_leaves(&bot).await;

    let with_bilal = answer(&bot, "/met", "<@U0000002> coffee", "U0000001", "t-2").await;
    let by_name = answer(&bot, "/met", "@bilal.haddad coffee", "U0000001", "t-3").await;
    let with_erin = answer(&bot, "/met", "<@U0000005> coffee", "U0000001", "t-4").await;
    let with_both = answer(
        &bot,
        "/met",
        "<@U0000003> <@U0000002> design review",
        "U0000001",
        "t-5",
    )
    .await;
    for (refusal, who) in [
        (&with_bilal, "U0000002"),
        (&by_name, "U0000002"),
        (&with_erin, "U0000005"),
        (&with_both, "U0000002"),
    ] {
        assert!(
            refusal.contains(&format!(
                "I can't log meetings with that person (<@{who}>), so nothing was logged."
            )),
            "{refusal}"
        );
        for telling in ["opted", "left", "deactivated"] {
            assert!(!refusal.contains(telling), "{refusal}");
        }
    }
    assert_eq!(
        bot.app.store().interaction_count().await.unwrap(),
        0,
        "a refused meeting logs nobody, not even the others named with them"
    );

    // Back in, Bilal can be met again.
    answer(&bot, "/alliances", "optin", "U0000002", "t-6").await;
    let met = answer(&bot, "/met", "<@U0000002> coffee", "U0000001", "t-7").await;
    assert!(met.contains("Logged"), "{met}");
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 1);
    bot.stop().await;
}

/// `who` presses `action_id` with `value` on a nudge, over signed HTTP, as
/// the press stamped `action_ts`; what the bot answers at its response URL.
async fn press(
    bot: &TestBot,
    fake: &FakeSlack,
    who: &str,
    action_id: &str,
    value: &str,
    action_ts: &str,
) -> String {
    let url = fake.response_url();
    let mut payload = button_press(who, action_id, value, &url);
    payload["actions"][0]["action_ts"] = json!(action_ts);
    let form = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    let response = bot
        .post(
            "/slack/interactivity",
            "application/x-www-form-urlencoded",
            &form,
            Some(now()),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    eventually("the press is answered", async || {
        fake.responses().iter().any(|r| r.url == url)
    })
    .await;
    let answered = fake.responses().into_iter().find(|r| r.url == url).unwrap();
    answered.body["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn we_met_on_an_old_nudge_logs_nobody_who_opted_out_left_or_was_forgotten_since() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot(&fake, &teams()).await;
    // Alice was nudged about Bilal, Chen, Erin and a seller. Since then,
    // Bilal opted out, Erin left, and Chen asked to be forgotten.
    answer(&bot, "/alliances", "optout", "U0000002", "t-1").await;
    erin_leaves(&bot).await;
    let forgotten = press(&bot, &fake, "U0000003", "forget_me_confirm", "", "1.1").await;
    assert!(forgotten.contains("forgotten"), "{forgotten}");

    for (who, ts) in [
        ("U0000002", "2.1"),
        ("U0000005", "2.2"),
        ("U0000003", "2.3"),
    ] {
        let value = format!("U0000001:{who}");
        let refused = press(&bot, &fake, "U0000001", "nudge_we_met", &value, ts).await;
        assert_eq!(
            refused,
            format!(
                "I can't log meetings with that person (<@{who}>) any more, so nothing was logged."
            )
        );
    }
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 0);
    // *Not relevant* on the nudge about Chen keeps his id nowhere.
    let not_relevant = press(
        &bot,
        &fake,
        "U0000001",
        "nudge_not_relevant",
        "U0000001:U0000003",
        "2.4",
    )
    .await;
    assert!(
        not_relevant.contains("I won't nudge you about"),
        "{not_relevant}"
    );
    let alice = bot.person("U0000001").await.unwrap();
    assert!(alice.paused.is_empty(), "{:?}", alice.paused);

    // With the seller, a double click logs one meeting, and so does the
    // seller's own press on their nudge about Alice; each press says so.
    for (who, value, ts) in [
        ("U0000001", "U0000001:U0000010", "3.1"),
        ("U0000001", "U0000001:U0000010", "3.2"),
        ("U0000010", "U0000010:U0000001", "3.3"),
    ] {
        let logged = press(&bot, &fake, who, "nudge_we_met", value, ts).await;
        assert!(logged.contains("Logged: you and <@"), "{logged}");
    }
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_names_at_most_ten_others_and_sixty_meetings_an_hour_are_enough() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot(&fake, &teams()).await;

    let sellers = |count: usize| {
        (10..10 + count)
            .map(|n| format!("<@U00000{n}>"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let eleven = answer(&bot, "/met", &sellers(11), "U0000001", "t-1").await;
    assert!(
        eleven.contains("That's 11 people: I log a meeting with at most 10 others at a time."),
        "{eleven}"
    );
    assert!(eleven.contains("/met @alice yesterday"), "{eleven}");
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 0);
    // Naming oneself among them does not count against the ten.
    let ten = answer(
        &bot,
        "/met",
        &format!("<@U0000001> {} kick-off", sellers(10)),
        "U0000001",
        "t-2",
    )
    .await;
    assert!(ten.contains("Logged"), "{ten}");

    for n in 3..=61 {
        // Each a meeting of its own: the same words again within minutes
        // would be taken for a retry.
        let logged = answer(
            &bot,
            "/met",
            &format!("<@U0000002> standup {n}"),
            "U0000001",
            &format!("t-{n}"),
        )
        .await;
        assert!(logged.contains("Logged"), "meeting {n}: {logged}");
    }
    let sixty_first = answer(&bot, "/met", "<@U0000002> standup 62", "U0000001", "t-62").await;
    assert!(
        sixty_first.contains(
            "That's 60 meetings within an hour, as many as I take from one person. Try again in"
        ),
        "{sixty_first}"
    );
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 60);
    // Someone else is not held up by it.
    let dana = answer(&bot, "/met", "<@U0000002> standup", "U0000004", "t-63").await;
    assert!(dana.contains("Logged"), "{dana}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_two_people_are_introduced_once_whoever_asks_and_ten_introductions_an_hour_are_enough()
 {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot(&fake, &teams()).await;

    let first = answer(
        &bot,
        "/alliances",
        "intro <@U0000002> <@U0000003> onboarding",
        "U0000001",
        "t-1",
    )
    .await;
    assert!(first.contains("I'm opening a group DM"), "{first}");
    let again = answer(
        &bot,
        "/alliances",
        "intro <@U0000003> <@U0000002>",
        "U0000004",
        "t-2",
    )
    .await;
    assert!(
        again.contains("Those two were introduced lately")
            && again.contains("Try again in 30 days."),
        "{again}"
    );
    eventually("the one introduction is posted", async || {
        fake.messages()
            .iter()
            .any(|m| m.text.contains("thinks you two should talk"))
    })
    .await;

    // Nine more pairs from Alice, then the eleventh introduction of the hour.
    for n in 10..19 {
        let text = format!("intro <@U0000002> <@U00000{n}>");
        let made = answer(&bot, "/alliances", &text, "U0000001", &format!("t-{n}")).await;
        assert!(made.contains("I'm opening a group DM"), "{made}");
    }
    let eleventh = answer(
        &bot,
        "/alliances",
        "intro <@U0000002> <@U0000019>",
        "U0000001",
        "t-19",
    )
    .await;
    assert!(
        eleventh.contains("That's 10 introductions within an hour"),
        "{eleventh}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passive_signal_leaves_out_who_opted_out_and_counts_at_most_ten_mentions() {
    let fake = FakeSlack::start(workspace(people())).await.unwrap();
    let bot = spawn_bot_configured(&fake, &teams(), |s| s.events.passive_signals = true).await;
    let event = |id: &str, user: &str, text: &str| Delivery::Event {
        event_id: id.to_owned(),
        event: json!({ "type": "message", "channel": "C0ALLIANCE", "user": user,
                       "text": text, "ts": "1700000000.000100" }),
        event_time: 1_700_000_000,
    };
    let optout = Delivery::SlashCommand {
        command: "/alliances".to_owned(),
        text: "optout".to_owned(),
        user: "U0000002".into(),
        channel: "C0ALLIANCE".into(),
        trigger_id: "t-1".to_owned(),
        response_url: format!("{}/response/1", fake.api_url()),
    };
    fake.deliver_over_socket(&optout).await.unwrap();

    // Bilal opted out: his writing is no signal at all, and Alice thanking
    // him and Chen is a signal with Chen alone.
    fake.deliver_over_socket(&event("Ev1", "U0000002", "cc <@U0000003>"))
        .await
        .unwrap();
    fake.deliver_over_socket(&event(
        "Ev2",
        "U0000001",
        "thanks <@U0000002> and <@U0000003>",
    ))
    .await
    .unwrap();
    // Twelve sellers named at once: the first ten count.
    let everyone: Vec<String> = (10..22).map(|n| format!("<@U00000{n}>")).collect();
    fake.deliver_over_socket(&event("Ev3", "U0000003", &everyone.join(" ")))
        .await
        .unwrap();
    // Stopping waits for the events in hand to be handled.
    let store = bot.app.store().clone();
    bot.stop().await;

    let mut logged: Vec<Vec<String>> = store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, i)| i.participants.iter().map(|p| p.to_string()).collect())
        .collect();
    logged.sort_by_key(Vec::len);
    let mut sellers: Vec<String> = (10..20).map(|n| format!("U00000{n}")).collect();
    sellers.insert(0, "U0000003".to_owned());
    assert_eq!(
        logged,
        [vec!["U0000001".to_owned(), "U0000003".to_owned()], sellers],
        "nobody is logged who opted out, and a message counts ten mentions at most"
    );
}
