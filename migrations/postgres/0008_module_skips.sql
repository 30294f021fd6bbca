-- Modules a learner chose to skip (as on roadmap.sh: "I know this already"). Undoable.
CREATE TABLE module_skips (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_id  TEXT NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    skipped_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, module_id)
);
