-- Passkeys (src/auth/passkeys.rs): WebAuthn credentials that sign in without a password, and
-- count as a second factor.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,                 -- UUIDv7
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,                    -- the owner's name for it ("Laptop")
    credential_id TEXT NOT NULL UNIQUE,             -- hex: one account per credential
    credential    TEXT NOT NULL,                    -- webauthn-rs Passkey as JSON: public key, sign counter
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);
