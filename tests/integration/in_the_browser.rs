//! The browser harness on a page like the insights page: HTML with an
//! inline SVG chart, for admins only, behind `Authorization: Basic` (any
//! user, the token as password) or `Bearer`, served on 127.0.0.1.

use crate::browser::Browser;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The access token the page wants.
const ACCESS_TOKEN: &str = "insights-test-token";

/// A chart of ties between teams, as an insights page would draw one.
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Alliances insights</title></head>
<body style="font-family: sans-serif; margin: 24px">
<h1>Ties between teams</h1>
<svg id="ties" xmlns="http://www.w3.org/2000/svg" width="640" height="220" viewBox="0 0 640 220" role="img" aria-label="Interactions per pair of teams">
  <g class="bar" data-pair="payments-platform">
    <rect x="180" y="20" width="400" height="40" fill="#2b6cb0"/>
    <text x="170" y="46" text-anchor="end">Payments – Platform</text>
    <text x="590" y="46">42</text>
  </g>
  <g class="bar" data-pair="payments-support">
    <rect x="180" y="80" width="180" height="40" fill="#38a169"/>
    <text x="170" y="106" text-anchor="end">Payments – Support</text>
    <text x="370" y="106">19</text>
  </g>
  <g class="bar" data-pair="platform-support">
    <rect x="180" y="140" width="30" height="40" fill="#dd6b20"/>
    <text x="170" y="166" text-anchor="end">Platform – Support</text>
    <text x="220" y="166">3</text>
  </g>
</svg>
</body>
</html>
"##;

/// The page for a request that carries the token, 401 otherwise (with the
/// challenge a browser would prompt for).
async fn insights(headers: HeaderMap) -> Response {
    if authorized(&headers) {
        Html(PAGE).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"alliances\"")],
            "the access token is missing or wrong\n",
        )
            .into_response()
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    use base64::Engine;
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    if let Some(token) = value.strip_prefix("Bearer ") {
        return token == ACCESS_TOKEN;
    }
    value
        .strip_prefix("Basic ")
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .is_some_and(|credentials| {
            credentials
                .split_once(':')
                .is_some_and(|(_, password)| password == ACCESS_TOKEN)
        })
}

/// Serves the page at `/insights` on 127.0.0.1: its base URL.
async fn serve_page() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let app = axum::Router::new().route("/insights", axum::routing::get(insights));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_the_chart_of_a_page_behind_an_access_token_in_headless_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let base = serve_page().await;
    let page = format!("{base}/insights");
    browser.goto(&page).await;
    assert_eq!(browser.count("svg").await, 0, "no chart without the token");
    browser.goto_with_bearer(&page, ACCESS_TOKEN).await;
    browser.wait_for("svg#ties").await;

    browser
        .goto_with_basic_auth(&page, "admin", ACCESS_TOKEN)
        .await;
    browser.wait_for("svg#ties text").await;

    assert_eq!(browser.count("svg#ties g.bar").await, 3);
    assert_eq!(
        browser.texts("svg#ties text").await,
        [
            "Payments – Platform",
            "42",
            "Payments – Support",
            "19",
            "Platform – Support",
            "3"
        ]
    );
    assert_eq!(
        browser.attribute("svg#ties g.bar", "data-pair").await,
        Some("payments-platform".to_owned())
    );
    let shot = browser
        .screenshot_to("an_admin_sees_the_chart_of_a_page_behind_an_access_token")
        .await;
    eprintln!("screenshot: {}", shot.path.display());
    // The viewport: the 1280×1600 window less the frame headless Chromium
    // still counts (1280×1457 with Chromium 156).
    assert_eq!(shot.width, 1280, "{shot:?}");
    assert!((1200..=1600).contains(&shot.height), "{shot:?}");
    // A blank page of that size is 8.5 kB; with this chart, 21.5 kB.
    assert!(shot.bytes > 12_000, "{shot:?}");
    browser.close().await;
}
