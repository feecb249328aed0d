#!/usr/bin/env bash
# The benchmark (`npm run bench`, `deno task bench`): the library under Deno and Bun against the
# libmnl C loop, `ip -j` and pyroute2, in network namespaces of its own. See bench/bench.ts.
#
#   bash bench/run.sh [--quick] [--rounds N] [--only dump,whole,links,startup,scale,rss,…]
#
# Needs root: it creates namespaces named bench-<pid>-… (ip netns add), fills them with routes
# and veth pairs, and deletes them on exit, whatever happens (the host's namespace is never
# touched). Installs what it compares with when missing (libmnl-dev, python3-pyroute2, with
# apt-get), builds the C tools into bench/out/ (nl-dump and nl-monitor from
# ${NETLINK_PEERS:-../shared/peers}, nsrun and nl-latency from bench/c/), then runs
# bench/bench.ts, which writes bench/RESULTS.md and bench/out/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$repo/bench/out
peers=${NETLINK_PEERS:-$repo/../shared/peers}
DENO=${DENO:-$repo/node_modules/.bin/deno}
BUN=${BUN:-$repo/node_modules/.bin/bun}
PYTHON=${PYTHON:-/usr/bin/python3}

if [ "$(id -u)" != 0 ]; then
  echo "bench/run.sh: must run as root: it creates network namespaces (ip netns add) and fills" >&2
  echo "them with routes and links. Try: sudo npm run bench" >&2
  exit 1
fi
for b in "$DENO" "$BUN"; do
  [ -x "$b" ] || { echo "bench/run.sh: $b not found (run npm install)" >&2; exit 1; }
done
for f in nl-dump.c nl-monitor.c; do
  [ -f "$peers/$f" ] || { echo "bench/run.sh: $peers/$f not found (set NETLINK_PEERS)" >&2; exit 1; }
done

# --- what we compare with ----------------------------------------------------------------------
missing=()
[ -f /usr/include/libmnl/libmnl.h ] || missing+=(libmnl-dev)
"$PYTHON" -c 'import pyroute2' 2>/dev/null || missing+=(python3-pyroute2)
command -v gcc >/dev/null || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null ||
    { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
mkdir -p "$out"
build() { # build OUTPUT SOURCE [LIBS…]
  local o=$1 src=$2
  shift 2
  if [ ! -x "$out/$o" ] || [ "$src" -nt "$out/$o" ]; then gcc -O2 -Wall -o "$out/$o" "$src" "$@"; fi
}
build nl-dump "$peers/nl-dump.c" -lmnl
build nl-monitor "$peers/nl-monitor.c" -lmnl
build nl-latency bench/c/nl-latency.c -lmnl
build nsrun bench/c/nsrun.c

# --- namespaces: a prefix of our own, deleted on the way out ---------------------------------
prefix=bench-$$-
cleanup() {
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix" || true); do
    ip netns delete "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Namespaces a killed run left behind (their bench-<pid>- prefix names a dead process).
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^bench-[0-9]+-' || true); do
  pid=${ns#bench-}
  pid=${pid%%-*}
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "deleting $ns, left by an earlier run" >&2
    ip netns delete "$ns" 2>/dev/null || true
  fi
done

BENCH_PREFIX=$prefix BENCH_OUT=$out DENO=$DENO BUN=$BUN PYTHON=$PYTHON \
  NSRUN=$out/nsrun NL_DUMP=$out/nl-dump NL_MONITOR=$out/nl-monitor NL_LATENCY=$out/nl-latency \
  "$DENO" run -A bench/bench.ts "$@"
