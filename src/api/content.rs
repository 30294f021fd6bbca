//! The curriculum for editors, so a curriculum kept in git can be published by a CI job:
//! export it as a `.tar.gz`, stage an archive (checked and dry-run, nothing changes), apply a
//! staged one (one transaction, audited). The same flow as the admin pages
//! (`curriculum::publish`), so both give the same report and result.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    caller::Caller,
    idempotency::{self, Created},
    json,
    problem::Problem,
};
use crate::{
    auth::access_tokens::Scope,
    curriculum::{
        ImportReport,
        publish::{self, Applied, Refused},
    },
    state::AppState,
};

/// One kind of item in an import report.
#[derive(Serialize, ToSchema)]
pub struct ReportRow {
    /// `paths`, `modules`, `lessons`, `quizzes`, `questions` or `exercises`.
    pub kind: String,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// An item an import creates or changes.
#[derive(Serialize, ToSchema)]
pub struct ChangedItem {
    pub kind: String,
    pub created: bool,
    pub name: String,
}

fn rows_of(report: &ImportReport) -> Vec<ReportRow> {
    report
        .rows()
        .into_iter()
        .map(|row| ReportRow {
            kind: row.kind,
            created: row.created,
            updated: row.updated,
            unchanged: row.unchanged,
        })
        .collect()
}

/// A staged import: what applying it would do.
#[derive(Serialize, ToSchema)]
pub struct StagedImport {
    /// Names the staged archive; only its hash is kept.
    pub id: String,
    /// POST here to apply it, within an hour.
    pub apply: String,
    pub files: usize,
    pub report: Vec<ReportRow>,
    pub changes: Vec<ChangedItem>,
    /// The audit log's summary of the changes.
    pub summary: String,
}

/// What an applied import did.
#[derive(Serialize, ToSchema)]
pub struct AppliedImport {
    pub report: Vec<ReportRow>,
    pub summary: String,
}

fn refused(Refused(messages): Refused) -> Problem {
    Problem::invalid_archive(messages)
}

/// The whole curriculum, drafts included, as a `.tar.gz` in the `groundwork export` format.
#[utoipa::path(
    get, path = "/content/archive", operation_id = "exportCurriculum", tag = "content",
    responses((status = 200, description = "The archive", content_type = "application/gzip",
        body = Vec<u8>,
        headers(("Content-Disposition" = String, description = "`attachment; filename=…`")))),
)]
pub async fn export(State(state): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    caller.require(Scope::Content)?;
    let (name, bytes) = publish::export_archive(&state.db).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(anyhow::Error::from)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/gzip"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            // Unpublished drafts are in it: no cache may keep a copy.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

/// Checks an archive and dry-runs its import: the report says what applying it would create
/// and change; nothing changes yet. Send the `.tar.gz` as the body.
#[utoipa::path(
    post, path = "/content/imports", operation_id = "stageImport", tag = "content",
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!#-~]{1,255}$",
        description = "Makes a retry safe: the same key and archive get the first answer again")),
    request_body(content = Vec<u8>, content_type = "application/gzip",
        description = "The curriculum as `groundwork export` writes it, as a .tar.gz"),
    responses((status = 201, description = "Staged: the dry run's report", body = StagedImport)),
)]
pub async fn stage(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(Scope::Content)?;
    let is_gzip = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("application/gzip"));
    if !is_gzip {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the archive as the body, with `Content-Type: application/gzip`.",
        ));
    }
    let key = idempotency::key(&headers)?;
    idempotency::once(
        &state.db,
        caller.user_id(),
        key,
        &[b"POST", b"/api/v1/content/imports", &body],
        || async {
            let staged = publish::stage(&state.db, &caller.0.user, "", body.to_vec())
                .await?
                .map_err(refused)?;
            let answer = StagedImport {
                apply: format!("/api/v1/content/imports/{}/apply", staged.token),
                id: staged.token,
                files: staged.files,
                report: rows_of(&staged.report),
                changes: staged
                    .report
                    .changes
                    .iter()
                    .map(|change| ChangedItem {
                        kind: change.kind.to_owned(),
                        created: change.created,
                        name: change.name.clone(),
                    })
                    .collect(),
                summary: publish::summary(&staged.report),
            };
            Ok(Created {
                status: StatusCode::CREATED,
                location: None,
                body: serde_json::to_string(&answer).map_err(anyhow::Error::from)?,
            })
        },
    )
    .await
}

/// Applies a staged import in one transaction, with an entry in the audit log.
#[utoipa::path(
    post, path = "/content/imports/{import}/apply", operation_id = "applyImport", tag = "content",
    params(("import" = String, Path, description = "The `id` of the staged import")),
    responses(
        (status = 200, description = "Applied", body = AppliedImport),
    ),
)]
pub async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    crate::web::Path(id): crate::web::Path<String>,
) -> Result<Response, Problem> {
    caller.require(Scope::Content)?;
    match publish::apply(&state.db, &caller.0.user, &id).await? {
        Applied::Done(report) => Ok(json::written(
            StatusCode::OK,
            &AppliedImport {
                report: rows_of(&report),
                summary: publish::summary(&report),
            },
        )),
        // Applied already, staged over an hour ago, by someone else, or never: all the same
        // to the caller, who stages the archive again.
        Applied::Gone => Err(Problem::not_found(
            "There is no staged import with this id: it was applied already, or staged more \
             than an hour ago. Stage the archive again.",
        )),
        Applied::Refused(refusal) => Err(refused(refusal)),
    }
}
