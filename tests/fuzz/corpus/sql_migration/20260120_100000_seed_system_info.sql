-- revision: 20260120_100000
-- down_revision: 20260115_080000
-- message: Record the schema origin in system_info

-- +upgrade
INSERT INTO system_info (param, valor) VALUES ('schema_origin', 'migration-agent');
INSERT INTO system_info (param, valor) VALUES ('lms_name', 'NOW LMS; it''s yours');

-- +downgrade
DELETE FROM system_info WHERE param IN ('schema_origin', 'lms_name');
