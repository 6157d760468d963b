-- revision: 20260110_035505
-- down_revision: 20260109_191123
-- message: Add cover image to blog_post

-- +upgrade
ALTER TABLE blog_post ADD COLUMN cover_image BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE blog_post ADD COLUMN cover_image_ext VARCHAR(5);

-- +downgrade
ALTER TABLE blog_post DROP COLUMN cover_image_ext;
ALTER TABLE blog_post DROP COLUMN cover_image;
