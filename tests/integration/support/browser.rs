//! [`Browser`]: headless Debian Chromium driven through chromedriver (WebDriver), one at a time.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    os::unix::process::CommandExt,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, wd::WebDriverCompatibleCommand};
use serde::Deserialize;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Mutex, MutexGuard};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const AXE: &str = include_str!("axe.min.js");

/// The window width every test starts at.
const START_WIDTH: u32 = 1024;

/// `null` when the page fits its viewport; otherwise the elements that stick out past its right
/// edge, outermost first, that no scrolling box of their own contains.
const WIDER_THAN_THE_SCREEN: &str = r##"
const width = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth <= width) return null;
const scrolls = (e) => ["auto", "scroll", "hidden"].includes(getComputedStyle(e).overflowX);
const culprits = [];
for (const e of document.body.querySelectorAll("*")) {
  if (e.getBoundingClientRect().right <= width + 0.5) continue;
  let inside = false;
  for (let box = e.parentElement; box && box !== document.body; box = box.parentElement) {
    if (scrolls(box) || culprits.includes(box)) { inside = true; break; }
  }
  if (!inside) culprits.push(e);
}
if (culprits.length === 0) {
  // Everything that sticks out is inside a box of its own: name the widest of them instead.
  const wide = [...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > width + 0.5);
  wide.sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right);
  culprits.push(...wide.slice(0, 5));
}
const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
  (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
return `${document.documentElement.scrollWidth} px wide: ` +
  culprits.slice(0, 5).map(e => `${name(e)} (right edge ${Math.round(e.getBoundingClientRect().right)} px)`).join(", ");
"##;

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
                    format!("--window-size={START_WIDTH},800"),
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

    /// Sets the viewport's width (headless Chromium has no window frame: the window is the
    /// viewport).
    pub async fn set_window_width(&self, width: u32) {
        self.client
            .set_window_size(width, 800)
            .await
            .expect("window resized");
        let inner = self.eval("return window.innerWidth;").await;
        assert_eq!(inner, json!(width), "the viewport follows the window");
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

    /// Focuses the element matching `css` (or, when it cannot take focus, the page itself) and
    /// presses `key` there, as a keyboard user would: a real key down and up through WebDriver.
    pub async fn press(&self, css: &str, key: fantoccini::key::Key) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let script = format!(
            "const e = document.querySelector({css:?}); \
             if (document.activeElement) document.activeElement.blur(); e.focus();"
        );
        self.eval(&script).await;
        let key: char = key.into();
        let press = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(press)
            .await
            .expect("key pressed");
    }

    /// Waits (up to 10 s) until the JavaScript expression is true in the page.
    pub async fn wait_until(&self, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.eval(&format!("return Boolean({expression});")).await != json!(true) {
            assert!(Instant::now() < deadline, "still not true: {expression}");
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

    /// Emulates the system's colour scheme (`light` or `dark`) for this tab, as a reader's
    /// operating system setting would; it holds across navigations. Reduced motion too, so
    /// colours do not fade from one theme to the other while axe measures them.
    pub async fn set_color_scheme(&self, scheme: &str) {
        let features = json!([
            { "name": "prefers-color-scheme", "value": scheme },
            { "name": "prefers-reduced-motion", "value": "reduce" },
        ]);
        self.client
            .issue_cmd(DevTools {
                command: "Emulation.setEmulatedMedia",
                params: json!({ "features": features }),
            })
            .await
            .expect("colour scheme emulated");
    }

    /// A virtual WebAuthn authenticator for this tab (Chrome DevTools' WebAuthn domain): a
    /// platform authenticator with discoverable credentials whose user is always verified, as
    /// a phone's or laptop's screen lock would. Its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        self.client
            .issue_cmd(DevTools {
                command: "WebAuthn.enable",
                params: json!({ "enableUI": false }),
            })
            .await
            .expect("WebAuthn enabled");
        let added = self
            .client
            .issue_cmd(DevTools {
                command: "WebAuthn.addVirtualAuthenticator",
                params: json!({ "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true,
                }}),
            })
            .await
            .expect("virtual authenticator added");
        added["authenticatorId"].as_str().unwrap().to_owned()
    }

    /// Any Chrome DevTools Protocol command; its result.
    pub async fn dev_tools(&self, command: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(DevTools { command, params })
            .await
            .unwrap_or_else(|error| panic!("{command}: {error}"))
    }

    /// The credentials the virtual authenticator holds.
    pub async fn virtual_credentials(&self, authenticator: &str) -> Vec<Value> {
        let listed = self
            .client
            .issue_cmd(DevTools {
                command: "WebAuthn.getCredentials",
                params: json!({ "authenticatorId": authenticator }),
            })
            .await
            .expect("credentials listed");
        listed["credentials"]
            .as_array()
            .cloned()
            .unwrap_or_default()
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
                             nodes: v.nodes.map(n => n.target.join(" ") +
                               (n.any[0]?.message ? ` (${n.any[0].message})` : "")) }))))
              .catch(error => done([{ id: "axe-error", impact: "critical", help: String(error), nodes: [] }]));
        "#;
        let value = self
            .client
            .execute_async(script, vec![])
            .await
            .expect("axe runs");
        serde_json::from_value(value).expect("axe's violations")
    }

    /// Fails the test with a readable list when the current page has a serious or critical axe
    /// violation in the light or the dark theme, at 1280 or 360 px, or is wider than a 320 px
    /// screen (so a phone reader scrolls sideways). Leaves the window as the tests start it.
    pub async fn assert_accessible(&self) {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let mut problems = Vec::new();
        for (width, scheme) in [
            (1280, "light"),
            (1280, "dark"),
            (360, "dark"),
            (360, "light"),
        ] {
            self.set_window_width(width).await;
            self.set_color_scheme(scheme).await;
            for v in self.axe_violations().await {
                problems.push(format!(
                    "- {width} px {scheme}: [{}] {}: {} at {:?}",
                    v.impact, v.id, v.help, v.nodes
                ));
            }
        }
        if let Some(culprits) = self.overflow_at(320).await {
            problems.push(format!(
                "- 320 px: the page is wider than the screen: {culprits}"
            ));
        }
        self.set_window_width(START_WIDTH).await;
        self.set_color_scheme("light").await;
        assert!(
            problems.is_empty(),
            "{url} is not accessible:\n{}",
            problems.join("\n")
        );
    }

    /// `None` when the current page fits a screen this wide; otherwise its width and the
    /// elements that stick out. Leaves the window at that width.
    pub async fn overflow_at(&self, width: u32) -> Option<String> {
        self.set_window_width(width).await;
        let overflow = self.eval(WIDER_THAN_THE_SCREEN).await;
        overflow.as_str().map(str::to_owned)
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

/// A Chrome DevTools Protocol command, through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.command, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
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
