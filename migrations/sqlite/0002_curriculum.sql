-- The curriculum: paths contain modules, modules contain lessons and one quiz.
-- Ids are the content's own stable UUIDs (from the files), so progress survives renaming,
-- moving and reordering. Slugs are unique within their parent; positions order siblings.

CREATE TABLE paths (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    position   BIGINT NOT NULL,
    published  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE modules (
    id            TEXT PRIMARY KEY,
    path_id       TEXT NOT NULL REFERENCES paths (id) ON DELETE CASCADE,
    slug          TEXT NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    position      BIGINT NOT NULL,
    published     BOOLEAN NOT NULL DEFAULT FALSE,
    prerequisites TEXT NOT NULL DEFAULT '[]',      -- JSON array of module slugs in the same path
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (path_id, slug)
);
CREATE INDEX modules_path ON modules (path_id, position);

-- Markdown is kept as written; HTML and plain text are rendered once, at import or save.
CREATE TABLE lessons (
    id              TEXT PRIMARY KEY,
    module_id       TEXT NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    position        BIGINT NOT NULL,
    published       BOOLEAN NOT NULL DEFAULT FALSE,
    body_markdown   TEXT NOT NULL,
    body_html       TEXT NOT NULL,                 -- sanitized (ammonia), code highlighted
    body_text       TEXT NOT NULL,                 -- for search and snippets
    word_count      BIGINT NOT NULL,
    reading_minutes BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (module_id, slug)
);
CREATE INDEX lessons_module ON lessons (module_id, position);

CREATE TABLE quizzes (
    id         TEXT PRIMARY KEY,
    module_id  TEXT NOT NULL UNIQUE REFERENCES modules (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    pass_mark  BIGINT NOT NULL DEFAULT 70,         -- percent
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE questions (
    id                   TEXT PRIMARY KEY,
    quiz_id              TEXT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    position             BIGINT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN
                         ('single', 'multiple', 'true_false', 'short_text', 'numeric', 'ordering')),
    prompt_markdown      TEXT NOT NULL,
    prompt_html          TEXT NOT NULL,
    explanation_markdown TEXT NOT NULL,
    explanation_html     TEXT NOT NULL,
    -- The answer key as JSON ({"choices": [...], "answer": …, "accepted": [...], "tolerance": …}),
    -- read only by the server's grader: pages never contain it before submission.
    answer_key           TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX questions_quiz ON questions (quiz_id, position);

-- Full-text search (FTS5): one row per module and per lesson, kept in step by triggers, so
-- every way of changing content (import, the editor) updates the index. Titles are weighted
-- above bodies at query time with bm25().
CREATE VIRTUAL TABLE search_index USING fts5(
    title, body, kind UNINDEXED, ref_id UNINDEXED, tokenize = 'porter unicode61'
);

CREATE TRIGGER lessons_search_insert AFTER INSERT ON lessons BEGIN
    INSERT INTO search_index (title, body, kind, ref_id) VALUES (NEW.title, NEW.body_text, 'lesson', NEW.id);
END;
CREATE TRIGGER lessons_search_update AFTER UPDATE OF title, body_text ON lessons BEGIN
    DELETE FROM search_index WHERE kind = 'lesson' AND ref_id = OLD.id;
    INSERT INTO search_index (title, body, kind, ref_id) VALUES (NEW.title, NEW.body_text, 'lesson', NEW.id);
END;
CREATE TRIGGER lessons_search_delete AFTER DELETE ON lessons BEGIN
    DELETE FROM search_index WHERE kind = 'lesson' AND ref_id = OLD.id;
END;

CREATE TRIGGER modules_search_insert AFTER INSERT ON modules BEGIN
    INSERT INTO search_index (title, body, kind, ref_id) VALUES (NEW.title, NEW.summary, 'module', NEW.id);
END;
CREATE TRIGGER modules_search_update AFTER UPDATE OF title, summary ON modules BEGIN
    DELETE FROM search_index WHERE kind = 'module' AND ref_id = OLD.id;
    INSERT INTO search_index (title, body, kind, ref_id) VALUES (NEW.title, NEW.summary, 'module', NEW.id);
END;
CREATE TRIGGER modules_search_delete AFTER DELETE ON modules BEGIN
    DELETE FROM search_index WHERE kind = 'module' AND ref_id = OLD.id;
END;
