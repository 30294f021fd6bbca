//! Passkeys in Chromium with a virtual authenticator (WebAuthn through DevTools): adding one in
//! `/settings/sign-in`, signing in with it and no password, and the refusals: a cloned
//! authenticator (its counter gone back), an assertion that claims another user's account, and
//! one made for another origin. Then a passkey as the
//! second factor an admin needs after their password.

use serde_json::Value;

use crate::{
    accounts::PASSWORD,
    support::{Browser, TestApp},
};

/// The app at `http://localhost:<port>` (WebAuthn takes no IP address as the site).
fn at_localhost(config: &mut groundwork::config::Config) {
    config.public_url = Some("http://localhost".into());
}

fn localhost(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.address.replace("127.0.0.1", "localhost"))
}

/// Runs a passkey sign-in by hand in the page, with the credential's `userHandle` replaced by
/// `user_handle` when given; the server's answer (`{"redirect"}` or `{"error"}`).
async fn sign_in_by_script(browser: &Browser, user_handle: Option<&str>) -> Value {
    let handle = user_handle.map_or("null".to_owned(), |handle| format!("{handle:?}"));
    browser
        .eval(&format!(
            r#"window.passkeyAnswer = undefined;
            (async () => {{
              const token = JSON.parse(document.body.dataset.hxHeaders)["X-CSRF-Token"];
              const post = (url, body) => fetch(url, {{ method: "POST", body: JSON.stringify(body),
                headers: {{ "Content-Type": "application/json", "X-CSRF-Token": token }} }});
              const options = await (await post("/login/passkey/options")).json();
              const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey);
              const credential = (await navigator.credentials.get({{ publicKey }})).toJSON();
              const handle = {handle};
              if (handle !== null) credential.response.userHandle = handle;
              const answer = await post("/login/passkey", {{ credential, next: "" }});
              const text = await answer.text();
              try {{ window.passkeyAnswer = JSON.parse(text); }}
              catch {{ window.passkeyAnswer = {{ status: answer.status, body: text.slice(0, 3000) }}; }}
            }})().catch((error) => {{ window.passkeyAnswer = {{ thrown: String(error) }}; }});"#
        ))
        .await;
    browser
        .wait_until("window.passkeyAnswer !== undefined")
        .await;
    browser.eval("return window.passkeyAnswer").await
}

/// Registers an account in the browser and adds a passkey to it from `/settings/sign-in` (the
/// page checked with axe); the flash message it ends with.
async fn register_with_a_passkey(
    browser: &Browser,
    app: &TestApp,
    email: &str,
    name: &str,
    passkey: &str,
) -> String {
    browser.goto(&localhost(app, "/register")).await;
    browser.fill("email", email).await;
    browser.fill("display_name", name).await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path("/dashboard").await;
    browser.goto(&localhost(app, "/settings/sign-in")).await;
    browser.assert_accessible().await;
    browser.fill("passkey-name", passkey).await;
    browser
        .click("form[data-passkey-register] button[type=submit]")
        .await;
    browser.wait_for("[role=status].flash").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_is_added_and_signs_in_and_a_wrong_user_or_origin_is_refused() {
    let app = TestApp::sqlite_with(at_localhost).await;
    let browser = Browser::start().await;
    let authenticator = browser.add_virtual_authenticator().await;

    // Ada registers, then adds a passkey named "Laptop".
    let flash = register_with_a_passkey(&browser, &app, "ada@example.com", "Ada", "Laptop").await;
    assert!(flash.contains("Passkey “Laptop” added"), "{flash}");
    assert_eq!(
        browser
            .text("#passkeys-title ~ .table-scroll tbody td:first-child")
            .await,
        "Laptop"
    );
    browser.assert_accessible().await;
    let credentials = browser.virtual_credentials(&authenticator).await;
    assert_eq!(credentials.len(), 1);
    assert_eq!(
        credentials[0]["isResidentCredential"], true,
        "a discoverable passkey"
    );
    // DevTools gives it in base64; the WebAuthn JSON form is base64url without padding.
    let ada_handle = credentials[0]["userHandle"].as_str().unwrap().to_owned();
    let ada_handle_url = ada_handle
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");

    // Signed out, "Sign in with a passkey": no email, no password.
    log_out(&browser).await;
    browser.goto(&localhost(&app, "/login")).await;
    browser.assert_accessible().await;
    browser
        .click("form[data-passkey-login] button[type=submit]")
        .await;
    browser.wait_for_path("/dashboard").await;
    assert_eq!(browser.text("main h1").await, "Welcome, Ada");
    assert_used(&app).await;

    // A cloned authenticator: the same key, its signature counter back at 0. The counter the
    // server kept is higher, so the sign-in is refused.
    let original = browser.virtual_credentials(&authenticator).await[0].clone();
    assert!(original["signCount"].as_u64().unwrap() > 0, "{original}");
    let mut clone = original.clone();
    clone["signCount"] = 0.into();
    remove_credential(
        &browser,
        &authenticator,
        original["credentialId"].as_str().unwrap(),
    )
    .await;
    browser
        .dev_tools(
            "WebAuthn.addCredential",
            serde_json::json!({ "authenticatorId": authenticator, "credential": clone }),
        )
        .await;
    log_out(&browser).await;
    browser.goto(&localhost(&app, "/login")).await;
    let answer = sign_in_by_script(&browser, None).await;
    assert_refused(&answer);
    browser.goto(&localhost(&app, "/settings")).await;
    assert_eq!(browser.path().await, "/login", "nobody is signed in");

    // Bob, with his own passkey, presents it as Ada's (the user handle says Ada): refused.
    register_with_a_passkey(&browser, &app, "bob@example.com", "Bob", "Phone").await;
    log_out(&browser).await;
    // The authenticator offers its first credential: keep only Bob's.
    let credentials = browser.virtual_credentials(&authenticator).await;
    let ada_credential = credentials
        .iter()
        .find(|credential| credential["userHandle"] == ada_handle.as_str())
        .unwrap();
    remove_credential(
        &browser,
        &authenticator,
        ada_credential["credentialId"].as_str().unwrap(),
    )
    .await;
    browser.goto(&localhost(&app, "/login")).await;
    let answer = sign_in_by_script(&browser, Some(&ada_handle_url)).await;
    assert_refused(&answer);
    browser.goto(&localhost(&app, "/settings")).await;
    assert_eq!(browser.path().await, "/login", "nobody is signed in");

    // Bob's passkey as itself works here, but not at an instance that is another origin.
    let elsewhere = app
        .another_instance_with(|config| config.public_url = Some("http://localhost:9".into()))
        .await;
    browser.goto(&localhost(&elsewhere, "/login")).await;
    let answer = sign_in_by_script(&browser, None).await;
    assert_refused(&answer);
    browser.goto(&localhost(&app, "/login")).await;
    let answer = sign_in_by_script(&browser, None).await;
    assert_eq!(answer["redirect"], "/dashboard", "{answer}");

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_who_must_use_two_factors_signs_in_with_a_password_and_a_passkey() {
    let app = TestApp::sqlite_with(|config| {
        at_localhost(config);
        config.require_admin_2fa = true;
    })
    .await;
    groundwork::auth::create_admin(&app.db, "root@example.edu", "Root", PASSWORD)
        .await
        .unwrap();
    let browser = Browser::start().await;
    browser.add_virtual_authenticator().await;
    let log_in_with_password = async |next: &str| {
        browser
            .goto(&localhost(&app, &format!("/login?next={next}")))
            .await;
        browser.fill("email", "root@example.edu").await;
        browser.fill("password", PASSWORD).await;
        browser.click("main form button[type=submit]").await;
    };

    // The password alone: sent to add a second factor, and admin pages stay shut.
    log_in_with_password("/admin").await;
    browser.wait_for_path("/settings/two-factor").await;
    let flash = browser.wait_for("[role=status].flash").await;
    assert!(flash.contains("or add a passkey"), "{flash}");
    browser.goto(&localhost(&app, "/admin")).await;
    assert_eq!(browser.path().await, "/settings/two-factor");

    // Adding a passkey (the user verified on the device) gives this session its second factor.
    browser.goto(&localhost(&app, "/settings/sign-in")).await;
    browser.fill("passkey-name", "Security key").await;
    browser
        .click("form[data-passkey-register] button[type=submit]")
        .await;
    browser.wait_for("[role=status].flash").await;
    browser.goto(&localhost(&app, "/admin")).await;
    assert_eq!(browser.path().await, "/admin");

    // Next time: the password, then the passkey (no code is asked for: 2FA by app is off).
    log_out(&browser).await;
    log_in_with_password("/admin").await;
    browser
        .wait_for("form[data-passkey-login][action='/login/second-factor/passkey']:not([hidden])")
        .await;
    assert_eq!(browser.count("input[name=code]").await, 0);
    assert!(browser.text("main").await.contains("use your passkey"));
    browser.assert_accessible().await;
    browser
        .click("form[data-passkey-login] button[type=submit]")
        .await;
    browser.wait_for_path("/admin").await;
    assert_used(&app).await;

    // With no password step behind it, the second-factor endpoint has nobody to log in.
    log_out(&browser).await;
    browser.goto(&localhost(&app, "/login")).await;
    let answer = browser
        .eval(
            r#"const token = JSON.parse(document.body.dataset.hxHeaders)["X-CSRF-Token"];
            return fetch("/login/second-factor/passkey/options", { method: "POST",
              headers: { "X-CSRF-Token": token } }).then((answer) => answer.json());"#,
        )
        .await;
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("took too long"),
        "{answer}"
    );

    browser.close().await;
}

/// The server's answer to a passkey sign-in is its refusal.
fn assert_refused(answer: &Value) {
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("could not sign you in"),
        "{answer}"
    );
}

async fn log_out(browser: &Browser) {
    browser.click("nav form[action='/logout'] button").await;
    browser.wait_for_path("/").await;
}

/// The (one) passkey's last use is recorded.
async fn assert_used(app: &TestApp) {
    let used: Option<i64> = sqlx::query_scalar("SELECT last_used_at FROM passkeys")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(used.is_some(), "last used is recorded");
}

async fn remove_credential(browser: &Browser, authenticator: &str, credential_id: &str) {
    browser
        .dev_tools(
            "WebAuthn.removeCredential",
            serde_json::json!({ "authenticatorId": authenticator, "credentialId": credential_id }),
        )
        .await;
}
