-- revision: 20260201_000000
-- down_revision: 20260125_120000, 20260128_090000
-- branch_labels: default
-- depends_on: 20260101_000000
-- message: Triggers, functions and quoting on every engine
-- transaction: per-migration

-- +upgrade
CREATE TABLE audit (id INTEGER PRIMARY KEY, note VARCHAR(200) DEFAULT 'it''s; fine', "q;uoted" TEXT);
/* block comment; with a semicolon */ INSERT INTO audit (id, note) VALUES (1, 'a -- not a comment');
-- +upgrade postgresql
CREATE FUNCTION touch() RETURNS trigger AS $body$
BEGIN
  NEW.note := 'x;y'; /* nested /* comment; */ still */
  RETURN NEW;
END;
$body$ LANGUAGE plpgsql;
CREATE TRIGGER t_touch BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION touch();
SELECT $$dollar; quoted$$, E'escaped\' quote;';
-- +upgrade mysql
DELIMITER //
CREATE TRIGGER t_touch BEFORE INSERT ON audit FOR EACH ROW
BEGIN
  IF NEW.note IS NULL THEN SET NEW.note = 'x;y'; END IF;
END//
DELIMITER ;
INSERT INTO audit (id, note) VALUES (2, 'back\'slash; "quote"');
-- +upgrade sqlite
CREATE TRIGGER t_touch AFTER INSERT ON audit BEGIN
  UPDATE audit SET note = 'x;y' WHERE id = NEW.id;
END;
-- +downgrade
DROP TABLE audit;
-- +downgrade postgresql
DROP TABLE audit; DROP FUNCTION touch();
