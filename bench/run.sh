#!/usr/bin/env bash
# Route-dump benchmark (`npm run bench`): the library under Deno and Bun against the libmnl peer
# and `ip -j route show`, all inside one private network namespace filled with IPv4 routes.
#
#   ROUTES=100000 ROUNDS=15 ITERS=8 bash bench/run.sh
#
# Needs root (to create the namespace and fill it). Builds the libmnl peer from
# ${NETLINK_PEERS:-../shared/peers}/nl-dump.c into bench/out/ (installing libmnl-dev with apt-get
# when its header is missing), creates namespace bench-nl-$$, runs bench/route_dump.ts inside it,
# and always deletes the namespace on exit. The host's namespace is never touched.
# Results: a table on stdout and bench/out/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$repo/bench/out
peers=${NETLINK_PEERS:-$repo/../shared/peers}
export ROUTES=${ROUTES:-100000}
export ROUNDS=${ROUNDS:-15}
export ITERS=${ITERS:-8}
DENO=${DENO:-$repo/node_modules/.bin/deno}
BUN=${BUN:-$repo/node_modules/.bin/bun}

if [ "$(id -u)" != 0 ]; then
  echo "bench/run.sh: must run as root: it creates a network namespace (ip netns add) and fills" >&2
  echo "it with $ROUTES routes. Try: sudo npm run bench" >&2
  exit 1
fi
for n in ROUTES ROUNDS ITERS; do
  if ! [[ ${!n} =~ ^[0-9]+$ ]] || [ "${!n}" -lt 1 ]; then
    echo "bench/run.sh: $n must be a positive integer, got '${!n}'" >&2
    exit 2
  fi
done
if [ "$ROUTES" -gt 4000000 ]; then echo "bench/run.sh: ROUTES over 4000000" >&2; exit 2; fi
for b in "$DENO" "$BUN"; do
  [ -x "$b" ] || { echo "bench/run.sh: $b not found (run npm install)" >&2; exit 1; }
done
[ -f "$peers/nl-dump.c" ] || { echo "bench/run.sh: $peers/nl-dump.c not found (set NETLINK_PEERS)" >&2; exit 1; }

# --- the libmnl peer ---------------------------------------------------------------------------
if [ ! -f /usr/include/libmnl/libmnl.h ]; then
  echo "installing libmnl-dev ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q libmnl-dev >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q libmnl-dev >/dev/null; }
fi
mkdir -p "$out"
if [ ! -x "$out/nl-dump" ] || [ "$peers/nl-dump.c" -nt "$out/nl-dump" ]; then
  gcc -O2 -o "$out/nl-dump" "$peers/nl-dump.c" -lmnl
fi

# --- the namespace -----------------------------------------------------------------------------
ns=bench-nl-$$
tmp=$(mktemp -d)
cleanup() {
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "creating namespace $ns with $ROUTES routes ..." >&2
ip netns add "$ns"
ip -n "$ns" link set lo up
# No IPv6 in the namespace: nothing but our IPv4 routes to dump.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
cat >"$tmp/base.batch" <<'EOF'
link add bench0 type veth peer name bench0p
link set bench0 up
link set bench0p up
address add 198.18.0.1/24 dev bench0
EOF
ip -n "$ns" -batch "$tmp/base.batch"
# 10.a.b.c/32 via 198.18.0.2 (198.18.0.0/15: RFC 2544 benchmarking range), every 4th a blackhole.
awk -v n="$ROUTES" 'BEGIN {
  for (i = 0; i < n; i++) {
    a = int(i / 65536); b = int(i / 256) % 256; c = i % 256;
    if (i % 4 == 3) printf "route add blackhole 10.%d.%d.%d/32 proto static\n", a, b, c;
    else printf "route add 10.%d.%d.%d/32 via 198.18.0.2 dev bench0 metric 100 proto static\n", a, b, c;
  }
}' >"$tmp/routes.batch"
ip -n "$ns" -batch "$tmp/routes.batch"

# --- measure -----------------------------------------------------------------------------------
# The harness runs inside the namespace, so every tool it times is its direct child there
# (and `ip netns exec`'s own setup is not part of any tool's time).
ip netns exec "$ns" env NL_DUMP="$out/nl-dump" DENO="$DENO" BUN="$BUN" BENCH_OUT="$out" \
  "$DENO" run -A "$repo/bench/route_dump.ts"
