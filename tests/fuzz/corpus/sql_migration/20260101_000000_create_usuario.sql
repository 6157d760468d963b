-- revision: 20260101_000000
-- down_revision: none
-- message: Create usuario table

-- +upgrade
CREATE TABLE usuario (
    id VARCHAR(26) NOT NULL,
    usuario VARCHAR(150) NOT NULL,
    correo_electronico VARCHAR(150),
    nombre VARCHAR(100),
    apellido VARCHAR(100),
    tipo VARCHAR(15) NOT NULL DEFAULT 'student',
    activo BOOLEAN NOT NULL DEFAULT TRUE,
    creado TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_usuario PRIMARY KEY (id),
    CONSTRAINT uq_usuario_usuario UNIQUE (usuario)
);

-- +downgrade
DROP TABLE usuario;
