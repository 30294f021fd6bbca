-- Accounts, server-side sessions, login throttling and one-time tokens.
-- Portable types only (see src/db/mod.rs): TEXT ids, BIGINT unix seconds, BOOLEAN flags.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,                 -- UUIDv7
    email         TEXT NOT NULL,                    -- normalized: trimmed and lowercased
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,                    -- argon2id PHC string
    role          TEXT NOT NULL DEFAULT 'learner'
                  CHECK (role IN ('learner', 'editor', 'admin')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret   TEXT,                             -- base32; set only once 2FA is confirmed
    totp_last_step BIGINT,                          -- last accepted time step: a code works once
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
-- LOWER() keeps emails unique case-insensitively even if a caller forgot to normalize.
CREATE UNIQUE INDEX users_email_unique ON users (LOWER(email));

-- Ten single-use codes per user with 2FA, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- tower-sessions records. user_id is copied out of the record so that all of one user's
-- sessions can be ended at once (password change, deactivation, deletion).
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,                       -- the record as JSON
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Failed logins, counted per bucket ('account:<email>', 'address:<ip>') over a sliding
-- window. In the database so that every instance behind a load balancer sees the same counts.
CREATE TABLE login_failures (
    bucket    TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_bucket ON login_failures (bucket, failed_at);

-- Password-reset and first-admin set-up tokens. Only a SHA-256 hash of the token is kept.
CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('password_reset', 'admin_setup')),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);
