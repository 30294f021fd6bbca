//! Certificates are awarded from progress: after each step that can complete a path (a lesson
//! marked done, a quiz or lab exercise passed), the path is checked against the learner's
//! progress and the certificate issued once.

use crate::{
    auth::User,
    clock::now,
    curriculum::published::{Path, Snapshot},
    db::Db,
};

use super::{Progress, Visits};

/// Issues the certificate of the published path `path_id` when every module is done;
/// idempotent.
pub async fn award_if_complete(
    db: &Db,
    visits: &Visits,
    user: &User,
    tree: &Snapshot,
    path_id: &str,
) -> sqlx::Result<()> {
    let Some(path) = tree.path_by_id(path_id) else {
        return Ok(());
    };
    let progress = Progress::load(db, visits, &user.id).await?;
    award_from(db, user, path, &progress).await
}

/// [`award_if_complete`] for a caller that has just loaded the learner's progress itself.
pub async fn award_from(
    db: &Db,
    user: &User,
    path: &Path,
    progress: &Progress,
) -> sqlx::Result<()> {
    if !progress.path_complete(path) {
        return Ok(());
    }
    // 96 random bits: unguessable, short enough to type from a printed page.
    let code = crate::auth::tokens::random_token()[..24].to_owned();
    super::db::insert_certificate(
        db,
        &user.id,
        &path.id,
        &user.display_name,
        &path.title,
        &code,
        now(),
    )
    .await
}
