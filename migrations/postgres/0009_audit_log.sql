-- Who changed what, when: every admin action on users (and, later, every content change).
-- actor_name is copied so entries stay readable after the actor's account is deleted.
CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,                    -- UUIDv7, so ids sort by time
    actor_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,                       -- e.g. user.role, user.deactivate
    target     TEXT NOT NULL,                       -- what it was done to, readable
    summary    TEXT NOT NULL,                       -- before → after
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);
