-- Authoring: every save of a lesson in the editor keeps a revision, and `version` lets two
-- editors who started from the same text find out that the second save would overwrite the
-- first (the save only applies while the version is still the one the form was opened at).

ALTER TABLE lessons ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE lesson_revisions (
    id            TEXT PRIMARY KEY,
    lesson_id     TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    number        BIGINT NOT NULL,                 -- 1, 2, 3 … per lesson
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    author_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    author_name   TEXT NOT NULL,                   -- kept when the account is deleted
    note          TEXT NOT NULL,                   -- "created", "edited", "restored revision 2" …
    created_at    BIGINT NOT NULL,
    UNIQUE (lesson_id, number)
);
