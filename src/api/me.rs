//! The caller: who the token belongs to, and what it may do.

use axum::{http::HeaderMap, response::Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::{caller::Caller, json, problem::Problem};

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `learner`, `editor` or `admin`.
    pub role: String,
    pub token: TokenInfo,
}

/// The token this request came with.
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    pub name: String,
    /// Some of `read`, `write`, `content`.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The caller and their token. Needs no scope: any live token may ask who it is.
#[utoipa::path(
    get, path = "/me", operation_id = "me", tag = "account",
    responses(
        (status = 200, description = "The caller", body = Me),
    ),
)]
pub async fn me(caller: Caller, headers: HeaderMap) -> Result<Response, Problem> {
    let bearer = &caller.0;
    let me = Me {
        id: bearer.user.id.clone(),
        email: bearer.user.email.clone(),
        display_name: bearer.user.display_name.clone(),
        role: bearer.user.role.as_str().to_owned(),
        token: TokenInfo {
            name: bearer.token_name.clone(),
            scopes: bearer
                .scopes
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            expires_at: bearer.expires_at,
        },
    };
    Ok(json::fresh(&headers, &me))
}
