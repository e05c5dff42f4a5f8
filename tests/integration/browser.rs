//! A real headless Chromium for end-to-end tests of pages the bot serves,
//! driven over WebDriver (fantoccini) through Debian's ChromeDriver.
//!
//! `Browser::start()` is `None` when Chromium is not installed, and the
//! test returns early; `scripts/install-browser` installs it, and CI runs
//! that script, so CI never skips. Every page a test loads is on 127.0.0.1,
//! and Chromium is started with its background networking turned off.
//!
//! Pages behind HTTP authentication: `goto_with_basic_auth` and
//! `goto_with_bearer` set the `Authorization` header on every request of
//! the session, from the first, through ChromeDriver's passthrough to the
//! Chrome DevTools protocol (`Network.setExtraHTTPHeaders`), since
//! WebDriver itself cannot set a header. Credentials in the URL
//! (`http://admin:TOKEN@127.0.0.1:PORT/insights`) also work for a
//! top-level navigation in headless Chromium 156, but only when the page
//! answers 401 with a `WWW-Authenticate: Basic` challenge, and Chromium
//! then keeps them for the rest of the session, so a later plain `goto`
//! to the same origin is still signed in. Without credentials, a 401 with
//! that challenge shows an empty page (no prompt, no body); a 401 without
//! it shows its body.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Debian's Chromium (package `chromium`).
const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver (package `chromium-driver`), of the same version.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Chromium's flags. Headless, as root in a container (no sandbox, no GPU,
/// a `/dev/shm` that may be small), and nothing that reaches out: without
/// the background-networking, component-update and sync flags Chromium
/// opens connections to Google's hosts at every start, which a closed
/// network refuses many at a time. The window is a tall laptop screen, so
/// that a page of charts fits in one screenshot.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
];

/// How long a test waits for ChromeDriver to answer, for an element to
/// appear or for a page to load. Chromium starts in about a second on a
/// quiet machine; the tests share two cores with other builds.
const WAIT: Duration = Duration::from_secs(20);

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// A headless Chromium with one WebDriver session. Dropping it kills
/// ChromeDriver and the Chromium it started; `close` ends the session
/// first, the way a test should when it passes.
pub struct Browser {
    client: Client,
    driver: Driver,
}

/// The ChromeDriver child, in its own process group with the Chromium it
/// starts, and the folders they write to (profile, log).
struct Driver {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    url: String,
    folder: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group holds ChromeDriver and every Chromium process it
        // started, and nothing else: `spawn` made it with ChromeDriver's id.
        let group = -(self.child.id() as libc::pid_t);
        // SAFETY: kill(2) with a process group of our own child.
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Driver {
    /// ChromeDriver's log so far, to explain a failure.
    fn log(&self) -> String {
        std::fs::read_to_string(self.folder.path().join("chromedriver.log")).unwrap_or_default()
    }
}

/// A screenshot saved as a PNG, with the dimensions read from its header.
#[derive(Debug)]
pub struct Screenshot {
    /// `target/browser-screenshots/<name>.png`.
    pub path: PathBuf,
    /// In pixels: the viewport's.
    pub width: u32,
    pub height: u32,
    /// Size of the file, in bytes.
    pub bytes: usize,
}

impl Browser {
    /// Starts ChromeDriver on a port of its own and a headless Chromium with a
    /// fresh profile; `None`, with one line saying why, when they are not
    /// installed.
    pub async fn start() -> Option<Browser> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            eprintln!("skipped: Chromium is not installed; scripts/install-browser installs it");
            return None;
        }
        let driver = spawn_driver().await;

        let profile = driver.folder.path().join("profile");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let millis = WAIT.as_millis() as u64;
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            // A page that never loads fails the test in WAIT, not in
            // WebDriver's default five minutes.
            "timeouts": { "pageLoad": millis, "script": millis },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| {
                panic!("ChromeDriver did not start Chromium: {e}\n{}", driver.log())
            });
        Some(Browser { client, driver })
    }

    /// Loads `url` and waits until it has loaded.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{url} did not load: {e}"));
    }

    /// Loads `url` with `Authorization: Basic` for `user` and `password`
    /// on this and every later request of the session.
    pub async fn goto_with_basic_auth(&self, url: &str, user: &str, password: &str) {
        use base64::Engine;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.set_authorization(&format!("Basic {credentials}"))
            .await;
        self.goto(url).await;
    }

    /// Loads `url` with `Authorization: Bearer <token>` on this and every
    /// later request of the session.
    pub async fn goto_with_bearer(&self, url: &str, token: &str) {
        self.set_authorization(&format!("Bearer {token}")).await;
        self.goto(url).await;
    }

    /// Sends `authorization` with every request from now on, through the
    /// DevTools protocol (WebDriver itself has no way to set a header).
    async fn set_authorization(&self, authorization: &str) {
        self.devtools("Network.enable", serde_json::json!({})).await;
        self.devtools(
            "Network.setExtraHTTPHeaders",
            serde_json::json!({ "headers": { "Authorization": authorization } }),
        )
        .await;
    }

    /// Runs a Chrome DevTools Protocol command through ChromeDriver's
    /// passthrough, `POST /session/{id}/goog/cdp/execute`.
    async fn devtools(&self, command: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(DevTools {
                command: command.to_owned(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("DevTools {command} failed: {e}"))
    }

    /// Waits until an element matches the CSS `selector`, for at most
    /// WAIT.
    pub async fn wait_for(&self, selector: &str) {
        self.client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no element matches {selector:?} within {WAIT:?}: {e}"));
    }

    /// The text of every element that matches `selector`, in document
    /// order. Its text content: SVG text is read as written, whether or not
    /// WebDriver would call it visible.
    pub async fn texts(&self, selector: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.find_all(selector).await {
            let text = element
                .prop("textContent")
                .await
                .unwrap_or_else(|e| panic!("the text of {selector:?}: {e}"));
            texts.push(text.unwrap_or_default());
        }
        texts
    }

    /// How many elements match `selector` now.
    pub async fn count(&self, selector: &str) -> usize {
        self.find_all(selector).await.len()
    }

    /// The attribute `name` of every element that matches `selector`, in
    /// document order ("" where an element has none).
    pub async fn attributes(&self, selector: &str, name: &str) -> Vec<String> {
        let mut values = Vec::new();
        for element in self.find_all(selector).await {
            let value = element
                .attr(name)
                .await
                .unwrap_or_else(|e| panic!("attribute {name} of {selector:?}: {e}"));
            values.push(value.unwrap_or_default());
        }
        values
    }

    async fn find_all(&self, selector: &str) -> Vec<fantoccini::elements::Element> {
        self.client
            .find_all(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("finding {selector:?}: {e}"))
    }

    /// Saves what the window shows as `target/browser-screenshots/<name>.png`
    /// and checks that it is a PNG.
    pub async fn screenshot_to(&self, name: &str) -> Screenshot {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let (width, height) = png_dimensions(&png)
            .unwrap_or_else(|| panic!("screenshot {name} is not a PNG ({} bytes)", png.len()));
        let folder = screenshots_folder();
        std::fs::create_dir_all(&folder).expect("the screenshots folder is created");
        let path = folder.join(format!("{name}.png"));
        std::fs::write(&path, &png).expect("the screenshot is written");
        Screenshot {
            path,
            width,
            height,
            bytes: png.len(),
        }
    }

    /// Ends the WebDriver session (Chromium quits), then ChromeDriver.
    pub async fn close(self) {
        let Browser { client, driver } = self;
        client
            .close()
            .await
            .unwrap_or_else(|e| panic!("the session ends: {e}\n{}", driver.log()));
    }
}

/// `target/browser-screenshots`: beside `target/tmp`, which Cargo names
/// for integration tests, so that it follows `CARGO_TARGET_DIR`.
fn screenshots_folder() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join("browser-screenshots")
}

/// How many times ChromeDriver is started before a test gives up: on
/// `--port=0` it may bind IPv4 to the port number it drew for IPv6, which
/// another process can hold on 127.0.0.1; started again, it draws another.
/// A taken port is rare, so three in a row mean something else is wrong.
const DRIVER_STARTS: u32 = 3;

/// Starts ChromeDriver on a port of 127.0.0.1 of the system's choosing,
/// and waits until its log says which and it is ready; started again, up
/// to [`DRIVER_STARTS`] times, while the port it draws is taken.
async fn spawn_driver() -> Driver {
    let mut start = 1;
    loop {
        let mut driver = start_driver();
        if let Some(port) = listening_port(&driver).await {
            driver.url = format!("http://127.0.0.1:{port}");
            wait_until_ready(&driver).await;
            return driver;
        }
        assert!(
            start < DRIVER_STARTS,
            "ChromeDriver found its port taken at each of {DRIVER_STARTS} starts\n{}",
            driver.log()
        );
        // This one ends when it is dropped, at the end of the pass.
        eprintln!("ChromeDriver's port was taken (start {start}); starting it again");
        start += 1;
    }
}

/// ChromeDriver, started; its port is not known yet.
fn start_driver() -> Driver {
    use std::os::unix::process::CommandExt;

    let folder = tempfile::tempdir().expect("a temporary folder");
    let child = Command::new(CHROMEDRIVER)
        .arg("--port=0")
        .arg(format!(
            "--log-path={}",
            folder.path().join("chromedriver.log").display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group, which Chromium joins, so that Drop ends them all.
        .process_group(0)
        .spawn()
        .expect("chromedriver starts");
    Driver {
        child,
        url: String::new(),
        folder,
    }
}

/// The port ChromeDriver listens on, once its log says it started; `None`
/// when its log says a port it tried was taken, even if it started: the
/// port on 127.0.0.1 may then be another process's. It binds before it
/// says it started, so by then a taken port is in its log already.
async fn listening_port(driver: &Driver) -> Option<u16> {
    const STARTED: &str = "ChromeDriver was started successfully on port ";
    const TAKEN: &str = "ERR_ADDRESS_IN_USE";
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let log = driver.log();
        if log.contains(TAKEN) {
            return None;
        }
        let port = log.lines().find_map(|line| {
            let (_, port) = line.split_once(STARTED)?;
            port.trim().trim_end_matches('.').parse().ok()
        });
        if port.is_some() {
            return port;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "ChromeDriver did not say its port within {WAIT:?}\n{log}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until ChromeDriver's `/status` says it is ready.
async fn wait_until_ready(driver: &Driver) {
    let deadline = tokio::time::Instant::now() + WAIT;
    let status = format!("{}/status", driver.url);
    loop {
        if let Ok(response) = crate::helpers::http_get(&status).await
            && let Ok(body) = response.json::<serde_json::Value>().await
            && body["value"]["ready"] == true
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "ChromeDriver did not answer within {WAIT:?}\n{}",
            driver.log()
        );
        tokio::time::sleep(POLL).await;
    }
}

/// A Chrome DevTools Protocol command, sent through ChromeDriver.
#[derive(Debug)]
struct DevTools {
    command: String,
    params: serde_json::Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.command, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Width and height from a PNG's header, if `bytes` starts like a PNG
/// (signature, then the IHDR chunk) and ends with its IEND chunk.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    const IEND: &[u8] = b"IEND\xae\x42\x60\x82";
    alliances::charts::png_size(bytes).filter(|_| bytes.ends_with(IEND))
}

#[test]
fn only_a_whole_png_has_dimensions() {
    // A 1×2 PNG's signature and header, then its end (no image data: the
    // check reads the frame, not the pixels).
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x02".to_vec();
    png.extend_from_slice(b"\x08\x02\0\0\0\0\0\0\0\0\0\0\0\0IEND\xae\x42\x60\x82");
    assert_eq!(png_dimensions(&png), Some((1, 2)));
    assert_eq!(png_dimensions(&png[..png.len() - 1]), None, "cut short");
    assert_eq!(png_dimensions(b"<html>not a picture</html>"), None);
}
