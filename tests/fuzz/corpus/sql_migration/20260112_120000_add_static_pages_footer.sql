-- revision: 20260112_120000
-- down_revision: 20260110_035505
-- message: Show static pages in the footer

-- +upgrade
ALTER TABLE static_pages ADD COLUMN mostrar_en_footer BOOLEAN NOT NULL DEFAULT FALSE;

-- +downgrade
ALTER TABLE static_pages DROP COLUMN mostrar_en_footer;
