#!/usr/bin/env bash
# The whole test suite, under Deno and under Bun, inside a private network namespace (never the
# host's). Ends with one line: "N passed, N failed", summed over both runtimes.
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

passed=0
failed=0
count() { # $1 = passed, $2 = failed, $3 = label
  echo "== $3: $1 passed, $2 failed"
  passed=$((passed + $1))
  failed=$((failed + $2))
}

# 1. The codec with no permissions at all: it must not need FFI, files or the network.
deno test --no-prompt tests/codec_*.test.ts 2>&1 | tee "$out/deno-codec.txt"
line=$(grep -E '(ok|FAILED) \| [0-9]+ passed' "$out/deno-codec.txt" | tail -n 1)
p=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$line")
[ -n "$line" ] || { p=0; f=1; }
count "$p" "$f" "deno, codec without permissions"

# 2. Everything under Deno.
deno test -A --no-prompt "${files[@]}" 2>&1 | tee "$out/deno.txt"
line=$(grep -E '(ok|FAILED) \| [0-9]+ passed' "$out/deno.txt" | tail -n 1)
p=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$line")
[ -n "$line" ] || { p=0; f=1; }
count "$p" "$f" "deno"

# 3. Everything under Bun.
bun test --timeout 60000 "${files[@]}" 2>&1 | tee "$out/bun.txt"
p=$(grep -E '^ *[0-9]+ pass$' "$out/bun.txt" | tail -n 1 | tr -dc 0-9)
f=$(grep -E '^ *[0-9]+ fail$' "$out/bun.txt" | tail -n 1 | tr -dc 0-9)
[ -n "$p" ] || { p=0; f=1; }
count "$p" "${f:-0}" "bun"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
