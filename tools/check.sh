#!/usr/bin/env bash
# `deno task check`: format, lint, type check (code and the examples in JSDoc and in README.md)
# and doc lint, all must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
deno fmt --check
deno lint
deno check mod.ts codec/ ffi/ socket/ client/ testing/ capture/ families/ examples/ tests/ tools/ bench/
# The ```ts blocks of every module's JSDoc (they import from "@netlink/netlink", mapped to this
# checkout by deno.json's "imports"), and the README's snippets, which are claims too.
deno check --doc mod.ts codec/ ffi/ socket/ client/ testing/ capture/ families/ examples/
# …and those examples import the package by name, as a user copying them from the package page
# would; only private modules (a leading underscore) may show relative imports.
relative=$(grep -rnE '^\s*\*\s*(import .*|}) from "\.\.?/' --include='*.ts' \
  mod.ts codec/ ffi/ socket/ client/ testing/ capture/ families/ examples/ | grep -v '/_[^/]*\.ts:' || true)
if [ -n "$relative" ]; then
  echo 'tools/check.sh: JSDoc examples must import from "@netlink/netlink…", not a path:' >&2
  echo "$relative" >&2
  exit 1
fi
deno check --doc-only README.md
# Doc lint from the package's entry points (deno.json "exports"), as JSR documents it: every
# exported symbol documented, no public symbol referring to a type users cannot reach.
deno run --allow-read --allow-run tools/doc_lint.ts
