//! Marking a lesson done and not done: the lesson page and the API both change completion
//! here. Every statement is scoped by the user id it is given.

use super::{Progress, Visits, certificate};
use crate::{
    auth::User,
    curriculum::published::{Lesson, Path},
    db::Db,
};

/// Marks `lesson` of `path` done (a second call changes nothing) and awards the path's
/// certificate when that finishes it. Returns the progress afterwards, read once for both.
pub async fn mark_done(
    db: &Db,
    visits: &Visits,
    user: &User,
    path: &Path,
    lesson: &Lesson,
) -> sqlx::Result<Progress> {
    insert_completion(db, &user.id, &lesson.id, crate::clock::now()).await?;
    let progress = Progress::load(db, visits, &user.id).await?;
    certificate::award_from(db, user, path, &progress).await?;
    Ok(progress)
}

/// Marks `lesson` not done; a certificate already earned stays.
pub async fn mark_not_done(db: &Db, user: &User, lesson: &Lesson) -> sqlx::Result<()> {
    delete_completion(db, &user.id, &lesson.id).await
}

/// Marks the lesson done; a second call (double click, concurrent request) changes nothing.
async fn insert_completion(db: &Db, user_id: &str, lesson_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO lesson_completions (user_id, lesson_id, completed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, lesson_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(lesson_id)
    .bind(now)
    .execute(db.pool())
    .await
    .map(drop)
}

async fn delete_completion(db: &Db, user_id: &str, lesson_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM lesson_completions WHERE user_id = $1 AND lesson_id = $2")
        .bind(user_id)
        .bind(lesson_id)
        .execute(db.pool())
        .await
        .map(drop)
}
