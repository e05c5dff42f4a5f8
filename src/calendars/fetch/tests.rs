use super::*;
use axum::Router;
use axum::http::{HeaderMap, StatusCode as Status, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const FEED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
/// The secret part of the test's addresses: it must appear in no error.
const SECRET: &str = "private-4f9c2b";

/// A calendar server on 127.0.0.1: the feed with an ETag at
/// `/SECRET/basic.ics`, a redirect to it, a loop, a feed too large, a 404.
async fn serve() -> String {
    async fn feed(headers: HeaderMap) -> Response {
        if headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            == Some("\"v1\"")
        {
            return Status::NOT_MODIFIED.into_response();
        }
        ([(header::ETAG, "\"v1\"")], FEED).into_response()
    }
    let app = Router::new()
        .route(&format!("/{SECRET}/basic.ics"), get(feed))
        .route(
            &format!("/{SECRET}/moved.ics"),
            get(|| async {
                (
                    Status::FOUND,
                    [(header::LOCATION, format!("/{SECRET}/basic.ics"))],
                )
            }),
        )
        .route(
            "/loop.ics",
            get(|| async { (Status::FOUND, [(header::LOCATION, "/loop.ics")]) }),
        )
        .route("/huge.ics", get(|| async { "x".repeat(MOST_BYTES + 1) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test]
async fn a_feed_is_fetched_then_found_unchanged_and_a_redirect_is_followed() {
    let base = serve().await;
    let address = format!("{base}/{SECRET}/basic.ics");
    let Fetched::Feed { text, validators } =
        fetch(&address, &Validators::default(), true).await.unwrap()
    else {
        panic!("the feed");
    };
    assert_eq!(text, FEED);
    assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        fetch(&address, &validators, true).await,
        Ok(Fetched::Unchanged)
    );
    let moved = format!("{base}/{SECRET}/moved.ics");
    assert!(matches!(
        fetch(&moved, &Validators::default(), true).await,
        Ok(Fetched::Feed { .. })
    ));
}

#[tokio::test]
async fn loops_large_feeds_and_errors_are_refused_in_words_without_the_address() {
    let base = serve().await;
    let none = Validators::default();
    for (path, expected) in [
        ("/loop.ics", FetchError::TooManyRedirects),
        ("/huge.ics", FetchError::TooLarge),
        (&*format!("/{SECRET}/gone.ics"), FetchError::Status(404)),
    ] {
        let err = fetch(&format!("{base}{path}"), &none, true)
            .await
            .unwrap_err();
        assert_eq!(err, expected, "{path}");
        assert!(!err.to_string().contains(SECRET), "{err}");
    }
    // No length announced: the limit holds while reading.
    let endless = serve_endless().await;
    assert_eq!(
        fetch(&endless, &none, true).await,
        Err(FetchError::TooLarge)
    );
}

/// A server that sends 11 MB in chunks, announcing no length; its
/// address.
async fn serve_endless() -> String {
    use tokio::io::AsyncWriteExt;
    let address = one_connection(|mut socket| async move {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let _ = socket.write_all(head.as_bytes()).await;
        let chunk = vec![b'x'; 1024 * 1024];
        for _ in 0..11 {
            let size = format!("{:x}\r\n", chunk.len());
            let framed = [size.as_bytes(), &chunk, b"\r\n"].concat();
            if socket.write_all(&framed).await.is_err() {
                return;
            }
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    })
    .await;
    format!("http://{address}/endless.ics")
}

/// A server on 127.0.0.1 for one connection: it reads the request, then
/// hands the connection to `answer`.
async fn one_connection<F, Fut>(answer: F) -> std::net::SocketAddr
where
    F: FnOnce(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0_u8; 4096];
        let _ = socket.read(&mut request).await;
        answer(socket).await;
    });
    address
}

#[tokio::test]
async fn only_public_https_addresses_are_fetched_unless_private_hosts_are_allowed() {
    let base = serve().await;
    let none = Validators::default();
    let plain = format!("{base}/{SECRET}/basic.ics");
    assert_eq!(fetch(&plain, &none, false).await, Err(FetchError::NotHttps));
    for private in [
        format!("https://127.0.0.1/{SECRET}.ics"),
        format!("https://localhost/{SECRET}.ics"),
        format!("https://169.254.169.254/{SECRET}"),
        format!("https://[::1]/{SECRET}.ics"),
        format!("https://[::ffff:10.0.0.1]/{SECRET}.ics"),
    ] {
        let err = fetch(&private, &none, false).await.unwrap_err();
        assert_eq!(err, FetchError::NotPublic, "{private}");
        assert!(!err.to_string().contains(SECRET));
    }
    // Letting the fake's loopback through lets nothing else through.
    for inside in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/cal.ics",
    ] {
        assert_eq!(
            fetch(inside, &none, true).await,
            Err(FetchError::NotPublic),
            "{inside}"
        );
    }
    assert_eq!(
        fetch("webcal://127.0.0.1/cal.ics", &none, false).await,
        Err(FetchError::NotPublic),
        "webcal:// is HTTPS by another name"
    );
    assert_eq!(
        fetch("my calendar", &none, false).await,
        Err(FetchError::NotAnAddress)
    );
}

#[test]
fn public_addresses_are_told_from_the_others() {
    let public = [
        "8.8.8.8",
        "142.250.74.46",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "2002:808:808::1",
    ];
    let not_public = [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "192.0.0.170",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
        "2002:a00:1::1",
        "2001:0:4136:e378::1",
        "fec0::1",
        "100::1",
        "192.88.99.1",
    ];
    for ip in public {
        assert!(is_public(ip.parse().unwrap()), "{ip}");
    }
    for ip in not_public {
        assert!(!is_public(ip.parse().unwrap()), "{ip}");
    }
}

#[test]
fn a_web_page_of_a_calendar_is_refused_with_where_to_find_its_feed() {
    for page in [
        "https://calendar.google.com/calendar/embed?src=ada%40example.com&ctz=Europe%2FParis",
        "https://calendar.google.com/calendar/u/0?cid=YWRhQGV4YW1wbGUuY29t",
        "https://outlook.office365.com/owa/calendar/abc@example.com/def/calendar.html",
    ] {
        let err = check_address(page, false).unwrap_err();
        assert_eq!(err, FetchError::WebPage, "{page}");
        assert!(err.to_string().contains("Secret address in iCal format"));
    }
    let google =
        "https://calendar.google.com/calendar/ical/ada%40example.com/private-5e2f/basic.ics";
    assert!(check_address(google, false).is_ok());
    let subscribed =
        check_address("webcal://p42-caldav.icloud.com/published/2/MTIz", false).unwrap();
    assert_eq!(subscribed.scheme(), "https");
    assert_eq!(
        check_address("  ", false).unwrap_err(),
        FetchError::NotAnAddress
    );
    assert_eq!(
        check_address("http://example.com/a.ics", false).unwrap_err(),
        FetchError::NotHttps
    );
    assert!(check_address("http://127.0.0.1:9/a.ics", true).is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_is_given_up_on_after_thirty_seconds() {
    let address = one_connection(|socket| async move {
        // Holds the connection, and says nothing.
        std::future::pending::<()>().await;
        drop(socket);
    })
    .await;
    let silent = format!("http://{address}/{SECRET}/basic.ics");
    let started = tokio::time::Instant::now();
    let err = fetch(&silent, &Validators::default(), true)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TimedOut);
    assert_eq!(started.elapsed(), FETCH_TIMEOUT.to_std().unwrap());
    assert!(!err.to_string().contains(SECRET));
}
