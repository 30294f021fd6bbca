//! Everything stored about a learner, as one JSON document: the data export of `/settings`
//! and of the API. Read here, in one place, so the two can never differ.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::FromRow;

use super::{Visits, attempts, notes, visits_of};
use crate::{auth::User, db::Db};

/// The document's format; a change of shape is a new number.
pub const FORMAT: &str = "groundwork-account-export/1";

#[derive(FromRow, Serialize)]
struct Completion {
    lesson_id: String,
    lesson_title: String,
    completed_at: i64,
}

#[derive(FromRow, Serialize)]
struct Certificate {
    code: String,
    learner_name: String,
    path_title: String,
    issued_at: i64,
}

#[derive(FromRow)]
struct LabAttempt {
    id: String,
    exercise_id: String,
    input: String,
    passed: i64,
    result: String,
    created_at: i64,
}

/// The export of `user`.
pub async fn document(db: &Db, visits: &Visits, user: &User) -> sqlx::Result<Value> {
    let lesson_visits = visits_of(db, visits, &user.id).await?;
    let completions: Vec<Completion> = sqlx::query_as(
        "SELECT c.lesson_id, l.title AS lesson_title, c.completed_at FROM lesson_completions c \
         JOIN lessons l ON l.id = c.lesson_id WHERE c.user_id = $1 ORDER BY c.completed_at",
    )
    .bind(&user.id)
    .fetch_all(db.pool())
    .await?;
    let quiz_attempts: Vec<Value> = attempts::list(db, &user.id)
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "id": a.id, "quiz_id": a.quiz_id, "score": a.score, "correct": a.correct,
                "total": a.total, "passed": a.passed != 0, "created_at": a.created_at,
                "answers": serde_json::from_str::<Value>(&a.answers).unwrap_or_default(),
            })
        })
        .collect();
    let lab_attempts: Vec<LabAttempt> = sqlx::query_as(
        "SELECT id, exercise_id, input, CAST(passed AS INTEGER) AS passed, result, created_at \
         FROM lab_attempts WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(&user.id)
    .fetch_all(db.pool())
    .await?;
    let lab_attempts: Vec<Value> = lab_attempts
        .into_iter()
        .map(|a| {
            json!({
                "id": a.id, "exercise_id": a.exercise_id, "input": a.input,
                "passed": a.passed != 0, "created_at": a.created_at,
                "result": serde_json::from_str::<Value>(&a.result).unwrap_or_default(),
            })
        })
        .collect();
    let certificates: Vec<Certificate> = sqlx::query_as(
        "SELECT code, learner_name, path_title, issued_at FROM certificates WHERE user_id = $1 \
         ORDER BY issued_at",
    )
    .bind(&user.id)
    .fetch_all(db.pool())
    .await?;
    Ok(json!({
        "format": FORMAT,
        "exported_at": crate::clock::now(),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "created_at": user.created_at,
            "two_factor_enabled": user.has_two_factor(),
            "has_password": !user.password_hash.is_empty(),
            // Which provider accounts sign in to this one (no tokens are kept to export).
            "sign_ins": crate::auth::sso::db::of_user(db, &user.id).await?,
            // Names and dates only: the public keys are of no use outside this site.
            "passkeys": crate::auth::passkeys::of_user(db, &user.id)
                .await?
                .into_iter()
                .map(|key| json!({
                    "name": key.name, "created_at": key.created_at, "last_used_at": key.last_used_at,
                }))
                .collect::<Vec<_>>(),
        },
        "lesson_visits": lesson_visits,
        "lesson_completions": completions,
        "quiz_attempts": quiz_attempts,
        "lab_attempts": lab_attempts,
        "certificates": certificates,
        "notes": notes::list_notes(db, &user.id).await?,
        "bookmarks": notes::list_bookmarks(db, &user.id).await?,
    }))
}
