#!/usr/bin/env bash
# deploy.systemd_unit: the unit passes `systemd-analyze verify` with nothing printed, and
# `systemd-analyze security --offline=true` rates its exposure at most 2.0.
# Usage: systemd_unit_test.sh UNIT_FILE AGENT_BINARY
# verify checks that ExecStart exists, so it runs on a copy whose /usr/bin/migration-agent
# is the binary just built (the package test verifies the installed unit the same way).
set -euo pipefail
unit=$1
agent=$2
max_exposure=2.0

work=$(mktemp -d "${TMPDIR:-/tmp}/magent-unit.XXXXXX")
trap 'rm -rf "$work"' EXIT
name=$(basename "$unit")
sed "s#/usr/bin/migration-agent#$agent#g" "$unit" >"$work/$name"

status=0
verify_output=$(systemd-analyze verify "$work/$name" 2>&1) || status=$?
if [[ $status -ne 0 || -n "$verify_output" ]]; then
  echo "FAIL: systemd-analyze verify $name (exit $status) printed:" >&2
  echo "$verify_output" >&2
  exit 1
fi
echo "ok: systemd-analyze verify $name: exit 0, no output"

security_output=$(systemd-analyze security --offline=true "$work/$name" 2>&1) || {
  echo "FAIL: systemd-analyze security --offline=true $name failed:" >&2
  echo "$security_output" >&2
  exit 1
}
overall=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$security_output")
if [[ -z "$overall" ]]; then
  echo "FAIL: no overall exposure level in systemd-analyze security output:" >&2
  echo "$security_output" >&2
  exit 1
fi
if awk -v e="$overall" -v m="$max_exposure" 'BEGIN { exit !(e > m) }'; then
  echo "FAIL: $name exposure $overall > $max_exposure; the settings that cost exposure:" >&2
  grep '✗' <<<"$security_output" >&2 || true
  exit 1
fi
echo "ok: $name exposure $overall <= $max_exposure ($(grep -c '✗' <<<"$security_output") settings cost exposure)"
