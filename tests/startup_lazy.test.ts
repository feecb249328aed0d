// Lean start-up, checked at run time: importing the package root, or every generated family,
// builds no family's tables (a generated family builds them on first read: its module's
// `export const family = lazyFamily(head, () => ({…}))` in `<family>_tables.js`); the first use
// of an operation builds its family's tables and no other's; and a family taken by name before
// its tables exist behaves as one defined from the same tables, errors included.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runtimeCommand } from "./helpers.ts";
import { lazyFamily } from "../codec/ynl/family.ts";
import {
  AttributeWriter,
  decodeAttributeSet,
  defineFamily,
  type FamilySpec,
} from "../codec/mod.ts";

const ROOT = new URL("..", import.meta.url);

/**
 * In a fresh process: import `entries`, run `then` (code), and return the names of the
 * generated families whose tables are built (a spec whose `operations` is still a getter is not).
 */
function builtAfter(entries: string[], then = ""): string[] {
  const imports = entries.map((e) => `await import(${JSON.stringify(new URL(e, ROOT).href)});`);
  const code = `${imports.join("\n")}
const all = await import(${JSON.stringify(new URL("families/generated/mod.ts", ROOT).href)});
${then}
const built = Object.values(all).filter((ns) =>
  Object.getOwnPropertyDescriptor(ns.family.spec, "operations")?.get === undefined
).map((ns) => ns.family.name);
console.log(JSON.stringify(built));`;
  const rt = runtimeCommand();
  const argv = rt.name === "deno" ? ["deno", "eval", code] : ["bun", "-e", code];
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT.pathname, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as string[];
}

test("startup: importing the package root and every generated family builds no table", () => {
  assert.deepEqual(builtAfter(["mod.ts"]), []);
});

test("startup: the first use of an operation builds its family's tables and no other's", () => {
  const built = builtAfter(
    ["mod.ts"],
    "if (all.rtLink.operations.getlink.requestValue !== 18) throw new Error('RTM_GETLINK');",
  );
  assert.deepEqual(built, ["rt-link"]);
});

const SPEC: FamilySpec = {
  name: "demo",
  protocol: "netlink-raw",
  protonum: 0,
  structs: { hdr: [{ name: "family", type: "u8" }, { name: "pad", type: "pad", len: 3 }] },
  attributeSets: { a: [{ name: "mtu", value: 4, type: "u32" }] },
  operations: { get: { name: "get", requestValue: 30, replyValue: 28, attributeSet: "a" } },
};

test("startup: a lazily built family reads as one defined from the same tables", () => {
  let loads = 0;
  const lazy = lazyFamily({ name: "demo", protocol: "netlink-raw", protonum: 0 }, () => {
    loads++;
    return SPEC;
  });
  // Name, protocol and handles come without building anything.
  const set = lazy.attributeSet<{ mtu?: number }>("a");
  const op = lazy.operation("get");
  const hdr = lazy.struct("hdr");
  assert.equal(lazy.name, "demo");
  assert.equal(lazy.isGenetlink, false);
  assert.equal(lazy.spec.protonum, 0);
  assert.equal(loads, 0);
  // The first read builds the tables, once.
  const bytes = new AttributeWriter().u32(4, 1500).bytes();
  assert.deepEqual(
    set.decode(bytes),
    decodeAttributeSet(defineFamily(SPEC).attributeSet("a"), bytes),
  );
  assert.equal(op.replyValue, 28);
  assert.equal(hdr.size, 4);
  assert.equal(lazy.operationFor(28), op);
  assert.equal(loads, 1);
  assert.deepEqual(Object.keys(lazy.spec.attributeSets), ["a"]);
});

test("startup: a name a lazy family lacks fails on first use, as defineFamily's fails at once", () => {
  const lazy = lazyFamily({ name: "demo", protocol: "netlink-raw" }, () => SPEC);
  const missing = lazy.struct("nope");
  assert.throws(() => missing.size, { name: "TypeError", message: /no struct "nope"/ });
  assert.throws(() => lazy.operation("nope").spec, /no operation "nope"/);
  assert.throws(() => defineFamily(SPEC).struct("nope"), /no struct "nope"/);
  // Once built, the family checks names at once, as defineFamily's does.
  assert.throws(() => lazy.attributeSet("nope"), /no attribute set "nope"/);
});
