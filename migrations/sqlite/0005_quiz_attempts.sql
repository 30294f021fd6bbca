-- Every submitted quiz, with what was answered, so a learner can review any attempt and the
-- best one counts toward progress. Answers are graded on the server when submitted.
CREATE TABLE quiz_attempts (
    id         TEXT PRIMARY KEY,                    -- UUIDv7
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    quiz_id    TEXT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    correct    BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    score      BIGINT NOT NULL,                     -- percent, rounded down
    passed     BOOLEAN NOT NULL,
    answers    TEXT NOT NULL,                       -- JSON: per question, the answer and whether it was right
    created_at BIGINT NOT NULL
);
CREATE INDEX quiz_attempts_user_quiz ON quiz_attempts (user_id, quiz_id, created_at);
