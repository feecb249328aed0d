#!/usr/bin/env bash
# The whole test suite, under Deno and under Bun, inside a private network namespace (never the
# host's). Ends with one line "N passed, N failed, N skipped" (tests/report.ts).
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" NO_COLOR=1

if [ -z "${NETLINK_TEST_NETNS:-}" ]; then
  # Ground-truth tools the tests compare with (TOOL:PACKAGE): as root, install
  # what is missing before entering the namespace (which has no network). A test whose tool is
  # still missing declares a skip that names it.
  # apt-get, quietly; once more after refreshing the package lists if it fails.
  apt_quiet() { apt-get -qq "$@" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get -qq "$@" >/dev/null 2>&1; }; }
  missing=()
  for tool in ethtool:ethtool tshark:tshark conntrack:conntrack nft:nftables; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
  done
  if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "tests/run.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt_quiet install -y --no-install-recommends "${missing[@]}" ||
      echo "tests/run.sh: could not install ${missing[*]}; their tests will be skipped" >&2
  fi
  # auditctl, for the read-only audit tests, without installing auditd (its postinst would start
  # the daemon, which changes the host's audit state): unpacked from the packages.
  if ! command -v auditctl >/dev/null && [ -z "${AUDITCTL:-}" ] && command -v apt-get >/dev/null; then
    audit_dir="$PWD/node_modules/.cache/auditctl"
    if [ ! -x "$audit_dir/sbin/auditctl" ]; then
      rm -rf "$audit_dir"
      mkdir -p "$audit_dir" &&
        (cd "$audit_dir" && apt_quiet download auditd libauparse0 libaudit1 &&
          for deb in ./*.deb; do dpkg -x "$deb" .; done) ||
        echo "tests/run.sh: could not fetch auditctl; its tests will be skipped" >&2
    fi
    if [ -x "$audit_dir/sbin/auditctl" ]; then
      printf '#!/bin/sh\nLD_LIBRARY_PATH="%s/lib/x86_64-linux-gnu:%s/usr/lib/x86_64-linux-gnu" exec "%s/sbin/auditctl" "$@"\n' \
        "$audit_dir" "$audit_dir" "$audit_dir" >"$audit_dir/auditctl"
      chmod +x "$audit_dir/auditctl"
      export AUDITCTL="$audit_dir/auditctl"
    fi
  fi
  # A new network namespace, and a private mount namespace so `ip netns add` inside touches
  # nothing outside. As root, no user namespace: a few kernel features (standalone tc actions)
  # need the initial one. Otherwise a user namespace makes the suite runnable without root.
  if [ "$(id -u)" = 0 ] && unshare -nm true 2>/dev/null; then
    exec unshare -nm env NETLINK_TEST_NETNS=1 bash "$0" "$@"
  elif unshare -rnm true 2>/dev/null; then
    exec unshare -rnm env NETLINK_TEST_NETNS=1 bash "$0" "$@"
  fi
  echo "tests/run.sh: cannot create a private network namespace (needs user namespaces or root)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
ip link set lo up
# Named namespaces (`ip netns add`) live in a tmpfs private to this mount namespace.
mount --make-rprivate / 2>/dev/null
if [ -d /run/netns ]; then mount -t tmpfs netns-tmpfs /run/netns 2>/dev/null
else mount -t tmpfs run-tmpfs /run 2>/dev/null && mkdir -p /run/netns; fi
if [ "$(stat -f -c %T /run/netns 2>/dev/null)" != tmpfs ]; then
  echo "tests/run.sh: could not give /run/netns a private tmpfs; refusing to run" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Every file in tests/ that ends in .test.ts declares its tests through tests/harness.ts: no
# `node:test` import (Deno's shim swallows errors outside tests), no skip returned from a test.
bad=$(grep -lE 'from "node:test"|\bt\.skip\(' tests/*.test.ts)
if [ -n "$bad" ]; then
  echo "tests/run.sh: declare tests through tests/harness.ts (no node:test, no t.skip):" $bad >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# Each runner writes a JUnit report, its exit status and its declared skips (tests/harness.ts).
run() { # $1 = label, then the command
  local label=$1; shift
  NETLINK_TEST_SKIPS="$out/$label.skips" "$@" 2>&1
  echo $? >"$out/$label.rc"
}

# 1. The codec and the fake-kernel tests with no permissions at all: they must not need FFI,
#    files or the network. This pass checks; its tests are counted once, in the Deno pass below.
run verify-deno-codec-no-permissions deno test --no-prompt \
  --junit-path="$out/verify-deno-codec-no-permissions.xml" tests/codec_*.test.ts tests/fake_*.test.ts
# 2. Everything under Deno, 3. everything under Bun.
run deno deno test -A --no-prompt --junit-path="$out/deno.xml" "${files[@]}"
run bun bun test --timeout 120000 --reporter=junit --reporter-outfile="$out/bun.xml" "${files[@]}"

deno run --allow-read tests/report.ts "$out" deno bun
