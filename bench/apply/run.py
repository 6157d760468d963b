#!/usr/bin/python3
"""Apply throughput: migration-agent vs the engine's own client (the floor) vs Alembic.

Applies the chain made by generate.py to an empty database, per engine, with
  agent    migration-agent --database-url URL --migrations-dir OUT/sql upgrade
  floor    sqlite3 DB < floor/sqlite.sql | psql -f floor/postgresql.sql |
           mariadb DB < floor/mysql.sql
  alembic  /usr/bin/python3 -m alembic -c OUT/alembic/alembic.ini upgrade heads
The three are interleaved run by run (agent, floor, alembic, agent, ...), so a change in
the machine's load hits all of them alike; the database is dropped and re-created (the
SQLite file deleted) before every run, outside the timing, and the resulting
alembic_version row is checked after every run. Prints one markdown row per engine with
medians; --json writes every sample.

PostgreSQL and MariaDB come from MAGENT_TEST_POSTGRES_URL / MAGENT_TEST_MYSQL_URL
(`eval "$(scripts/test-servers start)"`); an engine whose variable is unset is an error.
Usage: run.py OUT AGENT [--runs N] [--engines sqlite,postgresql,mysql] [--json FILE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

DB_NAME = "magent_bench"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Engine:
    def __init__(self, name, out, work):
        self.name = name
        self.out = out
        self.work = work

    def check_version(self, expected):
        got = self.scalar("SELECT version_num FROM alembic_version")
        if got != expected:
            raise SystemExit("%s: alembic_version is %r, expected %r" % (self.name, got,
                                                                         expected))


class Sqlite(Engine):
    def __init__(self, out, work):
        super().__init__("sqlite", out, work)
        self.path = os.path.join(work, "bench.db")
        self.agent_url = "sqlite:///" + self.path
        self.alembic_url = "sqlite:///" + self.path

    def reset(self):
        for suffix in ("", ".lock", "-journal", "-wal", "-shm"):
            try:
                os.unlink(self.path + suffix)
            except FileNotFoundError:
                pass

    def floor(self):
        return ["sqlite3", "-bail", self.path], os.path.join(self.out, "floor", "sqlite.sql")

    def scalar(self, sql):
        return subprocess.run(["sqlite3", self.path, sql], check=True, capture_output=True,
                              text=True).stdout.strip()


class Postgres(Engine):
    def __init__(self, out, work, url):
        super().__init__("postgresql", out, work)
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.user = u.hostname, str(u.port), u.username
        where = "%s@%s:%s/%s" % (self.user, self.host, self.port, DB_NAME)
        self.agent_url = "postgresql://" + where
        self.alembic_url = "postgresql+psycopg2://" + where

    def psql(self, db):
        return ["psql", "-X", "-q", "-h", self.host, "-p", self.port, "-U", self.user, "-d", db]

    def reset(self):
        subprocess.run(self.psql("postgres") + ["-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)"
                                                % DB_NAME, "-c", "CREATE DATABASE %s" % DB_NAME],
                       check=True, capture_output=True)

    def floor(self):
        return self.psql(DB_NAME) + ["-f", os.path.join(self.out, "floor", "postgresql.sql")], None

    def scalar(self, sql):
        return subprocess.run(self.psql(DB_NAME) + ["-At", "-c", sql], check=True,
                              capture_output=True, text=True).stdout.strip()


class Mysql(Engine):
    def __init__(self, out, work, url):
        super().__init__("mysql", out, work)
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.user = u.hostname, str(u.port), u.username
        where = "%s@%s:%s/%s" % (self.user, self.host, self.port, DB_NAME)
        self.agent_url = "mysql://" + where
        self.alembic_url = "mysql+pymysql://" + where

    def client(self, *extra):
        return ["mariadb", "--no-defaults", "-h", self.host, "-P", self.port, "-u",
                self.user] + list(extra)

    def reset(self):
        subprocess.run(self.client("-e", "DROP DATABASE IF EXISTS %s; CREATE DATABASE %s"
                                   % (DB_NAME, DB_NAME)), check=True, capture_output=True)

    def floor(self):
        return self.client(DB_NAME), os.path.join(self.out, "floor", "mysql.sql")

    def scalar(self, sql):
        return subprocess.run(self.client("-N", "-B", DB_NAME, "-e", sql), check=True,
                              capture_output=True, text=True).stdout.strip()


def timed(argv, stdin_path=None, env=None):
    """(wall seconds, user+sys CPU seconds of the child); raises on a non-zero exit."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    errors = tempfile.TemporaryFile()
    try:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=errors,
                                 env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdin_path:
            stdin.close()
    if child.returncode != 0:
        errors.seek(0)
        raise SystemExit("%s failed (%d): %s" % (argv[0], child.returncode,
                                                 errors.read().decode()[-2000:]))
    return wall, usage.ru_utime + usage.ru_stime


def server_url(variable):
    url = os.environ.get(variable)
    if not url:
        raise SystemExit('%s is not set: eval "$(scripts/test-servers start)" first' % variable)
    return url


def contenders(engine, args):
    env = dict(os.environ, BENCH_ALEMBIC_URL=engine.alembic_url)
    for key in ("DATABASE_URL", "DATABASE_URL_FILE", "MIGRATIONS_DIR", "MIGRATION_AGENT_CONFIG",
                "AUTO_MIGRATE", "NOW_LMS_AUTO_MIGRATE"):
        env.pop(key, None)
    floor_argv, floor_stdin = engine.floor()
    return [
        ("agent", [args.agent, "--database-url", engine.agent_url, "--migrations-dir",
                   os.path.join(args.out, "sql"), "upgrade"], None, env),
        ("floor", floor_argv, floor_stdin, env),
        ("alembic", ["/usr/bin/python3", "-m", "alembic", "-c",
                     os.path.join(args.out, "alembic", "alembic.ini"), "upgrade", "heads"], None,
         env),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("agent")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engines", default="sqlite,postgresql,mysql")
    parser.add_argument("--only", default="agent,floor,alembic")
    parser.add_argument("--json")
    args = parser.parse_args()
    with open(os.path.join(args.out, "head")) as f:
        head = f.read().strip()
    revisions = len(os.listdir(os.path.join(args.out, "sql")))
    work = tempfile.mkdtemp(prefix="magent-bench-apply.")
    results = {"revisions": revisions, "runs": args.runs, "engines": {}}
    print("| engine | revisions | agent | floor (client) | Alembic | agent / floor | "
          "Alembic / agent | load before → after |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.engines.split(","):
        if name == "sqlite":
            engine = Sqlite(args.out, work)
        elif name == "postgresql":
            engine = Postgres(args.out, work, server_url("MAGENT_TEST_POSTGRES_URL"))
        else:
            engine = Mysql(args.out, work, server_url("MAGENT_TEST_MYSQL_URL"))
        chosen = [c for c in contenders(engine, args) if c[0] in args.only.split(",")]
        samples = {c[0]: [] for c in chosen}
        load_before = loadavg()
        for run in range(args.runs):
            for label, argv, stdin_path, env in chosen:
                engine.reset()
                wall, cpu = timed(argv, stdin_path, env)
                engine.check_version(head)
                samples[label].append({"wall": wall, "cpu": cpu})
                print("  %s run %d %-7s %.2f s wall, %.2f s CPU" % (name, run + 1, label, wall,
                                                                    cpu), file=sys.stderr)
        engine.reset()
        load_after = loadavg()
        med = {k: statistics.median(s["wall"] for s in v) for k, v in samples.items()}
        results["engines"][name] = {"samples": samples, "median_wall": med,
                                    "load_before": load_before, "load_after": load_after}

        def cell(label):
            return "%.2f s" % med[label] if label in med else "-"

        def ratio(a, b):
            return "%.2f×" % (med[a] / med[b]) if a in med and b in med else "-"

        print("| %s | %d | %s | %s | %s | %s | %s | %s → %s |" % (
            name, revisions, cell("agent"), cell("floor"), cell("alembic"),
            ratio("agent", "floor"), ratio("alembic", "agent"), load_before, load_after),
            flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
