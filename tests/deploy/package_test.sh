#!/usr/bin/env bash
# deploy.package: `cpack -G DEB` from the build tree into a temporary directory, then the
# package's metadata, its file list and its installed programs, from a scratch root
# (dpkg-deb -x; nothing is installed on this machine).
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/magent-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  failed=1
}

# --- build the package ------------------------------------------------------------------
if ! cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1; then
  echo "FAIL: cpack -G DEB failed:" >&2
  tail -n 30 "$work/cpack.log" >&2
  exit 1
fi
debs=("$work"/out/*.deb)
[[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || {
  echo "FAIL: expected one .deb in $work/out, found: ${debs[*]}" >&2
  exit 1
}
deb=${debs[0]}
ok "cpack built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# --- metadata ---------------------------------------------------------------------------
info=$(dpkg-deb -I "$deb")
field() { dpkg-deb -f "$deb" "$1"; }
[[ "$(field Package)" == "migration-agent" ]] && ok "Package: migration-agent" || fail "Package is '$(field Package)'"
[[ "$(field Architecture)" == "$(dpkg --print-architecture)" ]] && ok "Architecture: $(field Architecture)" ||
  fail "Architecture is '$(field Architecture)'"
[[ -n "$(field Maintainer)" ]] && ok "Maintainer: $(field Maintainer)" || fail "no Maintainer"
[[ -n "$(field Description)" ]] && ok "Description present" || fail "no Description"
depends=$(field Depends)
echo "    Depends: $depends"
# The package owning every shared library the binaries need (or a virtual package it
# provides, as libspdlog1.10 provides libspdlog1.10-fmt9) must be in Depends.
depends_names=$(sed 's/([^)]*)//g; s/|/,/g' <<<"$depends" | tr ',' '\n' | tr -d ' ' | sort -u)
cache=$(ldconfig -p)
binaries=("$build_dir/agent/migration-agent")
[[ -x "$build_dir/agent/migrationctl" ]] && binaries+=("$build_dir/agent/migrationctl")
owners=$(for binary in "${binaries[@]}"; do
  for library in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(awk -v l="$library" '$1 == l && /x86-64|AArch64/ && !found {print $NF; found=1}' <<<"$cache")
    dpkg -S "$path" 2>/dev/null | sed -n '1s/[:,].*//p' || dpkg -S "$(readlink -f "$path")" | sed -n '1s/[:,].*//p'
  done
done | sort -u)
for package in $owners; do
  provided=$(dpkg-query -W -f='${Provides}' "$package" 2>/dev/null | sed 's/([^)]*)//g' | tr ',' '\n' | tr -d ' ')
  if grep -qxF "$package" <<<"$depends_names"; then
    ok "Depends on $package"
  elif [[ -n "$provided" ]] && grep -qxF -f <(echo "$provided") <<<"$depends_names"; then
    ok "Depends on $package (as $(grep -xF -f <(echo "$provided") <<<"$depends_names" | head -n 1))"
  else
    fail "Depends lacks $package"
  fi
done
grep -Eq -- '-dev( |,|$)' <<<"$depends" && fail "Depends names a -dev package" || ok "no -dev package in Depends"

mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  [[ -x "$work/control/$script" ]] && sh -n "$work/control/$script" && ok "$script is an executable shell script" ||
    fail "$script missing, not executable or not valid sh"
done
expected_conffiles=$'/etc/migration-agent/migration-agent.toml\n/etc/migration-agent/migration-agent.env'
[[ "$(sort "$work/control/conffiles" 2>/dev/null)" == "$(sort <<<"$expected_conffiles")" ]] &&
  ok "conffiles: the TOML file and the environment file" || fail "conffiles: $(cat "$work/control/conffiles" 2>/dev/null)"
grep -q "systemd-sysusers migration-agent.conf" "$work/control/postinst" && ok "postinst creates the system user" ||
  fail "postinst does not create the system user"

# --- file list --------------------------------------------------------------------------
listing=$(dpkg-deb -c "$deb")
has() { grep -Eq "[[:space:]]\./$1\$" <<<"$listing"; }
for path in usr/bin/migration-agent \
  usr/lib/systemd/system/migration-agent.service \
  usr/lib/sysusers.d/migration-agent.conf \
  etc/migration-agent/migration-agent.toml \
  etc/migration-agent/migration-agent.env \
  usr/share/doc/migration-agent/README.md \
  usr/share/doc/migration-agent/operations.md \
  usr/share/doc/migration-agent/configuration.md \
  usr/share/doc/migration-agent/examples/migration-agent.env.example \
  usr/share/doc/migration-agent/examples/migrations/20260101_000000_create_usuario.sql \
  usr/share/doc/migration-agent/examples/docker/compose.yaml \
  usr/share/doc/migration-agent/examples/kubernetes/migration-agent-sidecar.yaml \
  usr/share/migration-agent/prometheus/alerts.yml; do
  has "$path" && ok "contains /$path" || fail "does not contain /$path"
done
if [[ -x "$build_dir/agent/migrationctl" ]]; then
  has usr/bin/migrationctl && ok "contains /usr/bin/migrationctl" || fail "does not contain /usr/bin/migrationctl"
fi
grep -Eq '^-rw-------.*\./etc/migration-agent/migration-agent\.env$' <<<"$listing" &&
  ok "the environment file is mode 0600" || fail "the environment file is not mode 0600"
grep -Eq '[[:space:]]\./usr/(local|etc)/' <<<"$listing" && fail "files under /usr/local or /usr/etc" ||
  ok "nothing under /usr/local or /usr/etc"
grep -Eq '[[:space:]]\./(opt|home|root|tmp|var)/' <<<"$listing" && fail "files outside /usr and /etc" ||
  ok "only /usr and /etc"

# --- the installed files work -------------------------------------------------------------
root="$work/root"
dpkg-deb -x "$deb" "$root"
agent="$root/usr/bin/migration-agent"
version=$("$agent" --version 2>&1) && [[ "$version" == "migration-agent $(field Version | sed 's/-.*//')" ]] &&
  ok "installed binary: $version" || fail "installed migration-agent --version: '$version' (package $(field Version))"
examples="$root/usr/share/doc/migration-agent/examples/migrations"
heads=$("$agent" --config "$root/etc/migration-agent/migration-agent.toml" --migrations-dir "$examples" heads 2>&1) &&
  [[ "$heads" == "$("$build_dir/agent/migration-agent" --migrations-dir "$source_dir/migrations" heads)" ]] &&
  ok "installed binary, installed config, installed examples: heads = $heads" ||
  fail "installed migration-agent heads: $heads"

# The installed unit (prefix-substituted at install time) verifies cleanly, pointed at the
# extracted binary.
unit="$root/usr/lib/systemd/system/migration-agent.service"
grep -q '^ExecStart=/usr/bin/migration-agent --config /etc/migration-agent/migration-agent.toml run$' "$unit" &&
  ok "installed unit runs /usr/bin/migration-agent with /etc/migration-agent/migration-agent.toml" ||
  fail "installed unit ExecStart: $(grep ^ExecStart "$unit")"
mkdir "$work/unit"
sed "s#/usr/bin/migration-agent#$agent#" "$unit" >"$work/unit/migration-agent.service"
verify=$(systemd-analyze verify "$work/unit/migration-agent.service" 2>&1) && [[ -z "$verify" ]] &&
  ok "installed unit: systemd-analyze verify is silent" || fail "installed unit: systemd-analyze verify: $verify"

# The sysusers.d snippet creates the user and group in a scratch root.
mkdir -p "$work/sysroot/etc"
if systemd-sysusers --root="$work/sysroot" "$root/usr/lib/sysusers.d/migration-agent.conf" >/dev/null 2>&1 &&
  grep -q '^migration-agent:x:[0-9]*:[0-9]*:migration-agent daemon:/var/lib/migration-agent:/usr/sbin/nologin$' \
    "$work/sysroot/etc/passwd" && grep -q '^migration-agent:x:' "$work/sysroot/etc/group"; then
  ok "sysusers.d creates user and group migration-agent"
else
  fail "sysusers.d snippet: $(cat "$work/sysroot/etc/passwd" 2>/dev/null)"
fi

exit "$failed"
