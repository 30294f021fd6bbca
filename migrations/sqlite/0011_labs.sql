-- Hands-on labs: exercises belong to a module (from its labs.toml), attempts to a learner.
-- `spec` is the kind-specific part as JSON (for SQL: dataset, reference solution, check);
-- it is read by the grader only and never rendered into a page before the learner earns it.
CREATE TABLE lab_exercises (
    id              TEXT PRIMARY KEY,                 -- the content's UUID
    module_id       TEXT NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL,
    title           TEXT NOT NULL,
    position        BIGINT NOT NULL,
    kind            TEXT NOT NULL,                    -- 'sql' or 'http'
    prompt_markdown TEXT NOT NULL,
    prompt_html     TEXT NOT NULL,
    spec            TEXT NOT NULL,                    -- JSON
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (module_id, slug)
);

-- Every run of a learner's input, with its verdict, so the page can show the latest one,
-- count failed tries and report a pass toward the module's progress.
CREATE TABLE lab_attempts (
    id          TEXT PRIMARY KEY,                     -- UUIDv7
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    exercise_id TEXT NOT NULL REFERENCES lab_exercises (id) ON DELETE CASCADE,
    input       TEXT NOT NULL,
    passed      BOOLEAN NOT NULL,
    result      TEXT NOT NULL,                        -- JSON: the grader's outcome
    created_at  BIGINT NOT NULL
);
CREATE INDEX lab_attempts_user_exercise ON lab_attempts (user_id, exercise_id, created_at);
