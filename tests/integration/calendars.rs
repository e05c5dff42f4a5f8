//! Calendars, given with consent: Alice types `/alliances calendar`, pastes
//! her calendar's iCal address into the modal, and her meetings with
//! colleagues in other teams count from then on, without a title kept
//! anywhere; a wrong address gets a sentence and keeps nothing; `calendar
//! off` deletes the address.

use crate::helpers::{SIGNING_SECRET, eventually, files_holding, user, workspace};
use alliances::domain::InteractionKind;
use chrono::{Duration, Utc};
use fake_slack::{
    CalendarFault, CalendarShape, Delivery, EMAIL_DOMAIN, FakeCalendar, FakeSlack, FakeUser,
    PRIVATE_TEXT_MARKER,
};
use serde_json::Value;

/// Alice leads nothing and works in Payments; everyone else is in another
/// team, so each meeting of hers with them is an alliance.
const TEAMS: &str = "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\"]\n\
                     [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\", \"U0000003\"]\n\
                     [[team]]\nname = \"Sales\"\nmembers = [\"U0000004\", \"U0000005\", \"U0000006\", \"U0000007\"]\n";

fn person(id: &str, handle: &str) -> FakeUser {
    FakeUser {
        id: id.to_owned(),
        name: handle.to_owned(),
        real_name: handle.to_owned(),
        tz: "Europe/Paris".to_owned(),
        team: None,
        is_bot: false,
        deleted: false,
    }
}

async fn company() -> FakeSlack {
    let handles = ["alice", "bilal", "chloe", "dmitri", "eve", "farid", "gus"];
    let users = handles
        .iter()
        .enumerate()
        .map(|(i, handle)| person(&format!("U000000{}", i + 1), handle))
        .collect();
    let mut workspace = workspace(users);
    // The fake signs what it delivers as Slack would, with the test bots'
    // secret.
    workspace.signing_secret = SIGNING_SECRET.to_owned();
    FakeSlack::start(workspace)
        .await
        .expect("the fake Slack starts")
}

/// Alice's calendar as Google publishes it, with the others in it.
fn alices_calendar(shape: CalendarShape) -> FakeCalendar {
    let colleagues: Vec<String> = ["bilal", "chloe", "dmitri", "eve", "farid", "gus"]
        .iter()
        .map(|handle| format!("{handle}@{EMAIL_DOMAIN}"))
        .collect();
    FakeCalendar::synthetic(
        &format!("alice@{EMAIL_DOMAIN}"),
        &colleagues,
        7,
        Utc::now(),
        180,
        shape,
    )
}

/// Alice types `/alliances calendar`; the modal the bot opens.
async fn alice_opens_the_modal(fake: &FakeSlack, bot: &str) -> Value {
    let before = fake.modals_opened("U0000001").len();
    let command = fake.slash_command("/alliances", "calendar", "U0000001", "C0ALLIANCE");
    let answer = fake.deliver_over_http(bot, &command).await.unwrap();
    let said = answer.body["text"].as_str().unwrap_or_default().to_owned();
    assert!(said.contains("address"), "{said}");
    eventually("the modal is open", async || {
        fake.modals_opened("U0000001").len() > before
    })
    .await;
    fake.modals_opened("U0000001").pop().unwrap()
}

/// Alice submits `address` in `modal`; what the bot answered at once.
async fn alice_submits(fake: &FakeSlack, bot: &str, modal: &Value, address: &str) -> Value {
    let submitted: Delivery = fake.view_submission(
        "U0000001",
        modal,
        &[("calendar_address", "address", address)],
    );
    fake.deliver_over_http(bot, &submitted).await.unwrap().body
}

/// The text of the modal `id` as Alice sees it now.
fn modal_text(fake: &FakeSlack, id: &Value) -> String {
    fake.modals_opened("U0000001")
        .into_iter()
        .find(|view| &view["id"] == id)
        .map(|view| view["blocks"].to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn alice_gives_her_calendar_and_her_meetings_count_with_no_title_kept() {
    let fake = company().await;
    let address = fake.publish_calendar("U0000001", alices_calendar(CalendarShape::Google));
    let bot = spawn_bot_reading_the_fake(&fake).await;

    let modal = alice_opens_the_modal(&fake, &bot.url).await;
    assert_eq!(modal["callback_id"], "calendar_consent");
    let ask = modal["blocks"].to_string();
    assert!(ask.contains("never a title") && ask.contains("Secret address in iCal format"));
    let answer = alice_submits(&fake, &bot.url, &modal, &address).await;
    assert_eq!(answer["response_action"], "update", "{answer}");
    assert!(answer["view"].to_string().contains("Reading your calendar"));
    eventually("the modal says what it found", async || {
        modal_text(&fake, &modal["id"]).contains("I'll count them from now on")
    })
    .await;

    let expected = alices_calendar(CalendarShape::Google)
        .countable(Utc::now(), Duration::days(180), 8)
        .len();
    assert!(expected > 20, "a realistic calendar: {expected}");
    let shown = modal_text(&fake, &modal["id"]);
    assert!(
        shown.contains(&format!("{expected} meetings with ")),
        "{shown}"
    );
    let store = bot.app.store();
    let from_calendar = store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, i)| i.kind == InteractionKind::Calendar)
        .count();
    assert!(
        from_calendar >= expected,
        "{from_calendar} pairs for {expected} meetings"
    );
    let kept = store
        .calendar(&user("U0000001"))
        .await
        .unwrap()
        .expect("kept");
    assert!(kept.read_at.is_some() && kept.etag.is_some());

    // Read again (as the daily job will): nothing counted twice.
    let again = alice_opens_the_modal(&fake, &bot.url).await;
    let _ = alice_submits(&fake, &bot.url, &again, &address).await;
    eventually("read again", async || {
        modal_text(&fake, &again["id"]).contains("I'll count them from now on")
    })
    .await;
    let after = store
        .interactions()
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, i)| i.kind == InteractionKind::Calendar)
        .count();
    assert_eq!(after, from_calendar);

    let data = bot.stop_keeping_data().await;
    let secret = address.rsplit('/').next().unwrap().trim_end_matches(".ics");
    for needle in [PRIVATE_TEXT_MARKER, secret, "alice@"] {
        let found = files_holding(data.path(), needle.as_bytes());
        assert!(found.is_empty(), "{needle} in {found:?}");
    }
}

#[tokio::test]
async fn a_calendar_that_cannot_be_read_gets_a_sentence_and_nothing_is_kept() {
    let fake = company().await;
    let address = fake.publish_calendar("U0000001", alices_calendar(CalendarShape::Outlook));
    let bot = spawn_bot_reading_the_fake(&fake).await;
    let modal = alice_opens_the_modal(&fake, &bot.url).await;

    // A web page's address is refused at once, under the input.
    let page = "https://calendar.google.com/calendar/embed?src=alice%40example.com";
    let refused = alice_submits(&fake, &bot.url, &modal, page).await;
    assert_eq!(refused["response_action"], "errors");
    assert!(
        refused["errors"]["calendar_address"]
            .as_str()
            .unwrap()
            .contains("Secret address in iCal format")
    );

    for (fault, said) in [
        (CalendarFault::NotFound, "its server answered 404"),
        (CalendarFault::ServerError(503), "its server answered 503"),
        (CalendarFault::NotICalendar, "not in iCalendar format"),
        (CalendarFault::TooLarge, "more than 10 MB"),
        // Even with the fake's loopback let through, a redirect inside
        // the network or to the cloud's metadata address is refused.
        (
            CalendarFault::RedirectTo("http://169.254.169.254/latest/meta-data/".into()),
            "not on the public internet",
        ),
        (
            CalendarFault::RedirectTo("http://10.0.0.7/calendar.ics".into()),
            "not on the public internet",
        ),
    ] {
        fake.set_calendar_fault("U0000001", Some(fault));
        let modal = alice_opens_the_modal(&fake, &bot.url).await;
        let _ = alice_submits(&fake, &bot.url, &modal, &address).await;
        eventually(said, async || {
            modal_text(&fake, &modal["id"]).contains(said)
        })
        .await;
        let shown = modal_text(&fake, &modal["id"]);
        assert!(shown.contains("Nothing was kept"), "{shown}");
        assert!(!shown.contains(address.as_str()), "{shown}");
    }
    let store = bot.app.store();
    assert_eq!(store.calendar(&user("U0000001")).await.unwrap(), None);
    assert!(
        store
            .interactions()
            .await
            .unwrap()
            .iter()
            .all(|(_, i)| i.kind != InteractionKind::Calendar)
    );
    bot.stop().await;
}

#[tokio::test]
async fn calendar_off_deletes_the_address() {
    let fake = company().await;
    let address = fake.publish_calendar("U0000001", alices_calendar(CalendarShape::Google));
    let bot = spawn_bot_reading_the_fake(&fake).await;
    let modal = alice_opens_the_modal(&fake, &bot.url).await;
    let _ = alice_submits(&fake, &bot.url, &modal, &address).await;
    eventually("read", async || {
        modal_text(&fake, &modal["id"]).contains("I'll count them from now on")
    })
    .await;

    let said = bot.alliances("calendar off", "U0000001").await;
    assert!(said.contains("deleted its address"), "{said}");
    assert_eq!(
        bot.app.store().calendar(&user("U0000001")).await.unwrap(),
        None
    );
    let said = bot.alliances("calendar off", "U0000001").await;
    assert!(said.contains("nothing to stop"), "{said}");
    let said = bot
        .alliances("calendar https://x.example/a.ics", "U0000001")
        .await;
    assert!(said.contains("type it alone"), "{said}");
    bot.stop().await;
}

/// The bot over HTTP, allowed to read the fake's calendars on 127.0.0.1.
async fn spawn_bot_reading_the_fake(fake: &FakeSlack) -> crate::helpers::TestBot {
    crate::helpers::spawn_bot_on_clock_configured(
        fake,
        TEAMS,
        std::sync::Arc::new(alliances::domain::SystemClock),
        |settings| settings.calendars.allow_private_hosts = true,
    )
    .await
}

#[tokio::test]
async fn the_daily_job_reads_only_what_changed_and_tells_alice_once_after_a_week_of_failures() {
    use alliances::domain::{Clock as _, SettableClock};
    use alliances::scheduler::JobKind;
    let fake = company().await;
    let address = fake.publish_calendar("U0000001", alices_calendar(CalendarShape::Outlook));
    let clock = std::sync::Arc::new(SettableClock::new(Utc::now()));
    let bot =
        crate::helpers::spawn_bot_on_clock_configured(&fake, TEAMS, clock.clone(), |settings| {
            settings.calendars.allow_private_hosts = true
        })
        .await;
    let modal = alice_opens_the_modal(&fake, &bot.url).await;
    let _ = alice_submits(&fake, &bot.url, &modal, &address).await;
    eventually("read", async || {
        modal_text(&fake, &modal["id"]).contains("I'll count them from now on")
    })
    .await;
    let scheduler = bot.app.scheduler();
    let day = |n: i64| clock.advance(Duration::days(n));
    let read = || async {
        scheduler
            .run(JobKind::Calendars, clock.now())
            .await
            .unwrap()
            .summary
    };

    // A day on, the meetings that had not ended then have: the feed is
    // read whole again, unchanged as it is, and they count.
    day(1);
    let summary = read().await;
    assert!(
        summary.starts_with("read 1 calendar (0 unchanged), "),
        "{summary}"
    );
    assert!(!summary.contains(" 0 new interactions"), "{summary}");
    assert!(
        !fake
            .calendar_fetches("U0000001")
            .last()
            .unwrap()
            .conditional
    );
    // Read again before another ends: asked whether it changed, it did not.
    let summary = read().await;
    assert!(
        summary.starts_with("read 1 calendar (1 unchanged)"),
        "{summary}"
    );
    assert!(
        fake.calendar_fetches("U0000001")
            .last()
            .unwrap()
            .conditional
    );

    // Its server goes away: tried after one, two and four days, and told
    // once, when it has failed for a week.
    fake.set_calendar_fault("U0000001", Some(CalendarFault::NotFound));
    let mut summaries = Vec::new();
    for _ in 0..12 {
        day(1);
        summaries.push(read().await);
        scheduler.dispatcher().send_due(None).await.unwrap();
    }
    let failed: Vec<usize> = summaries
        .iter()
        .enumerate()
        .filter(|(_, s)| s.contains("1 failed"))
        .map(|(i, _)| i + 2)
        .collect();
    assert_eq!(failed, [2, 3, 5, 9], "{summaries:#?}");
    let told: Vec<_> = fake
        .messages()
        .into_iter()
        .filter(|m| m.dm_user.as_deref() == Some("U0000001"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]
            .text
            .contains("haven't been able to read your calendar")
    );
    assert!(told[0].text.contains("its server answered 404"));
    assert!(!told[0].text.contains(address.as_str()));

    // It comes back: read again at the next try, and it counts again.
    fake.set_calendar_fault("U0000001", None);
    let mut back = String::new();
    for _ in 0..7 {
        day(1);
        back = read().await;
        if back.starts_with("read 1") {
            break;
        }
    }
    assert!(back.starts_with("read 1 calendar"), "{back}");
    let kept = bot
        .app
        .store()
        .calendar(&user("U0000001"))
        .await
        .unwrap()
        .unwrap();
    assert!(kept.failing_since.is_none() && !kept.told_failing);
    bot.stop().await;
}

#[tokio::test]
async fn doctor_says_whether_the_stored_addresses_open_with_the_key_set_now() {
    use alliances::calendars::CalendarKey;
    use alliances::domain::CalendarFeed;
    let folder = tempfile::tempdir().unwrap();
    let data = folder.path().join("data");
    {
        let settings = alliances::config::Settings::default();
        let store = alliances::data_dir::open_store(&settings, &data)
            .await
            .unwrap();
        let key = CalendarKey::parse(crate::helpers::ENCRYPTION_KEY).unwrap();
        let sealed = key
            .seal(
                &user("U0000001"),
                "https://calendar.example/private-31337/basic.ics",
            )
            .unwrap();
        store
            .put_calendar(&CalendarFeed::new(user("U0000001"), sealed, Utc::now()))
            .await
            .unwrap();
    }
    let doctor = |key: &str| {
        let mut command = crate::helpers::alliances();
        command
            .arg("--data-dir")
            .arg(&data)
            .arg("doctor")
            .env("ALLIANCES_SLACK_APP_TOKEN", "xapp-1-doctor")
            .env("ALLIANCES_ENCRYPTION_KEY", key);
        crate::helpers::output_of(command)
    };

    let (stdout, _) = crate::helpers::texts(&doctor(crate::helpers::ENCRYPTION_KEY).await);
    assert!(
        stdout
            .contains("✓ 1 calendar was given: every address opens with ALLIANCES_ENCRYPTION_KEY"),
        "{stdout}"
    );
    let other = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let (stdout, stderr) = crate::helpers::texts(&doctor(other).await);
    assert!(
        stdout.contains("✗ 1 calendar was given, and 1 of their addresses do not open")
            && stdout.contains("the key they were sealed with"),
        "{stdout}"
    );
    assert!(!stdout.contains("private-31337") && !stderr.contains("private-31337"));
}

#[tokio::test]
async fn alice_finds_her_calendar_on_her_app_home_and_its_button_opens_the_modal() {
    let fake = company().await;
    let bot = spawn_bot_reading_the_fake(&fake).await;
    let opened = fake_slack::Delivery::Event {
        event_id: "Ev0CALENDAR".to_owned(),
        event: serde_json::json!({ "type": "app_home_opened", "user": "U0000001", "tab": "home" }),
        event_time: Utc::now().timestamp(),
    };
    fake.deliver_over_http(&bot.url, &opened).await.unwrap();
    eventually("her App Home is published", async || {
        fake.home_view("U0000001").is_some()
    })
    .await;
    let home = fake.home_view("U0000001").unwrap().to_string();
    assert!(
        home.contains("Your calendar isn't read") && home.contains("home_calendar"),
        "{home}"
    );

    let press = crate::helpers::button_press("U0000001", "home_calendar", "", "");
    fake.deliver_over_http(&bot.url, &Delivery::Interaction { payload: press })
        .await
        .unwrap();
    eventually("the modal is open", async || {
        !fake.modals_opened("U0000001").is_empty()
    })
    .await;
    assert_eq!(
        fake.modals_opened("U0000001")[0]["callback_id"],
        "calendar_consent"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_address_key_or_email_reaches_the_logs_over_http_at_debug_or_a_socket_at_trace() {
    use crate::helpers::{alliances, listening, serve_command, stop_with_sigterm};
    for over_socket in [false, true] {
        let fake = company().await;
        let address = fake.publish_calendar("U0000001", alices_calendar(CalendarShape::Google));
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("teams.toml"), TEAMS).unwrap();
        let config = folder.path().join("alliances.toml");
        std::fs::write(
            &config,
            "[teams]\nfile = \"teams.toml\"\n[calendars]\nallow_private_hosts = true\n",
        )
        .unwrap();
        let data = folder.path().join("data");
        let mut command = if over_socket {
            let mut command = alliances();
            command
                .arg("--data-dir")
                .arg(&data)
                .arg("serve")
                .stdout(std::process::Stdio::piped())
                .env("ALLIANCES_SLACK_BOT_TOKEN", fake.bot_token())
                .env("ALLIANCES_SLACK_APP_TOKEN", fake.app_token())
                .env("ALLIANCES_SLACK_API_URL", fake.api_url())
                .env("RUST_LOG", "trace");
            command
        } else {
            let mut command = serve_command(&fake, &data);
            command.env("RUST_LOG", "debug");
            command
        };
        let mut child = command
            .arg("--config")
            .arg(&config)
            .env("ALLIANCES_ENCRYPTION_KEY", crate::helpers::ENCRYPTION_KEY)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read as it comes: a full pipe would hold the bot up mid-log.
        let mut stderr = child.stderr.take().unwrap();
        let logs = std::thread::spawn(move || {
            let mut logs = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut logs).map(|_| logs)
        });
        let url = listening(&mut child).await.slack;
        eventually("the bot is up", async || match &url {
            Some(_) => fake.calls().iter().any(|call| call.method == "users.list"),
            None => fake.socket_connected(),
        })
        .await;
        let deliver = |delivery: Delivery| {
            let (fake, url) = (&fake, url.clone());
            async move {
                match url {
                    Some(url) => fake.deliver_over_http(&url, &delivery).await.unwrap(),
                    None => fake.deliver_over_socket(&delivery).await.unwrap(),
                }
            }
        };

        // Alice gives it, then it fails: both are logged, neither with it.
        for fault in [None, Some(CalendarFault::NotFound)] {
            fake.set_calendar_fault("U0000001", fault);
            let before = fake.modals_opened("U0000001").len();
            deliver(fake.slash_command("/alliances", "calendar", "U0000001", "C0ALLIANCE")).await;
            eventually("the modal is open", async || {
                fake.modals_opened("U0000001").len() > before
            })
            .await;
            let modal = fake.modals_opened("U0000001").pop().unwrap();
            let submitted = fake.view_submission(
                "U0000001",
                &modal,
                &[("calendar_address", "address", &address)],
            );
            assert_eq!(deliver(submitted).await.body["response_action"], "update");
            eventually("read or refused", async || {
                let text = modal_text(&fake, &modal["id"]);
                text.contains("I'll count them") || text.contains("Nothing was kept")
            })
            .await;
        }
        assert!(stop_with_sigterm(child).await.status.success());
        let logs = logs.join().unwrap().unwrap();
        assert!(
            logs.contains("a calendar given could not be read"),
            "{logs}"
        );
        let secret = address.rsplit('/').next().unwrap().trim_end_matches(".ics");
        for needle in [
            secret,
            crate::helpers::ENCRYPTION_KEY,
            "alice@",
            PRIVATE_TEXT_MARKER,
        ] {
            assert!(
                !logs.contains(needle),
                "`{needle}` appears in the logs (over a socket: {over_socket})"
            );
        }
    }
}

#[tokio::test]
async fn over_socket_mode_the_submission_is_answered_in_its_acknowledgement() {
    let fake = company().await;
    let address = fake.publish_calendar("U0000001", alices_calendar(CalendarShape::Google));
    let bot = crate::helpers::spawn_bot_over_socket_on_clock_configured(
        &fake,
        TEAMS,
        std::sync::Arc::new(alliances::domain::SystemClock),
        |settings| settings.calendars.allow_private_hosts = true,
    )
    .await;
    let command = fake.slash_command("/alliances", "calendar", "U0000001", "C0ALLIANCE");
    fake.deliver_over_socket(&command).await.unwrap();
    eventually("the modal is open", async || {
        !fake.modals_opened("U0000001").is_empty()
    })
    .await;
    let modal = fake.modals_opened("U0000001").remove(0);
    let submitted = fake.view_submission(
        "U0000001",
        &modal,
        &[("calendar_address", "address", &address)],
    );
    let answer = fake.deliver_over_socket(&submitted).await.unwrap();
    assert_eq!(
        answer.body["response_action"], "update",
        "{:?}",
        answer.body
    );
    eventually("read", async || {
        modal_text(&fake, &modal["id"]).contains("I'll count them from now on")
    })
    .await;
    bot.stop().await;
}

#[tokio::test]
async fn calendar_off_while_the_first_read_is_under_way_keeps_nothing() {
    let fake = company().await;
    let address = fake.publish_calendar("U0000001", alices_calendar(CalendarShape::Google));
    let read = fake_slack::Gate::default();
    fake.set_calendar_fault("U0000001", Some(CalendarFault::Held(read.clone())));
    let bot = spawn_bot_reading_the_fake(&fake).await;
    let modal = alice_opens_the_modal(&fake, &bot.url).await;
    let answer = alice_submits(&fake, &bot.url, &modal, &address).await;
    assert_eq!(answer["response_action"], "update");

    // She changes her mind while it is read, and only then does the feed
    // come.
    eventually("the first read is under way", async || {
        !fake.calendar_fetches("U0000001").is_empty()
    })
    .await;
    let said = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        bot.alliances("calendar off", "U0000001"),
    )
    .await
    .expect("calendar off does not wait for the read in flight");
    assert!(said.contains("deleted its address"), "{said}");
    read.open();
    eventually("the modal says so", async || {
        modal_text(&fake, &modal["id"]).contains("took your calendar back")
    })
    .await;
    assert_eq!(
        bot.app.store().calendar(&user("U0000001")).await.unwrap(),
        None
    );
    bot.stop().await;
}
