"""Differential test: the C++ planner (planner_probe) against Alembic 1.8.1 itself.

Generates random revision graphs (branches, merges, depends_on, branch labels, several
bases), reachable database states and identifiers of every form Alembic accepts, asks both
for upgrade / downgrade / stamp / resolve / heads, and compares:
  - success or failure, and the error text (ours may add detail after Alembic's words);
  - the sequence of steps (revision and direction);
  - the alembic_version rows after every step (Alembic picks some rows from Python sets,
    so the rows, not the order of DELETE/UPDATE within a step, are compared).
Usage: /usr/bin/python3 differential_test.py PROBE [--cases N] [--seed S]
"""

import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402


def random_id(rng, taken):
    while True:
        if rng.random() < 0.3 and taken:
            # share a prefix with an existing id, so partial ids can be ambiguous
            base = rng.choice(sorted(taken))[:rng.randint(2, 5)]
            rid = base + "".join(rng.choice("0123456789abcdef") for _ in range(rng.randint(2, 6)))
        else:
            rid = "".join(rng.choice("0123456789abcdef") for _ in range(rng.randint(4, 10)))
        if rid not in taken:
            taken.add(rid)
            return rid


def random_graph(rng):
    revisions, taken, heads, labels = [], set(), [], 0
    for i in range(rng.randint(1, 14 if rng.random() < 0.8 else 40)):
        rid = random_id(rng, taken)
        r = {"id": rid}
        roll = rng.random()
        if i > 0 and roll < 0.72:
            pool = heads if heads and rng.random() < 0.7 else [x["id"] for x in revisions]
            r["down"] = [rng.choice(pool)]
        elif i > 1 and roll < 0.9 and len(heads) >= 2:
            r["down"] = rng.sample(heads, 2)
        if revisions and rng.random() < 0.12:
            dep = rng.choice(revisions)
            if dep["id"] not in r.get("down", []):
                r["deps"] = [dep.get("labels", [dep["id"]])[0] if rng.random() < 0.3 else dep["id"]]
        if rng.random() < 0.15:
            r["labels"] = ["lbl%d" % labels]
            labels += 1
        for d in r.get("down", []):
            if d in heads:
                heads.remove(d)
        heads.append(rid)
        revisions.append(r)
    rng.shuffle(revisions) if rng.random() < 0.2 else None
    return revisions


def identifiers(rng, revisions):
    ids = [r["id"] for r in revisions]
    labels = [lab for r in revisions for lab in r.get("labels", [])]
    pick = rng.choice(ids)
    forms = [pick, pick[:4], pick[:2], "head", "heads", "base", "+1", "+2", "-1", "-2",
             pick + "+1", pick + "-1", "zzzz9", pick[:5]]
    if labels:
        lab = rng.choice(labels)
        forms += [lab, lab + "@head", lab + "@heads", lab + "@base", lab + "@+1", lab + "@-1",
                  lab + "@" + pick, lab + "@" + pick[:4]]
    return rng.choice(forms)


def reachable_state(rng, revisions):
    """Rows a database could hold: Alembic's upgrades from base to one or two targets."""
    current = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        target = rng.choice([r["id"] for r in revisions] + ["heads"])
        answer = oracle.run_case({"revisions": revisions, "command": "upgrade",
                                  "current": current, "target": target})
        if answer["ok"]:
            current = answer["heads_after"]
    return current


def make_case(rng):
    revisions = random_graph(rng)
    command = rng.choice(["upgrade", "upgrade", "downgrade", "downgrade", "stamp", "resolve",
                          "heads"])
    case = {"revisions": revisions, "command": command,
            "current": reachable_state(rng, revisions)}
    if command == "stamp":
        case["targets"] = [identifiers(rng, revisions) for _ in range(rng.choice([1, 1, 2]))]
        case["purge"] = rng.random() < 0.2
    else:
        case["target"] = identifiers(rng, revisions)
    return case


def rows_after_each(steps, current):
    rows, out = set(current), []
    for s in steps:
        for op in s["ops"]:
            if op[0] == "insert":
                rows.add(op[1])
            elif op[0] == "delete":
                rows.discard(op[1])
            else:
                rows.discard(op[1])
                rows.add(op[2])
        out.append(sorted(rows))
    return out


def compare(case, ours, theirs):
    if theirs["ok"] != ours["ok"]:
        if not theirs["ok"] and theirs.get("kind") not in ("CommandError", "RevisionError",
                                                          "ResolutionError", "MultipleHeads",
                                                          "RangeNotAncestorError"):
            return None  # Alembic crashed (assert/KeyError); any clear error from us is fine
        return "ok differs"
    if not theirs["ok"]:
        if theirs.get("kind") not in ("CommandError", "RevisionError", "ResolutionError",
                                      "MultipleHeads", "RangeNotAncestorError"):
            return None
        row_mismatch = "Online migration expected to match one row"
        if ours["error"].startswith(row_mismatch) and theirs["error"].startswith(row_mismatch):
            return None  # both refuse; which row Alembic trips on depends on set order
        if not ours["error"].startswith(theirs["error"]):
            return "error text differs"
        return None
    if case["command"] == "heads":
        if sorted(ours["heads"]) != sorted(theirs["heads"]):
            return "heads differ"
        if sorted(ours["real_heads"]) != sorted(theirs["real_heads"]):
            return "real heads differ"
        if ours["labels"] != theirs["labels"]:
            return "branch labels differ"
        return None
    if case["command"] == "resolve":
        return None if sorted(ours["ids"]) == sorted(theirs["ids"]) else "resolved ids differ"
    ours_seq = [(s["revision"], s["direction"]) for s in ours["steps"]]
    theirs_seq = [(s["revision"], s["direction"]) for s in theirs["steps"]]
    if ours_seq != theirs_seq:
        return "step sequence differs"
    ours_rows = rows_after_each(ours["steps"], case["current"])
    if ours_rows != [s["rows_after"] for s in theirs["steps"]]:
        return "rows after a step differ"
    if sorted(ours["heads_after"]) != theirs["heads_after"]:
        return "final rows differ"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("probe")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = [make_case(rng) for _ in range(args.cases)]
    expected = [oracle.run_case(c) for c in cases]
    probe = subprocess.run([args.probe], input="".join(json.dumps(c) + "\n" for c in cases),
                           capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in probe.stdout.splitlines()]
    assert len(answers) == len(cases), "probe answered %d of %d" % (len(answers), len(cases))
    failures = 0
    kinds = {}
    for case, ours, theirs in zip(cases, answers, expected):
        problem = compare(case, ours, theirs)
        ok, total = kinds.get(case["command"], (0, 0))
        kinds[case["command"]] = (ok + (1 if theirs["ok"] else 0), total + 1)
        if problem:
            failures += 1
            if failures <= 8:
                print("MISMATCH (%s)\n case:   %s\n ours:   %s\n alembic: %s\n" % (
                    problem, json.dumps(case), json.dumps(ours), json.dumps(theirs)))
    agreed_errors = sum(1 for t in expected if not t["ok"])
    print("%d cases (succeeded/total: %s), %d where Alembic refuses; %d mismatches" % (
        len(cases), ", ".join("%s %d/%d" % (k, v[0], v[1]) for k, v in sorted(kinds.items())),
        agreed_errors, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
