//! Fetching one calendar feed as a good citizen, from an address that is
//! a secret.
//!
//! - Only `https` addresses, whose host resolves to public addresses only:
//!   no loopback, private, link-local, shared, multicast, documentation or
//!   cloud metadata address ([`is_public`]), checked after resolution and
//!   again at every redirect (at most [`MOST_REDIRECTS`]), and the request
//!   sent to the address checked, so that a second resolution cannot
//!   answer otherwise. `allow_private_hosts` lets plain `http` through and
//!   this machine's own (loopback) addresses, for the fake calendar on
//!   127.0.0.1, and nothing else: a private network's or the cloud's
//!   metadata address stays refused even then, redirects included.
//! - A time-out on the whole fetch, and at most [`MOST_BYTES`] read.
//! - `If-None-Match` and `If-Modified-Since` from the last fetch: an
//!   unchanged feed answers 304 and is not read again.
//!
//! The address is never in an error, a log line or a message: a feed's
//! address is its password. [`FetchError`] says what went wrong in words a
//! person can act on.

use chrono::Duration;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION};
use reqwest::{StatusCode, Url};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The most a feed may hold: a year of a busy calendar is a few MB.
pub const MOST_BYTES: usize = 10 * 1024 * 1024;

/// The most redirects followed: a published calendar moves once or twice.
pub const MOST_REDIRECTS: usize = 5;

/// How long one fetch may take, redirects and reading included.
pub const FETCH_TIMEOUT: Duration = Duration::seconds(30);

/// What the last fetch of a feed said about its version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// Its `ETag`.
    pub etag: Option<String>,
    /// Its `Last-Modified`.
    pub last_modified: Option<String>,
}

/// A feed fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// Its text, and what to send next time.
    Feed {
        /// The feed, as text.
        text: String,
        /// What to send with the next fetch.
        validators: Validators,
    },
    /// Unchanged since the last fetch (304).
    Unchanged,
}

/// Why a feed could not be fetched. Never names the address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Not an `https://` address.
    #[error("that is not an https:// address; a calendar's iCal address starts with https://")]
    NotHttps,
    /// Not an address at all.
    #[error("that is not a web address")]
    NotAnAddress,
    /// Its host does not resolve.
    #[error("its server's name could not be found")]
    Unresolvable,
    /// Its host resolves to an address inside a network, not on the
    /// internet.
    #[error("its server is not on the public internet, and I only read calendars from there")]
    NotPublic,
    /// More redirects than [`MOST_REDIRECTS`].
    #[error("it sends me on to other addresses too many times")]
    TooManyRedirects,
    /// The server answered with an error status.
    #[error("its server answered {0}")]
    Status(u16),
    /// More than [`MOST_BYTES`].
    #[error("it holds more than 10 MB, more than any calendar I read")]
    TooLarge,
    /// No answer within [`FETCH_TIMEOUT`].
    #[error("its server did not answer within 30 seconds")]
    TimedOut,
    /// The connection failed (refused, reset, a TLS error).
    #[error("its server could not be reached")]
    Unreachable,
    /// The address of a calendar's web page, which people copy for its
    /// iCal address.
    #[error(
        "that is the address of your calendar's web page, not of its iCal feed (in Google Calendar, the \"Secret address in iCal format\"; in Outlook, the ICS link)"
    )]
    WebPage,
}

/// The address `text` as it will be fetched, if it can be one: `webcal://`
/// (what Apple and Outlook give for subscribing) is HTTPS by another
/// name; the web pages Google and Outlook show a calendar on, which
/// people copy by mistake, are refused with where to find the right one.
/// Whether its host is public is for the fetch, which resolves it.
pub fn check_address(text: &str, allow_private_hosts: bool) -> Result<Url, FetchError> {
    let text = text.trim();
    let text = match text.get(..9) {
        Some(scheme) if scheme.eq_ignore_ascii_case("webcal://") => {
            format!("https://{}", &text[9..])
        }
        _ => text.to_owned(),
    };
    let url = Url::parse(&text).map_err(|_| FetchError::NotAnAddress)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private_hosts => {}
        _ => return Err(FetchError::NotHttps),
    }
    let host = url.host_str().ok_or(FetchError::NotAnAddress)?;
    let path = url.path();
    let google_page = host == "calendar.google.com" && !path.ends_with(".ics");
    let outlook_page = path.ends_with(".html") || path.ends_with(".htm");
    if google_page || outlook_page {
        return Err(FetchError::WebPage);
    }
    Ok(url)
}

/// Fetches the feed at `address`, sending `last`'s validators; with
/// `allow_private_hosts`, also from plain HTTP and this machine's own
/// (loopback) addresses.
pub async fn fetch(
    address: &str,
    last: &Validators,
    allow_private_hosts: bool,
) -> Result<Fetched, FetchError> {
    let timeout = FETCH_TIMEOUT
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(30));
    tokio::time::timeout(timeout, fetch_within(address, last, allow_private_hosts))
        .await
        .unwrap_or(Err(FetchError::TimedOut))
}

async fn fetch_within(
    address: &str,
    last: &Validators,
    allow_private_hosts: bool,
) -> Result<Fetched, FetchError> {
    let mut url = check_address(address, allow_private_hosts)?;
    for _ in 0..=MOST_REDIRECTS {
        let checked = check(&url, allow_private_hosts).await?;
        let mut request = client(&url, checked)?.get(url.clone());
        if let Some(etag) = &last.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &last.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        let mut response = request.send().await.map_err(failed)?;
        let status = response.status();
        // Unchanged only since a version this side knows of.
        if status == StatusCode::NOT_MODIFIED
            && (last.etag.is_some() || last.last_modified.is_some())
        {
            return Ok(Fetched::Unchanged);
        }
        if status.is_redirection() {
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|to| to.to_str().ok())
                .and_then(|to| url.join(to).ok())
                .ok_or(FetchError::Status(status.as_u16()))?;
            url = next;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        if response
            .content_length()
            .is_some_and(|length| length > MOST_BYTES as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MOST_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(Fetched::Feed {
            text: String::from_utf8_lossy(&body).into_owned(),
            validators,
        });
    }
    Err(FetchError::TooManyRedirects)
}

/// The address to send the request for `url` to, once its scheme and
/// every address its host resolves to are allowed.
async fn check(url: &Url, allow_private_hosts: bool) -> Result<SocketAddr, FetchError> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private_hosts => {}
        _ => return Err(FetchError::NotHttps),
    }
    let host = url.host_str().ok_or(FetchError::NotAnAddress)?;
    let port = url
        .port_or_known_default()
        .ok_or(FetchError::NotAnAddress)?;
    // An IPv6 literal comes bracketed; the resolver takes it bare.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|_| FetchError::Unresolvable)?
        .collect();
    let first = *resolved.first().ok_or(FetchError::Unresolvable)?;
    let allowed = |ip: IpAddr| is_public(ip) || (allow_private_hosts && ip.is_loopback());
    if !resolved.iter().all(|a| allowed(a.ip())) {
        return Err(FetchError::NotPublic);
    }
    Ok(first)
}

/// A client for one request to `url`'s host, sent to `to` (the address
/// checked), following no redirect on its own.
fn client(url: &Url, to: SocketAddr) -> Result<reqwest::Client, FetchError> {
    let mut builder = crate::slack::https_client()
        .map_err(|_| FetchError::Unreachable)?
        .no_proxy();
    if let Some(host) = url.host_str() {
        builder = builder.resolve(host, to);
    }
    builder.build().map_err(|_| FetchError::Unreachable)
}

/// What a failed send or read is, in words; never the address.
fn failed(err: reqwest::Error) -> FetchError {
    if err.is_timeout() {
        FetchError::TimedOut
    } else {
        FetchError::Unreachable
    }
}

/// Whether `ip` is on the public internet: not loopback, private, shared
/// (carrier-grade NAT), link-local (cloud metadata lives there),
/// unspecified, broadcast, multicast, reserved, documentation or
/// benchmarking; an IPv6 address that carries an IPv4 one is judged by it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 88 && c == 99)
        || (a == 198 && (18..20).contains(&b)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local, retired
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo: an IPv4 address hidden
        || (s[0] == 0x0100 && s[1..4] == [0; 3]) // discard
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)) // local NAT64
}

/// The IPv4 address an IPv6 one carries: mapped (`::ffff:a.b.c.d`),
/// compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4
/// (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4() {
        return Some(v4);
    }
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return Some(v4(s[6], s[7]));
    }
    (s[0] == 0x2002).then(|| v4(s[1], s[2]))
}

#[cfg(test)]
mod tests;
