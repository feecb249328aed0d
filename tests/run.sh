#!/usr/bin/env bash
# The whole test suite, under Deno and under Bun, inside a private network namespace (never the
# host's). Ends with one line "N passed, N failed, N skipped" (tests/report.ts).
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" NO_COLOR=1

if [ -z "${NETLINK_TEST_NETNS:-}" ]; then
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
