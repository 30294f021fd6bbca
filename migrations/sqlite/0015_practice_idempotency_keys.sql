-- Idempotency-Key on POST /api/tasks in the HTTP lab's practice API (src/labs/http). The first
-- successful answer to a learner's key is kept, so a retry with the same key and the same task
-- gets that answer again instead of creating a second task; the same key with a different task
-- is refused. Reset removes a learner's keys with the tasks.
CREATE TABLE practice_idempotency_keys (
    learner_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,                  -- SHA-256 of the checked task fields, hex
    task_id         BIGINT NOT NULL,
    response_body   TEXT NOT NULL,                  -- the 201 body, replayed as it was
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (learner_id, idempotency_key)
);
