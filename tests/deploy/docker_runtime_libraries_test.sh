#!/usr/bin/env bash
# deploy.docker_runtime_libraries: the runtime stage of docker/Dockerfile installs the
# Debian package of every shared library the built binaries need (readelf NEEDED -> the
# package dpkg says owns it on this Debian 12 build host), every package it lists exists,
# and its build stage runs the scripts the host uses. Usage: docker_runtime_libraries_test.sh DOCKERFILE BINARY...
set -euo pipefail
dockerfile=$1
shift

# The packages listed in the runtime stage's `apt-get install` (the last FROM onwards).
listed=$(awk '/^FROM /{stage=$0} stage ~ /debian:12-slim/' "$dockerfile" |
  sed -n '/apt-get install/,/&&[[:space:]]*rm -rf/p' |
  tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -v -E '^(apt-get|install|rm)$' | sort -u)
if [[ -z "$listed" ]]; then
  echo "FAIL: no apt-get install list found in the debian:12-slim stage of $dockerfile" >&2
  exit 1
fi

cache=$(ldconfig -p)
failed=0
for binary in "$@"; do
  for library in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    # The native-ABI copy (ldconfig also lists lib32 ones, which belong to other packages).
    path=$(awk -v l="$library" '$1 == l && /x86-64|AArch64/ && !found {print $NF; found=1}' <<<"$cache")
    [[ -z "$path" ]] && path=$(awk -v l="$library" '$1 == l && !found {print $NF; found=1}' <<<"$cache")
    owner=""
    for candidate in "$path" "$(readlink -f "$path")"; do
      [[ -n "$owner" || -z "$candidate" ]] && continue
      owner=$(dpkg -S "$candidate" 2>/dev/null | sed -n '1s/[:,].*//p' || true)
    done
    if [[ -z "$owner" ]]; then
      echo "FAIL: $(basename "$binary") needs $library (${path:-not found}), owned by no Debian package" >&2
      failed=1
    elif ! grep -qx "$owner" <<<"$listed"; then
      echo "FAIL: $(basename "$binary") needs $library from $owner, missing from the runtime stage of $dockerfile" >&2
      failed=1
    else
      echo "ok: $(basename "$binary"): $library <- $owner"
    fi
  done
done

# Every listed package exists in this machine's Debian 12 archive (apt's local cache).
# shellcheck disable=SC2086  # one call: apt-cache takes ~1 s to load its cache
known=$(apt-cache show --no-all-versions $listed 2>/dev/null | sed -n 's/^Package: //p' | sort -u || true)
for package in $listed; do
  if ! grep -qxF "$package" <<<"$known"; then
    echo "FAIL: the runtime stage installs $package, which apt-cache does not know" >&2
    failed=1
  fi
done

for script in "scripts/install-deps build" "scripts/build"; do
  if ! grep -q "RUN .*$script" "$dockerfile" && ! grep -q "RUN $script" "$dockerfile"; then
    echo "FAIL: the build stage of $dockerfile does not run $script" >&2
    failed=1
  fi
done
exit "$failed"
