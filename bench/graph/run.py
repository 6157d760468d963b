#!/usr/bin/python3
"""Graph scale: `heads`, `current` and `plan` on 10,000 / 100,000 revisions with merges.

For each directory made by generate.py (OUT/sql, and OUT/py for Alembic):
  heads    migration-agent --migrations-dir OUT/sql heads         (no database)
  current  ... --database-url sqlite:///AT_HEADS.db current       (database stamped at the heads)
  plan     ... --database-url sqlite:///EMPTY.db plan             (empty database: every
                                                                   revision is a step)
  alembic  /usr/bin/python3 -m alembic -c OUT/py/alembic.ini heads   (with --alembic)
Times are hyperfine's (--warmup 1, --runs N; median, mean ± σ, and the mean user+system CPU
time, which a loaded machine changes less than the wall time), peak RSS is the largest
"Maximum resident set size" of three /usr/bin/time -v runs. Prints a markdown table.

Usage: run.py AGENT OUT [OUT...] [--runs 10] [--alembic] [--json FILE]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def hyperfine(command, runs, export):
    subprocess.run(["hyperfine", "--style", "none", "--warmup", "1", "--runs", str(runs),
                    "--export-json", export, "--", command], check=True,
                   stdout=subprocess.DEVNULL)
    with open(export) as f:
        r = json.load(f)["results"][0]
    return {"median": r["median"], "mean": r["mean"], "stddev": r["stddev"] or 0.0,
            "min": r["min"], "max": r["max"], "cpu": r["user"] + r["system"]}


def peak_rss_mib(argv, times=3):
    peak = 0
    for _ in range(times):
        out = subprocess.run(["/usr/bin/time", "-v"] + argv, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            sys.exit("%s failed:\n%s" % (" ".join(argv), out.stderr[-2000:]))
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
        peak = max(peak, int(m.group(1)))
    return peak / 1024.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("agent")
    parser.add_argument("outs", nargs="+")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--alembic", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    print("load average before: %s" % open("/proc/loadavg").read().strip(), file=sys.stderr)
    agent = os.path.abspath(args.agent)
    work = tempfile.mkdtemp(prefix="magent-bench-graph.")
    env_clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("DATABASE_URL", "MIGRATION", "AUTO_MIGRATE", "NOW_LMS"))}
    os.environ.clear()
    os.environ.update(env_clean)
    results = []
    try:
        for out in args.outs:
            sql = os.path.abspath(os.path.join(out, "sql"))
            count = len(os.listdir(sql))
            empty = os.path.join(work, "empty-%d.db" % count)
            at_heads = os.path.join(work, "heads-%d.db" % count)
            base = [agent, "--migrations-dir", sql]
            subprocess.run(base + ["--database-url", "sqlite:///" + at_heads, "stamp", "heads"],
                           check=True, capture_output=True)
            # An empty file with the version table, so that plan reads a database at base.
            subprocess.run(base + ["--database-url", "sqlite:///" + empty, "stamp", "base"],
                           check=True, capture_output=True)
            cases = [("heads", base + ["heads"]),
                     ("current", base + ["--database-url", "sqlite:///" + at_heads, "current"]),
                     ("plan", base + ["--database-url", "sqlite:///" + empty, "plan"])]
            if args.alembic and os.path.isdir(os.path.join(out, "py")):
                cases.append(("alembic heads", ["/usr/bin/python3", "-m", "alembic", "-c",
                                                os.path.join(out, "py", "alembic.ini"), "heads"]))
            for label, argv in cases:
                runs = args.runs if not label.startswith("alembic") else min(args.runs, 3)
                timing = hyperfine(" ".join(argv), runs, os.path.join(work, "h.json"))
                rss = peak_rss_mib(argv, 1 if label.startswith("alembic") else 3)
                row = {"revisions": count, "command": label, "rss_mib": rss, **timing}
                results.append(row)
                print("  %s" % json.dumps(row), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| revisions | command | median | mean ± σ | min … max | CPU (user+sys) | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print("| %d | %s | %.1f ms | %.1f ± %.1f ms | %.1f … %.1f ms | %.1f ms | %.1f MiB |" % (
            r["revisions"], r["command"], r["median"] * 1000, r["mean"] * 1000,
            r["stddev"] * 1000, r["min"] * 1000, r["max"] * 1000, r["cpu"] * 1000,
            r["rss_mib"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
