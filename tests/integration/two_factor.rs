//! Two-factor authentication: turning it on, logging in with a code or a recovery code,
//! turning it off; and which second factors the step after the password offers (a passkey
//! beside the code, or alone for an admin the 2FA policy binds).

use reqwest::{StatusCode, header};
use totp_rs::{Builder, Secret};

use crate::{
    accounts::PASSWORD,
    support::{Page, TestApp, db_tests},
};

db_tests! {
    two_factor_can_be_enabled_used_with_codes_and_recovery_codes_and_disabled,
    a_wrong_code_at_setup_keeps_two_factor_off,
}

db_tests! {
    with super::at_localhost_with_admin_2fa;
    the_step_after_the_password_offers_a_passkey_beside_the_code_or_alone_to_a_bound_admin,
}

/// Passkeys on (the site has a domain name), and admins must use two factors.
fn at_localhost_with_admin_2fa(config: &mut groundwork::config::Config) {
    config.public_url = Some("http://localhost".into());
    config.require_admin_2fa = true;
}

/// The code for the time step `steps_ahead` steps from now.
fn code(secret: &str, steps_ahead: u64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .with_account_name("x")
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp.generate(now + steps_ahead * 30).to_string()
}

/// Turns two-factor authentication on for the logged-in user; returns the secret.
pub async fn turn_on(app: &TestApp) -> String {
    let setup = Page::from(app.post_form("/settings/two-factor/start", &[]).await).await;
    let secret = setup.text("code.secret");
    let confirmed = app
        .post_form(
            "/settings/two-factor/confirm",
            &[("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    secret
}

async fn log_in_with_code(app: &TestApp, code: &str) -> reqwest::Response {
    let first = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(
        first.status(),
        StatusCode::OK,
        "the password step asks for the code"
    );
    let page = Page::from(first).await;
    assert_eq!(page.count("#code"), 1);
    app.post_form("/login", &[("code", code)]).await
}

async fn two_factor_can_be_enabled_used_with_codes_and_recovery_codes_and_disabled(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;

    // Enable: scan (we read the key off the page), confirm with a code, get recovery codes.
    let setup = Page::from(app.post_form("/settings/two-factor/start", &[]).await).await;
    assert_eq!(
        setup.count(".qr svg"),
        1,
        "a QR code, rendered on the server"
    );
    let secret = setup.text("code.secret");
    let confirmed = Page::from(
        app.post_form(
            "/settings/two-factor/confirm",
            &[("code", &code(&secret, 0))],
        )
        .await,
    )
    .await;
    let recovery_codes = confirmed.texts(".recovery-codes code");
    assert_eq!(recovery_codes.len(), 10);
    app.logout().await;

    // The code used to confirm cannot be replayed; the next one works.
    let replayed = log_in_with_code(&app, &code(&secret, 0)).await;
    assert_eq!(replayed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let with_code = app
        .post_form("/login", &[("code", &code(&secret, 1))])
        .await;
    assert_eq!(with_code.status(), StatusCode::SEE_OTHER);
    assert_eq!(with_code.headers()[header::LOCATION], "/dashboard");
    app.logout().await;

    // A recovery code works once.
    let recovery = log_in_with_code(&app, &recovery_codes[3].to_uppercase()).await;
    assert_eq!(recovery.status(), StatusCode::SEE_OTHER);
    let status = Page::from(app.get("/settings/two-factor").await).await;
    assert!(status.text("main").contains("9 unused recovery codes"));
    app.logout().await;
    let reused = log_in_with_code(&app, &recovery_codes[3]).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        Page::from(reused)
            .await
            .text("#code-error")
            .contains("not valid")
    );

    // Disable: needs the password; then logging in takes the password alone.
    app.post_form("/login", &[("code", &recovery_codes[4])])
        .await;
    let refused = app
        .post_form("/settings/two-factor/disable", &[("password", "wrong")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let disabled = app
        .post_form("/settings/two-factor/disable", &[("password", PASSWORD)])
        .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    app.logout().await;
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let codes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(codes, 0);
}

async fn a_wrong_code_at_setup_keeps_two_factor_off(app: TestApp) {
    app.register("ada@example.com", "Ada", PASSWORD).await;
    let setup = Page::from(app.post_form("/settings/two-factor/start", &[]).await).await;
    let secret = setup.text("code.secret");

    let response = app
        .post_form("/settings/two-factor/confirm", &[("code", "000000")])
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::from(response).await;
    assert_eq!(
        page.text("code.secret"),
        secret,
        "the same key, to try again"
    );
    let enabled: Option<String> = sqlx::query_scalar("SELECT totp_secret FROM users")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(enabled, None);
}

/// Gives the account a passkey row (its credential is not used: the browser tests sign in
/// with real ones).
async fn give_passkey(app: &TestApp, email: &str) {
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, name, credential_id, credential, created_at) \
         SELECT $1, id, 'Key', $1, '{}', 0 FROM users WHERE email = $2",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(email)
    .execute(app.db.pool())
    .await
    .unwrap();
}

async fn the_step_after_the_password_offers_a_passkey_beside_the_code_or_alone_to_a_bound_admin(
    app: TestApp,
) {
    const PASSKEY_STEP: &str = "form[data-passkey-login][action='/login/second-factor/passkey']";

    // Ada has 2FA on and a passkey: after her password, a code or the passkey.
    app.register("ada@example.com", "Ada", PASSWORD).await;
    turn_on(&app).await;
    give_passkey(&app, "ada@example.com").await;
    app.logout().await;
    let step = Page::from(app.login("ada@example.com", PASSWORD).await).await;
    assert_eq!(step.count("#code"), 1);
    assert_eq!(step.count(PASSKEY_STEP), 1);
    assert_eq!(
        step.count("form[data-passkey-login][action='/login/passkey']"),
        0
    );

    // Bob, a learner with a passkey and no 2FA: the password logs him in, as before.
    let bob = TestApp::client_only(&app);
    bob.register("bob@example.com", "Bob", PASSWORD).await;
    give_passkey(&bob, "bob@example.com").await;
    bob.logout().await;
    let login = bob.login("bob@example.com", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(login.headers()[header::LOCATION], "/dashboard");

    // Root, an admin the policy binds, with a passkey and no authenticator app: the passkey,
    // and no code field; until it is used, admin pages stay shut.
    groundwork::auth::create_admin(&app.db, "root@example.edu", "Root", PASSWORD)
        .await
        .unwrap();
    give_passkey(&app, "root@example.edu").await;
    let root = TestApp::client_only(&app);
    let step = Page::from(root.login("root@example.edu", PASSWORD).await).await;
    assert_eq!(step.count("#code"), 0);
    assert_eq!(step.count(PASSKEY_STEP), 1);
    assert!(step.text("main").contains("use your passkey"));
    let admin = root.get("/admin").await;
    assert_eq!(admin.status(), StatusCode::SEE_OTHER);
    assert!(
        admin.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}
