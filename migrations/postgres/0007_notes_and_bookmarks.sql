-- A learner's bookmarks and private notes on lessons. Private: only the owner's session
-- ever reads them (no page for editors or admins shows them).
CREATE TABLE bookmarks (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id  TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, lesson_id)
);

-- One note per learner and lesson; Markdown as typed, HTML rendered (sanitized) on save.
CREATE TABLE notes (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id     TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    body_markdown TEXT NOT NULL,
    body_html     TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX notes_recent ON notes (user_id, updated_at);
