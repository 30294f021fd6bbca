-- Single sign-on (src/auth/sso): an account's links to identity providers.

-- One row per (provider, subject): the provider's stable id for the person (`sub`, or GitHub's
-- numeric user id), never their email, which can change or be reassigned. `provider` is the id
-- the operator gave it in the sign-in settings. An account signed up through a provider has an
-- empty users.password_hash until its owner sets a password (by password reset).
CREATE TABLE sign_in_identities (
    provider     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,                     -- what the provider said when last used
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX sign_in_identities_user ON sign_in_identities (user_id);
