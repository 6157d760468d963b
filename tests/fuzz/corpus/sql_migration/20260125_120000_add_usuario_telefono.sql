-- revision: 20260125_120000
-- down_revision: 20260120_100000
-- message: Add phone field to users

-- +upgrade
ALTER TABLE usuario ADD COLUMN telefono VARCHAR(20);

-- +downgrade
ALTER TABLE usuario DROP COLUMN telefono;
