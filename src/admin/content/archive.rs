//! The curriculum as an archive, from the browser (editors and admins): download it in the
//! `groundwork export` format, and upload one to import. The flow itself (checks, dry run,
//! staging, the one-transaction apply with its audit entry) is `curriculum::publish`, which the
//! API uses too; these are its pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Multipart, State, multipart::MultipartRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::admin::Editor;
use crate::{
    auth::session,
    curriculum::{
        ChangedItem, ReportRow,
        publish::{self, Applied, MAX_ARCHIVE_BYTES, Refused, Staged},
    },
    error::AppError,
    state::AppState,
    web::{Form, Layout, limit::megabytes},
};

pub const IMPORT_PATH: &str = "/admin/content/import";
/// The request limit of the upload route: the archive plus the rest of the multipart form.
pub const IMPORT_BODY_LIMIT: usize = MAX_ARCHIVE_BYTES + 256 * 1024;
/// Where the report of an applied import waits for the page after the redirect.
const APPLIED_KEY: &str = "content_import_applied";
/// Changed items listed on the review page; the counts cover the rest.
const LISTED_CHANGES: usize = 200;

// --- export -------------------------------------------------------------------------------

pub(super) async fn export(
    State(state): State<AppState>,
    Editor(_): Editor,
) -> Result<Response, AppError> {
    let (filename, bytes) = publish::export_archive(&state.db).await?;
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
    let Staged {
        token,
        files,
        report,
    } = match publish::stage(&state.db, &user, &file_name, bytes).await? {
        Ok(staged) => staged,
        Err(Refused(errors)) => return refuse(layout, errors),
    };
    let more_changes = report.changes.len().saturating_sub(LISTED_CHANGES);
    let mut changes = report.changes.clone();
    changes.truncate(LISTED_CHANGES);
    Ok(ReviewPage {
        layout,
        file_name,
        files,
        rows: report.rows(),
        changes,
        more_changes,
        token,
    }
    .into_response())
}

// --- apply ------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ApplyForm {
    token: String,
}

pub(super) async fn apply(
    State(state): State<AppState>,
    layout: Layout,
    session: Session,
    Editor(user): Editor,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let report = match publish::apply(&state.db, &user, &form.token).await? {
        Applied::Done(report) => report,
        Applied::Gone => {
            return Ok(ArchivePage::refused(
                layout,
                StatusCode::GONE,
                vec![
                    "This import was already applied, or it waited more than an hour. Upload \
                     the archive again to review and apply it."
                        .into(),
                ],
            ));
        }
        Applied::Refused(Refused(errors)) => {
            return Ok(ArchivePage::refused(
                layout,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            ));
        }
    };
    session::insert(&session, APPLIED_KEY, report.rows()).await?;
    session::flash_and_redirect(
        &session,
        &format!("The import was applied: {}.", publish::summary(&report)),
        IMPORT_PATH,
    )
    .await
}
