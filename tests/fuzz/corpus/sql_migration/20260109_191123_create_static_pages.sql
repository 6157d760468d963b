-- revision: 20260109_191123
-- down_revision: 20260108_093000
-- message: Create static_pages table

-- +upgrade
CREATE TABLE static_pages (
    id VARCHAR(26) NOT NULL,
    slug VARCHAR(200) NOT NULL,
    title VARCHAR(150) NOT NULL,
    content TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    CONSTRAINT pk_static_pages PRIMARY KEY (id),
    CONSTRAINT uq_static_pages_slug UNIQUE (slug)
);

-- +downgrade
DROP TABLE static_pages;
