-- The JSON API (/api/v1, src/api): personal access tokens and Idempotency-Key answers.

-- A personal access token is stored only as the SHA-256 of its secret. It carries the role its
-- user had when it was made: a token whose user's role has changed since, or whose user is
-- deactivated, authenticates nothing. The rate limit is a fixed one-minute window counted on
-- the token's row, so every instance shares it; the same update records when it was last used.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,                  -- UUIDv7
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,              -- SHA-256 of the secret, hex
    scopes       TEXT NOT NULL,                     -- space-separated: read write content
    role         TEXT NOT NULL,                     -- the user's role when the token was made
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    window_start BIGINT NOT NULL DEFAULT 0,         -- the rate limit's current minute
    window_count BIGINT NOT NULL DEFAULT 0          -- requests counted in it
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- The first answer to a POST that creates something, kept under the caller's Idempotency-Key:
-- the same key with the same request gets it again; the same key with another request is
-- refused (422). Kept for a day.
CREATE TABLE api_idempotency_keys (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,                  -- SHA-256 of method, path and body, hex
    status          INTEGER NOT NULL,
    location        TEXT,
    response_body   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
