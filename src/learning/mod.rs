//! The learner's own pages: the dashboard (progress arrives with the curriculum).

use askama::Template;
use askama_web::WebTemplate;
use axum::{Router, routing::get};

use crate::{app::AppState, auth::CurrentUser, web::Layout};

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

#[derive(Template, WebTemplate)]
#[template(path = "learning/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    display_name: String,
    two_factor: bool,
}

async fn dashboard(layout: Layout, CurrentUser(user): CurrentUser) -> DashboardPage {
    DashboardPage {
        layout,
        display_name: user.display_name.clone(),
        two_factor: user.has_two_factor(),
    }
}
