-- revision: 20260101_000100
-- down_revision: 20260101_000000
-- message: Create system_info table

-- +upgrade
CREATE TABLE system_info (
    param VARCHAR(25) NOT NULL,
    valor VARCHAR(50),
    CONSTRAINT pk_system_info PRIMARY KEY (param)
);

-- +downgrade
DROP TABLE system_info;
