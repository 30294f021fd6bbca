//! Single sign-on with OpenID Connect, against a real OpenID Certified provider (panva's
//! oidc-provider, tests/integration/support/oidc_provider.rs): signing up, signing in again,
//! linking to an existing password account only once it is proven, unlinking, and each way a
//! provider's answer can be wrong refused with a clear page and no session.

use groundwork::config::Config;
use reqwest::StatusCode;

use crate::{
    accounts::PASSWORD,
    support::{
        Page, TestApp, db_tests, fake_github,
        oidc_provider::{self, ProviderAgent},
    },
};

db_tests! {
    with super::with_providers_and_admin_2fa;
    signing_in_first_makes_an_account_and_signs_in_to_it_again,
    an_existing_password_account_is_linked_only_once_its_owner_logs_in,
    a_sign_in_is_unlinked_only_while_another_way_in_remains,
    a_tampered_state_or_a_replayed_code_is_refused,
    an_id_token_with_a_wrong_nonce_another_audience_or_past_expiry_is_refused,
    a_rotated_signing_key_is_fetched_and_an_outside_domain_refused,
    an_admin_who_must_use_two_factors_gets_there_only_with_a_second_one,
    github_signs_in_by_its_numeric_id_with_the_primary_verified_email,
    a_sign_in_begun_at_one_instance_finishes_at_another,
}

/// [`with_providers`], and admins must use two factors.
fn with_providers_and_admin_2fa(config: &mut Config) {
    with_providers(config);
    config.require_admin_2fa = true;
}

/// Two providers at the test OpenID issuer, "test" (whose MFA is trusted) and "school" (only
/// example.edu addresses), and "github" at the stand-in GitHub.
pub fn with_providers(config: &mut Config) {
    let issuer = oidc_provider::issuer();
    let path = config.data_dir.join("sign-in.toml");
    let file = format!(
        r#"
[[provider]]
id = "test"
name = "Test Identity"
issuer = "{issuer}"
client_id = "groundwork"
client_secret = "groundwork-secret"
trust_mfa = true

[[provider]]
id = "school"
name = "School"
issuer = "{issuer}"
client_id = "groundwork"
client_secret = "groundwork-secret"
allowed_domains = ["example.edu"]

[[provider]]
id = "github"
kind = "github"
github_url = "{github}"
client_id = "{github_client}"
client_secret = "{github_secret}"
"#,
        github = fake_github::base_url(),
        github_client = fake_github::CLIENT_ID,
        github_secret = fake_github::CLIENT_SECRET,
    );
    std::fs::write(&path, file).unwrap();
    config.sign_in_providers = Some(path);
}

/// `GET path` on the app: the provider's authorization URL it redirects to.
async fn authorization_url(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{path} sends to the provider"
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&oidc_provider::issuer()), "{location}");
    for parameter in [
        "code_challenge_method=S256",
        "state=",
        "nonce=",
        "scope=openid",
    ] {
        assert!(location.contains(parameter), "{parameter} in {location}");
    }
    location
}

/// Visits the callback URL the provider sent the browser to.
async fn visit(app: &TestApp, callback: &str) -> reqwest::Response {
    let path = callback
        .strip_prefix(&app.address)
        .expect("a URL of the app");
    app.get(path).await
}

/// Signs in through `provider` as `login` at the provider; Groundwork's callback response.
async fn sign_in(app: &TestApp, provider: &str, login: &str) -> reqwest::Response {
    let url = authorization_url(app, &format!("/login/{provider}")).await;
    let callback = ProviderAgent::default().authorize(app, &url, login).await;
    visit(app, &callback).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The value of `key` in `url`'s query.
fn param(url: &str, key: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    let found = url.query_pairs().find(|(name, _)| name == key);
    found
        .unwrap_or_else(|| panic!("{key} in {url}"))
        .1
        .into_owned()
}

/// `url` with the query parameter `key` set to `value` (everything else kept).
fn with_param(url: &str, key: &str, value: &str) -> String {
    let mut url = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(name, old)| {
            let new = if name == key {
                value.to_owned()
            } else {
                old.into_owned()
            };
            (name.into_owned(), new)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(&pairs);
    url.to_string()
}

async fn is_logged_in(app: &TestApp) -> bool {
    app.get("/settings").await.status() == StatusCode::OK
}

/// The refusal page: its status and message; asserts nobody is logged in after it.
async fn refused(app: &TestApp, response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let page = Page::from(response).await;
    assert!(
        page.text("h1").contains("did not complete"),
        "a refusal page, got {status}: {}",
        page.text("main")
    );
    assert!(!is_logged_in(app).await, "no session after a refusal");
    (status, page.text("main p.lead"))
}

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn signing_in_first_makes_an_account_and_signs_in_to_it_again(app: TestApp) {
    let login = Page::from(app.get("/login").await).await;
    assert_eq!(
        login.texts(".sso a"),
        [
            "Sign in with Test Identity",
            "Sign in with School",
            "Sign in with GitHub"
        ]
    );
    assert_eq!(
        Page::from(app.get("/register").await).await.count(".sso a"),
        3
    );

    // The anonymous session that carried the flow is replaced at sign-in, as at a password
    // login (no session fixation).
    let url = authorization_url(&app, "/login/test").await;
    let before = app.session_cookie().expect("the flow's anonymous session");
    let callback = ProviderAgent::default()
        .authorize(&app, &url, "grace@example.edu")
        .await;
    let first = visit(&app, &callback).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&first), "/dashboard");
    let after = app.session_cookie().expect("a session");
    assert_ne!(before, after, "the session id is rotated");
    let settings = Page::from(app.get("/settings/sign-in").await).await;
    assert_eq!(settings.texts("tbody td:first-child"), ["Test Identity"]);
    assert!(settings.text("main").contains("has no password"));
    let (name, hash): (String, String) =
        sqlx::query_as("SELECT display_name, password_hash FROM users WHERE email = $1")
            .bind("grace@example.edu")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((name.as_str(), hash.as_str()), ("grace", ""));

    // The account has no password: a password login with an empty one cannot get in.
    app.logout().await;
    let by_password = app.login("grace@example.edu", "").await;
    assert_eq!(by_password.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let again = sign_in(&app, "test", "grace@example.edu").await;
    assert_eq!(location(&again), "/dashboard");
    assert!(is_logged_in(&app).await);
    assert_eq!(user_count(&app).await, 1, "the same account, not a second");

    // `next` survives the round trip; the export names the linked sign-in.
    app.logout().await;
    let url = authorization_url(&app, "/login/test?next=/paths").await;
    let callback = ProviderAgent::default()
        .authorize(&app, &url, "grace@example.edu")
        .await;
    assert_eq!(location(&visit(&app, &callback).await), "/paths");
    let export: serde_json::Value = app.get("/settings/export").await.json().await.unwrap();
    assert_eq!(export["account"]["sign_ins"][0]["provider"], "test");
    assert_eq!(export["account"]["has_password"], false);

    // A provider that does not vouch for the email, or gives none, makes no account.
    app.logout().await;
    let (status, message) = refused(&app, sign_in(&app, "test", "unverified-eve").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("has not confirmed"), "{message}");
    let (_, message) = refused(&app, sign_in(&app, "test", "noemail-nobody").await).await;
    assert!(message.contains("did not share your email"), "{message}");
    assert_eq!(user_count(&app).await, 1);
}

async fn an_existing_password_account_is_linked_only_once_its_owner_logs_in(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    app.logout().await;

    // Same email at the provider: no silent link; the owner is asked to log in.
    let answer = sign_in(&app, "test", "ada@example.com").await;
    assert_eq!(location(&answer), "/login");
    let login = Page::from(app.get("/login").await).await;
    assert!(
        login
            .text("[role=status].flash")
            .contains("Log in to it once")
    );
    assert!(!is_logged_in(&app).await);

    let logged_in = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(location(&logged_in), "/dashboard");
    let settings = Page::from(app.get("/settings/sign-in").await).await;
    assert!(
        settings
            .text("[role=status].flash")
            .contains("is linked to this account")
    );
    assert_eq!(settings.texts("tbody td:nth-child(2)"), ["ada@example.com"]);

    // From now on the provider alone signs in to Ada's account.
    app.logout().await;
    let again = sign_in(&app, "test", "ada@example.com").await;
    assert_eq!(location(&again), "/dashboard");
    assert_eq!(user_count(&app).await, 1);

    // Someone whose provider does not vouch for the address gets no link, nor a way to one.
    let other = TestApp::client_only(&app);
    other.register("bob@example.com", "Bob", PASSWORD).await;
    other.logout().await;
    let (status, message) = refused(
        &other,
        sign_in(&other, "test", "unverified-bob@example.com").await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(message.contains("cannot be linked"), "{message}");
}

async fn a_sign_in_is_unlinked_only_while_another_way_in_remains(app: TestApp) {
    sign_in(&app, "test", "lin@example.edu").await;
    let only = app
        .post_form(
            "/settings/sign-in/unlink",
            &[("provider", "test"), ("subject", "lin@example.edu")],
        )
        .await;
    assert_eq!(location(&only), "/settings/sign-in");
    let page = Page::from(app.get("/settings/sign-in").await).await;
    assert!(
        page.text("[role=status].flash")
            .contains("only way to sign in")
    );
    assert_eq!(page.count("tbody tr"), 1);

    // Link a second provider account from settings, then the first can go.
    let started = app
        .post_form("/settings/sign-in/link", &[("provider", "school")])
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let callback = ProviderAgent::default()
        .authorize(&app, &location(&started), "lin.school@example.edu")
        .await;
    let linked = visit(&app, &callback).await;
    assert_eq!(location(&linked), "/settings/sign-in");
    let page = Page::from(app.get("/settings/sign-in").await).await;
    assert_eq!(page.count("tbody tr"), 2);

    let unlinked = app
        .post_form(
            "/settings/sign-in/unlink",
            &[("provider", "test"), ("subject", "lin@example.edu")],
        )
        .await;
    assert_eq!(location(&unlinked), "/settings/sign-in");
    let page = Page::from(app.get("/settings/sign-in").await).await;
    assert!(page.text("[role=status].flash").contains("was unlinked"));
    assert_eq!(page.texts("tbody td:first-child"), ["School"]);

    // Another user cannot unlink Lin's sign-in.
    let other = TestApp::client_only(&app);
    other
        .register("mallory@example.com", "Mallory", PASSWORD)
        .await;
    let theirs = other
        .post_form(
            "/settings/sign-in/unlink",
            &[
                ("provider", "school"),
                ("subject", "lin.school@example.edu"),
            ],
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    // Nor link it to herself: it is Lin's. She stays logged in as herself.
    let started = other
        .post_form("/settings/sign-in/link", &[("provider", "school")])
        .await;
    let callback = ProviderAgent::default()
        .authorize(&other, &location(&started), "lin.school@example.edu")
        .await;
    let taken = visit(&other, &callback).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let page = Page::from(taken).await;
    assert!(
        page.text("main p.lead")
            .contains("already linked to another")
    );
    assert!(is_logged_in(&other).await, "Mallory is still logged in");

    // The unlinked provider account no longer signs in to Lin's account: it is back to the
    // start, an address that has an account, which must be proven again to link.
    app.logout().await;
    let after = sign_in(&app, "test", "lin@example.edu").await;
    assert_eq!(
        location(&after),
        "/login",
        "an unlinked sign-in is not a way in"
    );
}

async fn a_tampered_state_or_a_replayed_code_is_refused(app: TestApp) {
    let agent = ProviderAgent::default();
    let url = authorization_url(&app, "/login/test").await;
    let callback = agent.authorize(&app, &url, "tess@example.edu").await;
    let tampered = callback.replace("state=", "state=x");
    let (status, message) = refused(&app, visit(&app, &tampered).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("does not belong to a sign-in this browser started"));

    // A callback that worked once works only once: the flow is spent.
    let url = authorization_url(&app, "/login/test").await;
    let callback = agent.authorize(&app, &url, "tess@example.edu").await;
    assert_eq!(location(&visit(&app, &callback).await), "/dashboard");
    app.logout().await;
    refused(&app, visit(&app, &callback).await).await;

    // The old code inside a fresh flow's answer: the provider refuses to exchange it again.
    let url = authorization_url(&app, "/login/test").await;
    let fresh = agent.authorize(&app, &url, "tess@example.edu").await;
    let replayed = with_param(&fresh, "code", &param(&callback, "code"));
    let (_, message) = refused(&app, visit(&app, &replayed).await).await;
    assert!(message.contains("could not be trusted"), "{message}");

    // A provider's error answer (the user said no) is explained.
    let url = authorization_url(&app, "/login/test").await;
    let state = param(&url, "state");
    let denied = format!(
        "/login/test/callback?error=access_denied&error_description=End-User+aborted&state={state}"
    );
    let (_, message) = refused(&app, app.get(&denied).await).await;
    assert!(
        message.contains("did not sign you in (End-User aborted)"),
        "{message}"
    );

    // An answer from another issuer (RFC 9207 `iss`) is refused.
    let url = authorization_url(&app, "/login/test").await;
    let callback = agent.authorize(&app, &url, "tess@example.edu").await;
    let mixed_up = with_param(&callback, "iss", "https://evil.example");
    refused(&app, visit(&app, &mixed_up).await).await;
}

async fn an_id_token_with_a_wrong_nonce_another_audience_or_past_expiry_is_refused(app: TestApp) {
    // The nonce the provider puts into the ID token is not the one this sign-in sent.
    let url = authorization_url(&app, "/login/test").await;
    let wrong_nonce = with_param(&url, "nonce", "another-nonce");
    let callback = ProviderAgent::default()
        .authorize(&app, &wrong_nonce, "nina@example.edu")
        .await;
    let (_, message) = refused(&app, visit(&app, &callback).await).await;
    assert!(message.contains("could not be trusted"), "{message}");

    for login in ["other-audience-olga@example.edu", "expired-eli@example.edu"] {
        let (status, message) = refused(&app, sign_in(&app, "test", login).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{login}");
        assert!(
            message.contains("could not be trusted"),
            "{login}: {message}"
        );
    }
    assert_eq!(user_count(&app).await, 0);
}

async fn a_rotated_signing_key_is_fetched_and_an_outside_domain_refused(app: TestApp) {
    // Discovery (and the keys) were fetched when the sign-in started; the ID token is signed
    // with a key published only since.
    let rotated = sign_in(&app, "test", "rotated-rosa@example.edu").await;
    assert_eq!(location(&rotated), "/dashboard");
    app.logout().await;

    let (status, message) =
        refused(&app, sign_in(&app, "school", "sam@elsewhere.example").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        message.contains("Only accounts of example.edu"),
        "{message}"
    );
    assert_eq!(
        location(&sign_in(&app, "school", "sam@example.edu").await),
        "/dashboard"
    );

    assert_eq!(
        app.get("/login/nobody").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn an_admin_who_must_use_two_factors_gets_there_only_with_a_second_one(app: TestApp) {
    groundwork::auth::create_admin(&app.db, "root@example.edu", "Root", PASSWORD)
        .await
        .unwrap();
    // The admin linked two provider accounts earlier (as a learner would, by logging in): the
    // provider reports a second factor for the second.
    for subject in ["root@example.edu", "mfa-root@example.edu"] {
        sqlx::query(
            "INSERT INTO sign_in_identities (provider, subject, user_id, email, created_at, last_used_at) \
             SELECT 'test', $1, id, email, 0, 0 FROM users WHERE email = 'root@example.edu'",
        )
        .bind(subject)
        .execute(app.db.pool())
        .await
        .unwrap();
    }

    // One factor (the provider reported only a password): sent to add a second.
    let one = sign_in(&app, "test", "root@example.edu").await;
    assert_eq!(location(&one), "/settings/two-factor");
    assert_eq!(app.get("/admin").await.status(), StatusCode::SEE_OTHER);
    app.logout().await;

    // The provider reports two factors and the operator trusts it: admin pages open.
    let two = sign_in(&app, "test", "mfa-root@example.edu").await;
    assert_eq!(location(&two), "/dashboard");
    assert_eq!(app.get("/admin").await.status(), StatusCode::OK);
}

/// Follows GitHub's authorize URL as the GitHub user `login`: the callback URL it sends to.
async fn authorize_at_github(app: &TestApp, login: &str) -> String {
    let response = app.get("/login/github").await;
    let url = location(&response);
    assert!(url.starts_with(&fake_github::base_url()), "{url}");
    for parameter in [
        "code_challenge_method=S256",
        "state=",
        "scope=read%3Auser+user%3Aemail",
    ] {
        assert!(url.contains(parameter), "{parameter} in {url}");
    }
    let at_github = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = at_github
        .get(format!("{url}&login={login}"))
        .send()
        .await
        .unwrap();
    location(&answer)
}

async fn github_signs_in_by_its_numeric_id_with_the_primary_verified_email(app: TestApp) {
    let callback = authorize_at_github(&app, "octo").await;
    assert_eq!(location(&visit(&app, &callback).await), "/dashboard");
    let (subject, email): (String, String) =
        sqlx::query_as("SELECT subject, email FROM sign_in_identities WHERE provider = 'github'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(subject, fake_github::id_of("octo").to_string());
    assert_eq!(email, "octo@example.com");
    let name: String =
        sqlx::query_scalar("SELECT display_name FROM users WHERE email = 'octo@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(name, "octo", "the login when GitHub has no name");

    // Signing in again finds the same account by the id.
    app.logout().await;
    let again = authorize_at_github(&app, "octo").await;
    assert_eq!(location(&visit(&app, &again).await), "/dashboard");
    assert_eq!(user_count(&app).await, 1);
    app.logout().await;

    // A spent callback; a code GitHub refuses (one already exchanged, inside a fresh flow's
    // answer); an unverified email.
    let (_, message) = refused(&app, visit(&app, &again).await).await;
    assert!(message.contains("does not belong"), "{message}");
    let fresh = authorize_at_github(&app, "octo").await;
    let stale = with_param(&fresh, "code", &param(&again, "code"));
    let (_, message) = refused(&app, visit(&app, &stale).await).await;
    assert!(message.contains("could not be trusted"), "{message}");
    let unverified = authorize_at_github(&app, "unverified-cat").await;
    let (_, message) = refused(&app, visit(&app, &unverified).await).await;
    assert!(message.contains("has not confirmed"), "{message}");
}

/// Behind a load balancer: the browser leaves for the provider from one instance and comes back
/// to another (same public URL, same database). The flow's state is in the session, in the
/// database, so the second instance finishes it.
async fn a_sign_in_begun_at_one_instance_finishes_at_another(app: TestApp) {
    let public_url = app.address.clone();
    let other = app
        .another_instance_with(|config| {
            with_providers(config);
            config.public_url = Some(public_url);
        })
        .await;
    let url = authorization_url(&app, "/login/test").await;
    let callback = ProviderAgent::default()
        .authorize(&app, &url, "hedy@example.edu")
        .await;
    let path = callback.strip_prefix(&app.address).unwrap();
    let site: url::Url = app.address.parse().unwrap();
    let cookie = reqwest::cookie::CookieStore::cookies(&*app.cookies, &site).unwrap();
    let finished = other
        .client
        .get(other.url(path))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(finished.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&finished), "/dashboard");
    // The rotated session the second instance set works at the first.
    for set_cookie in finished.headers().get_all(reqwest::header::SET_COOKIE) {
        let set_cookie = set_cookie.to_str().unwrap();
        reqwest::cookie::CookieStore::set_cookies(
            &*app.cookies,
            &mut std::iter::once(&reqwest::header::HeaderValue::from_str(set_cookie).unwrap()),
            &site,
        );
    }
    let settings = Page::from(app.get("/settings/sign-in").await).await;
    assert_eq!(settings.texts("tbody td:first-child"), ["Test Identity"]);
    let email: String = sqlx::query_scalar("SELECT email FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(email, "hedy@example.edu");
}
