-- Uploaded curriculum archives waiting for the editor's "Apply this import": validated and
-- dry-run already, kept here rather than in the session (or re-uploaded) so any instance can
-- apply them. Single use (the row is deleted when applied) and valid for an hour.
CREATE TABLE content_imports (
    id          TEXT PRIMARY KEY,                  -- SHA-256 of the token in the confirmation form
    uploaded_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tree        TEXT NOT NULL,                     -- JSON object: file path → file contents
    created_at  BIGINT NOT NULL
);
CREATE INDEX content_imports_created ON content_imports (created_at);
