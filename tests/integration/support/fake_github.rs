//! A stand-in for GitHub's OAuth 2.0 endpoints and the two REST calls sign-in makes, on its own
//! thread and port for the whole test process. It checks what GitHub checks: the client secret,
//! the redirect URL, a code used once, and the PKCE verifier against the S256 challenge. The
//! account is chosen with GitHub's `login` hint (the test adds it to the authorize URL):
//! `{login}@example.com` is its primary email, verified unless the login starts `unverified-`.

// Not a Groundwork page: axum's own extractors, whose rejections are GitHub's business.
#![allow(clippy::disallowed_types)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "gh-client";
pub const CLIENT_SECRET: &str = "gh-secret";

#[derive(Default)]
struct Issued {
    /// code → (login, redirect_uri, code_challenge)
    codes: HashMap<String, (String, String, String)>,
    /// access token → login
    tokens: HashMap<String, String>,
}

type Shared = Arc<Mutex<Issued>>;

static BASE: OnceLock<String> = OnceLock::new();

/// The fake's base URL (what `github_url` names), starting it on first use.
pub fn base_url() -> String {
    BASE.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender
                    .send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                let app = Router::new()
                    .route("/login/oauth/authorize", get(authorize))
                    .route("/login/oauth/access_token", post(access_token))
                    .route("/api/v3/user", get(user))
                    .route("/api/v3/user/emails", get(emails))
                    .with_state(Shared::default());
                axum::serve(listener, app).await.unwrap();
            });
        });
        receiver.recv().unwrap()
    })
    .clone()
}

/// GitHub's numeric user id for a login (stable, like the real one).
pub fn id_of(login: &str) -> u64 {
    let digest = Sha256::digest(login.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().unwrap()) >> 12
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
    login: String,
}

async fn authorize(State(issued): State<Shared>, Query(query): Query<AuthorizeQuery>) -> Response {
    if query.client_id != CLIENT_ID || query.code_challenge_method != "S256" {
        return (StatusCode::BAD_REQUEST, "bad client or PKCE method").into_response();
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    issued.lock().unwrap().codes.insert(
        code.clone(),
        (
            query.login,
            query.redirect_uri.clone(),
            query.code_challenge,
        ),
    );
    let mut target = url::Url::parse(&query.redirect_uri).unwrap();
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &query.state);
    Redirect::to(target.as_str()).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    client_id: String,
    client_secret: String,
    code: String,
    redirect_uri: String,
    code_verifier: String,
}

async fn access_token(
    State(issued): State<Shared>,
    Form(form): Form<TokenForm>,
) -> Json<serde_json::Value> {
    let mut issued = issued.lock().unwrap();
    // A code works once, whatever happens next.
    let Some((login, redirect_uri, challenge)) = issued.codes.remove(&form.code) else {
        return Json(
            json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."}),
        );
    };
    let verifier = openidconnect::PkceCodeVerifier::new(form.code_verifier);
    let computed = openidconnect::PkceCodeChallenge::from_code_verifier_sha256(&verifier);
    if form.client_id != CLIENT_ID
        || form.client_secret != CLIENT_SECRET
        || form.redirect_uri != redirect_uri
        || computed.as_str() != challenge
    {
        return Json(json!({"error": "incorrect_client_credentials"}));
    }
    let token = format!("gho_{}", uuid::Uuid::new_v4().simple());
    issued.tokens.insert(token.clone(), login);
    Json(json!({"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}))
}

fn login_of(issued: &Shared, headers: &HeaderMap) -> Option<String> {
    let token = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    headers.get("user-agent")?;
    issued.lock().unwrap().tokens.get(token).cloned()
}

async fn user(State(issued): State<Shared>, headers: HeaderMap) -> Response {
    match login_of(&issued, &headers) {
        Some(login) => {
            Json(json!({"id": id_of(&login), "login": login, "name": null})).into_response()
        }
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn emails(State(issued): State<Shared>, headers: HeaderMap) -> Response {
    match login_of(&issued, &headers) {
        Some(login) => Json(json!([
            {"email": format!("{login}+old@example.com"), "primary": false, "verified": true},
            {"email": format!("{login}@example.com"), "primary": true, "verified": !login.starts_with("unverified-")},
        ]))
        .into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}
