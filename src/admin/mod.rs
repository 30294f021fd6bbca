//! Administration for editors and admins. Everything here checks the role on the server:
//! content pages take the [`Editor`] extractor, user pages require the admin role.
//!
//! A page feature: it stands on `curriculum` and `auth` and imports no other page feature
//! (tests/integration/architecture.rs).

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::{FromRequestParts, State},
    http::request::Parts,
    routing::{get, post},
};

use crate::{
    auth::{CurrentUser, Role, User},
    error::AppError,
    state::AppState,
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

/// Which page of an admin list is asked for (`?page=`, from 1; missing or below 1 is the
/// first), 25 rows a page.
#[derive(Debug, Clone, Copy)]
struct Paging {
    page: i64,
}

impl Paging {
    const PER_PAGE: i64 = 25;

    fn new(requested: Option<i64>) -> Self {
        Self {
            page: requested.unwrap_or(1).max(1),
        }
    }

    /// Rows to skip. Saturating: an absurd `?page=` is an empty page, not an overflow.
    fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(Self::PER_PAGE)
    }

    /// How many pages `total` rows fill (at least one, so an empty list has page 1 of 1).
    fn pages(total: i64) -> i64 {
        ((total + Self::PER_PAGE - 1) / Self::PER_PAGE).max(1)
    }
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

#[cfg(test)]
mod tests {
    use super::Paging;

    #[test]
    fn pages_start_at_one_and_never_overflow() {
        assert_eq!(Paging::new(None).offset(), 0);
        assert_eq!(Paging::new(Some(-4)).page, 1);
        assert_eq!(Paging::new(Some(3)).offset(), 50);
        assert_eq!(Paging::new(Some(i64::MAX)).offset(), i64::MAX);
        assert_eq!(
            (Paging::pages(0), Paging::pages(25), Paging::pages(26)),
            (1, 1, 2)
        );
    }
}
