//! OpenID Connect, relying-party side: discovery, the authorization request (code flow with
//! PKCE S256, `state`, `nonce`) and the checks on the way back (the state, the `iss` of the
//! response, the code exchange, and the ID token's signature, issuer, audience, expiry and
//! nonce, through the `openidconnect` crate).
//!
//! Nothing here lives in process memory between the two requests: the flow's secrets go into
//! the session (the database), so the callback may land on any instance. What is cached is
//! public: each provider's discovery document and keys, refetched hourly and when an ID token
//! names a key the cache does not hold (key rotation).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    Scope, SubjectIdentifier, TokenResponse,
    core::{CoreClient, CoreIdToken, CoreProviderMetadata, CoreResponseType, CoreUserInfoClaims},
    reqwest,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::providers::Provider;

const METADATA_MAX_AGE: Duration = Duration::from_secs(3600);
/// The provider's calls (discovery, keys, token) may take this long.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// A sign-in left at the provider longer than this must start again.
pub const FLOW_MAX_SECONDS: i64 = 10 * 60;

/// What the browser's session holds between `/login/{id}` and its callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flow {
    pub provider: String,
    state: String,
    nonce: String,
    pkce_verifier: String,
    /// Where to go afterwards (already checked to be on this site).
    pub next: String,
    /// Set when a logged-in user links this provider from `/settings/sign-in`.
    pub link_to: Option<String>,
    pub started_at: i64,
}

impl Flow {
    pub fn new(
        provider: &Provider,
        state: String,
        nonce: String,
        pkce_verifier: String,
        next: String,
        link_to: Option<String>,
        now: i64,
    ) -> Self {
        Self {
            provider: provider.id.clone(),
            state,
            nonce,
            pkce_verifier,
            next,
            link_to,
            started_at: now,
        }
    }

    pub fn pkce_verifier(&self) -> &str {
        &self.pkce_verifier
    }
}

/// The query string of the callback.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Callback {
    pub code: String,
    pub state: String,
    /// RFC 9207: the issuer that sent this response (defends against mix-up attacks).
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Who the provider says signed in, once every check passed.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The provider reports a multi-factor authentication (`amr`).
    pub multi_factor: bool,
}

/// Why a sign-in did not complete: what the page says (the details go to the log).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0} could not be reached. Try again in a minute.")]
    Unreachable(String),
    #[error("{provider} did not sign you in ({reason}).")]
    Denied { provider: String, reason: String },
    #[error(
        "This answer does not belong to a sign-in this browser started, or it was already used. \
         Start again from the login page."
    )]
    NotThisFlow,
    #[error(
        "{0}'s answer could not be trusted, so you were not signed in. Start again from the login page."
    )]
    Untrusted(String),
}

pub struct Oidc {
    http: reqwest::Client,
    /// Public, per provider id: the discovery document and keys, and when they were fetched.
    metadata: Mutex<HashMap<String, (CoreProviderMetadata, Instant)>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc").finish_non_exhaustive()
    }
}

impl Oidc {
    pub fn new() -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // A redirect from a provider's endpoint is never followed (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            metadata: Mutex::new(HashMap::new()),
        })
    }

    /// The HTTP client for calls to providers (no redirects followed, a timeout).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn metadata(
        &self,
        provider: &Provider,
        issuer: &str,
        refresh: bool,
    ) -> Result<CoreProviderMetadata, Failure> {
        if !refresh {
            let cached = self.metadata.lock().expect("metadata lock");
            if let Some((metadata, at)) = cached.get(&provider.id)
                && at.elapsed() < METADATA_MAX_AGE
            {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(issuer.to_owned())
            .map_err(|_| Failure::Unreachable(provider.name.clone()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| {
                tracing::warn!(provider = %provider.id, %error, "OpenID discovery failed");
                Failure::Unreachable(provider.name.clone())
            })?;
        self.metadata
            .lock()
            .expect("metadata lock")
            .insert(provider.id.clone(), (metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    fn client(
        metadata: CoreProviderMetadata,
        provider: &Provider,
        redirect_url: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        Failure,
    > {
        let redirect = RedirectUrl::new(redirect_url.to_owned())
            .map_err(|_| Failure::Untrusted(provider.name.clone()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            provider.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// The provider's authorization URL to send the browser to, and the flow to keep.
    pub async fn start(
        &self,
        provider: &Provider,
        issuer: &str,
        redirect_url: &str,
        next: String,
        link_to: Option<String>,
        now: i64,
    ) -> Result<(String, Flow), Failure> {
        let client = Self::client(
            self.metadata(provider, issuer, false).await?,
            provider,
            redirect_url,
        )?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let flow = Flow::new(
            provider,
            state.secret().clone(),
            nonce.secret().clone(),
            verifier.secret().clone(),
            next,
            link_to,
            now,
        );
        Ok((url.to_string(), flow))
    }

    /// Checks the callback against the flow this browser started, exchanges the code and
    /// checks the ID token.
    pub async fn finish(
        &self,
        provider: &Provider,
        issuer: &str,
        redirect_url: &str,
        flow: Flow,
        callback: Callback,
        now: i64,
    ) -> Result<Identity, Failure> {
        let code = check_callback(provider, &flow, callback, now, Some(issuer))?;
        let untrusted = |why: &str, detail: String| {
            tracing::warn!(provider = %provider.id, %detail, "{why}");
            Failure::Untrusted(provider.name.clone())
        };
        let metadata = self.metadata(provider, issuer, false).await?;
        let client = Self::client(metadata, provider, redirect_url)?;
        let request = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|error| untrusted("no token endpoint", error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier));
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(response) => untrusted(
                    "sign-in refused: the code exchange failed",
                    response.to_string(),
                ),
                RequestTokenError::Request(error) => {
                    tracing::warn!(provider = %provider.id, %error, "token endpoint unreachable");
                    Failure::Unreachable(provider.name.clone())
                }
                error => untrusted("sign-in refused: bad token response", error.to_string()),
            })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| untrusted("sign-in refused: no ID token", String::new()))?;
        let nonce = Nonce::new(flow.nonce);

        let mut identity = match verify(&client, id_token, &nonce) {
            // A key the cache does not know: the provider may have rotated its keys.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey,
            )) => {
                let client = Self::client(
                    self.metadata(provider, issuer, true).await?,
                    provider,
                    redirect_url,
                )?;
                verify(&client, id_token, &nonce)
            }
            other => other,
        }
        .map_err(|error| untrusted("sign-in refused: ID token", error.to_string()))?;

        // Providers that keep the ID token small (oidc-provider's default, for one) give the
        // email only at the userinfo endpoint; its answer must be about the same subject.
        if identity.email.is_none()
            && let Ok(request) = client.user_info(
                response.access_token().clone(),
                Some(SubjectIdentifier::new(identity.subject.clone())),
            )
        {
            let claims: CoreUserInfoClaims = request
                .request_async(&self.http)
                .await
                .map_err(|error| untrusted("sign-in refused: userinfo", error.to_string()))?;
            identity.email = claims
                .email()
                .map(|email| email.as_str().trim().to_lowercase());
            identity.email_verified = claims.email_verified().unwrap_or(false);
            if identity.name.is_none() {
                identity.name = claims
                    .name()
                    .and_then(|name| name.get(None))
                    .map(|name| name.as_str().to_owned());
            }
        }
        Ok(identity)
    }
}

/// The callback belongs to this browser's flow (same `state`, in time), is not an error answer,
/// and (RFC 9207) names the expected issuer when it names one: its code.
pub fn check_callback(
    provider: &Provider,
    flow: &Flow,
    callback: Callback,
    now: i64,
    issuer: Option<&str>,
) -> Result<String, Failure> {
    let state_matches: bool = flow
        .state
        .as_bytes()
        .ct_eq(callback.state.as_bytes())
        .into();
    if !state_matches || flow.provider != provider.id || now - flow.started_at > FLOW_MAX_SECONDS {
        return Err(Failure::NotThisFlow);
    }
    if let Some(error) = callback.error {
        let reason = callback.error_description.unwrap_or(error);
        return Err(Failure::Denied {
            provider: provider.name.clone(),
            reason: reason.chars().take(200).collect(),
        });
    }
    if let (Some(iss), Some(issuer)) = (&callback.iss, issuer)
        && iss.trim_end_matches('/') != issuer
    {
        tracing::warn!(provider = %provider.id, %iss, "sign-in refused: response from another issuer");
        return Err(Failure::Untrusted(provider.name.clone()));
    }
    if callback.code.is_empty() {
        return Err(Failure::NotThisFlow);
    }
    Ok(callback.code)
}

fn verify(
    client: &CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    id_token: &CoreIdToken,
    nonce: &Nonce,
) -> Result<Identity, openidconnect::ClaimsVerificationError> {
    let claims = id_token.claims(&client.id_token_verifier(), nonce)?;
    let methods: Vec<&str> = claims
        .auth_method_refs()
        .map(|refs| refs.iter().map(|method| method.as_str()).collect())
        .unwrap_or_default();
    Ok(Identity {
        subject: claims.subject().as_str().to_owned(),
        email: claims
            .email()
            .map(|email| email.as_str().trim().to_lowercase()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned()),
        multi_factor: is_multi_factor(&methods),
    })
}

/// RFC 8176: `mfa` says so outright; two different methods (a password and a one-time code,
/// say) say it too.
fn is_multi_factor(methods: &[&str]) -> bool {
    const FACTORS: [&str; 8] = ["pwd", "otp", "hwk", "swk", "sms", "face", "fpt", "pin"];
    let distinct: std::collections::BTreeSet<&&str> = methods
        .iter()
        .filter(|method| FACTORS.contains(method))
        .collect();
    methods.contains(&"mfa") || distinct.len() >= 2
}

#[cfg(test)]
mod tests {
    use super::is_multi_factor;

    #[test]
    fn amr_counts_as_two_factors_only_when_it_says_so() {
        assert!(is_multi_factor(&["pwd", "mfa"]));
        assert!(is_multi_factor(&["pwd", "otp"]));
        assert!(!is_multi_factor(&["pwd"]));
        assert!(!is_multi_factor(&["pwd", "pwd"]));
        assert!(!is_multi_factor(&[]));
    }
}
