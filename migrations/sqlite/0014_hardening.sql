-- Production hardening.

-- Sign-in links: a one-time link by email that lets an account's owner in while the account
-- is throttled (so an attacker who knows the email cannot lock the owner out). SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with the new purpose allowed.
CREATE TABLE one_time_tokens_new (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('password_reset', 'admin_setup', 'login_link')),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
INSERT INTO one_time_tokens_new (token_hash, purpose, user_id, created_at, expires_at, used_at)
    SELECT token_hash, purpose, user_id, created_at, expires_at, used_at FROM one_time_tokens;
DROP TABLE one_time_tokens;
ALTER TABLE one_time_tokens_new RENAME TO one_time_tokens;
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);

-- Login throttling as one counter row per bucket ('account:<email>', 'address:<ip>',
-- 'link:<email>'), replacing the row-per-failure table: an attempt claims its place with one
-- conditional upsert, which the row lock makes atomic across instances, so concurrent
-- attempts can neither slip past the limit nor shut each other out. The window is fixed: it
-- starts with the first counted attempt and lasts 15 minutes.
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    bucket       TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_start);

-- Start-up work that one instance of several must do alone (the first import, the set-up
-- link): the instance whose INSERT or UPDATE of the row succeeds does it.
CREATE TABLE startup_claims (
    name       TEXT PRIMARY KEY,
    claimed_at BIGINT NOT NULL
);
