// The JSR package as `deno publish` would upload it (a dry run: no network, no token): the
// library, its examples and its docs, nothing else (no tests, benchmarks, tools, specs, CI or
// npm files), every file of those folders (the Bun poller worker is loaded by URL, not import,
// so the module graph alone would miss it), and no warning. Each entry point of deno.json
// documents itself: an overview (`@module`) with an example that imports the package by name,
// or, for the example programs, the command that runs them from the package.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const PUBLISHED_FILES = ["LICENSE", "README.md", "deno.json", "mod.ts"];
const PUBLISHED_DIRS = [
  "capture",
  "client",
  "codec",
  "examples",
  "families",
  "ffi",
  "socket",
  "testing",
];
const proc = (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
  .process;

/** Every file under `dir` (relative to the checkout), skipping dot-files. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).filter((n) => !n.startsWith(".")).flatMap((n) => {
    const rel = `${dir}/${n}`;
    return statSync(join(ROOT, rel)).isDirectory() ? filesUnder(rel) : [rel];
  });
}

test(
  "package: deno publish --dry-run ships the library, examples and docs only, without warnings",
  {
    timeout: 180_000,
  },
  () => {
    const r = spawnSync("deno", ["publish", "--dry-run", "--allow-dirty"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...proc.env, NO_COLOR: "1" },
    });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out);
    assert.match(out, /Success Dry run complete/);
    assert.doesNotMatch(out, /warning/i);
    const files = [...out.matchAll(/^\s+file:\/\/(\S+) \([^)]*\)$/gm)].map((m) =>
      m[1].slice(ROOT.length)
    ).sort();
    assert.ok(files.length > 0, out);
    const excluded = files.filter((f) =>
      !PUBLISHED_FILES.includes(f) && !PUBLISHED_DIRS.some((d) => f.startsWith(`${d}/`))
    );
    assert.deepEqual(excluded, [], "published files outside the library, examples and docs");
    for (
      const f of ["package.json", "package-lock.json", ".ci/run", "tests/run.sh", "tools/check.sh"]
    ) {
      assert.ok(!files.includes(f), f);
    }
    const expected = [...PUBLISHED_FILES, ...PUBLISHED_DIRS.flatMap(filesUnder)].sort();
    assert.deepEqual(files, expected);
    assert.ok(files.includes("ffi/bun_poller_worker.ts"));
  },
);

test("package: every entry point has an overview and an example that uses the package by name", () => {
  const exports = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports as Record<
    string,
    string
  >;
  const missing: string[] = [];
  for (const [key, path] of Object.entries(exports)) {
    const text = readFileSync(join(ROOT, path), "utf8");
    // The module doc: the first JSDoc block, which must end with @module.
    const doc = /\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? "";
    const specifier = `@netlink/netlink${key === "." ? "" : key.slice(1)}`;
    if (!/@module\s*$/.test(doc)) missing.push(`${path}: no @module overview`);
    else if (doc.replace(/@module\s*$/, "").split("\n").filter((l) => /\w/.test(l)).length < 2) {
      missing.push(`${path}: overview too short`);
    } else if (key.startsWith("./examples/")) {
      if (!doc.includes(`jsr:${specifier}`)) {
        missing.push(`${path}: no \`deno run jsr:${specifier}\``);
      }
    } else if (!/```ts[\s\S]*?from "@netlink\/netlink[^"]*"[\s\S]*?```/.test(doc)) {
      missing.push(`${path}: no example importing "@netlink/netlink…"`);
    }
  }
  assert.deepEqual(missing, []);
});
