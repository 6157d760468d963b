#!/usr/bin/python3
"""Generates one chain of N revisions three ways, for the apply-throughput benchmark.

  OUT/sql/NNNN_<id>.sql          native migrations for `migration-agent upgrade`
  OUT/alembic/                   alembic.ini, env.py (transaction_per_migration=True) and
                                 versions/NNNN_<id>.py doing the same through op.execute
  OUT/floor/{sqlite,postgresql,mysql}.sql
                                 the same statements as one script for the engine's own
                                 client: the version table, then per revision the statements
                                 and the alembic_version INSERT/UPDATE in one transaction
                                 (on MySQL/MariaDB DDL commits implicitly, so, as the agent
                                 does, the statements run first and the row change commits
                                 in its own transaction)

The chain cycles through CREATE TABLE, ALTER TABLE ADD COLUMN, CREATE INDEX and INSERT
(every 10 revisions: one new table, 3 columns, 3 indexes, 3 multi-row inserts). Every
revision has a downgrade; index drops differ on MySQL, so those files carry a
`-- +downgrade mysql` section. Usage: generate.py OUT [--revisions N]
"""

import argparse
import hashlib
import os
import shutil

ENGINES = ("sqlite", "postgresql", "mysql")


def rev_id(i):
    return hashlib.sha1(b"bench-apply-%d" % i).hexdigest()[:12]


def revision_sql(i):
    """(upgrade statements, generic downgrade, mysql downgrade or None, message)."""
    table = "bench_t%03d" % (i // 10)
    slot = i % 10
    if slot == 0:
        up = ["CREATE TABLE %s (\n    id INTEGER NOT NULL PRIMARY KEY,\n"
              "    name VARCHAR(100) NOT NULL,\n    note VARCHAR(200)\n)" % table]
        return up, ["DROP TABLE %s" % table], None, "create %s" % table
    if slot in (1, 4, 7):
        col = "c%04d" % i
        up = ["ALTER TABLE %s ADD COLUMN %s VARCHAR(50)" % (table, col)]
        return up, ["ALTER TABLE %s DROP COLUMN %s" % (table, col)], None, "add %s.%s" % (table,
                                                                                        col)
    if slot in (2, 5, 8):
        index = "ix_%04d" % i
        up = ["CREATE INDEX %s ON %s (name, id)" % (index, table)]
        return (up, ["DROP INDEX %s" % index], ["DROP INDEX %s ON %s" % (index, table)],
                "index %s" % index)
    base = (slot // 3) * 100 + i * 1000
    rows = ", ".join("(%d, 'row %d of revision %d', 'it''s a; test')" % (base + k, k, i)
                     for k in range(5))
    up = ["INSERT INTO %s (id, name, note) VALUES %s" % (table, rows)]
    down = ["DELETE FROM %s WHERE id >= %d AND id < %d" % (table, base, base + 5)]
    return up, down, None, "seed %s" % table


def write_sql(path, i, rid, down, up, downgrade, mysql_down, message):
    lines = ["-- revision: %s" % rid, "-- down_revision: %s" % (down or "none"),
             "-- message: %s" % message, "", "-- +upgrade"]
    lines += [s + ";" for s in up]
    lines += ["", "-- +downgrade"] + [s + ";" for s in downgrade]
    if mysql_down:
        lines += ["", "-- +downgrade mysql"] + [s + ";" for s in mysql_down]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def py_string(s):
    return repr(s)


def write_py(path, rid, down, up, downgrade, mysql_down, message):
    body = ['"""%s\n\nRevision ID: %s\nRevises: %s\n"""' % (message, rid, down or ""),
            "from alembic import op", "",
            "revision = %r" % rid, "down_revision = %r" % down,
            "branch_labels = None", "depends_on = None", "", "",
            "def upgrade():"]
    body += ["    op.execute(%s)" % py_string(s) for s in up]
    body += ["", "", "def downgrade():"]
    if mysql_down:
        body += ["    if op.get_bind().dialect.name == 'mysql':"]
        body += ["        op.execute(%s)" % py_string(s) for s in mysql_down]
        body += ["        return"]
    body += ["    op.execute(%s)" % py_string(s) for s in downgrade]
    with open(path, "w") as f:
        f.write("\n".join(body) + "\n")


ALEMBIC_INI = """[alembic]
script_location = %(here)s
sqlalchemy.url = sqlite:///unused.db

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
"""

# The URL comes from BENCH_ALEMBIC_URL; one transaction per revision, like the agent.
ENV_PY = '''import os

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run_migrations_online():
    engine = create_engine(os.environ["BENCH_ALEMBIC_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''

VERSION_TABLE = ("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                 "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));")


def floor_scripts(revisions):
    out = {e: [VERSION_TABLE] for e in ENGINES}
    out["postgresql"].insert(0, "\\set ON_ERROR_STOP 1")
    prev = None
    for rid, up in revisions:
        if prev is None:
            row = "INSERT INTO alembic_version (version_num) VALUES ('%s');" % rid
        else:
            row = ("UPDATE alembic_version SET version_num='%s' "
                   "WHERE alembic_version.version_num = '%s';" % (rid, prev))
        stmts = [s + ";" for s in up]
        out["sqlite"] += ["BEGIN IMMEDIATE;"] + stmts + [row, "COMMIT;"]
        out["postgresql"] += ["BEGIN;"] + stmts + [row, "COMMIT;"]
        out["mysql"] += stmts + ["BEGIN;", row, "COMMIT;"]
        prev = rid
    return {e: "\n".join(lines) + "\n" for e, lines in out.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--revisions", type=int, default=1000)
    args = parser.parse_args()
    for sub in ("sql", "alembic", "floor"):
        shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
    os.makedirs(os.path.join(args.out, "sql"))
    os.makedirs(os.path.join(args.out, "alembic", "versions"))
    os.makedirs(os.path.join(args.out, "floor"))
    with open(os.path.join(args.out, "alembic", "alembic.ini"), "w") as f:
        f.write(ALEMBIC_INI)
    with open(os.path.join(args.out, "alembic", "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(args.out, "alembic", "script.py.mako"), "w") as f:
        f.write("")
    chain, prev = [], None
    for i in range(args.revisions):
        rid = rev_id(i)
        up, down, mysql_down, message = revision_sql(i)
        name = "%04d_%s" % (i, rid)
        write_sql(os.path.join(args.out, "sql", name + ".sql"), i, rid, prev, up, down, mysql_down,
                  message)
        write_py(os.path.join(args.out, "alembic", "versions", name + ".py"), rid, prev, up, down,
                 mysql_down, message)
        chain.append((rid, up))
        prev = rid
    for engine, text in floor_scripts(chain).items():
        with open(os.path.join(args.out, "floor", engine + ".sql"), "w") as f:
            f.write(text)
    with open(os.path.join(args.out, "head"), "w") as f:
        f.write(prev + "\n")


if __name__ == "__main__":
    main()
