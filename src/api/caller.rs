//! Who is calling: a personal access token in `Authorization: Bearer …`, never a cookie (the
//! API has no session layer, so there is no CSRF surface). Each call counts against the
//! token's rate limit.

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header, request::Parts},
};

use super::problem::Problem;
use crate::{
    auth::access_tokens::{self, Bearer, Scope},
    state::AppState,
};

/// The authenticated caller of an API operation.
#[derive(Debug, Clone)]
pub struct Caller(pub Bearer);

impl Caller {
    /// 403 unless the token has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.0.has(scope) {
            return Ok(());
        }
        let detail = match scope {
            Scope::Content if self.0.user.role < scope.role() => {
                "Only editors may change the curriculum.".to_owned()
            }
            _ => format!("This token does not have the `{}` scope.", scope.as_str()),
        };
        Err(Problem::new(StatusCode::FORBIDDEN, detail)
            .typed("insufficient-scope")
            .header(
                header::WWW_AUTHENTICATE,
                format!(
                    "Bearer realm=\"groundwork\", error=\"insufficient_scope\", scope=\"{}\"",
                    scope.as_str()
                ),
            ))
    }

    pub fn user_id(&self) -> &str {
        &self.0.user.id
    }
}

/// 401 with the challenge RFC 6750 asks for.
fn unauthorized(detail: &str, error: Option<&str>) -> Problem {
    let challenge = match error {
        Some(error) => format!("Bearer realm=\"groundwork\", error=\"{error}\""),
        None => "Bearer realm=\"groundwork\"".to_owned(),
    };
    Problem::new(StatusCode::UNAUTHORIZED, detail).header(header::WWW_AUTHENTICATE, challenge)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "This API needs a personal access token: send `Authorization: Bearer <token>`. \
                 Make one at /settings/tokens.",
                None,
            ));
        };
        let secret = value
            .to_str()
            .ok()
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, secret)| secret.trim());
        let Some(secret) = secret else {
            return Err(unauthorized(
                "The Authorization header must be `Bearer <token>`.",
                Some("invalid_request"),
            ));
        };
        let Some(bearer) = access_tokens::authenticate(&state.db, secret).await? else {
            return Err(unauthorized(
                "The token is unknown, revoked or expired, or its account changed.",
                Some("invalid_token"),
            ));
        };
        let (count, retry_after) = access_tokens::count_use(&state.db, &bearer.token_id).await?;
        if count > state.config.api_rate_limit {
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "This token may make {} requests a minute; try again in {retry_after} s.",
                    state.config.api_rate_limit
                ),
            )
            .header(header::RETRY_AFTER, retry_after.to_string()));
        }
        let caller = Caller(bearer);
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}
