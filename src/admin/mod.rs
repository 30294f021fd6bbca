//! Administration for editors and admins. Everything here checks the role on the server:
//! content pages take the [`Editor`] extractor, user pages require the admin role.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::{FromRequestParts, State},
    http::request::Parts,
    routing::{get, post},
};

use crate::{
    app::AppState,
    auth::{CurrentUser, Role, User},
    error::AppError,
    web::{Layout, dates::date_time},
};

mod content;
mod db;
mod users;

pub use content::{IMPORT_BODY_LIMIT, IMPORT_PATH};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}/role", post(users::change_role))
        .route("/admin/users/{id}/deactivate", post(users::deactivate))
        .route("/admin/users/{id}/reactivate", post(users::reactivate))
        .route("/admin/users/{id}/reset-2fa", post(users::reset_two_factor))
        .route("/admin/audit", get(users::audit_log))
        .merge(content::router())
}

/// The logged-in editor or admin; learners get 403, visitors the login page.
pub struct Editor(pub User);

impl FromRequestParts<AppState> for Editor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        user.require(Role::Editor, &state.config)?;
        Ok(Self(user))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    layout: Layout,
    users: db::UserCounts,
    content: content::ContentCounts,
    drafts: Vec<content::Draft>,
    recent: Vec<db::AuditRow>,
    is_admin: bool,
}

impl OverviewPage {
    fn when(&self, unix: &i64) -> String {
        date_time(*unix)
    }
}

async fn overview(
    State(state): State<AppState>,
    layout: Layout,
    Editor(user): Editor,
) -> Result<OverviewPage, AppError> {
    Ok(OverviewPage {
        layout,
        users: db::count_users(&state.db).await?,
        content: content::count_content(&state.db).await?,
        drafts: content::drafts(&state.db, 10).await?,
        recent: db::recent_content_changes(&state.db, 10).await?,
        is_admin: user.role == Role::Admin,
    })
}
