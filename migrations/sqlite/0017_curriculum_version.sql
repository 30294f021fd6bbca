-- The published curriculum's version: every change to a curriculum table bumps it (triggers,
-- so no writer can forget), and each instance reloads its in-memory copy when it sees a newer one.
CREATE TABLE curriculum_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO curriculum_version (id, version) VALUES (1, 1);

CREATE TRIGGER paths_insert_bumps_curriculum AFTER INSERT ON paths BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER paths_update_bumps_curriculum AFTER UPDATE ON paths BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER paths_delete_bumps_curriculum AFTER DELETE ON paths BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER modules_insert_bumps_curriculum AFTER INSERT ON modules BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER modules_update_bumps_curriculum AFTER UPDATE ON modules BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER modules_delete_bumps_curriculum AFTER DELETE ON modules BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER lessons_insert_bumps_curriculum AFTER INSERT ON lessons BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER lessons_update_bumps_curriculum AFTER UPDATE ON lessons BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER lessons_delete_bumps_curriculum AFTER DELETE ON lessons BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER quizzes_insert_bumps_curriculum AFTER INSERT ON quizzes BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER quizzes_update_bumps_curriculum AFTER UPDATE ON quizzes BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER quizzes_delete_bumps_curriculum AFTER DELETE ON quizzes BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER questions_insert_bumps_curriculum AFTER INSERT ON questions BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER questions_update_bumps_curriculum AFTER UPDATE ON questions BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER questions_delete_bumps_curriculum AFTER DELETE ON questions BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER lab_exercises_insert_bumps_curriculum AFTER INSERT ON lab_exercises BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER lab_exercises_update_bumps_curriculum AFTER UPDATE ON lab_exercises BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER lab_exercises_delete_bumps_curriculum AFTER DELETE ON lab_exercises BEGIN
    UPDATE curriculum_version SET version = version + 1 WHERE id = 1;
END;
