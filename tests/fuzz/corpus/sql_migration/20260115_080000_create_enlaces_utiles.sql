-- revision: 20260115_080000
-- down_revision: 20260112_120000
-- message: Create enlaces_utiles table

-- +upgrade
CREATE TABLE enlaces_utiles (
    id VARCHAR(26) NOT NULL,
    titulo VARCHAR(100) NOT NULL,
    url VARCHAR(2000) NOT NULL,
    orden INTEGER NOT NULL DEFAULT 0,
    activo BOOLEAN NOT NULL DEFAULT TRUE,
    CONSTRAINT pk_enlaces_utiles PRIMARY KEY (id)
);
CREATE INDEX ix_enlaces_utiles_orden ON enlaces_utiles (orden);

-- +downgrade
DROP TABLE enlaces_utiles;
