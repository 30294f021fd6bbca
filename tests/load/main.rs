//! Load tests of the built binary: memory under a burst of logins, memory over a mixed soak,
//! and latency while slow clients hold connections. A test binary of its own, because cargo
//! runs test binaries one after another: nothing else competes for the two cores while these
//! measure, so their bounds mean something.
//!
//! `GROUNDWORK_SOAK_SECS` sets the soak's length (default 300, as the hardening issue asks).

#[path = "../integration/support/binary.rs"]
#[allow(dead_code)]
mod binary;
#[path = "../integration/support/slow_client.rs"]
mod slow_client;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use binary::{RunningBinary, rss_mib};
use reqwest::StatusCode;
use slow_client::slow_header_client;

/// Held by each test for its whole run: cargo runs the tests of one binary in parallel, and
/// these must not measure each other.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const PASSWORD: &str = "correct horse battery staple";
const LESSON: &str = "/paths/backend-foundations/databases-and-data-modeling/schema-design";

/// A browser: its own cookies, never following redirects.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token of `client`'s session, read from a form page.
async fn csrf(client: &reqwest::Client, base: &str) -> String {
    let page = client
        .get(format!("{base}/password-reset"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF field")
        + 25;
    page[start..].split('"').next().unwrap().to_owned()
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> StatusCode {
    let token = csrf(client, base).await;
    let mut form = fields.to_vec();
    form.push(("csrf_token", &token));
    let response = client
        .post(format!("{base}{path}"))
        .form(&form)
        .send()
        .await
        .expect("every request gets an answer");
    response.status()
}

/// Samples process `pid`'s resident memory every 10 ms until `stop`; returns the highest seen.
async fn peak_rss(pid: u32, stop: Arc<AtomicBool>) -> f64 {
    let mut peak = rss_mib(pid);
    while !stop.load(Ordering::SeqCst) {
        peak = peak.max(rss_mib(pid));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    peak
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_128_logins_keeps_memory_under_300_mib_and_every_one_is_answered() {
    let _alone = ALONE.lock().await;
    let data_dir = tempfile::tempdir().unwrap();
    let binary = RunningBinary::start(data_dir.path(), None).await;
    let base = binary.address.clone();
    let owner = browser();
    let registered = post(
        &owner,
        &base,
        "/register",
        &[
            ("email", "ada@example.com"),
            ("display_name", "Ada"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(registered, StatusCode::SEE_OTHER);
    // Every login form first (128 sessions), then every POST at once.
    let mut ready = Vec::new();
    for i in 0..128 {
        let client = browser();
        let token = csrf(&client, &base).await;
        let (email, password) = match i % 4 {
            0 => ("ada@example.com".to_owned(), PASSWORD.to_owned()),
            1 => ("ada@example.com".to_owned(), format!("wrong {i}")),
            _ => (format!("nobody{i}@example.com"), "a guess".to_owned()),
        };
        ready.push((client, token, email, password));
    }
    let before = rss_mib(binary.pid());
    let stop = Arc::new(AtomicBool::new(false));
    let peak = tokio::spawn(peak_rss(binary.pid(), stop.clone()));

    let burst = ready.into_iter().map(|(client, token, email, password)| {
        let url = format!("{base}/login");
        tokio::spawn(async move {
            let form = [
                ("email", email.as_str()),
                ("password", password.as_str()),
                ("csrf_token", token.as_str()),
            ];
            client
                .post(url)
                .form(&form)
                .send()
                .await
                .map(|r| r.status())
        })
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(burst)
        .await
        .into_iter()
        .map(|answer| answer.unwrap().expect("every login is answered"))
        .collect();
    stop.store(true, Ordering::SeqCst);
    let peak = peak.await.unwrap();

    let allowed = [
        StatusCode::SEE_OTHER,
        StatusCode::UNPROCESSABLE_ENTITY,
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::SERVICE_UNAVAILABLE,
    ];
    assert!(statuses.iter().all(|s| allowed.contains(s)), "{statuses:?}");
    let tally = |status| statuses.iter().filter(|s| **s == status).count();
    println!(
        "128 logins at once: {} logged in, {} wrong, {} throttled, {} busy; RSS {before:.0} MiB before, peak {peak:.0} MiB",
        tally(StatusCode::SEE_OTHER),
        tally(StatusCode::UNPROCESSABLE_ENTITY),
        tally(StatusCode::TOO_MANY_REQUESTS),
        tally(StatusCode::SERVICE_UNAVAILABLE),
    );
    assert!(peak < 300.0, "peak RSS {peak:.0} MiB");
    assert!(binary.terminate().await.success());
}

/// Answers the soak did not expect, as "what → status".
#[derive(Clone, Default)]
struct Unexpected(Arc<std::sync::Mutex<Vec<String>>>);

impl Unexpected {
    fn note(&self, what: &str, status: StatusCode) {
        self.0.lock().unwrap().push(format!("{what} → {status}"));
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// One simulated user's loop: pages anonymous and logged in, lesson done and undone, a
/// search, a wrong login, and now and then a new account (argon2).
async fn soak_user(base: String, n: usize, until: Instant, errors: Unexpected) -> u64 {
    let client = browser();
    let email = format!("soak{n}@example.com");
    let fields = [
        ("email", email.as_str()),
        ("display_name", "Soak"),
        ("password", PASSWORD),
    ];
    // Eight at once may fill the hashing pool: come back as Retry-After asks, as a person would.
    loop {
        match post(&client, &base, "/register", &fields).await {
            StatusCode::SEE_OTHER => break,
            StatusCode::SERVICE_UNAVAILABLE => tokio::time::sleep(Duration::from_millis(500)).await,
            other => {
                errors.note("register", other);
                break;
            }
        }
    }
    let mut requests = 0;
    let mut round = 0u64;
    while Instant::now() < until {
        round += 1;
        for path in ["/", "/paths", LESSON, "/dashboard", "/search?q=index"] {
            let status = client
                .get(format!("{base}{path}"))
                .send()
                .await
                .map(|r| r.status());
            requests += 1;
            match status {
                Ok(StatusCode::OK) => {}
                Ok(status) => errors.note(path, status),
                Err(_) => errors.note(path, StatusCode::IM_A_TEAPOT),
            }
        }
        let action = if round.is_multiple_of(2) {
            "complete"
        } else {
            "incomplete"
        };
        let done = post(&client, &base, &format!("{LESSON}/{action}"), &[]).await;
        requests += 2;
        if done != StatusCode::SEE_OTHER {
            errors.note(action, done);
        }
        if round.is_multiple_of(10) {
            let stranger = browser();
            let login = [("email", "nobody@example.com"), ("password", "wrong")];
            let status = post(&stranger, &base, "/login", &login).await;
            requests += 2;
            if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
                errors.note("login", status);
            }
        }
        if round.is_multiple_of(25) {
            let newcomer = browser();
            let email = format!("soak{n}-{round}@example.com");
            let fields = [
                ("email", email.as_str()),
                ("display_name", "New"),
                ("password", PASSWORD),
            ];
            let status = post(&newcomer, &base, "/register", &fields).await;
            requests += 2;
            if status != StatusCode::SEE_OTHER && status != StatusCode::SERVICE_UNAVAILABLE {
                errors.note("register", status);
            }
        }
    }
    requests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_mixed_soak_memory_is_within_100_mib_of_the_start() {
    let _alone = ALONE.lock().await;
    let seconds: u64 = std::env::var("GROUNDWORK_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let data_dir = tempfile::tempdir().unwrap();
    let binary = RunningBinary::start(data_dir.path(), None).await;
    let warm_up = Instant::now() + Duration::from_secs(5);
    let errors = Unexpected::default();
    futures_util::future::join_all(
        (0..4).map(|n| soak_user(binary.address.clone(), 100 + n, warm_up, errors.clone())),
    )
    .await;
    let start = rss_mib(binary.pid());

    let until = Instant::now() + Duration::from_secs(seconds);
    let users =
        (0..8).map(|n| tokio::spawn(soak_user(binary.address.clone(), n, until, errors.clone())));
    let requests: u64 = futures_util::future::join_all(users)
        .await
        .into_iter()
        .map(Result::unwrap)
        .sum();
    let end = rss_mib(binary.pid());

    let unexpected = errors.all();
    println!(
        "soak: {seconds} s, 8 users, {requests} requests ({:.0}/s), {} unexpected answers; RSS {start:.0} MiB after warm-up, {end:.0} MiB at the end",
        requests as f64 / seconds as f64,
        unexpected.len()
    );
    assert!(
        unexpected.is_empty(),
        "unexpected answers: {:?}",
        &unexpected[..unexpected.len().min(10)]
    );
    assert!(
        end - start < 100.0,
        "RSS grew from {start:.0} to {end:.0} MiB"
    );
    assert!(binary.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_200_slow_header_clients_normal_requests_keep_p99_under_100_ms() {
    let _alone = ALONE.lock().await;
    let data_dir = tempfile::tempdir().unwrap();
    let binary = RunningBinary::start_with(
        data_dir.path(),
        None,
        &[("GROUNDWORK_HEADER_READ_TIMEOUT", "3")],
        None,
    )
    .await;
    let address = binary.address.trim_start_matches("http://").to_owned();
    let opened = Instant::now();
    let slow: Vec<_> = (0..200)
        .map(|_| tokio::spawn(slow_header_client(address.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    let mut latencies = Vec::new();
    while opened.elapsed() < Duration::from_millis(2500) {
        let sent = Instant::now();
        let response = client
            .get(format!("{}/paths", binary.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.bytes().await.unwrap();
        latencies.push(sent.elapsed());
    }

    latencies.sort();
    let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
    let p50 = latencies[latencies.len() / 2];
    println!(
        "with 200 slow clients: {} requests, p50 {p50:?}, p99 {p99:?}",
        latencies.len()
    );
    assert!(latencies.len() > 100);
    assert!(p99 < Duration::from_millis(100), "p99 {p99:?}");
    for client in slow {
        let closed = tokio::time::timeout(Duration::from_secs(10), client)
            .await
            .expect("every slow client is closed")
            .unwrap();
        let after = closed - opened;
        assert!(
            after < Duration::from_secs(5),
            "closed after {after:?}, deadline 3 s"
        );
    }
    assert!(binary.terminate().await.success());
}
