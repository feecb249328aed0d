#!/usr/bin/env bash
# `npm run fuzz [-- [deno|bun] [--cases N] [--seed S] [--only REGEX] [--case I]]`: the decoder
# fuzzer (tools/fuzz.ts) under Deno, then Bun, or under the one named. Each prints
# "N cases, N failures" last; the exit status is 1 if either found a failure.
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" NO_COLOR=1
runtimes=(deno bun)
case "${1:-}" in deno | bun) runtimes=("$1") && shift ;; esac
rc=0
for r in "${runtimes[@]}"; do
  if [ "$r" = deno ]; then
    deno run --allow-read tools/fuzz.ts "$@" || rc=1
  else
    bun tools/fuzz.ts "$@" || rc=1
  fi
done
exit $rc
