-- revision: 20260105_145517
-- down_revision: 20260101_000100
-- message: Create curso table

-- +upgrade
CREATE TABLE curso (
    id VARCHAR(26) NOT NULL,
    nombre VARCHAR(150) NOT NULL,
    codigo VARCHAR(20) NOT NULL,
    descripcion_corta VARCHAR(300),
    descripcion TEXT,
    estado VARCHAR(10) NOT NULL DEFAULT 'draft',
    pagado BOOLEAN NOT NULL DEFAULT FALSE,
    precio DECIMAL(10, 2),
    creado_por VARCHAR(26),
    creado TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_curso PRIMARY KEY (id),
    CONSTRAINT uq_curso_codigo UNIQUE (codigo),
    CONSTRAINT fk_curso_creado_por FOREIGN KEY (creado_por) REFERENCES usuario (id)
);
CREATE INDEX ix_curso_estado ON curso (estado);

-- +downgrade
DROP TABLE curso;
