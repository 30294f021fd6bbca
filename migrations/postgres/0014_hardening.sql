-- Production hardening. Kept in step with migrations/sqlite/0014_hardening.sql.

-- Sign-in links: a one-time link by email that lets an account's owner in while the account
-- is throttled (so an attacker who knows the email cannot lock the owner out).
ALTER TABLE one_time_tokens DROP CONSTRAINT one_time_tokens_purpose_check;
ALTER TABLE one_time_tokens ADD CONSTRAINT one_time_tokens_purpose_check
    CHECK (purpose IN ('password_reset', 'admin_setup', 'login_link'));

-- Throttling claims a place before the password is checked (written first, then counted, so
-- concurrent attempts cannot all slip under the limit); the id lets an attempt that was never
-- evaluated, or that succeeded, take its own row back.
ALTER TABLE login_failures ADD COLUMN attempt_id TEXT;
CREATE INDEX login_failures_attempt ON login_failures (attempt_id);

-- Start-up work that one instance of several must do alone (the first import, the set-up
-- link): the instance whose INSERT or UPDATE of the row succeeds does it.
CREATE TABLE startup_claims (
    name       TEXT PRIMARY KEY,
    claimed_at BIGINT NOT NULL
);
