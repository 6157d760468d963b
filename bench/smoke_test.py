#!/usr/bin/python3
"""Smoke test of the benchmark scripts (ctest `bench.scripts`, a few seconds; no timing
is checked): the generators' output is what the agent, the engine's client and Alembic
all accept, and the graph generator's heads are the agent's and Alembic's.

  - bench/apply: 25 revisions through bench/apply/run.py on SQLite, one run of each
    contender (run.py checks alembic_version after every run)
  - bench/graph: 130 revisions with a merge, both kinds; `migration-agent heads` and
    `alembic heads` name the head generate.py wrote to OUT/shape

Usage: smoke_test.py AGENT
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(argv, **kwargs):
    out = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if out.returncode != 0:
        sys.exit("%s failed (%d):\n%s%s" % (" ".join(argv), out.returncode, out.stdout,
                                            out.stderr))
    return out.stdout


def main():
    agent = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="magent-bench-smoke.")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "MIGRATION", "AUTO_MIGRATE", "NOW_LMS"))}
    try:
        apply_dir = os.path.join(work, "apply")
        run([sys.executable, os.path.join(HERE, "apply", "generate.py"), apply_dir,
             "--revisions", "25"])
        table = run([sys.executable, os.path.join(HERE, "apply", "run.py"), apply_dir, agent,
                     "--runs", "1", "--engines", "sqlite"], env=env)
        if "| sqlite | 25 |" not in table:
            sys.exit("unexpected apply table:\n" + table)

        graph_dir = os.path.join(work, "graph")
        run([sys.executable, os.path.join(HERE, "graph", "generate.py"), graph_dir,
             "--revisions", "130", "--kind", "both"])
        with open(os.path.join(graph_dir, "shape")) as f:
            shape = f.read().split()
        expected = shape[shape.index("heads") + 1:]
        if shape[shape.index("merges") + 1] == "0" or len(expected) != 1:
            sys.exit("expected merges and one head: %s" % " ".join(shape))
        heads = run([agent, "--migrations-dir", os.path.join(graph_dir, "sql"), "heads"],
                    env=env)
        if heads.split()[:1] != expected:
            sys.exit("agent heads %r, expected %r" % (heads, expected))
        alembic = run(["/usr/bin/python3", "-m", "alembic", "-c",
                       os.path.join(graph_dir, "py", "alembic.ini"), "heads"], env=env)
        if alembic.split()[:1] != expected:
            sys.exit("alembic heads %r, expected %r" % (alembic, expected))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("bench scripts: ok")


if __name__ == "__main__":
    main()
