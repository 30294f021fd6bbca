//! Authoring the curriculum: the routes and the audit helpers every change uses. The tree,
//! paths, modules, lessons with their revisions, quizzes and questions, and the whole curriculum
//! as an archive each have their file; `item` holds what paths, modules and lessons share, and
//! `delete` the one confirm-then-delete flow.
//!
//! Every change happens in one transaction with its audit entry. Items keep their UUIDs
//! through edits and moves, so learners' progress stays attached.

mod archive;
mod delete;
mod diff;
mod item;
mod lessons;
mod modules;
mod paths;
mod quizzes;
mod revisions;
mod tree;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::{
    auth::User,
    curriculum::db::{editor as db, quizzes as quiz_db},
    error::AppError,
    state::AppState,
};
pub use archive::{IMPORT_BODY_LIMIT, IMPORT_PATH};
pub(super) use db::{ContentCounts, Draft, count_content, drafts};
use db::{LessonRecord, ModuleRow, PathRow};
use item::{Item, ItemFields, MoveForm, move_item, swap_with_neighbour};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/content", get(tree::tree))
        .route("/admin/paths/new", get(paths::new_path_form))
        .route("/admin/paths", post(paths::create_path))
        .route(
            "/admin/paths/{id}",
            get(paths::path_page).post(paths::save_path),
        )
        .route("/admin/paths/{id}/move", post(paths::move_path))
        .route(
            "/admin/paths/{id}/delete",
            get(delete::confirmation::<PathRow>).post(delete::delete::<PathRow>),
        )
        .route(
            "/admin/paths/{id}/modules/new",
            get(modules::new_module_form),
        )
        .route("/admin/paths/{id}/modules", post(modules::create_module))
        .route(
            "/admin/modules/{id}",
            get(modules::module_page).post(modules::save_module),
        )
        .route("/admin/modules/{id}/move", post(modules::move_module))
        .route(
            "/admin/modules/{id}/delete",
            get(delete::confirmation::<ModuleRow>).post(delete::delete::<ModuleRow>),
        )
        .route(
            "/admin/modules/{id}/lessons/new",
            get(lessons::new_lesson_form),
        )
        .route("/admin/modules/{id}/lessons", post(lessons::create_lesson))
        .route("/admin/lessons", get(lessons::search))
        .route(
            "/admin/lessons/{id}/edit",
            get(lessons::edit_form).post(lessons::save),
        )
        .route("/admin/lessons/{id}/view", get(lessons::view_as_learner))
        .route("/admin/lessons/{id}/move", post(lessons::move_lesson))
        .route(
            "/admin/lessons/{id}/delete",
            get(delete::confirmation::<LessonRecord>).post(delete::delete::<LessonRecord>),
        )
        .route("/admin/lessons/{id}/revisions", get(revisions::history))
        .route(
            "/admin/lessons/{id}/revisions/{number}",
            get(revisions::show),
        )
        .route(
            "/admin/lessons/{id}/revisions/{number}/restore",
            post(revisions::restore),
        )
        .route("/admin/preview", post(lessons::preview))
        .route("/admin/content/export", get(archive::export))
        .route(
            IMPORT_PATH,
            get(archive::import_form)
                .post(archive::upload)
                // Archives are larger than other bodies (see also web::limit in app.rs).
                .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route("/admin/content/import/apply", post(archive::apply))
        .merge(quizzes::routes())
}

/// Records a content change in the audit log, inside the change's transaction.
async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    editor: &User,
    action: &str,
    target: &str,
    summary: &str,
    now: i64,
) -> Result<(), AppError> {
    let entry = super::db::AuditEntry::by(editor, action, target, summary, now);
    super::db::insert_audit(&mut **tx, entry).await?;
    Ok(())
}

/// "title: “A” → “B”; published: no → yes" for the audit log; empty when nothing changed.
fn changes(pairs: &[(&str, String, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, before, after)| before != after)
        .map(|(field, before, after)| format!("{field}: “{before}” → “{after}”"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_only_what_changed() {
        let summary = changes(&[
            ("title", "A".into(), "B".into()),
            ("slug", "a".into(), "a".into()),
        ]);
        assert_eq!(summary, "title: “A” → “B”");
    }
}
