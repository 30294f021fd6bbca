//! Publishing the curriculum as an archive, the one flow the admin pages and the API share:
//! export it as a `.tar.gz`; stage an uploaded one (checked whole: gzip and tar, paths, UTF-8,
//! the curriculum rules, then dry-run) under a one-time token; apply a staged one in one
//! transaction with its audit entry.

use super::{
    ImportReport,
    archive::{self, ArchiveError},
    db::imports as db,
    files::{self, Tree},
};
use crate::{
    auth::{User, tokens},
    db::{
        Db,
        audit::{AuditEntry, insert_audit},
    },
};

/// Largest archive accepted.
pub const MAX_ARCHIVE_BYTES: usize = 20 * 1024 * 1024;
/// How long a staged archive waits to be applied.
pub const PENDING_SECONDS: i64 = 60 * 60;

/// The curriculum in the database (drafts included) as a `.tar.gz`, and its file name.
pub async fn export_archive(db: &Db) -> anyhow::Result<(String, Vec<u8>)> {
    let tree = files::to_tree(&super::export(db).await?)?;
    let now = time::OffsetDateTime::now_utc();
    let mtime = u64::try_from(now.unix_timestamp()).unwrap_or_default();
    let bytes = tokio::task::spawn_blocking(move || archive::pack(&tree, mtime)).await??;
    let name = format!(
        "groundwork-curriculum-{}.tar.gz",
        now.date()
            .format(time::macros::format_description!("[year]-[month]-[day]"))?
    );
    Ok((name, bytes))
}

/// An archive checked, dry-run and kept for applying.
pub struct Staged {
    /// Applies it (once, within an hour, by the same user); stored only as its hash.
    pub token: String,
    pub files: usize,
    pub report: ImportReport,
}

/// Why an archive cannot be imported, in words for its author. Nothing was changed.
#[derive(Debug)]
pub struct Refused(pub Vec<String>);

/// Checks `bytes` (named `file_name`, for messages) and dry-runs the import; on success keeps
/// the tree for [`apply`].
pub async fn stage(
    db: &Db,
    user: &User,
    file_name: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<Result<Staged, Refused>> {
    if bytes.len() > MAX_ARCHIVE_BYTES {
        return Ok(Err(Refused(vec![format!(
            "The archive is larger than {} MB, the most one may be.",
            MAX_ARCHIVE_BYTES / (1024 * 1024)
        )])));
    }
    let tree = match tokio::task::spawn_blocking(move || archive::unpack(&bytes)).await? {
        Ok(tree) => tree,
        Err(error) => return Ok(Err(Refused(vec![unpack_message(file_name, &error)]))),
    };
    let curriculum = match parse(&tree) {
        Ok(curriculum) => curriculum,
        Err(refused) => return Ok(Err(refused)),
    };
    let report = match super::dry_run(db, &curriculum).await {
        Ok(report) => report,
        Err(error) => return Ok(Err(Refused(vec![import_problem(error)?]))),
    };
    let token = tokens::random_token();
    let now = crate::clock::now();
    db::delete_expired_imports(db.pool(), now - PENDING_SECONDS).await?;
    db::insert_import(
        db.pool(),
        &tokens::hash(&token),
        &user.id,
        &serde_json::to_string(&tree)?,
        now,
    )
    .await?;
    Ok(Ok(Staged {
        token,
        files: tree.len(),
        report,
    }))
}

/// What applying a staged archive came to.
pub enum Applied {
    Done(ImportReport),
    /// Applied already, or staged more than an hour ago, or by someone else.
    Gone,
    Refused(Refused),
}

/// Imports the archive staged under `token` by `user`, in one transaction with its audit entry.
pub async fn apply(db: &Db, user: &User, token: &str) -> anyhow::Result<Applied> {
    let now = crate::clock::now();
    let mut tx = db.pool().begin().await?;
    let pending = db::take_import(
        &mut *tx,
        &tokens::hash(token.trim()),
        &user.id,
        now - PENDING_SECONDS,
    )
    .await?;
    let Some(tree_json) = pending else {
        return Ok(Applied::Gone);
    };
    let tree: Tree = serde_json::from_str(&tree_json)?;
    let curriculum = match parse(&tree) {
        Ok(curriculum) => curriculum,
        Err(refused) => return Ok(Applied::Refused(refused)),
    };
    let report = match super::import_in(&mut tx, &curriculum).await {
        Ok(report) => report,
        Err(error) => {
            let message = import_problem(error)?;
            tx.rollback().await?;
            return Ok(Applied::Refused(Refused(vec![message])));
        }
    };
    let summary = summary(&report);
    let entry = AuditEntry::by(user, "content.import", "curriculum", &summary, now);
    insert_audit(&mut *tx, entry).await?;
    tx.commit().await?;
    Ok(Applied::Done(report))
}

fn parse(tree: &Tree) -> Result<files::Curriculum, Refused> {
    files::parse(tree).map_err(|problems| {
        let mut errors = vec![format!(
            "The archive is not a valid curriculum ({} problem{}); nothing was imported:",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        )];
        errors.extend(problems);
        Refused(errors)
    })
}

/// The errors an import meets that are the archive's fault (an item that collides with one
/// already in the database) become a message; anything else stays an error.
fn import_problem(error: anyhow::Error) -> anyhow::Result<String> {
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
        Err(error)
    }
}

fn unpack_message(file_name: &str, error: &ArchiveError) -> String {
    match error {
        ArchiveError::Unreadable(_) if !file_name.is_empty() => format!("{file_name}: {error}"),
        _ => error.to_string(),
    }
}

/// "lessons: 1 created, 0 updated; questions: 2 created, 0 updated" (what the audit log
/// keeps), or "nothing changed".
pub fn summary(report: &ImportReport) -> String {
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
