#!/usr/bin/python3
"""Generates a large migrations directory with branches and merges, for the graph benchmark.

The shape is the lead's quick test: a main chain; every 50 revisions a two-revision side
branch leaves the main chain, and 10 main revisions later a merge revision joins it back
(down_revision names both tips). Ids are Alembic-like (12 hex digits); files are named
NNNNNN_<id>.sql (or .py): file-name order is creation order, which no reader relies on.

  generate.py OUT --revisions N [--kind sql|py|both]
    OUT/sql/*.sql             native files with an upgrade and a downgrade section
    OUT/py/versions/*.py      the equivalent Alembic revisions (plus OUT/py/alembic.ini)
"""

import argparse
import hashlib
import os
import shutil

BRANCH_EVERY = 50
MERGE_AFTER = 10
SIDE_LENGTH = 2


def rev_id(i):
    return hashlib.sha1(b"bench-graph-%d" % i).hexdigest()[:12]


def graph(n):
    """[(id, [down ids], message)] in creation order, exactly n revisions."""
    revs = []
    main_tip = None
    side = None  # [tip id, main revisions left before the merge]
    i = 0

    def add(downs, message):
        nonlocal i
        rid = rev_id(i)
        revs.append((rid, downs, message))
        i += 1
        return rid

    while i < n:
        if side is not None and side[1] == 0 and n - i >= 1:
            main_tip = add([main_tip, side[0]], "merge")
            side = None
            continue
        if side is None and i > 0 and i % BRANCH_EVERY == 0 and n - i > SIDE_LENGTH + MERGE_AFTER:
            tip = main_tip
            for _ in range(SIDE_LENGTH):
                tip = add([tip], "side branch")
            side = [tip, MERGE_AFTER]
            continue
        main_tip = add([main_tip] if main_tip else [], "main")
        if side is not None:
            side[1] -= 1
    return revs


def statements(i):
    table = "t%06d" % (i // 10)
    if i % 10 == 0:
        return ("CREATE TABLE %s (\n    id INTEGER NOT NULL PRIMARY KEY,\n"
                "    name VARCHAR(100) NOT NULL,\n    created_at VARCHAR(32)\n)" % table,
                "DROP TABLE %s" % table)
    col = "c%07d" % i
    return ("ALTER TABLE %s ADD COLUMN %s VARCHAR(50) DEFAULT 'it''s new'" % (table, col),
            "ALTER TABLE %s DROP COLUMN %s" % (table, col))


def write_sql(path, i, rid, downs, message):
    up, down = statements(i)
    text = ("-- revision: %s\n-- down_revision: %s\n-- message: %s %d\n\n"
            "-- +upgrade\n%s;\n\n-- +downgrade\n%s;\n" % (
                rid, ", ".join(downs) if downs else "none", message, i, up, down))
    with open(path, "w") as f:
        f.write(text)


def write_py(path, i, rid, downs, message):
    up, down = statements(i)
    if not downs:
        down_value = "None"
    elif len(downs) == 1:
        down_value = repr(downs[0])
    else:
        down_value = repr(tuple(downs))
    text = ('"""%s %d\n\nRevision ID: %s\nRevises: %s\n"""\nfrom alembic import op\n\n'
            "revision = %r\ndown_revision = %s\nbranch_labels = None\ndepends_on = None\n\n\n"
            "def upgrade():\n    op.execute(%r)\n\n\ndef downgrade():\n    op.execute(%r)\n" % (
                message, i, rid, ", ".join(downs), rid, down_value, up, down))
    with open(path, "w") as f:
        f.write(text)


ALEMBIC_INI = """[alembic]
script_location = %(here)s
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--revisions", type=int, required=True)
    parser.add_argument("--kind", choices=("sql", "py", "both"), default="sql")
    args = parser.parse_args()
    revs = graph(args.revisions)
    width = len(str(args.revisions))
    if args.kind in ("sql", "both"):
        out = os.path.join(args.out, "sql")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        for i, (rid, downs, message) in enumerate(revs):
            write_sql(os.path.join(out, "%0*d_%s.sql" % (width, i, rid)), i, rid, downs, message)
    if args.kind in ("py", "both"):
        out = os.path.join(args.out, "py")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(os.path.join(out, "versions"))
        with open(os.path.join(out, "alembic.ini"), "w") as f:
            f.write(ALEMBIC_INI)
        with open(os.path.join(out, "script.py.mako"), "w") as f:
            f.write("")
        for i, (rid, downs, message) in enumerate(revs):
            write_py(os.path.join(out, "versions", "%0*d_%s.py" % (width, i, rid)), i, rid, downs,
                     message)
    heads = set(r[0] for r in revs) - set(d for r in revs for d in r[1])
    merges = sum(1 for r in revs if len(r[1]) > 1)
    with open(os.path.join(args.out, "shape"), "w") as f:
        f.write("revisions %d merges %d heads %s\n" % (len(revs), merges, " ".join(sorted(heads))))


if __name__ == "__main__":
    main()
