#!/usr/bin/env bash
# `deno task check`: format, lint, type check and doc lint, all must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
deno fmt --check
deno lint
deno check mod.ts codec/ ffi/ socket/ families/ examples/ tests/ tools/ bench/
deno doc --lint mod.ts codec/mod.ts
