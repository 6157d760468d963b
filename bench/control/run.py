#!/usr/bin/env python3
"""Control-socket latency: `status` with 50 concurrent clients, idle and while a long
migration runs.

Starts `migration-agent run` (auto_migrate on, control socket in a temporary directory) on
SQLite, whose one pending revision is CPU-bound in the daemon's own process (a recursive CTE
filling a table, --rows rows, tens of seconds), or on PostgreSQL (--engine postgresql,
`SELECT pg_sleep(...)` in the revision; MAGENT_TEST_POSTGRES_URL from scripts/test-servers).
Then bench/control/status_load.cpp (compiled here with c++) runs three rounds:
  idle         before the long revision exists: 50 clients, one connection each
  migrating    while the step runs: 50 clients, one connection each
  reconnect    while the step runs: 50 clients, a new connection per request
Each client sends the next request as soon as the previous reply arrived (closed loop,
--think-ms between them). Every reply of the two migrating rounds must say
"migrating": true, else the step was too short: raise --rows.

Usage: bench/control/run.py [--agent build-release/agent/migration-agent] [--clients 50]
                            [--seconds 10] [--rows 60000000] [--engine sqlite|postgresql]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(path):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall(b'{"cmd":"status"}\n')
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


def write_revision(directory, name, rid, down, body):
    with open(os.path.join(directory, name + ".tmp"), "w") as f:
        f.write("-- revision: %s\n-- down_revision: %s\n-- message: control bench\n\n"
                "-- +upgrade\n%s;\n\n-- +downgrade\nDROP TABLE IF EXISTS slow_bench;\n"
                % (rid, down, body))
    os.rename(os.path.join(directory, name + ".tmp"), os.path.join(directory, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", default=os.path.join(HERE, "../../build-release/agent/"
                                                              "migration-agent"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--think-ms", type=int, default=0)
    parser.add_argument("--rows", type=int, default=60_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    agent = os.path.abspath(args.agent)
    if not os.access(agent, os.X_OK):
        sys.exit("no agent binary at %s; build it first" % agent)
    work = tempfile.mkdtemp(prefix="magent-bench-control.")
    load = os.path.join(work, "status_load")
    subprocess.run(["c++", "-O2", "-std=c++20", "-pthread", "-o", load,
                    os.path.join(HERE, "status_load.cpp")], check=True)
    migrations = os.path.join(work, "migrations")
    os.mkdir(migrations)
    sock = os.path.join(work, "control.sock")
    if args.engine == "sqlite":
        url = "sqlite:///" + os.path.join(work, "bench.db")
        slow = ("CREATE TABLE slow_bench AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                "SELECT x + 1 FROM c WHERE x < %d) SELECT x, printf('%%08d', x) AS y FROM c"
                % args.rows)
    else:
        base = os.environ.get("MAGENT_TEST_POSTGRES_URL")
        if not base:
            sys.exit('--engine postgresql needs MAGENT_TEST_POSTGRES_URL '
                     '(eval "$(scripts/test-servers start)")')
        u = urllib.parse.urlsplit(base)
        admin = ["psql", "-X", "-q", "-h", u.hostname, "-p", str(u.port), "-U", u.username]
        subprocess.run(admin + ["-d", "postgres", "-c", "DROP DATABASE IF EXISTS control_bench "
                                "WITH (FORCE)", "-c", "CREATE DATABASE control_bench"],
                       check=True, capture_output=True)
        url = "postgresql://%s@%s:%d/control_bench" % (u.username, u.hostname, u.port)
        slow = "SELECT pg_sleep(%d)" % (3 * args.seconds + 30)
    write_revision(migrations, "0001_r1.sql", "r1", "none",
                   "CREATE TABLE first_bench (id INTEGER PRIMARY KEY)")
    config = os.path.join(work, "agent.toml")
    with open(config, "w") as f:
        f.write('[database]\nurl = "%s"\n[migrations]\ndir = "%s"\n[apply]\n'
                'auto_migrate = true\n[daemon]\ndebounce = "100ms"\n[control]\nsocket = "%s"\n'
                '[metrics]\nlisten = "127.0.0.1:%d"\n' % (url, migrations, sock, free_port()))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "MIGRATION", "AUTO_MIGRATE", "NOW_LMS"))}
    log_path = os.path.join(work, "agent.log")
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([agent, "--config", config, "run"], stderr=log,
                                  stdout=subprocess.DEVNULL, env=env)
    rounds = []
    try:
        deadline = time.time() + 20
        while True:
            if daemon.poll() is not None or time.time() > deadline:
                sys.exit("the daemon did not reach r1:\n" + open(log_path).read())
            try:
                if status(sock).get("revisions") == ["r1"]:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)

        def run_load(label, *extra):
            out = subprocess.run([load, sock, "--clients", str(args.clients), "--seconds",
                                  str(args.seconds), "--think-ms", str(args.think_ms)]
                                 + list(extra), check=True, capture_output=True, text=True)
            result = json.loads(out.stdout)
            result["round"] = label
            rounds.append(result)
            print(json.dumps(result), flush=True)
            return result

        run_load("idle")
        write_revision(migrations, "0002_r2.sql", "r2", "r1", slow)
        deadline = time.time() + 20
        while not status(sock).get("migrating"):
            if time.time() > deadline:
                sys.exit("the long step did not start:\n" + open(log_path).read())
            time.sleep(0.02)
        for label, extra in (("migrating", ()), ("reconnect", ("--reconnect",))):
            result = run_load(label, *extra)
            if result["migrating_replies"] != result["requests"]:
                sys.exit("the step ended during the %s round; raise --rows" % label)
    finally:
        daemon.kill()
        daemon.wait(timeout=30)
        if args.engine == "postgresql":
            subprocess.run(admin + ["-d", "postgres", "-c", "DROP DATABASE IF EXISTS "
                                    "control_bench WITH (FORCE)"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print("| round | clients | requests | req/s | p50 | p90 | p99 | max |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rounds:
        print("| %s (%s) | %d | %d | %.0f | %.2f ms | %.2f ms | %.2f ms | %.2f ms |" % (
            r["round"], args.engine, r["clients"], r["requests"], r["per_second"], r["p50_ms"],
            r["p90_ms"], r["p99_ms"], r["max_ms"]))


if __name__ == "__main__":
    main()
