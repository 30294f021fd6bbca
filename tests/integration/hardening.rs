//! Production hardening: throttling that holds under concurrency and across instances without
//! locking the owner out, bounded password hashing, start-up work done once, and a fast 503
//! when the database is out.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use groundwork::{auth, curriculum};
use reqwest::{StatusCode, header};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    twenty_wrong_passwords_at_once_across_two_instances_evaluate_at_most_five,
    logins_for_unknown_emails_at_once_from_one_address_evaluate_at_most_thirty,
    the_owner_of_a_throttled_account_gets_in_with_a_sign_in_link,
    a_sign_in_link_still_asks_for_the_second_factor,
    a_burst_of_logins_beyond_the_hashing_pool_is_answered_503_with_the_input_kept,
    two_instances_starting_together_import_once_and_issue_one_set_up_link,
}

/// One login form per client (each its own session and CSRF token), spread over `apps`, then
/// every POST at once. Returns the responses.
async fn logins_at_once(
    apps: &[&TestApp],
    credentials: &[(String, String)],
) -> Vec<reqwest::Response> {
    let mut requests = Vec::new();
    for (i, (email, password)) in credentials.iter().enumerate() {
        let app = apps[i % apps.len()];
        let visitor = TestApp::client_only(app);
        let token = visitor.csrf_token().await;
        let form = [
            ("email", email.clone()),
            ("password", password.clone()),
            ("csrf_token", token),
        ];
        requests.push(visitor.client.post(visitor.url("/login")).form(&form));
    }
    let responses = join_all(requests.into_iter().map(|request| request.send())).await;
    responses
        .into_iter()
        .map(|response| response.expect("every request gets an answer"))
        .collect()
}

fn statuses(responses: &[reqwest::Response]) -> Vec<StatusCode> {
    responses.iter().map(reqwest::Response::status).collect()
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Attempts that count in `bucket`'s window (failed checks, and checks still running).
async fn failures_recorded(app: &TestApp, bucket: &str) -> i64 {
    let attempts: Option<i64> =
        sqlx::query_scalar("SELECT attempts FROM login_throttle WHERE bucket = $1")
            .bind(bucket)
            .fetch_optional(app.db.pool())
            .await
            .unwrap();
    attempts.unwrap_or(0)
}

async fn twenty_wrong_passwords_at_once_across_two_instances_evaluate_at_most_five(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let other = app.another_instance().await;
    let guesses: Vec<_> = (0..20)
        .map(|i| ("ada@example.com".to_owned(), format!("wrong guess {i}")))
        .collect();

    let statuses = statuses(&logins_at_once(&[&app, &other], &guesses).await);

    let evaluated = count(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
    let busy = count(&statuses, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        evaluated <= 5,
        "{evaluated} wrong passwords were checked: {statuses:?}"
    );
    // Five places; one given back by a busy (503) attempt can be claimed again, so a few
    // more than five may get past the throttle, never more than five evaluated. A throttle
    // that checks, then records, would let nearly all twenty through to the hashing pool.
    assert!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS) >= 10,
        "{statuses:?}"
    );
    assert_eq!(
        evaluated + busy + count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        20
    );
    assert_eq!(
        failures_recorded(&app, "account:ada@example.com").await,
        evaluated as i64,
        "each checked password left one failure, refused ones none"
    );
}

async fn logins_for_unknown_emails_at_once_from_one_address_evaluate_at_most_thirty(app: TestApp) {
    let guesses: Vec<_> = (0..128)
        .map(|i| (format!("nobody{i}@example.com"), "some password".to_owned()))
        .collect();

    let statuses = statuses(&logins_at_once(&[&app], &guesses).await);

    let evaluated = count(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
    let throttled = count(&statuses, StatusCode::TOO_MANY_REQUESTS);
    let busy = count(&statuses, StatusCode::SERVICE_UNAVAILABLE);
    assert!(evaluated <= 30, "{evaluated} checked");
    // Thirty places, some given back by busy (503) attempts and claimed again; a throttle
    // that checks, then records, would throttle next to none of a burst.
    assert!(throttled >= 64, "{throttled} throttled: {statuses:?}");
    assert_eq!(evaluated + throttled + busy, 128, "{statuses:?}");
    assert_eq!(
        failures_recorded(&app, "address:127.0.0.1").await,
        evaluated as i64
    );
}

async fn throttle(app: &TestApp, email: &str) {
    for _ in 0..5 {
        app.login(email, "not the password").await;
    }
    let refused = app.login(email, PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// The sign-in link in the newest mail, as a path.
async fn mailed_link(app: &TestApp, mails: usize) -> String {
    let mail = app.outbox(mails).await.pop().unwrap();
    let start = mail
        .find("/login/link/")
        .expect("a sign-in link in the mail");
    let link: String = mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link
}

async fn the_owner_of_a_throttled_account_gets_in_with_a_sign_in_link(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.logout().await;
    let attacker = TestApp::client_only(&app);
    throttle(&attacker, "ada@example.com").await;

    let owner = TestApp::client_only(&app);
    assert_eq!(
        owner.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right password alone is refused while throttled"
    );
    let asked = owner
        .post_form(
            "/login/link",
            &[("email", "ada@example.com"), ("next", "/paths")],
        )
        .await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(
        Page::from(asked)
            .await
            .text("[role=status].flash")
            .contains("Check your email")
    );
    let link = mailed_link(&app, 1).await;
    assert!(link.ends_with("?next=%2Fpaths"), "{link}");

    let confirm = Page::from(owner.get(&link).await).await;
    assert_eq!(confirm.text("h1"), "Sign-in link");
    let action = confirm.attrs("form[action^='/login/link/']", "action");
    let logged_in = owner.post_form(&action[0], &[("next", "/paths")]).await;

    assert_eq!(logged_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(logged_in.headers()[header::LOCATION], "/paths");
    assert_eq!(owner.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(
        failures_recorded(&app, "account:ada@example.com").await,
        0,
        "the account starts afresh"
    );
    let again = TestApp::client_only(&app);
    let reused = again.post_form(&action[0], &[]).await;
    assert_eq!(reused.status(), StatusCode::GONE, "the link works once");
    assert_eq!(
        again.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn a_sign_in_link_still_asks_for_the_second_factor(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    crate::two_factor::turn_on(&app).await;
    app.logout().await;
    throttle(&TestApp::client_only(&app), "ada@example.com").await;

    let owner = TestApp::client_only(&app);
    owner
        .post_form("/login/link", &[("email", "ada@example.com")])
        .await;
    let link = mailed_link(&app, 1).await;
    let confirm = Page::from(owner.get(&link).await).await;
    let action = confirm.attrs("form[action^='/login/link/']", "action");
    let step = owner.post_form(&action[0], &[]).await;

    assert_eq!(step.status(), StatusCode::OK);
    let page = Page::from(step).await;
    assert_eq!(page.attrs("input[name=code]", "name"), ["code"]);
    assert_eq!(
        owner.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER,
        "not logged in before the code"
    );
}

async fn a_burst_of_logins_beyond_the_hashing_pool_is_answered_503_with_the_input_kept(
    app: TestApp,
) {
    // Distinct emails, so only the pool (one worker a core, a short queue) limits them.
    let guesses: Vec<_> = (0..24)
        .map(|i| (format!("burst{i}@example.com"), "some password".to_owned()))
        .collect();

    let responses = logins_at_once(&[&app], &guesses).await;

    let statuses = statuses(&responses);
    assert!(
        statuses.iter().all(|s| [
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::SERVICE_UNAVAILABLE
        ]
        .contains(s)),
        "{statuses:?}"
    );
    let busy = responses
        .into_iter()
        .find(|response| response.status() == StatusCode::SERVICE_UNAVAILABLE)
        .expect("more logins than the pool admits get 503");
    assert_eq!(busy.headers()[header::RETRY_AFTER], "2");
    let page = Page::from(busy).await;
    assert!(
        page.text("#password-error").contains("busy"),
        "{}",
        page.text("main")
    );
    assert_eq!(
        page.count("input[name=email][value^='burst']"),
        1,
        "the email is kept"
    );
    assert_eq!(
        failures_recorded(&app, "address:127.0.0.1").await,
        count(&statuses, StatusCode::UNPROCESSABLE_ENTITY) as i64,
        "a login refused as busy records no failure"
    );
}

async fn two_instances_starting_together_import_once_and_issue_one_set_up_link(app: TestApp) {
    let other = app.another_instance().await;

    let (first, second) = tokio::join!(
        curriculum::import_bundled_if_empty(&app.db),
        curriculum::import_bundled_if_empty(&other.db)
    );
    let (link_a, link_b) = tokio::join!(
        auth::claim_setup_token(&app.db),
        auth::claim_setup_token(&other.db)
    );

    let imports = [first.unwrap(), second.unwrap()];
    assert_eq!(
        imports.iter().filter(|r| r.is_some()).count(),
        1,
        "one import"
    );
    let links = [link_a.unwrap(), link_b.unwrap()];
    assert_eq!(
        links.iter().filter(|t| t.is_some()).count(),
        1,
        "one set-up link"
    );
    let tokens: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM one_time_tokens WHERE purpose = 'admin_setup'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(tokens, 1);
    let token = links.into_iter().flatten().next().unwrap();
    assert_eq!(
        app.get(&format!("/setup/{token}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_cut_off_a_logged_in_page_answers_503_fast_and_recovers() {
    let Some((app, proxy)) = TestApp::postgres_through_proxy().await else {
        return;
    };
    app.register("ada@example.com", "Ada", PASSWORD).await;
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);

    proxy.cut();
    let started = Instant::now();
    let during = app.get("/dashboard").await;
    let took = started.elapsed();

    assert_eq!(during.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(2), "answered in {took:?}");
    assert_eq!(during.headers()[header::RETRY_AFTER], "5");
    let page = Page::from(during).await;
    assert!(
        page.text("main").contains("cannot reach its database"),
        "{}",
        page.text("main")
    );
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    proxy.restore();
    let mut back = None;
    for _ in 0..50 {
        let response = app.get("/dashboard").await;
        if response.status() == StatusCode::OK {
            back = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = back.expect("pages work again without a restart");
    assert_eq!(Page::from(back).await.text("h1"), "Welcome, Ada");
}
