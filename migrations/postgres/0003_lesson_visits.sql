-- The last time each learner opened each lesson: "continue where you left off", and later
-- the dashboard's recent activity. Private to the learner (exported with their data, deleted
-- with their account).
CREATE TABLE lesson_visits (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id  TEXT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    visited_at BIGINT NOT NULL,                     -- unix milliseconds: quick clicks must still order
    PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_visits_recent ON lesson_visits (user_id, visited_at);
