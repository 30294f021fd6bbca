-- Issued when a learner completes every module of a path. The code is random and
-- unguessable; the public page /certificates/{code} verifies it. Name and title are copied
-- at issue time: the certificate states what was true when it was earned.
CREATE TABLE certificates (
    id           TEXT PRIMARY KEY,                  -- UUIDv7
    code         TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path_id      TEXT NOT NULL REFERENCES paths (id) ON DELETE CASCADE,
    learner_name TEXT NOT NULL,
    path_title   TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    UNIQUE (user_id, path_id)
);
