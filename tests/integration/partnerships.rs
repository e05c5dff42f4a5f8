//! Key partnerships, through the front door and the fake Slack: a lead of
//! Engineering whose Product tie fades hears of it before a more overdue
//! alliance, another is introduced to Product's lead, the digest and the
//! insights page count the leads with a live alliance (and say nothing
//! under the floor), and `tick --dry-run` explains a partnership nudge.

use crate::helpers::{
    TestBot, alliances, button_press, eventually, fake_user, first_channel_post, output_of,
    spawn_bot_configured, texts, user, workspace,
};
use alliances::domain::{
    Binds, ChannelId, Interaction, InteractionKind, Partnership, Person, TeamId,
};
use alliances::scheduler::JobKind;
use alliances::store::{Store, StoreOptions};
use chrono::{Duration, Utc};
use fake_slack::{Delivery, FakeSlack};

/// Engineering (Dana and Eli lead it), Product (Pat leads it), Sales, and
/// Legal of two; the admin is in no team.
const TEAMS: &str = "\
[[team]]\nname = \"Engineering\"\nmembers = [\"U0000001\", \"U0000002\", \"U0000003\", \"U0000004\", \"U0000005\"]\nleads = [\"U0000001\", \"U0000002\"]\n\
[[team]]\nname = \"Product\"\nmembers = [\"U0000011\", \"U0000012\", \"U0000013\", \"U0000014\", \"U0000015\"]\nleads = [\"U0000011\"]\n\
[[team]]\nname = \"Sales\"\nmembers = [\"U0000021\", \"U0000022\", \"U0000023\", \"U0000024\", \"U0000025\"]\n\
[[team]]\nname = \"Legal\"\nmembers = [\"U0000031\", \"U0000032\"]\n";

const PEOPLE: [(&str, &str); 18] = [
    ("U0000001", "Dana Ito"),
    ("U0000002", "Eli Brandt"),
    ("U0000003", "Fay Moss"),
    ("U0000004", "Gus Lind"),
    ("U0000005", "Hal Nye"),
    ("U0000011", "Pat Lee"),
    ("U0000012", "Quinn Roy"),
    ("U0000013", "Rae Holt"),
    ("U0000014", "Sol Vance"),
    ("U0000015", "Tess Ward"),
    ("U0000021", "Uma Kerr"),
    ("U0000022", "Vic Dunn"),
    ("U0000023", "Wes Pike"),
    ("U0000024", "Xia Lowe"),
    ("U0000025", "Yan Moor"),
    ("U0000031", "Zed Hart"),
    ("U0000032", "Ada Frey"),
    ("U0000009", "Admin Person"),
];

const INSIGHTS_TOKEN: &str = "partnerships-insights-token";

fn team(name: &str) -> TeamId {
    TeamId::parse(name).unwrap()
}

/// Engineering ↔ Product, binding the leads, every 14 days; Sales ↔ Legal,
/// binding everyone in Sales, whose figure Legal's size keeps private.
fn partnerships() -> Vec<Partnership> {
    vec![
        Partnership::new(team("Engineering"), team("Product"), 14, Binds::Leads).unwrap(),
        Partnership::new(team("Sales"), team("Legal"), 14, Binds::Everyone).unwrap(),
    ]
}

/// `times` meetings of `a` and `b`, a week apart, the last `days_ago`.
fn meetings(a: &str, b: &str, days_ago: i64, times: i64, note: &str) -> Vec<Interaction> {
    (0..times)
        .map(|i| {
            Interaction::new(
                Utc::now() - Duration::days(days_ago + 7 * (times - 1 - i)),
                InteractionKind::Meeting,
                [user(a), user(b)],
                Some(user(a)),
                Some(note.to_owned()),
            )
            .unwrap()
        })
        .collect()
}

/// Dana and Pat last met 23 days ago (fading for the partnership, live for
/// the policy); Dana and Uma (Sales) a year ago, more overdue by far; Eli
/// has met nobody in Product, and Vic (Sales) long ago.
fn history() -> Vec<Interaction> {
    let mut history = meetings("U0000001", "U0000011", 23, 5, "the Q3 roadmap");
    history.extend(meetings("U0000001", "U0000021", 365, 8, "pricing"));
    history.extend(meetings("U0000002", "U0000022", 200, 1, "a demo"));
    history
}

async fn deliver(fake: &FakeSlack, delivery: &Delivery) {
    fake.deliver_over_socket(delivery)
        .await
        .expect("the bot takes the delivery");
}

async fn press(fake: &FakeSlack, who: &str, action: &str, value: &str) -> serde_json::Value {
    let url = fake.response_url();
    deliver(
        fake,
        &Delivery::Interaction {
            payload: button_press(who, action, value, &url),
        },
    )
    .await;
    eventually("the press is answered", async || {
        fake.responses().iter().any(|r| r.url == url)
    })
    .await;
    fake.responses()
        .into_iter()
        .find(|r| r.url == url)
        .map(|r| r.body)
        .unwrap()
}

/// The insights page, read over HTTP with the admins' token.
async fn insights_page(bot: &TestBot) -> String {
    let router = alliances::inbound::insights::router(
        bot.app.scheduler().clone(),
        3,
        Some(secrecy::SecretString::from(INSIGHTS_TOKEN.to_owned())),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = tokio::spawn(async move { axum::serve(listener, router).await });
    let page = fake_slack::http_client()
        .build()
        .unwrap()
        .get(format!("http://{address}/insights"))
        .bearer_auth(INSIGHTS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    served.abort();
    html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_hears_of_the_partnership_first_and_the_digest_and_insights_count_its_leads() {
    let people = PEOPLE
        .iter()
        .map(|(id, name)| fake_user(id, name))
        .collect();
    let fake = FakeSlack::start(workspace(people)).await.unwrap();
    let bot = spawn_bot_configured(&fake, TEAMS, |settings| {
        settings.rules = settings.rules.any_time();
        settings.commands.k_anonymity_floor = 3;
        settings.partnerships = partnerships();
    })
    .await;
    bot.first_scheduled_digest_has_run().await;
    bot.app.store().log_interactions(&history()).await.unwrap();

    let scheduler = bot.app.scheduler();
    scheduler.run(JobKind::Nudges, Utc::now()).await.unwrap();
    scheduler
        .dispatcher()
        .drain(std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let dms = fake.messages();
    let dm_to = |id: &str| -> Vec<_> {
        dms.iter()
            .filter(|m| m.dm_user.as_deref() == Some(id))
            .collect()
    };

    // Dana: the fading Product tie, not the year-old Sales one.
    let dana = dm_to("U0000001");
    assert_eq!(dana.len(), 1, "{dana:?}");
    assert_eq!(
        dana[0].text,
        "It's been 23 days since you and <@U0000011> (Product) last met."
    );
    let blocks = dana[0].blocks.to_string();
    assert!(
        blocks.contains("Engineering and Product work best joined at the hip.")
            && blocks.contains("the partnership asks for every 14 days")
            && blocks.contains("last time: the Q3 roadmap"),
        "{blocks}"
    );

    // Eli: no tie in Product, so an introduction to its lead.
    let eli = dm_to("U0000002");
    assert_eq!(eli.len(), 1, "{eli:?}");
    assert_eq!(
        eli[0].text,
        "<@U0000011> leads Product, a key partner of Engineering."
    );
    assert!(
        eli[0]
            .blocks
            .to_string()
            .contains("You don't have a live tie in Product yet"),
        "{}",
        eli[0].blocks
    );
    assert!(
        dm_to("U0000011").is_empty(),
        "Dana's reminder serves Pat too"
    );

    // *Why this?* explains the partnership; *We met* revives the tie.
    let why = press(&fake, "U0000001", "nudge_why", "U0000001:U0000011").await;
    let why = why.to_string();
    assert!(
        why.contains("Engineering ↔ Product is a key partnership") && why.contains("23 days ago"),
        "{why}"
    );
    press(&fake, "U0000001", "nudge_we_met", "U0000001:U0000011").await;

    // A new alliance makes the week worth a digest.
    let channel = ChannelId::parse("C0ALLIANCE").unwrap();
    let met = fake.slash_command(
        "/met",
        "<@U0000023> today coffee",
        user("U0000003"),
        &channel,
    );
    deliver(&fake, &met).await;
    let now = fake.slash_command("/alliances", "digest now", user("U0000009"), &channel);
    deliver(&fake, &now).await;
    let digest = first_channel_post(&fake).await.blocks.to_string();
    assert!(
        digest.contains("Engineering ↔ Product: 2 of 3 leads have a live alliance"),
        "Dana and Pat met; Eli not yet: {digest}"
    );
    assert!(
        !digest.contains("Legal"),
        "Legal is under the floor: no figure for Sales ↔ Legal: {digest}"
    );

    let page = insights_page(&bot).await;
    assert!(page.contains("Key partnerships"), "{page}");
    let engineering_product = &page[page.find("Engineering ↔ Product").unwrap()..];
    let row = &engineering_product[..engineering_product.find("</tr>").unwrap()];
    assert!(row.ends_with(">2/3</td>"), "this week: {row}");
    let sales_legal = &page[page.find("Sales ↔ Legal").unwrap()..];
    let row = &sales_legal[..sales_legal.find("</tr>").unwrap()];
    assert!(!row.contains("/5") && row.contains("held-back"), "{row}");

    // The weeks read the log: kept a while, and the page says since when.
    assert!(page.contains("Worked out at <time"), "{page}");
    let this_week = |page: &str| {
        let from = &page[page.find("Engineering ↔ Product").unwrap()..];
        let row = &from[..from.find("</tr>").unwrap()];
        let cell = &row[row.rfind("<td").unwrap()..];
        cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()].to_owned()
    };
    let eli_meets_pat = fake.slash_command("/met", "<@U0000011> today", user("U0000002"), &channel);
    deliver(&fake, &eli_meets_pat).await;
    let kept = insights_page(&bot).await;
    assert_eq!(
        this_week(&kept),
        "2/3",
        "kept: Eli's meeting not yet counted"
    );
    // A snooze changes nobody's place in a partnership: still kept.
    let snooze = fake.slash_command("/alliances", "snooze 2w", user("U0000005"), &channel);
    deliver(&fake, &snooze).await;
    assert_eq!(
        this_week(&insights_page(&bot).await),
        "2/3",
        "kept through a snooze"
    );
    // Someone opting out may change who counts: worked out again.
    let opt_out = fake.slash_command("/alliances", "optout", user("U0000005"), &channel);
    deliver(&fake, &opt_out).await;
    let again = insights_page(&bot).await;
    assert_eq!(this_week(&again), "3/3", "Dana, Eli and Pat: {again}");
    bot.stop().await;
    fake.stop().await;
}

#[tokio::test]
async fn tick_dry_run_explains_a_partnership_nudge_and_the_partnership_s_line() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("alliances.toml");
    std::fs::write(
        &config,
        "[rules]\nwindow_start_hour = 0\nwindow_end_hour = 24\n\
         working_days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\
         [commands]\nk_anonymity_floor = 1\n\
         [[partnerships]]\nteams = [\"Engineering\", \"Product\"]\ncadence_days = 14\n",
    )
    .unwrap();
    let store_folder = data.path().join("store");
    {
        let store = Store::open(&store_folder, &StoreOptions::default()).unwrap();
        let person = |id: &str, name: &str, of: &str, leads: bool| {
            let mut person = Person {
                team: Some(team(of)),
                ..Person::new(user(id), name)
            };
            person.roles.leads = leads.then(|| team(of));
            person
        };
        store
            .put_people(&[
                person("U0000001", "Dana Ito", "Engineering", true),
                person("U0000011", "Pat Lee", "Product", true),
            ])
            .await
            .unwrap();
        store
            .log_interactions(&meetings("U0000001", "U0000011", 23, 5, "the Q3 roadmap"))
            .await
            .unwrap();
        store.flush().await.unwrap();
    }

    let mut dry_run = alliances();
    dry_run
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&store_folder)
        .args(["tick", "--dry-run"]);
    let planned = output_of(dry_run).await;
    let (stdout, stderr) = texts(&planned);
    assert!(planned.status.success(), "{stderr}");
    assert!(
        stdout.contains("partnership reminder to Dana Ito (Engineering) about Pat Lee (Product)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("why: Engineering ↔ Product is a key partnership")
            && stdout.contains("23 days ago; you've met 5 times, last time: the Q3 roadmap."),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "partnership Engineering ↔ Product: 0 of 2 bound (the leads of both teams) with a live alliance"
        ),
        "{stdout}"
    );
}
