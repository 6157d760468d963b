#!/usr/bin/env python3
"""Deploy latency of `migration-agent run` on SQLite: a new revision file dropped into the
watched migrations directory -> the step committed.

The daemon runs with its defaults (debounce 300ms, poll_interval 10s, so only the directory
watcher can be what notices the file) and AUTO_MIGRATE on. Each run writes one revision the
way a deployment does (a temporary dotfile renamed into place), then waits for the daemon's
"upgrade rN ... applied" log line. The latency is that line's timestamp (taken by the daemon
right after the commit) minus the moment of the rename; "beyond the debounce" subtracts the
configured quiet time, which the daemon waits on purpose. The database's alembic_version is
read afterwards to confirm every run was applied.

Usage: bench/daemon/deploy_latency.py [--runs 20] [--agent build/agent/migration-agent]
Prints one line per run, then median / p90 / max.
"""
import argparse
import datetime
import math
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

DEBOUNCE_S = 0.300  # the daemon's default [daemon] debounce, stated in the config below


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def revision(n):
    down = "none" if n == 1 else f"r{n - 1}"
    return (f"-- revision: r{n}\n-- down_revision: {down}\n-- message: bench {n}\n\n"
            f"-- +upgrade\nCREATE TABLE bench_{n} (id INTEGER PRIMARY KEY, note VARCHAR(40));\n"
            f"-- +downgrade\nDROP TABLE bench_{n};\n")


def deploy(directory, n):
    """Writes revision n like a deployment (temp file + rename); returns the rename time."""
    final = os.path.join(directory, f"{n:04d}_r{n}.sql")
    temporary = os.path.join(directory, f".{n:04d}_r{n}.sql.tmp")
    with open(temporary, "w") as f:
        f.write(revision(n))
    now = time.time()
    os.rename(temporary, final)
    return now


LOG_LINE = re.compile(r"^(\S+)Z info upgrade r(\d+) \(")


def applied_at(log_path, n):
    """The wall time of the daemon's 'upgrade rN ... applied' line, or None."""
    with open(log_path) as f:
        for line in f:
            m = LOG_LINE.match(line)
            if m and int(m.group(2)) == n and "applied" in line:
                stamp = datetime.datetime.fromisoformat(m.group(1)).replace(
                    tzinfo=datetime.timezone.utc)
                return stamp.timestamp()
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--agent", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "../../build/agent/migration-agent"))
    parser.add_argument("--pause", type=float, default=0.5,
                        help="seconds between runs, so that each deploy is its own event")
    args = parser.parse_args()
    agent = os.path.abspath(args.agent)
    if not os.access(agent, os.X_OK):
        sys.exit(f"no agent binary at {agent}; build it first (scripts/build build)")

    work = tempfile.mkdtemp(prefix="magent-bench-")
    migrations = os.path.join(work, "migrations")
    os.mkdir(migrations)
    database = os.path.join(work, "bench.db")
    config = os.path.join(work, "agent.toml")
    with open(config, "w") as f:
        f.write(f'[database]\nurl = "sqlite:///{database}"\n'
                f'[migrations]\ndir = "{migrations}"\n'
                f'[apply]\nauto_migrate = true\n'
                f'[daemon]\ndebounce = "{int(DEBOUNCE_S * 1000)}ms"\npoll_interval = "10s"\n'
                f'[control]\nsocket = ""\n'
                f'[metrics]\nlisten = "127.0.0.1:{free_port()}"\n')
    log_path = os.path.join(work, "agent.log")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "MIGRATION", "AUTO_MIGRATE", "NOW_LMS"))}
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([agent, "--config", config, "run"], stderr=log,
                                  stdout=subprocess.DEVNULL, env=env)
    latencies = []
    try:
        deadline = time.time() + 10
        while "first check done" not in open(log_path).read():
            if time.time() > deadline or daemon.poll() is not None:
                sys.exit("the daemon did not start:\n" + open(log_path).read())
            time.sleep(0.02)
        for n in range(1, args.runs + 1):
            written = deploy(migrations, n)
            deadline = time.time() + 15
            while (done := applied_at(log_path, n)) is None:
                if time.time() > deadline:
                    sys.exit(f"r{n} not applied within 15 s:\n" + open(log_path).read())
                time.sleep(0.01)
            latency = done - written
            latencies.append(latency)
            print(f"run {n:2d}: {latency * 1000:7.1f} ms total, "
                  f"{(latency - DEBOUNCE_S) * 1000:7.1f} ms beyond the debounce")
            time.sleep(args.pause)
        with sqlite3.connect(database) as db:
            version = db.execute("SELECT version_num FROM alembic_version").fetchall()
        if version != [(f"r{args.runs}",)]:
            sys.exit(f"unexpected alembic_version {version}")
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    ordered = sorted(latencies)
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]  # nearest rank
    beyond = lambda x: (x - DEBOUNCE_S) * 1000  # noqa: E731
    print(f"runs {len(ordered)}, debounce {DEBOUNCE_S * 1000:.0f} ms; beyond the debounce: "
          f"median {beyond(statistics.median(ordered)):.1f} ms, p90 {beyond(p90):.1f} ms, "
          f"max {beyond(ordered[-1]):.1f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
