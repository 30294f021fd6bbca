//! The learner's own pages: the dashboard (progress arrives with the curriculum).

use askama::Template;
use askama_web::WebTemplate;
use axum::{Router, extract::State, routing::get};

use crate::{app::AppState, auth::CurrentUser, catalog, error::AppError, web::Layout};

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

#[derive(Template, WebTemplate)]
#[template(path = "learning/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    display_name: String,
    two_factor: bool,
    resume: Option<catalog::LastVisit>,
    paths: Vec<catalog::PathSummary>,
}

async fn dashboard(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<DashboardPage, AppError> {
    Ok(DashboardPage {
        layout,
        display_name: user.display_name.clone(),
        two_factor: user.has_two_factor(),
        resume: catalog::last_visit(&state, &user.id, None).await?,
        paths: catalog::published_paths(&state.db).await?,
    })
}
