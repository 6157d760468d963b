#!/usr/bin/env bash
# Idle cost of `migration-agent run`: resident memory and CPU time of a daemon that has
# nothing to do, with the default poll interval (10s), debounce and rescan interval.
#
#   bench/daemon/idle.sh [SECONDS] [DATABASE_URL]
#
# SECONDS defaults to 60. DATABASE_URL defaults to a fresh SQLite file; any URL works (a
# PostgreSQL or MariaDB database the agent may migrate). The shipped migrations/ are applied
# first (AUTO_MIGRATE on), then the daemon idles: VmRSS / VmHWM from /proc/PID/status and
# utime+stime from /proc/PID/stat are read at the start and the end of the window.
# MAGENT_AGENT overrides the binary (default build/agent/migration-agent).
#
# Per-poll cost of a large directory: MAGENT_IDLE_MIGRATIONS=DIR watches DIR (not copied)
# with AUTO_MIGRATE off, so every poll scans it and finds its revisions pending, and
# MAGENT_IDLE_POLL sets the poll interval (default 10s), e.g.
#   MAGENT_IDLE_MIGRATIONS=/tmp/bench/g10k/sql MAGENT_IDLE_POLL=1s bench/daemon/idle.sh 60
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-60}
agent=${MAGENT_AGENT:-$root/build/agent/migration-agent}
[[ -x "$agent" ]] || { echo "idle: no agent at $agent (scripts/build build)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/magent-idle.XXXXXX")
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT
migrations=$work/migrations
auto_migrate=true
if [[ -n "${MAGENT_IDLE_MIGRATIONS:-}" ]]; then
  migrations=$(realpath "$MAGENT_IDLE_MIGRATIONS")
  auto_migrate=false
else
  cp -r "$root/migrations" "$migrations"
fi
url=${2:-sqlite:///$work/idle.db}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/agent.toml" <<TOML
[database]
url = "$url"
[migrations]
dir = "$migrations"
[apply]
auto_migrate = $auto_migrate
[daemon]
poll_interval = "${MAGENT_IDLE_POLL:-10s}"
[control]
socket = ""
[metrics]
listen = "127.0.0.1:$port"
TOML

env -u DATABASE_URL -u MIGRATIONS_DIR -u AUTO_MIGRATE -u NOW_LMS_AUTO_MIGRATE \
  -u MIGRATION_AGENT_CONFIG -u NOTIFY_SOCKET "$agent" --config "$work/agent.toml" run \
  2>"$work/agent.log" &
pid=$!
for _ in $(seq 1 200); do
  grep -q "first check done" "$work/agent.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/agent.log" >&2; exit 1; }
  sleep 0.05
done
grep -q "first check done" "$work/agent.log" || { echo "idle: no first check" >&2; exit 1; }
sleep 2  # let the first check's allocations and the metrics endpoint settle

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }  # utime+stime
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$pid/status"; }

rss_start=$(kib VmRSS)
cpu_start=$(cpu_ticks)
t_start=$(date +%s.%N)
sleep "$seconds"
cpu_end=$(cpu_ticks)
t_end=$(date +%s.%N)
rss_end=$(kib VmRSS)
hwm=$(kib VmHWM)
anon=$(kib RssAnon)
file=$(kib RssFile)
pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup")
threads=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")

awk -v c0="$cpu_start" -v c1="$cpu_end" -v hz="$ticks" -v t0="$t_start" -v t1="$t_end" \
    -v r0="$rss_start" -v r1="$rss_end" -v hwm="$hwm" -v th="$threads" -v url="${url%%://*}" \
    -v anon="$anon" -v file="$file" -v pss="$pss" '
  BEGIN {
    cpu = (c1 - c0) / hz; wall = t1 - t0
    printf "idle %s daemon over %.1f s: CPU %.2f s (%.3f%% of one core); ", url, wall, cpu, 100 * cpu / wall
    printf "VmRSS %.1f MiB at the start, %.1f MiB at the end, peak %.1f MiB ", r0 / 1024, r1 / 1024, hwm / 1024
    printf "(anonymous %.1f MiB, shared-library and other file pages %.1f MiB; PSS %.1f MiB); %d threads\n", anon / 1024, file / 1024, pss / 1024, th
  }'
