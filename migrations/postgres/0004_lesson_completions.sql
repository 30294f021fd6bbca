-- A learner's finished lessons. The primary key makes marking done idempotent: double clicks
-- and concurrent requests leave exactly one row (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE lesson_completions (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id    TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    completed_at BIGINT NOT NULL,                   -- unix seconds
    PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_completions_recent ON lesson_completions (user_id, completed_at);
