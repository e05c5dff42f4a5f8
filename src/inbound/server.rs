//! The HTTP server under the routers: Slack's routes in HTTP mode, and the
//! operator's (health, metrics, insights). HTTP/1.1 through hyper, with
//! what `axum::serve` leaves out:
//!
//! - a time limit on reading a request's headers, and one on the whole
//!   request (body and handler), so that a client that sends a request
//!   slowly, or never finishes it, does not hold a connection, and its
//!   task and memory, for ever;
//! - a graceful shutdown with an end: in-flight requests are answered and
//!   idle connections closed at once, and whatever is still open when the
//!   grace runs out (a client sending half a request) is dropped, so that
//!   `serve` stops, flushes the store and exits within its shutdown grace;
//! - the client's address on every request ([`ConnectInfo`]), for the
//!   insights page's limit on wrong tokens.

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower_service::Service as _;

/// After a failed `accept` (out of file descriptors, say), the next waits
/// this long rather than spinning; as `axum::serve` does.
const ACCEPT_RETRY: Duration = Duration::from_secs(1);

/// How long a client may take over a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// To send the request line and headers, from when the connection is
    /// ready for a request (an idle keep-alive connection is closed after
    /// this long, too).
    pub header_read: Duration,
    /// From the headers to the answer: the body and the handler.
    pub request: Duration,
}

impl Limits {
    /// Slack's requests. Slack sends a request whole at once and gives up
    /// on an answer after 3 seconds; the handlers answer first and work
    /// after. Five seconds for the headers leaves room for a slow proxy;
    /// ten for the whole, for a commit waiting on a slow disk.
    pub const SLACK: Limits = Limits {
        header_read: Duration::from_secs(5),
        request: Duration::from_secs(10),
    };

    /// The operator's routes: probes and Prometheus ask in milliseconds;
    /// the insights page of a large company takes a few seconds to draw.
    pub const OPERATOR: Limits = Limits {
        header_read: Duration::from_secs(5),
        request: Duration::from_secs(30),
    };
}

/// Serves `router` on `listener` until `stop` is cancelled, then stops
/// accepting, lets the requests in flight finish and closes idle
/// connections, and drops whatever is still open after `grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: CancellationToken,
    grace: Duration,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let connection = serve_connection(stream, peer, router.clone(), limits, stop.clone());
                    connections.spawn(connection);
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection; trying again in a second");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
            },
            // Reaps finished connections, so that the set stays small.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            ?grace,
            "connections still open after the shutdown grace are closed"
        );
        connections.abort_all();
    }
}

/// Serves one connection until it ends, or until `stop` is cancelled;
/// then it finishes the request in flight, if any, and closes.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    stop: CancellationToken,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move {
            tokio::time::timeout(limits.request, router.call(request))
                .await
                .unwrap_or_else(|_| Ok(too_slow(limits.request)))
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let served = tokio::select! {
        served = connection.as_mut() => served,
        () = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = served {
        // A client that went away, or was too slow: its business, not an
        // error of ours.
        tracing::debug!(%error, %peer, "a connection ended with an error");
    }
}

/// What a request that took longer than `limit` gets.
fn too_slow(limit: Duration) -> Response {
    (
        StatusCode::REQUEST_TIMEOUT,
        format!("the request took longer than {} s\n", limit.as_secs_f32()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::routing::{get, post};
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const SHORT: Limits = Limits {
        header_read: Duration::from_millis(300),
        request: Duration::from_millis(300),
    };

    /// A server of a small router on 127.0.0.1 under `limits`, stopped by
    /// the token it returns, with `grace`; its address and its task.
    async fn start(
        limits: Limits,
        grace: Duration,
    ) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>) {
        let router = Router::new()
            .route(
                "/who",
                get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
            )
            .route("/echo", post(|body: Bytes| async move { body }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let task = tokio::spawn(serve(listener, router, limits, stop.clone(), grace));
        (address, stop, task)
    }

    /// Everything the server sends on `stream` until it closes it, or
    /// `None` if it has not within two seconds.
    async fn until_closed(stream: &mut TcpStream) -> Option<String> {
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut answer))
            .await
            .ok()?
            .ok()?;
        Some(String::from_utf8_lossy(&answer).into_owned())
    }

    #[tokio::test]
    async fn a_request_is_answered_and_its_handler_knows_the_client_s_address() {
        let (address, stop, task) = start(SHORT, Duration::from_secs(1)).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        let local = stream.local_addr().unwrap();
        stream
            .write_all(b"GET /who HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = until_closed(&mut stream).await.expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with(&local.to_string()), "{answer}");
        stop.cancel();
        task.await.unwrap();
    }

    #[tokio::test]
    async fn headers_sent_too_slowly_lose_the_connection() {
        let (address, _stop, _task) = start(SHORT, Duration::from_secs(1)).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /who HTTP/1.1\r\nhost:")
            .await
            .unwrap();
        let started = Instant::now();
        until_closed(&mut stream)
            .await
            .expect("the server closes the connection");
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_body_that_never_comes_gets_408_after_the_request_limit() {
        let (address, _stop, _task) = start(SHORT, Duration::from_secs(1)).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nabc")
            .await
            .unwrap();
        let mut answer = [0; 64];
        let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut answer))
            .await
            .expect("an answer within the limit")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..read]);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    #[tokio::test]
    async fn shutdown_ends_within_the_grace_whatever_a_client_holds_open() {
        let patient = Limits {
            header_read: Duration::from_secs(60),
            request: Duration::from_secs(60),
        };
        let grace = Duration::from_millis(300);
        let (address, stop, task) = start(patient, grace).await;
        let mut idle = TcpStream::connect(address).await.unwrap();
        let mut half_sent = TcpStream::connect(address).await.unwrap();
        half_sent
            .write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nabc")
            .await
            .unwrap();
        // Once an answered request shows the server is serving.
        let mut answered = TcpStream::connect(address).await.unwrap();
        answered
            .write_all(b"GET /who HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        until_closed(&mut answered).await.expect("an answer");

        let started = Instant::now();
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("the server stops")
            .unwrap();
        assert!(started.elapsed() < grace + Duration::from_millis(500));
        assert!(until_closed(&mut idle).await.is_some(), "idle is closed");
        assert!(
            until_closed(&mut half_sent).await.is_some(),
            "so is half-sent"
        );
    }
}
