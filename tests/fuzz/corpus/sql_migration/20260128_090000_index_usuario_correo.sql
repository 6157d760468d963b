-- revision: 20260128_090000
-- down_revision: 20260125_120000
-- message: Case-insensitive e-mail lookups
--
-- PostgreSQL and SQLite index the lower-cased address; MariaDB has no expression
-- indexes, so it indexes the column (its default collation is case-insensitive).

-- +upgrade
CREATE INDEX ix_usuario_correo_lower ON usuario (lower(correo_electronico));

-- +upgrade mysql
CREATE INDEX ix_usuario_correo_lower ON usuario (correo_electronico);

-- +downgrade
DROP INDEX ix_usuario_correo_lower;

-- +downgrade mysql
DROP INDEX ix_usuario_correo_lower ON usuario;
