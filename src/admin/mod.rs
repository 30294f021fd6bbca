//! Administration for editors and admins. Everything here checks the role on the server.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    routing::{get, post},
};

use crate::{
    app::AppState,
    auth::{CurrentUser, Role},
    error::AppError,
    web::Layout,
};

mod archive;
mod archive_db;
mod db;
mod quiz_db;
mod quizzes;
mod users;

pub use archive::{IMPORT_BODY_LIMIT, IMPORT_PATH};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}/role", post(users::change_role))
        .route("/admin/users/{id}/deactivate", post(users::deactivate))
        .route("/admin/users/{id}/reactivate", post(users::reactivate))
        .route("/admin/users/{id}/reset-2fa", post(users::reset_two_factor))
        .route("/admin/audit", get(users::audit_log))
        .route("/admin/content/export", get(archive::export))
        .route(
            IMPORT_PATH,
            get(archive::import_form)
                .post(archive::upload)
                // Archives are larger than other bodies (see also web::limit in app.rs).
                .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route("/admin/content/import/apply", post(archive::apply))
        .route("/admin/quizzes", get(quizzes::list))
        .route(
            "/admin/modules/{id}/quiz",
            get(quizzes::quiz_form).post(quizzes::save_quiz),
        )
        .route(
            "/admin/quizzes/{id}/questions/new",
            get(quizzes::new_question_form).post(quizzes::create_question),
        )
        .route(
            "/admin/quizzes/{id}/delete",
            get(quizzes::delete_quiz_form).post(quizzes::delete_quiz),
        )
        .route(
            "/admin/questions/{id}/edit",
            get(quizzes::edit_question_form).post(quizzes::update_question),
        )
        .route("/admin/questions/{id}/move", post(quizzes::move_question))
        .route(
            "/admin/questions/{id}/delete",
            get(quizzes::delete_question_form).post(quizzes::delete_question),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    layout: Layout,
    counts: db::UserCounts,
    is_admin: bool,
}

async fn overview(
    State(state): State<AppState>,
    layout: Layout,
    CurrentUser(user): CurrentUser,
) -> Result<OverviewPage, AppError> {
    user.require(Role::Editor, &state.config)?;
    let counts = db::count_users(&state.db).await?;
    Ok(OverviewPage {
        layout,
        counts,
        is_admin: user.role == Role::Admin,
    })
}
