//! Personal access tokens for the JSON API (`/settings/tokens`): make one (a name, scopes, an
//! expiry), see it once, list them with when they were last used, revoke one.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use tower_sessions::Session;

use crate::{
    auth::{
        CurrentUser, User,
        access_tokens::{self, DEFAULT_DAYS, MAX_DAYS, MAX_PER_USER, Scope, TokenRow},
        invalid, session,
    },
    error::AppError,
    state::AppState,
    web::{FieldErrors, Form, Layout, Path, dates::date},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/tokens", get(list).post(create))
        .route("/settings/tokens/{id}/revoke", post(revoke))
}

/// The expiries offered, in days.
const EXPIRIES: [i64; 5] = [7, 30, DEFAULT_DAYS, 180, MAX_DAYS];
const MAX_NAME_CHARS: usize = 80;

/// A token as the list shows it.
struct Listed {
    id: String,
    name: String,
    scopes: String,
    created: String,
    last_used: String,
    /// "expires 3 March 2027", "expired 1 May 2026" or "revoked 2 May 2026".
    status: String,
    live: bool,
}

impl Listed {
    fn of(row: &TokenRow, now: i64) -> Self {
        let status = match row.revoked_at {
            Some(at) => format!("Revoked {}", date(at)),
            None if row.expires_at <= now => format!("Expired {}", date(row.expires_at)),
            None => format!("Expires {}", date(row.expires_at)),
        };
        Self {
            id: row.id.clone(),
            name: row.name.clone(),
            scopes: row
                .scopes()
                .iter()
                .map(|scope| scope.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            created: date(row.created_at),
            last_used: row.last_used_at.map_or_else(|| "Never".to_owned(), date),
            status,
            live: row.is_live(now),
        }
    }
}

/// A scope the form offers: (value, what it allows, checked).
struct Offered {
    scope: Scope,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<Listed>,
    offered: Vec<Offered>,
    expiries: Vec<(i64, bool)>,
    /// The name typed (kept when the form fails).
    typed_name: String,
    /// Right after making one: the token, shown this once.
    new_token: Option<(String, String)>,
    errors: FieldErrors,
}

impl TokensPage {
    async fn new(state: &AppState, layout: Layout, user: &User) -> Result<Self, AppError> {
        let now = crate::clock::now();
        Ok(Self {
            layout,
            tokens: access_tokens::list(&state.db, &user.id)
                .await?
                .iter()
                .map(|row| Listed::of(row, now))
                .collect(),
            offered: Scope::ALL
                .into_iter()
                .filter(|scope| user.role >= scope.role())
                .map(|scope| Offered {
                    scope,
                    checked: scope == Scope::Read,
                })
                .collect(),
            expiries: EXPIRIES.map(|days| (days, days == DEFAULT_DAYS)).to_vec(),
            typed_name: String::new(),
            new_token: None,
            errors: FieldErrors::default(),
        })
    }
}

/// A page with a secret on it, or a list of them: never stored by a cache or the browser.
fn private(page: TokensPage) -> Response {
    let mut response = page.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn list(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    Ok(private(TokensPage::new(&state, layout, &user).await?))
}

async fn create(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    let name = field("name").unwrap_or_default();
    let chosen: Vec<&str> = fields
        .iter()
        .filter(|(key, _)| key == "scope")
        .map(|(_, value)| value.as_str())
        .collect();
    let mut page = TokensPage::new(&state, layout, &user).await?;
    page.typed_name = name.clone();
    for offered in &mut page.offered {
        offered.checked = chosen.contains(&offered.scope.as_str());
    }

    if name.is_empty() {
        page.errors
            .add("name", "Give the token a name, such as “CI publish”.");
    } else if name.chars().count() > MAX_NAME_CHARS {
        page.errors.add(
            "name",
            format!("Keep the name to {MAX_NAME_CHARS} characters."),
        );
    }
    let mut scopes = Vec::new();
    for value in &chosen {
        match Scope::parse(value).filter(|scope| user.role >= scope.role()) {
            Some(scope) if !scopes.contains(&scope) => scopes.push(scope),
            Some(_) => {}
            None => page.errors.add("scope", "Choose among the scopes listed."),
        }
    }
    if scopes.is_empty() {
        page.errors.add("scope", "Choose at least one scope.");
    }
    let days = field("expires_in_days")
        .and_then(|days| days.parse::<i64>().ok())
        .filter(|days| EXPIRIES.contains(days));
    match days {
        Some(days) => page.expiries = EXPIRIES.map(|d| (d, d == days)).to_vec(),
        None => page
            .errors
            .add("expires_in_days", "Choose one of the expiries listed."),
    }
    if access_tokens::count(&state.db, &user.id).await? >= MAX_PER_USER {
        page.errors.add(
            "name",
            format!(
                "You have {MAX_PER_USER} tokens, the most one account may keep. Revoke some first."
            ),
        );
    }
    if !page.errors.is_empty() {
        return Ok(invalid(page));
    }

    scopes.sort();
    let (_, secret) = access_tokens::create(
        &state.db,
        &user,
        &name,
        &scopes,
        days.unwrap_or(DEFAULT_DAYS),
    )
    .await?;
    tracing::info!(user_id = %user.id, "personal access token made");
    let mut page = TokensPage::new(&state, page.layout, &user).await?;
    page.new_token = Some((name, secret));
    Ok(private(page))
}

async fn revoke(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !access_tokens::revoke(&state.db, &user.id, &id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id = %user.id, "personal access token revoked");
    session::flash_and_redirect(&session, "The token was revoked.", "/settings/tokens").await
}
