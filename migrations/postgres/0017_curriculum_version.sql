-- The published curriculum's version: every change to a curriculum table bumps it (triggers,
-- so no writer can forget), and each instance reloads its in-memory copy when it sees a newer one.
CREATE TABLE curriculum_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO curriculum_version (id, version) VALUES (1, 1);

CREATE FUNCTION bump_curriculum_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER paths_bump_curriculum AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON paths
    FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_version();
CREATE TRIGGER modules_bump_curriculum AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON modules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_version();
CREATE TRIGGER lessons_bump_curriculum AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lessons
    FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_version();
CREATE TRIGGER quizzes_bump_curriculum AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quizzes
    FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_version();
CREATE TRIGGER questions_bump_curriculum AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON questions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_version();
CREATE TRIGGER lab_exercises_bump_curriculum AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lab_exercises
    FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_version();
