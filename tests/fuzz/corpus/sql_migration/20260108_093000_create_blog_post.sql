-- revision: 20260108_093000
-- down_revision: 20260105_145517
-- message: Create blog_post table

-- +upgrade
CREATE TABLE blog_post (
    id VARCHAR(26) NOT NULL,
    title VARCHAR(150) NOT NULL,
    slug VARCHAR(200) NOT NULL,
    content TEXT,
    author_id VARCHAR(26),
    status VARCHAR(10) NOT NULL DEFAULT 'draft',
    published_at TIMESTAMP NULL,
    CONSTRAINT pk_blog_post PRIMARY KEY (id),
    CONSTRAINT uq_blog_post_slug UNIQUE (slug),
    CONSTRAINT fk_blog_post_author FOREIGN KEY (author_id) REFERENCES usuario (id)
);
CREATE INDEX ix_blog_post_status ON blog_post (status);

-- +downgrade
DROP TABLE blog_post;
