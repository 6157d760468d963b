-- revision: 20260202_000000
-- down_revision: none
-- transaction: none
-- Note: a comment line that looks like a header

-- +upgrade postgresql
CREATE INDEX CONCURRENTLY ix_audit_note ON audit (note);
-- +downgrade postgresql
DROP INDEX CONCURRENTLY ix_audit_note;
