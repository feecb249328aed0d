// Lean start-up, checked on the module graph `deno info --json` reports (what a runtime loads
// before running a line): the package root statically loads no `node:` module (under Deno that
// loads its whole Node compatibility layer, tens of ms) and, of the generated families, only the
// route ones (the registry's `protocol: "route"` entries, with their decoders), the registry and
// nlctrl (the client resolves generic netlink families through it); `examples/ip.ts` loads its
// OBJECT modules only when a command names one (its static graph holds no printer but
// cli.ts and json.ts); and ROUTE_FAMILIES is exactly the registry's route families, so the
// narrower import in families/route cannot drift from the generator.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { FAMILIES } from "../families/generated/registry.ts";
import { ROUTE_FAMILIES } from "../families/route/rtnl.ts";

const ROOT = new URL("..", import.meta.url);
const NO_DENO = spawnSync("deno", ["--version"]).status === 0 ? false : "needs deno on PATH";

interface Module {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** The modules `entry` loads before it runs: its graph without dynamic and type-only imports. */
function staticGraph(entry: string): string[] {
  const r = spawnSync("deno", ["info", "--json", entry], {
    cwd: ROOT.pathname,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  const { modules, roots } = JSON.parse(r.stdout) as { modules: Module[]; roots: string[] };
  const bySpec = new Map(modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const walk = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of bySpec.get(s)?.dependencies ?? []) {
      if (d.code && !d.isDynamic) walk(d.code.specifier);
    }
  };
  walk(roots[0]);
  return [...seen].map((s) => s.replace(ROOT.href, ""));
}

const routeModules = Object.values(FAMILIES).filter((f) => f.protocol === "route").map((f) =>
  f.module
);

test("startup: the package root loads no node: module and no non-route generated family", {
  skip: NO_DENO,
}, () => {
  const graph = staticGraph("mod.ts");
  assert.ok(graph.includes("families/route/rtnl.ts"), "the graph was read");
  assert.deepEqual(graph.filter((s) => s.startsWith("node:")), []);
  const allowed = new Set([
    "registry.ts",
    "_route_generated.ts",
    "nlctrl.ts",
    "nlctrl_tables.js",
    "nlctrl_decode.js",
  ]);
  for (const m of routeModules) allowed.add(`${m}.ts`).add(`${m}_tables.js`).add(`${m}_decode.js`);
  const generated = graph.filter((s) => s.startsWith("families/generated/"))
    .map((s) => s.slice("families/generated/".length));
  assert.ok(generated.includes("rt_link.ts"));
  assert.deepEqual(generated.filter((g) => !allowed.has(g)), []);
});

test("startup: ip.ts imports an OBJECT's printer only when a command names it", {
  skip: NO_DENO,
}, () => {
  const graph = staticGraph("examples/ip.ts");
  assert.deepEqual(
    graph.filter((s) => s.startsWith("examples/ip/")).sort(),
    ["examples/ip/cli.ts", "examples/ip/json.ts"],
  );
  assert.deepEqual(graph.filter((s) => s.startsWith("node:") || s.includes("families/xfrm")), []);
});

test("startup: ROUTE_FAMILIES is the registry's route families", () => {
  const route = Object.entries(FAMILIES).filter(([, f]) => f.protocol === "route").map(([n]) => n);
  assert.ok(route.length >= 8);
  assert.deepEqual(ROUTE_FAMILIES.map((f) => f.name).sort(), route.sort());
});
