-- Cookie sessions for the HTTP lab's practice API (src/labs/http): POST /api/session signs in
-- and sets a session cookie, DELETE /api/session ends it. Only a hash of the cookie's value is
-- stored, as for the real sessions; the CSRF token is returned to the client at sign-in and
-- must come back in X-CSRF-Token on every change made with the cookie. Reset ends them all.
CREATE TABLE practice_sessions (
    session_hash TEXT PRIMARY KEY,                  -- SHA-256 of the cookie value, hex
    learner_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX practice_sessions_learner ON practice_sessions (learner_id);
