//! The insights page over real HTTP, on a real store: who gets in, and
//! what a small team's people never see of themselves.

use super::*;
use crate::domain::{Interaction, InteractionKind, Person, SettableClock, TeamId, UserId};
use crate::store::{Store, StoreOptions};
use chrono::{TimeZone, Utc};

const TOKEN: &str = "insights-token-for-tests";

/// Six people in Payments, five in Platform, two in Legal; a few meetings.
async fn company(store: &Store) {
    let mut people = Vec::new();
    for (prefix, team, n) in [
        ("UPAY", "Payments", 6),
        ("UPLA", "Platform", 5),
        ("ULEG", "Legal", 2),
    ] {
        for i in 1..=n {
            people.push(Person {
                team: Some(TeamId::parse(team).unwrap()),
                ..Person::new(
                    UserId::parse(&format!("{prefix}{i}")).unwrap(),
                    format!("{prefix}{i}").to_lowercase(),
                )
            });
        }
    }
    store.put_people(&people).await.unwrap();
    for (a, b, day) in [
        ("UPAY1", "UPLA1", 2),
        ("UPAY2", "UPLA2", 9),
        ("UPAY3", "ULEG1", 16),
    ] {
        let at = Utc.with_ymd_and_hms(2026, 11, day, 10, 0, 0).unwrap();
        let ids = [a, b].map(|id| UserId::parse(id).unwrap());
        let meeting = Interaction::new(at, InteractionKind::Meeting, ids, None, None).unwrap();
        store.log_interaction(&meeting).await.unwrap();
    }
}

/// Serves the insights route on 127.0.0.1 with `token`; its base URL.
async fn serve(token: Option<&str>) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    company(&store).await;
    let clock: Arc<dyn crate::domain::Clock> = Arc::new(SettableClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
    ));
    let settings = crate::config::Settings::default();
    // Slack is never called for the page.
    let slack = crate::slack::SlackClient::new(
        "http://127.0.0.1:9/api",
        &SecretString::from("xoxb-unused".to_owned()),
    )
    .unwrap();
    let scheduler = Scheduler::new(
        &settings,
        store,
        slack,
        clock,
        crate::config::Teams::listed([]),
        crate::metrics::Metrics::new(),
    );
    let router = router(
        scheduler,
        settings.commands.k_anonymity_floor,
        token.map(|t| SecretString::from(t.to_owned())),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = crate::inbound::server::serve(
        listener,
        router,
        crate::inbound::server::Limits::OPERATOR,
        tokio_util::sync::CancellationToken::new(),
        std::time::Duration::ZERO,
    );
    tokio::spawn(served);
    (format!("http://{address}/insights"), dir)
}

#[tokio::test]
async fn without_the_token_an_admin_is_asked_for_it_and_sees_nothing() {
    let (url, _dir) = serve(Some(TOKEN)).await;
    let client = fake_slack::http_client().build().unwrap();
    for request in [
        client.get(&url),
        client.get(&url).bearer_auth("wrong-token"),
        client.get(&url).basic_auth("admin", Some("wrong-token")),
        client.get(&url).basic_auth(TOKEN, None::<&str>),
        client
            .get(&url)
            .header("authorization", "Basic !!!not-base64"),
        client.get(&url).header("authorization", TOKEN),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Basic realm="), "{challenge}");
        let body = response.text().await.unwrap();
        assert!(body.contains("for admins"), "{body}");
        assert!(!body.contains("Payments"));
    }
}

#[tokio::test]
async fn with_the_token_as_a_password_or_a_bearer_the_page_shows_the_teams() {
    let (url, _dir) = serve(Some(TOKEN)).await;
    let client = fake_slack::http_client().build().unwrap();
    for request in [
        client.get(&url).basic_auth("anyone", Some(TOKEN)),
        client.get(&url).bearer_auth(TOKEN),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert!(
            response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"id="team-map""#));
        assert!(html.contains(r#"data-teams="Payments|Platform""#));
        assert!(html.contains(r#"data-week="2026-11-09" data-new-alliances="1""#));
    }
}

#[tokio::test]
async fn a_team_below_the_floor_is_counted_never_shown() {
    let (url, _dir) = serve(Some(TOKEN)).await;
    let html = fake_slack::http_client()
        .build()
        .unwrap()
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Legal has two people: its meeting with Payments counts in the week's
    // figure, but Legal is never drawn, listed or named.
    assert!(!html.contains("Legal"), "a team of two was shown");
    assert!(html.contains(r#"data-week="2026-11-16" data-new-alliances="1""#));
    assert!(html.contains("(1 team held back)"));
    // No person is named.
    assert!(!html.contains("upay1") && !html.contains("UPAY1"));
}

#[tokio::test]
async fn with_no_token_set_the_page_is_off_and_says_how_to_turn_it_on() {
    let (url, _dir) = serve(None).await;
    let response = fake_slack::http_client()
        .build()
        .unwrap()
        .get(&url)
        .bearer_auth("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body = response.text().await.unwrap();
    assert!(body.contains(INSIGHTS_TOKEN_VAR), "{body}");
}

#[tokio::test]
async fn ten_wrong_tokens_in_a_minute_hold_that_address_back_and_no_other() {
    let (url, _dir) = serve(Some(TOKEN)).await;
    let here = fake_slack::http_client().build().unwrap();
    for _ in 0..10 {
        let response = here.get(&url).bearer_auth("a-guess").send().await.unwrap();
        assert_eq!(response.status(), 401);
    }

    let held = here.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(held.status(), 429, "even the right token, from there");
    let retry_after: u64 = held.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(!held.text().await.unwrap().contains("Payments"));

    // An admin elsewhere (another loopback address of this machine).
    let elsewhere = fake_slack::http_client()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let response = elsewhere.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 200);
}
