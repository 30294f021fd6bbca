//! Administration for editors and admins. Everything here checks the role on the server.

use askama::Template;
use askama_web::WebTemplate;
use axum::{Router, extract::State, routing::get};

use crate::{
    app::AppState,
    auth::{CurrentUser, Role},
    error::AppError,
    web::Layout,
};

mod db;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin", get(overview))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    layout: Layout,
    counts: db::UserCounts,
}

async fn overview(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<OverviewPage, AppError> {
    user.require(Role::Editor, &state.config)?;
    let counts = db::count_users(&state.db).await?;
    Ok(OverviewPage { layout, counts })
}
