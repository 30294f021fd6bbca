//! The test OpenID provider (.ci/oidc-provider: panva's oidc-provider on Node), started once
//! per test process, and a user agent that signs in at it.
//!
//! Node and the provider's packages are required: missing, the tests fail in CI and say so
//! (with how to install them) elsewhere.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::OnceLock,
};

use super::{Page, TestApp};

/// The running provider: its issuer URL. The child's stdin is held open for as long as the
/// test process lives; the provider exits when it closes.
struct Running {
    issuer: String,
    _child: Child,
}

static PROVIDER: OnceLock<Running> = OnceLock::new();

/// The provider's issuer URL, starting it on first use.
pub fn issuer() -> String {
    PROVIDER.get_or_init(start).issuer.clone()
}

fn start() -> Running {
    let root = env!("CARGO_MANIFEST_DIR");
    let install = Command::new("bash")
        .arg(format!("{root}/.ci/oidc-provider/install"))
        .stderr(Stdio::inherit())
        .output()
        .expect(
            "bash runs .ci/oidc-provider/install (it needs node and npm: apt-get install nodejs npm, \
             or run the README's test command, which installs them)",
        );
    assert!(
        install.status.success(),
        ".ci/oidc-provider/install failed: the sign-in tests need the test OpenID provider"
    );
    let dir = String::from_utf8(install.stdout).unwrap().trim().to_owned();
    // Its warnings and any crash go to a log beside it, named when a test fails to reach it.
    let log = std::fs::File::create(format!("{dir}/provider.log")).expect("the provider's log");
    let mut child = Command::new("node")
        .arg(format!("{dir}/provider.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("node starts the test OpenID provider");
    let mut first_line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout
        .read_line(&mut first_line)
        .expect("the provider says where it listens");
    // Whatever it prints later is read and dropped: a closed pipe would kill it (EPIPE).
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let started: serde_json::Value = serde_json::from_str(&first_line)
        .unwrap_or_else(|_| panic!("provider said {first_line:?}"));
    Running {
        issuer: started["issuer"].as_str().unwrap().to_owned(),
        _child: child,
    }
}

/// A browser at the provider: its own cookies, no redirects followed.
pub struct ProviderAgent {
    client: reqwest::Client,
}

impl Default for ProviderAgent {
    fn default() -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }
}

impl ProviderAgent {
    /// Follows `authorize_url` through the provider's login form as `login` until the provider
    /// sends the browser back to `app`: that callback URL (not yet visited).
    pub async fn authorize(&self, app: &TestApp, authorize_url: &str, login: &str) -> String {
        let mut url = authorize_url.to_owned();
        for _ in 0..12 {
            if url.starts_with(&app.address) {
                return url;
            }
            let response = self.client.get(&url).send().await.unwrap_or_else(|error| {
                panic!(
                    "the test OpenID provider does not answer (its log: provider.log in the \
                     directory .ci/oidc-provider/install prints): {error}"
                )
            });
            if let Some(location) = location(&response, &url) {
                url = location;
                continue;
            }
            let status = response.status();
            let body = response.text().await.unwrap();
            let page = Page::parse(&body);
            let action = page
                .attrs("form", "action")
                .into_iter()
                .next()
                .unwrap_or_else(|| panic!("a redirect or a form at {url}: {status} {body}"));
            let action = absolute(&url, &action);
            // The form's hidden fields (which step it is), with the login filled in.
            let fields: Vec<(String, String)> = page
                .attrs("form input", "name")
                .into_iter()
                .map(|name| {
                    let value = match name.as_str() {
                        "login" => login.to_owned(),
                        "password" => "any password".to_owned(),
                        _ => page
                            .attrs(&format!("form input[name={name}]"), "value")
                            .concat(),
                    };
                    (name, value)
                })
                .collect();
            let posted = self
                .client
                .post(&action)
                .form(&fields)
                .send()
                .await
                .expect("provider answers the login form");
            url = match location(&posted, &action) {
                Some(next) => next,
                None => panic!(
                    "the login form at {action} redirects: {} {}",
                    posted.status(),
                    posted.text().await.unwrap_or_default()
                ),
            };
        }
        panic!("the provider did not send the browser back to the app");
    }
}

fn location(response: &reqwest::Response, base: &str) -> Option<String> {
    response.status().is_redirection().then(|| {
        let location = response.headers()["location"].to_str().unwrap();
        absolute(base, location)
    })
}

fn absolute(base: &str, href: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(href)
        .unwrap()
        .to_string()
}
