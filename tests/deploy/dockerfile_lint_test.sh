#!/usr/bin/env bash
# deploy.dockerfile_lint: dockerfile-utils (installed by scripts/install-tools into
# BUILD_DIR/tools) finds nothing to say about the Dockerfiles: any warning fails.
# Usage: dockerfile_lint_test.sh BUILD_DIR DOCKERFILE... Without the linter: a failure under
# CI=true, otherwise exit 77 (ctest: skipped) with the command that installs it.
set -euo pipefail
build_dir=$1
shift
linter="$build_dir/tools/node_modules/.bin/dockerfile-utils"
if [[ ! -x "$linter" ]]; then
  message="dockerfile-utils is not installed in $build_dir/tools (run scripts/install-tools $build_dir; it needs npm and the npm registry)"
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL: $message" >&2
    exit 1
  fi
  echo "SKIP: $message" >&2
  exit 77
fi

failed=0
for dockerfile in "$@"; do
  status=0
  output=$("$linter" lint "$dockerfile" 2>&1) || status=$?
  if [[ $status -ne 0 || -n "$output" ]]; then
    echo "FAIL: dockerfile-utils lint $dockerfile (exit $status):" >&2
    echo "$output" >&2
    failed=1
  else
    echo "ok: dockerfile-utils lint $dockerfile: nothing to report"
  fi
done
exit "$failed"
