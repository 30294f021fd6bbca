//! SQL for the admin pages.

use crate::db::Db;

#[derive(Debug, Default, sqlx::FromRow)]
pub struct UserCounts {
    pub learners: i64,
    pub editors: i64,
    pub admins: i64,
    pub deactivated: i64,
}

pub async fn count_users(db: &Db) -> sqlx::Result<UserCounts> {
    sqlx::query_as(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN role = 'learner' THEN 1 ELSE 0 END), 0) AS BIGINT) AS learners, \
           CAST(COALESCE(SUM(CASE WHEN role = 'editor' THEN 1 ELSE 0 END), 0) AS BIGINT) AS editors, \
           CAST(COALESCE(SUM(CASE WHEN role = 'admin' THEN 1 ELSE 0 END), 0) AS BIGINT) AS admins, \
           CAST(COALESCE(SUM(CASE WHEN active THEN 0 ELSE 1 END), 0) AS BIGINT) AS deactivated \
         FROM users",
    )
    .fetch_one(db.pool())
    .await
}
