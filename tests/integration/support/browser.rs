//! [`Browser`]: headless Debian Chromium driven through chromedriver (WebDriver), one at a time.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    os::unix::process::CommandExt,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Mutex, MutexGuard};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const AXE: &str = include_str!("axe.min.js");

/// Two Chromiums on two cores make both slow and flaky; tests take turns.
static TURN: Mutex<()> = Mutex::const_new(());

pub struct Browser {
    pub client: Client,
    chromedriver: Child,
    _profile: TempDir,
    _turn: MutexGuard<'static, ()>,
}

#[derive(Debug, Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub nodes: Vec<String>,
}

impl Browser {
    pub async fn start() -> Self {
        let turn = TURN.lock().await;
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: install Debian's chromium and chromium-driver \
                 (the README's test command does)"
            );
        }
        let port = free_port();
        let chromedriver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so Drop can stop chromedriver and the Chromium it started.
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        wait_for_port(port);

        let profile = tempfile::tempdir().expect("a profile directory");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--no-proxy-server", "--disable-quic",
                    "--window-size=1024,768",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session");
        Self {
            client,
            chromedriver,
            _profile: profile,
            _turn: turn,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigation");
    }

    pub async fn set_window_width(&self, width: u32) {
        self.client
            .set_window_size(width, 800)
            .await
            .expect("window resized");
    }

    /// Types into the input with this id (clearing it first).
    pub async fn fill(&self, id: &str, text: &str) {
        let input = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("no #{id}"));
        input.clear().await.expect("input cleared");
        input.send_keys(text).await.expect("typed");
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("nothing matches {css}"))
            .click()
            .await
            .expect("clicked");
    }

    /// Waits (up to 10 s) for an element matching `css`, and returns its text.
    pub async fn wait_for(&self, css: &str) -> String {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} did not appear"));
        element.text().await.unwrap_or_default()
    }

    /// Waits (up to 10 s) until the browser is at `path` (after a click that navigates).
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.path().await != path {
            assert!(
                Instant::now() < deadline,
                "still at {} instead of {path}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the first element matching `css`, now.
    pub async fn text(&self, css: &str) -> String {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"));
        element.text().await.unwrap_or_default()
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |found| found.len())
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("a URL")
            .path()
            .to_owned()
    }

    /// Runs JavaScript in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// The serious and critical axe-core violations on the current page.
    pub async fn axe_violations(&self) -> Vec<Violation> {
        // Injected through WebDriver, which the page's CSP does not govern.
        self.eval(&format!("{AXE}\nreturn typeof window.axe;"))
            .await;
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] })
              .then(result => done(result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.map(n => n.target.join(" ")) }))))
              .catch(error => done([{ id: "axe-error", impact: "critical", help: String(error), nodes: [] }]));
        "#;
        let value = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("axe runs");
        serde_json::from_value(value).expect("axe's violations")
    }

    /// Fails the test with a readable list when axe finds serious or critical problems.
    pub async fn assert_accessible(&self) {
        let violations = self.axe_violations().await;
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        assert!(
            violations.is_empty(),
            "axe found serious or critical violations on {url}:\n{}",
            violations
                .iter()
                .map(|v| format!("- [{}] {}: {} at {:?}", v.impact, v.id, v.help, v.nodes))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// Ends the WebDriver session (closing Chromium); Drop then stops chromedriver.
    pub async fn close(self) {
        self.client.clone().close().await.ok();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.chromedriver.id());
        Command::new("kill")
            .args(["-KILL", "--", &group])
            .status()
            .ok();
        self.chromedriver.wait().ok();
    }
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start listening"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}
