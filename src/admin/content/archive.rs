//! The curriculum as an archive, from the browser (editors and admins): download it in the
//! `groundwork export` format, and upload one to import. An upload is checked whole (size,
//! gzip and tar, paths, UTF-8, the curriculum rules) and dry-run before anything changes; the
//! editor then applies it, in one transaction, from the tree kept server-side.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Multipart, State, multipart::MultipartRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{archive_db as db, audit};
use crate::admin::Editor;
use crate::{
    auth::{session, tokens},
    curriculum::{
        self, ChangedItem, ImportReport, ReportRow,
        archive::{self, ArchiveError},
        files::{self, Tree},
    },
    error::AppError,
    state::AppState,
    web::{Form, Layout, limit::megabytes},
};

pub const IMPORT_PATH: &str = "/admin/content/import";
/// Largest archive accepted.
pub const MAX_ARCHIVE_BYTES: usize = 20 * 1024 * 1024;
/// The request limit of the upload route: the archive plus the rest of the multipart form.
pub const IMPORT_BODY_LIMIT: usize = MAX_ARCHIVE_BYTES + 256 * 1024;
/// How long an uploaded archive waits for "Apply this import".
const PENDING_SECONDS: i64 = 60 * 60;
/// Where the report of an applied import waits for the page after the redirect.
const APPLIED_KEY: &str = "content_import_applied";
/// Changed items listed on the review page; the counts cover the rest.
const LISTED_CHANGES: usize = 200;

// --- export -------------------------------------------------------------------------------

pub(super) async fn export(
    State(state): State<AppState>,
    Editor(_): Editor,
) -> Result<Response, AppError> {
    let tree = files::to_tree(&curriculum::export(&state.db).await?)
        .map_err(|error| AppError::Internal(error.into()))?;
    let now = time::OffsetDateTime::now_utc();
    let mtime = u64::try_from(now.unix_timestamp()).unwrap_or_default();
    let bytes = tokio::task::spawn_blocking(move || archive::pack(&tree, mtime))
        .await
        .map_err(|error| AppError::Internal(error.into()))?
        .map_err(|error| AppError::Internal(error.into()))?;
    let filename = format!(
        "groundwork-curriculum-{}.tar.gz",
        now.date()
            .format(time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|error| AppError::Internal(error.into()))?
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/gzip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            // Unpublished drafts are in it: no shared cache may keep a copy.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

// --- upload and review ----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/archive.html")]
pub(super) struct ArchivePage {
    layout: Layout,
    errors: Vec<String>,
    /// The report of the import just applied, shown once after the redirect.
    applied: Option<Vec<ReportRow>>,
    max_size: String,
}

impl ArchivePage {
    fn new(layout: Layout, errors: Vec<String>) -> Self {
        Self {
            layout,
            errors,
            applied: None,
            max_size: megabytes(MAX_ARCHIVE_BYTES),
        }
    }

    /// The upload page with its errors, with `status`.
    fn refused(layout: Layout, status: StatusCode, errors: Vec<String>) -> Response {
        (status, Self::new(layout, errors)).into_response()
    }
}

pub(super) async fn import_form(
    layout: Layout,
    session: Session,
    Editor(_): Editor,
) -> Result<ArchivePage, AppError> {
    let mut page = ArchivePage::new(layout, Vec::new());
    page.applied = session::remove(&session, APPLIED_KEY).await?;
    Ok(page)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/content/archive_review.html")]
pub(super) struct ReviewPage {
    layout: Layout,
    file_name: String,
    files: usize,
    rows: Vec<ReportRow>,
    changes: Vec<ChangedItem>,
    more_changes: usize,
    token: String,
}

/// The uploaded file, or why there is none to look at.
async fn read_upload(mut multipart: Multipart) -> Result<(String, Vec<u8>), String> {
    let unreadable = |_| "The upload did not arrive whole. Please try again.".to_owned();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("archive") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_ARCHIVE_BYTES {
                return Err(format!(
                    "{} is larger than {}, the most an archive may be.",
                    if name.is_empty() { "The file" } else { &name },
                    megabytes(MAX_ARCHIVE_BYTES)
                ));
            }
        }
        if name.is_empty() && bytes.is_empty() {
            break;
        }
        if bytes.is_empty() {
            return Err(format!("{name} is empty."));
        }
        return Ok((name, bytes));
    }
    Err("Choose a .tar.gz archive to upload.".into())
}

/// The errors an import meets that are the archive's fault (an item that collides with one
/// already in the database) become a message; anything else stays an internal error.
fn import_problem(error: anyhow::Error) -> Result<String, AppError> {
    let conflict = error.chain().any(|cause| {
        matches!(cause.downcast_ref::<sqlx::Error>(), Some(sqlx::Error::Database(db))
            if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation())
    });
    if conflict {
        // The outermost context names the item ("lesson path/module/slug"), never the SQL.
        Ok(format!(
            "Importing would fail at {error}: it collides with content already here (for \
             example, its slug is taken by an item with another UUID). Nothing was changed."
        ))
    } else {
        Err(AppError::Internal(error))
    }
}

fn parse_tree(tree: &Tree) -> Result<files::Curriculum, Vec<String>> {
    files::parse(tree).map_err(|problems| {
        let mut errors = vec![format!(
            "The archive is not a valid curriculum ({} problem{}); nothing was imported:",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        )];
        errors.extend(problems);
        errors
    })
}

pub(super) async fn upload(
    State(state): State<AppState>,
    layout: Layout,
    Editor(user): Editor,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let refuse = |layout, errors| {
        Ok(ArchivePage::refused(
            layout,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
        ))
    };
    let Ok(multipart) = multipart else {
        return refuse(
            layout,
            vec!["Send the archive with the upload form.".into()],
        );
    };
    let (file_name, bytes) = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(error) => return refuse(layout, vec![error]),
    };
    let unpacked = tokio::task::spawn_blocking(move || archive::unpack(&bytes))
        .await
        .map_err(|error| AppError::Internal(error.into()))?;
    let tree = match unpacked {
        Ok(tree) => tree,
        Err(error) => return refuse(layout, vec![unpack_message(&file_name, &error)]),
    };
    let curriculum = match parse_tree(&tree) {
        Ok(curriculum) => curriculum,
        Err(errors) => return refuse(layout, errors),
    };
    let report = match curriculum::dry_run(&state.db, &curriculum).await {
        Ok(report) => report,
        Err(error) => return refuse(layout, vec![import_problem(error)?]),
    };

    let token = tokens::random_token();
    let now = session::now();
    let tree_json =
        serde_json::to_string(&tree).map_err(|error| AppError::Internal(error.into()))?;
    db::delete_expired_imports(state.db.pool(), now - PENDING_SECONDS).await?;
    db::insert_import(
        state.db.pool(),
        &tokens::hash(&token),
        &user.id,
        &tree_json,
        now,
    )
    .await?;
    let more_changes = report.changes.len().saturating_sub(LISTED_CHANGES);
    let mut changes = report.changes.clone();
    changes.truncate(LISTED_CHANGES);
    Ok(ReviewPage {
        layout,
        file_name,
        files: tree.len(),
        rows: report.rows(),
        changes,
        more_changes,
        token,
    }
    .into_response())
}

fn unpack_message(file_name: &str, error: &ArchiveError) -> String {
    match error {
        ArchiveError::Unreadable(_) if !file_name.is_empty() => format!("{file_name}: {error}"),
        _ => error.to_string(),
    }
}

// --- apply ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ApplyForm {
    token: String,
}

/// "lessons: 1 updated; questions: 2 created" (what the audit log keeps).
fn summary(report: &ImportReport) -> String {
    let parts: Vec<String> = report
        .rows()
        .into_iter()
        .filter(|row| row.created + row.updated > 0)
        .map(|row| {
            format!(
                "{}: {} created, {} updated",
                row.kind, row.created, row.updated
            )
        })
        .collect();
    if parts.is_empty() {
        "nothing changed".into()
    } else {
        parts.join("; ")
    }
}

pub(super) async fn apply(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(user): Editor,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let now = session::now();
    let mut tx = state.db.pool().begin().await?;
    let pending = db::take_import(
        &mut *tx,
        &tokens::hash(form.token.trim()),
        &user.id,
        now - PENDING_SECONDS,
    )
    .await?;
    let Some(tree_json) = pending else {
        return Ok(ArchivePage::refused(
            layout,
            StatusCode::GONE,
            vec![
                "This import was already applied, or it waited more than an hour. Upload the \
                 archive again to review and apply it."
                    .into(),
            ],
        ));
    };
    let tree: Tree =
        serde_json::from_str(&tree_json).map_err(|error| AppError::Internal(error.into()))?;
    let curriculum = match parse_tree(&tree) {
        Ok(curriculum) => curriculum,
        Err(errors) => {
            return Ok(ArchivePage::refused(
                layout,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            ));
        }
    };
    let report = match curriculum::import_in(&mut tx, &curriculum).await {
        Ok(report) => report,
        Err(error) => {
            let message = import_problem(error)?;
            tx.rollback().await?;
            return Ok(ArchivePage::refused(
                layout,
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![message],
            ));
        }
    };
    let summary = summary(&report);
    audit(
        &mut tx,
        &user,
        "content.import",
        "curriculum",
        &summary,
        now,
    )
    .await?;
    tx.commit().await?;
    session::insert(&session, APPLIED_KEY, report.rows()).await?;
    session::flash_and_redirect(
        &session,
        &format!("The import was applied: {summary}."),
        IMPORT_PATH,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_summary_names_only_what_changed() {
        let mut report = ImportReport::default();
        assert_eq!(summary(&report), "nothing changed");
        report.counts.insert("lessons", [0, 1, 40]);
        report.counts.insert("questions", [2, 0, 5]);
        assert_eq!(
            summary(&report),
            "lessons: 0 created, 1 updated; questions: 2 created, 0 updated"
        );
    }
}
