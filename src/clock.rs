//! The time, in the one unit the database stores (see `src/db/mod.rs`). A leaf.

/// Now, in unix seconds (UTC).
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Now, in unix milliseconds (UTC), for events that quick clicks must still order.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
