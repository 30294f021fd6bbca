//! GitHub sign-in: plain OAuth 2.0 (GitHub has no OpenID Connect for users), with `state` and
//! PKCE S256, then its REST API for who signed in: `/user` for the stable numeric id (the
//! subject; logins can be renamed) and name, `/user/emails` for the primary address and whether
//! GitHub verified it. GitHub Enterprise Server works the same under its own URL.

use openidconnect::{CsrfToken, PkceCodeChallenge, reqwest, url::Url};
use serde::Deserialize;

use super::{
    oidc::{Callback, Failure, Flow, Identity, check_callback},
    providers::Provider,
};

/// GitHub's URLs: the web site (authorize, token) and its REST API.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub web: String,
    pub api: String,
}

impl Endpoints {
    /// github.com, or a GitHub Enterprise Server at `base` (its API lives under `/api/v3`).
    pub fn at(base: Option<&str>) -> Self {
        match base {
            None => Self {
                web: "https://github.com".into(),
                api: "https://api.github.com".into(),
            },
            Some(base) => {
                let base = base.trim_end_matches('/');
                Self {
                    web: base.to_owned(),
                    api: format!("{base}/api/v3"),
                }
            }
        }
    }
}

pub fn start(
    provider: &Provider,
    endpoints: &Endpoints,
    redirect_url: &str,
    next: String,
    link_to: Option<String>,
    now: i64,
) -> Result<(String, Flow), Failure> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = CsrfToken::new_random();
    let mut url = Url::parse(&format!("{}/login/oauth/authorize", endpoints.web))
        .map_err(|_| Failure::Unreachable(provider.name.clone()))?;
    url.query_pairs_mut()
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", redirect_url)
        .append_pair("scope", "read:user user:email")
        .append_pair("state", state.secret())
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256")
        .append_pair("allow_signup", "false");
    let flow = Flow::new(
        provider,
        state.secret().clone(),
        String::new(),
        verifier.secret().clone(),
        next,
        link_to,
        now,
    );
    Ok((url.to_string(), flow))
}

/// A response's JSON body (this reqwest is built without its `json` feature).
async fn json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, String> {
    let body = response.bytes().await.map_err(|error| error.to_string())?;
    serde_json::from_slice(&body).map_err(|error| error.to_string())
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct GitHubUser {
    id: u64,
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct GitHubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

pub async fn finish(
    http: &reqwest::Client,
    provider: &Provider,
    endpoints: &Endpoints,
    redirect_url: &str,
    flow: Flow,
    callback: Callback,
    now: i64,
) -> Result<Identity, Failure> {
    let code = check_callback(provider, &flow, callback, now, None)?;
    let untrusted = |why: &str, detail: String| {
        tracing::warn!(provider = %provider.id, %detail, "{why}");
        Failure::Untrusted(provider.name.clone())
    };
    let unreachable = |error: reqwest::Error| {
        tracing::warn!(provider = %provider.id, %error, "GitHub unreachable");
        Failure::Unreachable(provider.name.clone())
    };
    let secret = provider.client_secret.clone().unwrap_or_default();
    let response = http
        .post(format!("{}/login/oauth/access_token", endpoints.web))
        .header("accept", "application/json")
        .form(&[
            ("client_id", provider.client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", redirect_url),
            ("code_verifier", flow.pkce_verifier()),
        ])
        .send()
        .await
        .map_err(unreachable)?;
    let answer: TokenAnswer = json(response)
        .await
        .map_err(|error| untrusted("sign-in refused: bad token answer", error))?;
    // GitHub answers a refused code with 200 and an `error` field.
    let Some(token) = answer.access_token else {
        let detail = format!(
            "{}: {}",
            answer.error.unwrap_or_default(),
            answer.error_description.unwrap_or_default()
        );
        return Err(untrusted(
            "sign-in refused: the code exchange failed",
            detail,
        ));
    };
    let get = |path: &str| {
        http.get(format!("{}{path}", endpoints.api))
            .bearer_auth(&token)
            .header("accept", "application/vnd.github+json")
            .header("user-agent", "Groundwork")
            .header("x-github-api-version", "2022-11-28")
            .send()
    };
    let fetch = async |path: &str| {
        let response = get(path).await.map_err(unreachable)?;
        let response = response
            .error_for_status()
            .map_err(|error| untrusted("sign-in refused: GitHub API", error.to_string()))?;
        Ok::<_, Failure>(response)
    };
    let user: GitHubUser = json(fetch("/user").await?)
        .await
        .map_err(|error| untrusted("sign-in refused: /user", error))?;
    let emails: Vec<GitHubEmail> = json(fetch("/user/emails").await?)
        .await
        .map_err(|error| untrusted("sign-in refused: /user/emails", error))?;
    let primary = emails.into_iter().find(|email| email.primary);
    Ok(Identity {
        subject: user.id.to_string(),
        email_verified: primary.as_ref().is_some_and(|email| email.verified),
        email: primary.map(|email| email.email.trim().to_lowercase()),
        name: user
            .name
            .filter(|name| !name.trim().is_empty())
            .or(Some(user.login)),
        // GitHub does not say how the user signed in.
        multi_factor: false,
    })
}
