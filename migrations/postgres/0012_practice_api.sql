-- The HTTP lab's practice REST API: a small task list per learner, reached only in-process
-- (src/labs/http). Rows belong to one learner and go with the account.

-- One row per learner who has used the practice API: created on the first request, when the
-- starter tasks are seeded. It also holds the learner's task-id counter (ids are small per-learner
-- numbers, easy to type in a path) and the fixed one-minute window of the rate limit, in the
-- database so every instance counts the same requests.
CREATE TABLE practice_api_learners (
    learner_id   TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    next_task_id BIGINT NOT NULL,
    window_start BIGINT NOT NULL,                   -- unix seconds, a multiple of 60
    window_count BIGINT NOT NULL
);

CREATE TABLE practice_tasks (
    learner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id         BIGINT NOT NULL,
    title      TEXT NOT NULL,
    done       BOOLEAN NOT NULL,
    priority   TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (learner_id, id)
);
-- A duplicate title is the API's 409 Conflict; the index settles races between two requests.
CREATE UNIQUE INDEX practice_tasks_title ON practice_tasks (learner_id, LOWER(title));
