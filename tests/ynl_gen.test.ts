// The YNL generator (tools/ynl): the committed families/generated/ (modules, index, registry)
// and deno.json's family subpaths are exactly what it makes from specs/ alone; overlays need a
// citation for every change and merge by name; specs are validated against the YNL schemas;
// numbering follows nlspec.py; the link-kind overlay (applied) agrees with the kernel and `ip -j`.
// Needs file and subprocess access (deno test -A); the kernel tests run in tests/run.sh's netns.
import { lacksConfig, test } from "./harness.ts";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import process from "node:process";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import YAML from "yaml";
import { DECODER_FAMILIES, generate, ROOT } from "../tools/ynl/generate.ts";
import { SpecsFolder } from "../tools/ynl/load.ts";
import {
  applyOverlay,
  checkLocalCitations,
  citationProblem,
  stripCitations,
} from "../tools/ynl/overlay.ts";
import { SchemaSet } from "../tools/ynl/validate.ts";
import { type FamilyIR, resolveFamily } from "../tools/ynl/resolve.ts";
import { constParts, emitModule, emitTables, familyTable } from "../tools/ynl/emit_module.ts";
import { apiModule, rawProtocolName } from "../tools/ynl/reach.ts";
import type { LoadedSpec, Spec } from "../tools/ynl/model.ts";
import {
  buildMessage,
  camelCase,
  decodeAttributeSet,
  defineFamily,
  type FamilySpec,
  type Operation,
  UNKNOWN,
} from "../codec/ynl/mod.ts";
import { type RequestAttrs, STRUCT_BYTES } from "../codec/ynl/mod.ts";
import { AttributeWriter } from "../codec/attr_writer.ts";
import * as generated from "../families/generated/mod.ts";
import {
  FAMILIES,
  GENETLINK,
  GROUPS,
  MESSAGES,
  RAW_PROTOCOLS,
} from "../families/generated/registry.ts";
import { PROTOCOL_NAMES } from "../codec/constants.ts";
import { specName, specNameOf } from "../client/json_values.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as rtNetconf from "../families/generated/rt_netconf.ts";
import * as rtNsid from "../families/generated/rt_nsid.ts";
import * as tc from "../families/generated/tc.ts";
import * as conntrack from "../families/generated/conntrack.ts";
import * as nftables from "../families/generated/nftables.ts";
import { Client } from "../client/client.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import { ipJson, linkExists, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

const SPECS = path.join(ROOT, "specs");
const GENERATED = path.join(ROOT, "families", "generated");
const REGENERATE = "run deno run -A tools/ynl/main.ts";

const MANIFEST = new SpecsFolder(SPECS).manifest;
/** deno.json targets of the hand-written API modules of the manifest (`./families/xfrm/mod.ts`). */
const API_TARGETS = new Set(Object.values(MANIFEST.api).map((p) => `./${p}`));

/**
 * The exports/imports entries of a deno.json that are the families': pointing into
 * families/generated or at an API module of the manifest.
 */
function familyEntries(denoJson: string): Record<string, Record<string, string>> {
  const j = JSON.parse(denoJson);
  const pick = (o: Record<string, string> | undefined) =>
    Object.fromEntries(
      Object.entries(o ?? {}).filter(([, v]) =>
        v.startsWith("./families/generated/") || API_TARGETS.has(v)
      ),
    );
  return { exports: pick(j.exports), imports: pick(j.imports) };
}

test("families/generated and deno.json's family subpaths are what specs/ generates", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ynl-gen-"));
  try {
    const denoJson = path.join(tmp, "deno.json");
    fs.copyFileSync(path.join(ROOT, "deno.json"), denoJson);
    const out = path.join(tmp, "generated");
    const r = generate({ specsDir: SPECS, outDir: out, denoJson });
    assert.ok(r.families.length >= 25, `only ${r.families.length} families`);
    const fresh = fs.readdirSync(out).sort();
    const committed = fs.readdirSync(GENERATED).filter((f) => /\.(ts|js)$/.test(f)).sort();
    assert.deepEqual(committed, fresh, `the set of generated files differs: ${REGENERATE}`);
    assert.ok(fresh.includes("mod.ts") && fresh.includes("registry.ts"));
    for (const f of fresh) {
      const want = fs.readFileSync(path.join(out, f), "utf8");
      const have = fs.readFileSync(path.join(GENERATED, f), "utf8");
      assert.ok(want === have, `families/generated/${f} is stale: ${REGENERATE}`);
    }
    assert.deepEqual(
      familyEntries(fs.readFileSync(path.join(ROOT, "deno.json"), "utf8")),
      familyEntries(fs.readFileSync(denoJson, "utf8")),
      `deno.json's family subpaths are stale: ${REGENERATE}`,
    );
    assert.deepEqual(
      [...r.pendingChecked].sort(),
      [...new SpecsFolder(SPECS).manifest.pendingOverlays].sort(),
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("each family but the route ones has one subpath, named after it, at its API module or its tables", () => {
  const j = JSON.parse(fs.readFileSync(path.join(ROOT, "deno.json"), "utf8"));
  const exports = j.exports as Record<string, string>;
  const imports = j.imports as Record<string, string>;
  const folder = new SpecsFolder(SPECS);
  const expected: Record<string, string> = {};
  for (const name of folder.manifest.families) {
    const f = resolveFamily(folder.load(name));
    const sub = `./${f.name}`; // the YNL name: ./sock-diag, ./net-shaper, ./ovs_vport
    if (f.raw && f.protonum === 0) {
      assert.equal(exports[sub], undefined, sub);
      continue;
    }
    const api = folder.manifest.api[name];
    expected[sub] = api !== undefined ? `./${api}` : `./families/generated/${f.module}.ts`;
    assert.equal(exports[sub], expected[sub], sub);
    assert.equal(imports[`@netlink/netlink/${f.name}`], exports[sub], sub);
  }
  // No other subpath reaches a family (no ./xfrm/client beside ./xfrm, no ./sock_diag).
  const stray = Object.entries(exports).filter(([k, v]) =>
    expected[k] === undefined &&
    (v.startsWith("./families/generated/") || Object.values(expected).includes(v))
  );
  assert.deepEqual(stray, []);
  assert.equal(exports["./ethtool"], "./families/generated/ethtool.ts");
  assert.equal(exports["./sock-diag"], "./families/sock_diag/mod.ts");
  assert.equal(exports["./protocols"], "./families/protocols.ts"); // not a family: kept
});

test("an API module re-exports every value of its family's generated module", async () => {
  assert.ok(Object.keys(MANIFEST.api).length >= 6);
  for (const [name, api] of Object.entries(MANIFEST.api)) {
    const f = resolveFamily(new SpecsFolder(SPECS).load(name));
    const tables = await import(path.join(GENERATED, `${f.module}.ts`));
    const mod = await import(path.join(ROOT, api));
    const missing = Object.keys(tables).filter((k) => mod[k] !== tables[k]);
    assert.deepEqual(missing, [], `${api} lacks names of families/generated/${f.module}.ts`);
  }
});

test("the manifest's api entries are checked: the module must exist and re-export its tables", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ynl-api-"));
  try {
    const specs = path.join(tmp, "specs");
    for (const d of ["local", "upstream"]) fs.mkdirSync(path.join(specs, d), { recursive: true });
    fs.copyFileSync(
      path.join(SPECS, "local", "crypto.yaml"),
      path.join(specs, "local", "crypto.yaml"),
    );
    for (const schema of ["genetlink", "genetlink-c", "genetlink-legacy", "netlink-raw"]) {
      const f = `upstream/${schema}.yaml`;
      fs.copyFileSync(path.join(SPECS, f), path.join(specs, f));
    }
    const write = (m: string) => fs.writeFileSync(path.join(specs, "manifest.yaml"), m);
    const gen = () =>
      generate({ specsDir: specs, outDir: path.join(tmp, "out"), denoJson: null, format: false });
    write("families:\n  - { name: crypto, api: families/nowhere/mod.ts }\n");
    assert.throws(gen, /api module families\/nowhere\/mod\.ts does not exist/);
    write("families:\n  - { name: crypto, api: families/xfrm/mod.ts }\n");
    assert.throws(
      gen,
      /must re-export its generated tables: add `export \* from "\.\.\/generated\/crypto\.ts";`/,
    );
    write("families:\n  - { name: crypto, api: ../crypto.ts }\n");
    assert.throws(gen, /api must be a module path from the repository root/);
    write("families:\n  - { name: crypto, api: families/crypto/mod.ts, extra: 1 }\n");
    assert.throws(gen, /a family is a name or \{ name, api \}/);
    write("families:\n  - { name: crypto, api: families/crypto/mod.ts }\n");
    const r = gen();
    assert.deepEqual(r.families.map((f) => f.name), ["crypto"]);
    // An API module that re-exports the tables as a namespace: the example imports that.
    fs.mkdirSync(path.join(tmp, "families", "demo"), { recursive: true });
    fs.writeFileSync(
      path.join(tmp, "families", "demo", "mod.ts"),
      'export * as tables from "../generated/crypto.ts";\n',
    );
    const api = apiModule(tmp, "families/demo/mod.ts", "families/generated", "crypto");
    assert.deepEqual(api, { path: "families/demo/mod.ts", namespace: "tables" });
    const ts = emitModule(r.families[0], {
      packageName: "@netlink/netlink",
      reach: { subpath: "./crypto", api },
    });
    assert.match(ts, /import \{ tables \} from "@netlink\/netlink\/crypto";/);
    assert.match(ts, /buildMessage\(tables\.operations\./);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("generated files start with the generator line; the index exports every module", () => {
  const modules = fs.readdirSync(GENERATED).filter((f) => /\.(ts|js)$/.test(f));
  for (const f of modules) {
    const first = fs.readFileSync(path.join(GENERATED, f), "utf8").split("\n")[0];
    assert.match(first, /^\/\/ Generated by tools\/ynl\/main\.ts from specs\/.* — do not edit\.$/);
  }
  const index = fs.readFileSync(path.join(GENERATED, "mod.ts"), "utf8");
  const isDecoders = (m: string) =>
    m.endsWith("_decode.js") || m.endsWith("_tables.js") || m === "decoders.ts" ||
    m === "_tables.d.ts";
  for (const f of modules.filter((m) => m !== "mod.ts" && m !== "registry.ts" && !isDecoders(m))) {
    assert.match(index, new RegExp(`export \\* as \\w+ from "\\./${f.replace(".", "\\.")}";`), f);
  }
  assert.equal(generated.rtLink.family.name, "rt-link");
  assert.equal(generated.ethtool.family.name, "ethtool");
  assert.equal(generated.rtNsid.family.name, "rt-nsid");
});

/** The import lines of the ```ts examples in a file's JSDoc. */
function exampleImports(text: string): string[] {
  const out: string[] = [];
  for (const block of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    for (const line of block[1].split("\n")) {
      const l = line.replace(/^\s*\*\s?/, "");
      if (/^import /.test(l)) out.push(l);
    }
  }
  return out;
}

test("generated examples import the package by name: route families from the root, others from their subpath", () => {
  const j = JSON.parse(fs.readFileSync(path.join(ROOT, "deno.json"), "utf8"));
  const publicSpecifiers = new Set(Object.keys(j.imports as Record<string, string>));
  const folder = new SpecsFolder(SPECS);
  let modules = 0;
  for (const name of folder.manifest.families) {
    const f = resolveFamily(folder.load(name));
    const text = fs.readFileSync(path.join(GENERATED, `${f.module}.ts`), "utf8");
    const imports = exampleImports(text);
    for (const i of imports) {
      const spec = /from "([^"]+)";$/.exec(i)?.[1];
      assert.ok(spec !== undefined && publicSpecifiers.has(spec), `${f.module}.ts: ${i}`);
    }
    if (imports.length === 0) continue; // a family without a request operation has no example
    modules++;
    const first = imports[0];
    if (f.raw && f.protonum === 0) {
      assert.equal(first, `import { ${f.namespace} } from "@netlink/netlink";`, f.module);
    } else {
      assert.match(first, new RegExp(`from "@netlink/netlink/${f.name}";$`), f.module);
    }
  }
  assert.ok(modules >= 25, `only ${modules} modules with examples`);
  // The index and the registry are internal: their examples show public names only.
  for (const file of ["mod.ts", "registry.ts"]) {
    const imports = exampleImports(fs.readFileSync(path.join(GENERATED, file), "utf8"));
    assert.ok(imports.length > 0, file);
    for (const i of imports) {
      assert.ok(!/from "\./.test(i) && publicSpecifiers.has(/from "([^"]+)"/.exec(i)![1]), i);
    }
  }
});

test("exported constants have a literal type: declared in the module, valued in its tables", () => {
  // The family's module declares each value with its literal type (deno doc reads the module; a
  // negative number is `-` applied to a literal, so it is never left to inference), and its
  // JavaScript tables module holds the value.
  assert.deepEqual(constParts("A", -1), {
    ts: "export declare const A: -1;\n",
    js: "export const A = -1;\n",
  });
  assert.deepEqual(constParts("B", 7), {
    ts: "export declare const B = 7;\n",
    js: "export const B = 7;\n",
  });
  assert.equal(constParts("C", "x").ts, 'export declare const C = "x";\n');
  for (const f of fs.readdirSync(GENERATED).filter((f) => f.endsWith(".ts"))) {
    const text = fs.readFileSync(path.join(GENERATED, f), "utf8");
    assert.doesNotMatch(text, /^export const \w+ = -/m, f);
  }
  const netconf = fs.readFileSync(path.join(GENERATED, "rt_netconf.ts"), "utf8");
  assert.match(netconf, /^export declare const NETCONFA_IFINDEX_ALL: -1;$/m);
  const values = fs.readFileSync(path.join(GENERATED, "rt_netconf_tables.js"), "utf8");
  assert.match(values, /^export const NETCONFA_IFINDEX_ALL = -1;$/m);
  assert.equal(rtNetconf.NETCONFA_IFINDEX_ALL, -1);
  assert.equal(rtNsid.NETNSA_NSID_NOT_ASSIGNED, -1);
  // The type is the literal, not number.
  const all: -1 = rtNetconf.NETCONFA_IFINDEX_ALL;
  const dflt: -2 = rtNetconf.NETCONFA_IFINDEX_DEFAULT;
  assert.deepEqual([all, dflt], [-1, -2]);
  // And deno doc has nothing to say about them (only the generated modules, alone: their
  // references to the codec's types are private from there and left out).
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno?.execPath() ??
    path.join(ROOT, "node_modules", ".bin", "deno");
  const r = spawnSync(deno, [
    "doc",
    "--lint",
    path.join(GENERATED, "rt_netconf.ts"),
    path.join(GENERATED, "rt_nsid.ts"),
  ], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const errors = (r.stdout + r.stderr).split("\n").filter((l) =>
    /^error\[/.test(l) && !l.startsWith("error[private-type-ref]")
  );
  assert.deepEqual(errors, []);
});

test("the registry names every raw protocol as linux/netlink.h does (NETLINK_FIB_LOOKUP → fib_lookup)", () => {
  const want: Record<string, number> = {};
  for (const ns of Object.values(generated)) {
    const n = ns.family.spec.protonum;
    if (ns.family.isGenetlink || n === undefined) continue;
    want[PROTOCOL_NAMES[n].replace(/^NETLINK_/, "").toLowerCase()] = n;
  }
  assert.deepEqual({ ...RAW_PROTOCOLS }, want);
  assert.deepEqual(
    [RAW_PROTOCOLS.fib_lookup, RAW_PROTOCOLS.crypto, RAW_PROTOCOLS.sock_diag, RAW_PROTOCOLS.xfrm],
    [10, 21, 4, 6],
  );
  for (const [name, e] of Object.entries(FAMILIES)) {
    assert.ok(e.protocol === "generic" || e.protocol in RAW_PROTOCOLS, `${name}: ${e.protocol}`);
  }
  assert.equal(FAMILIES["fib-lookup"].protocol, "fib_lookup");
  assert.throws(() => rawProtocolName(17), /no NETLINK_\* protocol 17/);
});

test("a spec name that camelCase cannot give back is kept as yname (client/json.ts prints names from it)", () => {
  const folder = new SpecsFolder(SPECS);
  let kept = 0;
  let checked = 0;
  const byName = new Map(Object.values(generated).map((ns) => [ns.family.name, ns.family.spec]));
  for (const file of folder.manifest.families) {
    const spec = folder.load(file).spec;
    const table = byName.get(spec.name)!;
    const back = specNameOf; // what client/json.ts prints
    for (const set of spec["attribute-sets"]) {
      const entries = table.attributeSets[set.name];
      for (const a of set.attributes) {
        const e = entries.find((x) => x.name === camelCase(a.name));
        assert.ok(e, `${spec.name} ${set.name}.${a.name}`);
        assert.equal(back(e), a.name, `${spec.name} ${set.name}.${a.name}`);
        if (e.yname !== undefined) {
          kept++;
          assert.notEqual(specName(e.name), a.name); // only where it is needed
        }
        checked++;
      }
    }
    for (const d of spec.definitions ?? []) {
      if (d.type !== "struct") continue;
      table.structs![d.name].forEach((m, i) => {
        assert.equal(back(m), d.members[i].name, `${spec.name} struct ${d.name}`);
        checked++;
      });
    }
  }
  assert.ok(checked > 3000 && kept >= 20, `${checked} names, ${kept} kept`);
  // IFLA_STATS_LINK_64: `link-64` → `link64`, which would read back as "link64".
  const link64 = rtLink.family.spec.attributeSets["stats-attrs"].find((a) => a.value === 1);
  assert.deepEqual([link64?.name, link64?.yname, specName("link64")], [
    "link64",
    "link-64",
    "link64",
  ]);
});

// --- overlays ---------------------------------------------------------------------------

const BASE = {
  name: "demo",
  protocol: "netlink-raw",
  doc: "A made-up family.",
  definitions: [
    {
      name: "hdr",
      type: "struct",
      members: [{ name: "a", type: "u8" }, { name: "b", type: "u8" }],
    },
    { name: "colour", type: "enum", entries: ["red", "green"] },
  ],
  "attribute-sets": [{
    name: "main",
    attributes: [{ name: "x", type: "u32" }, { name: "y", type: "u16", "display-hint": "hex" }],
  }],
  "sub-messages": [{ name: "msg", formats: [{ value: "one", "attribute-set": "main" }] }],
  operations: { list: [{ name: "get", doc: "Get.", do: { request: { attributes: ["x"] } } }] },
};

test("an overlay change without a citation is rejected, naming the entry", () => {
  const overlay = {
    name: "demo",
    "attribute-sets": [{ name: "main", attributes: [{ name: "x", type: "u64" }] }],
  };
  assert.throws(
    () => applyOverlay(BASE, overlay, "overlays/demo.yaml"),
    /overlays\/demo\.yaml\.attribute-sets\[main\]\.attributes\[x\]\.type: a change without a citation/,
  );
  // A new item, a deletion and a malformed citation are refused the same way.
  assert.throws(
    () =>
      applyOverlay(
        BASE,
        { name: "demo", definitions: [{ name: "new", type: "const", value: 1 }] },
        "o",
      ),
    /o\.definitions\[new\]: a new item without a citation/,
  );
  assert.throws(
    () =>
      applyOverlay(
        BASE,
        {
          name: "demo",
          "attribute-sets": [{ name: "main", attributes: [{ name: "y", "display-hint": null }] }],
        },
        "o",
      ),
    /a deletion without a citation/,
  );
  assert.throws(
    () => applyOverlay(BASE, { name: "demo", uapi: "pkt_sched: no header", doc: "x" }, "o"),
    /must start with a header/,
  );
  assert.throws(() => applyOverlay(BASE, { name: "other" }, "o"), /overlay for "other"/);
});

test("overlays merge lists by name (formats by value), append new items, delete with null", () => {
  const overlay = {
    name: "demo",
    definitions: [
      {
        name: "hdr",
        uapi: "linux/demo.h: struct hdr { __u8 a; __u16 b; __u32 c; }",
        members: [{ name: "b", type: "u16" }, { name: "c", type: "u32" }],
      },
      { name: "colour", entries: [{ name: "blue", uapi: "linux/demo.h: DEMO_BLUE" }] },
    ],
    "attribute-sets": [{
      name: "main",
      attributes: [
        { name: "y", "display-hint": null, uapi: "linux/demo.h: DEMO_Y" },
        { name: "z", type: "string", uapi: "linux/demo.h: DEMO_Z" },
      ],
    }],
    "sub-messages": [{
      name: "msg",
      formats: [
        { value: "one", "fixed-header": "hdr", uapi: "linux/demo.h: DEMO_ONE" },
        { value: "two", "attribute-set": "main", uapi: "linux/demo.h: DEMO_TWO" },
      ],
    }],
  };
  const before = JSON.stringify(BASE);
  const merged = applyOverlay(BASE, overlay, "o");
  assert.equal(JSON.stringify(BASE), before, "the base spec is not changed in place");
  assert.deepEqual(merged.definitions[0].members, [
    { name: "a", type: "u8" },
    { name: "b", type: "u16" },
    { name: "c", type: "u32" },
  ]);
  assert.deepEqual(merged.definitions[1].entries, ["red", "green", {
    name: "blue",
    uapi: "linux/demo.h: DEMO_BLUE",
  }]);
  assert.deepEqual(merged["attribute-sets"][0].attributes.map((a: { name: string }) => a.name), [
    "x",
    "y",
    "z",
  ]);
  assert.equal("display-hint" in merged["attribute-sets"][0].attributes[1], false);
  assert.deepEqual(merged["sub-messages"][0].formats.map((f: { value: string }) => f.value), [
    "one",
    "two",
  ]);
  assert.equal(merged["sub-messages"][0].formats[0]["attribute-set"], "main");
  assert.equal(merged["sub-messages"][0].formats[0]["fixed-header"], "hdr");
  // Citations are stripped before validation, everywhere.
  assert.equal(JSON.stringify(stripCitations(merged)).includes("uapi"), false);
  // A change to what upstream already says is refused (the overlay is obsolete).
  assert.throws(
    () =>
      applyOverlay(BASE, {
        name: "demo",
        "attribute-sets": [{
          name: "main",
          uapi: "linux/demo.h: X",
          attributes: [{ name: "x", type: "u32" }],
        }],
      }, "o"),
    /already "u32" upstream/,
  );
});

test("local specs must cite every definition, set and operation", () => {
  assert.throws(
    () => checkLocalCitations(BASE, "local/demo.yaml"),
    /local\/demo\.yaml: definitions\[hdr\]/,
  );
  const cited = structuredClone(BASE) as Record<string, unknown[]> & typeof BASE;
  for (const d of cited.definitions) (d as Record<string, unknown>).uapi = "linux/demo.h: D";
  for (const s of cited["attribute-sets"]) (s as Record<string, unknown>).uapi = "linux/demo.h: S";
  for (const s of cited["sub-messages"]) (s as Record<string, unknown>).uapi = "linux/demo.h: M";
  assert.throws(() => checkLocalCitations(cited, "l"), /l: operations\[get\]/);
  for (const o of cited.operations.list) (o as Record<string, unknown>).uapi = "linux/demo.h: O";
  checkLocalCitations(cited, "l");
});

// --- schema validation -------------------------------------------------------------------

test("schema validation names the spec, the path and the problem", () => {
  const schemas = new SchemaSet(path.join(SPECS, "upstream"));
  schemas.validate(BASE, "demo.yaml");
  const bad = structuredClone(BASE);
  (bad["attribute-sets"][0].attributes[0] as Record<string, unknown>).type = "u128";
  (bad as Record<string, unknown>).colour = "blue";
  assert.throws(() => schemas.validate(bad, "demo.yaml"), (e: Error) => {
    assert.match(e.message, /^demo\.yaml does not validate against netlink-raw\.yaml:/);
    assert.match(
      e.message,
      /attribute-sets\[main\]\.attributes\[x\]\.type: must be equal to one of the allowed values/,
    );
    assert.match(e.message, /\(top level\): must NOT have additional properties: "colour"/);
    return true;
  });
  const noDoc = structuredClone(BASE) as Record<string, unknown>;
  delete noDoc.doc;
  assert.throws(() => schemas.validate(noDoc, "demo.yaml"), /must have required property 'doc'/);
});

test("every spec of the manifest validates with its overlays; fou was added by one manifest line", () => {
  const folder = new SpecsFolder(SPECS);
  for (const name of folder.manifest.families) folder.load(name);
  // fou is built from its upstream spec alone: one manifest line, no overlay, no hand code.
  assert.equal(folder.manifest.families.filter((f) => f === "fou").length, 1);
  assert.deepEqual(
    fs.readdirSync(path.join(SPECS, "overlays")).filter((f) => f.startsWith("fou")),
    [],
  );
  const fou = resolveFamily(folder.load("fou"));
  const ts = emitModule(fou, { packageName: "@netlink/netlink" });
  assert.match(ts, /export declare const operations: Operations;/);
  assert.match(
    emitTables(fou, { packageName: "@netlink/netlink" }),
    /export const operations = \{/,
  );
  assert.match(ts, /import \* as fou from "@netlink\/netlink\/fou";/);
});

// --- numbering and emitted shapes ---------------------------------------------------------

const MINI = `
name: mini
protocol: genetlink-legacy
doc: A made-up family.
definitions:
  - { name: colour, type: enum, entries: [ red, green, { name: blue, value: 7 }, cyan ] }
  - { name: opts, type: flags, value-start: 2, entries: [ a, b ] }
  - { name: max-len, type: const, value: 8 }
  - name: hdr
    type: struct
    members:
      - { name: kind, type: u8 }
      - { name: id, type: u16 }
      - { name: tag, type: binary, len: max-len }
      - { name: big, type: u64 }
attribute-sets:
  - name: main
    attributes:
      - { name: first, type: u32 }
      - { name: second, type: string }
      - { name: tenth, type: u16, value: 10 }
      - { name: eleventh, type: nest, nested-attributes: part }
      - { name: list, type: indexed-array, sub-type: nest, nested-attributes: main }
  - name: part
    subset-of: main
    attributes:
      - { name: second, multi-attr: true }
operations:
  list:
    - { name: get, doc: Get., attribute-set: main, do: { request: { attributes: [ first ] } } }
    - { name: set, doc: Set., value: 5, attribute-set: main, do: { request: { attributes: [] } } }
    - { name: del, doc: Delete., attribute-set: main, do: { request: { value: 9 } } }
mcast-groups:
  list:
    - { name: events }
`;

function mini(text: string): { f: FamilyIR; ts: string; js: string } {
  const spec = YAML.parse(text) as Spec;
  new SchemaSet(path.join(SPECS, "upstream")).validate(spec, "mini.yaml");
  const loaded: LoadedSpec = { spec, source: { file: "local/mini.yaml", overlays: [] } };
  const f = resolveFamily(loaded);
  const opts = { packageName: "@netlink/netlink" };
  return { f, ts: emitModule(f, opts), js: emitTables(f, opts) };
}

test("YNL numbering rules", () => {
  const { ts, js } = mini(MINI);
  // enum values count from 0 and continue after an explicit value
  assert.match(
    js,
    /export const COLOUR = \{\n {2}RED: 0,\n {2}GREEN: 1,\n {2}BLUE: 7,\n {2}CYAN: 8,\n\};/,
  );
  assert.match(
    ts,
    /export declare const COLOUR: \{\n {2}readonly RED: 0;\n {2}readonly GREEN: 1;\n/,
  );
  // flags are bit positions from value-start, exported as masks
  assert.match(js, /export const OPTS = \{\n {2}A: 4,\n {2}B: 8,\n\};/);
  assert.match(js, /export const MAX_LEN = 8;/);
  assert.match(ts, /export declare const MAX_LEN = 8;/);
  // attributes count from 1 and continue after an explicit value
  assert.match(js, /\{ name: "first", value: 1, type: "u32" \}/);
  assert.match(js, /\{ name: "tenth", value: 10, type: "u16" \}/);
  assert.match(js, /\{ name: "eleventh", value: 11, type: "nest", nested: "part" \}/);
  // a subset keeps the main set's numbers and overrides properties
  assert.match(js, /part: \[\{ name: "second", value: 2, type: "string", multi: true \}\]/);
  // struct lengths resolve named constants
  assert.match(js, /\{ name: "tag", type: "binary", len: 8 \}/);
  // unified operations count from 1 and continue after an explicit value
  assert.match(js, /export const MINI_CMD_GET = 1;/);
  assert.match(js, /export const MINI_CMD_SET = 5;/);
  assert.match(js, /export const MINI_CMD_DEL = 6;/);
  // genetlink groups have no number: resolved at run time
  assert.match(js, /mcastGroups: \{ events: null \}/);
  assert.match(ts, /list\?: Main\[\];/);
  assert.match(ts, /big: bigint;/);
});

test("each operation's messages are typed from the spec's attribute lists", () => {
  const { ts } = mini(MINI);
  assert.match(ts, /export type GetDoRequest = Pick<Main, "first">;/);
  assert.match(ts, /export type SetDoRequest = Record<string, never>;/); // attributes: []
  assert.match(ts, /export type DelDoRequest = Main;/); // none listed: the whole set
  assert.match(
    ts,
    /readonly get: Operation<Record<string, never>, Main> & \{ readonly "~messages"\?: \{ doRequest: Pick<Main, "first"> \} \};/,
  );
  // The committed modules carry them too, and a client reads them back at the type level.
  type Req = RequestAttrs<typeof rtLink.operations.getlink, "do">;
  const req: Req = { ifname: "lo", extMask: 1 };
  // @ts-expect-error: mtu is not in the getlink do request
  const bad: Req = { mtu: 1500 };
  void bad;
  assert.deepEqual(Object.keys(req), ["ifname", "extMask"]);
});

test("sub-message unions follow the codec's decoded shape: data by kind, absent when unknown", () => {
  const w = new AttributeWriter();
  rtLink.linkinfoAttrs.encode(w, { kind: "bond", data: { mode: 1, miimon: 100 } });
  const bond = decodeAttributeSet(rtLink.linkinfoAttrs, w.bytes());
  // The set's own type stays the loose interface; the union is what it narrows to.
  const typed = bond as rtLink.LinkinfoAttrsByKindAndSlaveKind;
  if (typed.kind === "bond") assert.equal(typed.data?.miimon, 100); // LinkinfoBondAttrs
  else assert.fail("kind is bond");
  // A kind without a format: the payload stays raw under UNKNOWN and `data` is absent.
  const raw = new AttributeWriter().string(1, "dummy-ish");
  raw.nest(2, (n) => n.u32(1, 7));
  const other = decodeAttributeSet(
    rtLink.linkinfoAttrs,
    raw.bytes(),
  ) as rtLink.LinkinfoAttrsByKindAndSlaveKind;
  assert.equal(other.kind, "dummy-ish");
  assert.equal(other.data, undefined);
  assert.equal(other[UNKNOWN]?.[0].type, 2);
  const { ts } = mini(
    `${MINI}sub-messages:\n  - { name: by-kind, formats: [ { value: a, attribute-set: main } ] }\n`
      .replace(
        "      - { name: first, type: u32 }",
        "      - { name: first, type: u32 }\n      - { name: kind, type: string, value: 20 }\n      - { name: data, type: sub-message, sub-message: by-kind, selector: kind }",
      ).replace("protocol: genetlink-legacy", "protocol: netlink-raw\nprotonum: 99"),
  );
  assert.match(
    ts,
    /export type MainByKind =\n {2}& Omit<Main, "kind" \| "data">\n {2}& \(\n {4}\| \{ kind: "a"; data\?: ByKind\["a"\] \}\n {4}\| \{ kind\?: string; data\?: undefined \}\n {2}\);/,
  );
});

// --- registry ------------------------------------------------------------------------------

// What families/route/watch.ts maps by hand today (groups and message types).
const WATCH_GROUPS: Record<string, number> = {
  "rtnlgrp-link": 1,
  "rtnlgrp-neigh": 3,
  "rtnlgrp-tc": 4,
  "rtnlgrp-ipv4-ifaddr": 5,
  "rtnlgrp-ipv4-route": 7,
  "rtnlgrp-ipv4-rule": 8,
  "rtnlgrp-ipv6-ifaddr": 9,
  "rtnlgrp-ipv6-route": 11,
  "rtnlgrp-ipv6-ifinfo": 12,
  "rtnlgrp-ipv6-prefix": 18,
  "rtnlgrp-ipv6-rule": 19,
  "rtnlgrp-ipv4-netconf": 24,
  "rtnlgrp-ipv6-netconf": 25,
  "rtnlgrp-mdb": 26,
  "rtnlgrp-nsid": 28,
  "rtnlgrp-nexthop": 32,
  "rtnlgrp-brvlan": 33,
  "rtnlgrp-stats": 36,
};
const WATCH_TYPES: [number, string, "new" | "del"][] = [
  [16, "link", "new"],
  [17, "link", "del"],
  [20, "addr", "new"],
  [21, "addr", "del"],
  [24, "route", "new"],
  [25, "route", "del"],
  [28, "neigh", "new"],
  [29, "neigh", "del"],
  [32, "rule", "new"],
  [33, "rule", "del"],
  [36, "qdisc", "new"],
  [37, "qdisc", "del"],
  [40, "tclass", "new"],
  [41, "tclass", "del"],
  [44, "tfilter", "new"],
  [45, "tfilter", "del"],
  [100, "chain", "new"],
  [101, "chain", "del"],
  [48, "action", "new"],
  [49, "action", "del"],
  [52, "prefix", "new"],
  [80, "netconf", "new"],
  [81, "netconf", "del"],
  [88, "nsid", "new"],
  [89, "nsid", "del"],
];

test("the registry has every group and message type watch.ts maps by hand", () => {
  const route = GROUPS.route as Readonly<Record<string, number>>;
  for (const [name, id] of Object.entries(WATCH_GROUPS)) assert.equal(route[name], id, name);
  const messages = MESSAGES.route as Readonly<Record<number, { object: string; action: string }>>;
  for (const [type, object, action] of WATCH_TYPES) {
    assert.deepEqual(
      [messages[type]?.object, messages[type]?.action],
      [object, action],
      `type ${type}`,
    );
  }
  assert.deepEqual(GENETLINK.ethtool.groups, ["monitor"]);
});

test("every registry entry names an operation of its module that decodes that message", () => {
  const byName = new Map(Object.values(generated).map((ns) => [ns.family.name, ns]));
  for (const [proto, entries] of Object.entries(MESSAGES)) {
    for (
      const [type, e] of Object.entries(
        entries as Record<string, { family: string; operation: string }>,
      )
    ) {
      const ns = byName.get(e.family);
      assert.ok(ns, `${proto} ${type}: no module for ${e.family}`);
      const op =
        (ns.operations as unknown as Record<string, Operation<object, object>>)[e.operation];
      assert.ok(op, `${proto} ${type}: ${e.family} has no operation ${e.operation}`);
      const t = Number(type);
      assert.ok(
        op.replyValue === t || op.requestValue === t,
        `${proto} ${type}: ${e.family}.${e.operation}`,
      );
    }
  }
  for (const [name, g] of Object.entries(GENETLINK)) {
    const ns = byName.get(name)!;
    for (
      const [cmd, e] of Object.entries(g.notifications as Record<string, { operation: string }>)
    ) {
      const op =
        (ns.operations as unknown as Record<string, Operation<object, object>>)[e.operation];
      assert.equal(op?.replyValue, Number(cmd), `${name} ${cmd}`);
    }
    assert.deepEqual(Object.keys(ns.family.spec.mcastGroups ?? {}), [...g.groups], name);
  }
});

// --- citations against the installed uAPI headers ------------------------------------------

const INCLUDE = "/usr/include";
const SKIP_NO_HEADERS: string | false = fs.existsSync(path.join(INCLUDE, "linux", "rtnetlink.h"))
  ? false
  : "no uAPI headers in /usr/include/linux";

/** The citations under `key` anywhere in a document. */
function citations(node: unknown, key: string, out: string[] = []): string[] {
  if (Array.isArray(node)) { for (const x of node) citations(x, key, out); }
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(...(Array.isArray(v) ? v : [v]));
      else citations(v, key, out);
    }
  }
  return out;
}

/** "6.18.44-fc" → 6018: major * 1000 + minor. */
function versionNumber(v: string): number {
  const m = /^(\d+)\.(\d+)/.exec(v);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
}

const INSTALLED = (() => {
  try {
    const v = fs.readFileSync(path.join(INCLUDE, "linux", "version.h"), "utf8");
    const major = Number(/LINUX_VERSION_MAJOR (\d+)/.exec(v)?.[1]);
    const minor = Number(/LINUX_VERSION_PATCHLEVEL (\d+)/.exec(v)?.[1]);
    return major * 1000 + minor;
  } catch {
    return 0;
  }
})();

/** The running kernel's release, as major * 1000 + minor. */
const RUNNING = versionNumber(os.release());

const citationFiles = () =>
  ["overlays", "local"].flatMap((d) =>
    fs.readdirSync(path.join(SPECS, d)).map((f) => path.join(SPECS, d, f))
  );

test(
  "every uapi citation names an installed header that declares what it quotes",
  { skip: SKIP_NO_HEADERS },
  () => {
    let checked = 0;
    const newer: string[] = [];
    for (const file of citationFiles()) {
      for (const c of citations(YAML.parse(fs.readFileSync(file, "utf8")), "uapi")) {
        const m = /^([\w/]+\.h)(?:@(\d+\.\d+))?: /.exec(c);
        assert.ok(m, `${file}: malformed citation ${c}`);
        const header = m[1];
        const p = path.join(INCLUDE, header);
        // A declaration a later release added (header@6.5): a release after the installed
        // headers' and not after the running kernel's, which has it. When the installed headers
        // are that recent, the citation is checked against them like any other.
        if (m[2] !== undefined) {
          const v = versionNumber(m[2]);
          assert.ok(
            v <= RUNNING,
            `${path.basename(file)}: ${header}@${m[2]} is newer than the running kernel ` +
              `(${os.release()}): ${c}`,
          );
          if (v > INSTALLED) {
            newer.push(`${header}@${m[2]}`);
            continue;
          }
        }
        assert.ok(fs.existsSync(p), `${file}: "${header}" is not an installed header`);
        // The header and those it includes (rtnetlink.h includes if_link.h, …).
        let text = fs.readFileSync(p, "utf8");
        for (const inc of text.matchAll(/#include <(linux\/[\w/]+\.h)>/g)) {
          const q = path.join(INCLUDE, inc[1]);
          if (fs.existsSync(q)) text += fs.readFileSync(q, "utf8");
        }
        // What is quoted: constants, and struct/enum declarations; not the parenthesised notes.
        const quoted = c.slice(m[0].length).replace(/\([^()]*\)/g, "");
        const names = [
          ...quoted.matchAll(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b/g),
          ...quoted.matchAll(/\b(?:struct|enum) \w+ (?=\{)/g),
        ].map((x) => x[0].trim());
        for (const n of names) {
          assert.ok(text.includes(n), `${path.basename(file)}: ${header} does not declare ${n}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `only ${checked} names checked`);
    // This machine's headers (linux-libc-dev 6.1) predate some: the ones the tests compare
    // with the running kernel instead (rt-link's bridge port options, IPSTATS_MIB_* of 6.15…).
    if (INSTALLED < 6015) assert.ok(newer.length > 0, "no citation of a later release");
  },
);

test("a kernel citation names a kernel source file (not a uAPI header) and what it says", () => {
  let found = 0;
  for (const file of citationFiles()) {
    for (const c of citations(YAML.parse(fs.readFileSync(file, "utf8")), "kernel")) {
      assert.equal(citationProblem("kernel", c), undefined, `${path.basename(file)}: ${c}`);
      found++;
    }
  }
  // fib-lookup's struct fib_result_nl (include/net/ip_fib.h), audit's struct audit_sig_info
  // (kernel/audit.h), conntrack's event types (net/netfilter/nf_conntrack_netlink.c).
  assert.ok(found >= 4, `${found} kernel citations`);
  assert.equal(
    citationProblem("kernel", "include/net/ip_fib.h: struct fib_result_nl { … }"),
    undefined,
  );
  assert.match(
    citationProblem("kernel", "linux/netlink.h: NETLINK_FIB_LOOKUP")!,
    /kernel source file/,
  );
  assert.match(citationProblem("kernel", "include/uapi/linux/netlink.h: X")!, /uapi citation/);
  // A local definition may be cited by the kernel's sources alone.
  const local = structuredClone(BASE) as Record<string, unknown[]> & typeof BASE;
  for (const d of local.definitions) {
    (d as Record<string, unknown>).kernel = "include/net/demo.h: struct demo";
  }
  assert.throws(() => checkLocalCitations(local, "l"), /l: attribute-sets\[main\]/);
});

// --- the link-kind overlay against the kernel ------------------------------------------------

function familyOf(f: FamilyIR) {
  return defineFamily(familyTable(f, (_name, value) => value) as unknown as FamilySpec);
}

type IpDetails = {
  ifname: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
};

/** linkinfo of `name` as the family with the link-kind overlay decodes it, and `ip -d -j`. */
async function kindData(family: ReturnType<typeof familyOf>, name: string) {
  await using rt = await Rtnl.open();
  const getlink = family.operation<object, rtLink.LinkAttrs>("getlink");
  const m = await rt.call(getlink, { attrs: { ifname: name } });
  const ours = (m!.attrs.linkinfo as Record<string, unknown>).data as Record<string, unknown>;
  const ip = ipJson<IpDetails[]>("-d", "link", "show", "dev", name)[0].linkinfo!.info_data!;
  return { ours, ip };
}

test(
  "the link-kind overlay decodes vxlan and macvlan data as ip -d -j shows it",
  { skip: SKIP_KERNEL || lacksConfig(["CONFIG_VXLAN", "CONFIG_MACVLAN", "CONFIG_VETH"]) },
  async () => {
    const family = familyOf(resolveFamily(new SpecsFolder(SPECS).load("rt-link")));
    const p = uniqueName("kp"), q = uniqueName("kq"), vx = uniqueName("kx"), mv = uniqueName("km");
    try {
      sh("ip", ["link", "add", p, "type", "veth", "peer", "name", q]);
      sh("ip", [
        ...["link", "add", vx, "type", "vxlan", "id", "42", "dstport", "4789"],
        ...["local", "10.9.8.7", "ttl", "9", "dev", p],
      ]);
      sh("ip", ["link", "add", mv, "link", p, "type", "macvlan", "mode", "bridge"]);
      const x = await kindData(family, vx);
      assert.equal(x.ours.id, x.ip.id);
      assert.equal(x.ours.port, x.ip.port); // big-endian on the wire
      assert.equal([...(x.ours.local as Uint8Array)].join("."), x.ip.local);
      assert.equal(x.ours.ttl, x.ip.ttl);
      assert.equal(x.ours.ageing, x.ip.ageing);
      assert.equal(x.ours.learning === 1, x.ip.learning);
      assert.equal(x.ours.link, ipJson<{ ifindex: number }[]>("link", "show", "dev", p)[0].ifindex);
      const m = await kindData(family, mv);
      assert.equal(m.ip.mode, "bridge");
      assert.equal(m.ours.mode, 4); // MACVLAN_MODE_BRIDGE
      assert.equal(m.ours.flags, 0);
    } finally {
      for (const n of [mv, vx, p]) if (linkExists(n)) sh("ip", ["link", "del", n]);
    }
  },
);

test(
  "the link-kind overlay decodes ipvlan data as ip -d -j shows it",
  { skip: SKIP_KERNEL || lacksConfig(["CONFIG_IPVLAN", "CONFIG_VETH"]) },
  async () => {
    const family = familyOf(resolveFamily(new SpecsFolder(SPECS).load("rt-link")));
    const p = uniqueName("kp"), q = uniqueName("kq"), iv = uniqueName("ki");
    try {
      sh("ip", ["link", "add", p, "type", "veth", "peer", "name", q]);
      sh("ip", ["link", "add", iv, "link", p, "type", "ipvlan", "mode", "l3"]);
      const i = await kindData(family, iv);
      assert.equal(i.ip.mode, "l3");
      assert.equal(i.ours.mode, 1); // IPVLAN_MODE_L3
    } finally {
      for (const n of [iv, p]) if (linkExists(n)) sh("ip", ["link", "del", n]);
    }
  },
);

test(
  "the link-kind overlay's veth peer (struct ifinfomsg then IFLA_* attributes) creates a pair",
  { skip: SKIP_KERNEL || lacksConfig(["CONFIG_VETH"]) },
  async () => {
    const family = familyOf(resolveFamily(new SpecsFolder(SPECS).load("rt-link")));
    const a = uniqueName("pa"), b = uniqueName("pb");
    try {
      await using rt = await Rtnl.open();
      await rt.call(family.operation<object, Record<string, unknown>>("newlink"), {
        attrs: { ifname: a, linkinfo: { kind: "veth", data: { peer: { ifname: b, mtu: 1300 } } } },
        flags: 0x400 | 0x200, // NLM_F_CREATE | NLM_F_EXCL
      });
      const peer =
        ipJson<{ ifname: string; mtu: number; link?: string }[]>("link", "show", "dev", b)[0];
      assert.equal(peer.mtu, 1300);
      assert.equal(peer.link, a);
    } finally {
      if (linkExists(a)) sh("ip", ["link", "del", a]);
    }
  },
);

// --- local specs and overlays against the kernel --------------------------------------------

test("rt-netconf (local spec): RTM_GETNETCONF for `all` reads what /proc/sys says", {
  skip: SKIP_KERNEL,
}, async () => {
  await using rt = await Rtnl.open();
  for (const [family, dir] of [[2, "ipv4"], [10, "ipv6"]] as const) {
    const m = await rt.call(rtNetconf.operations.getnetconf, {
      header: { family },
      attrs: { ifindex: rtNetconf.NETCONFA_IFINDEX_ALL },
    });
    assert.equal(m!.header.family, family);
    assert.equal(m!.attrs.ifindex, -1);
    const sys = (key: string) =>
      Number(fs.readFileSync(`/proc/sys/net/${dir}/conf/all/${key}`, "utf8"));
    assert.equal(m!.attrs.forwarding, sys("forwarding"), `${dir} forwarding`);
    if (family === 2) assert.equal(m!.attrs.rpFilter, sys("rp_filter"));
  }
  assert.equal(MESSAGES.route[80].operation, "newnetconfNtf");
});

test("rt-nsid (local spec): an id set with ip netns set is dumped and got back", {
  skip: SKIP_KERNEL,
}, async () => {
  const ns = uniqueName("ynlns");
  sh("ip", ["netns", "add", ns]);
  try {
    sh("ip", ["netns", "set", ns, "31"]);
    await using rt = await Rtnl.open();
    const ids: number[] = [];
    for await (const m of rt.dump(rtNsid.operations.getnsid, { header: { family: 0 } })) {
      ids.push(m.attrs.nsid!);
    }
    const theirs = ipJson<{ nsid: number }[]>("netns", "list-id").map((x) => x.nsid);
    assert.deepEqual(ids.sort(), theirs.sort());
    assert.ok(ids.includes(31));
    const fd = fs.openSync(`/run/netns/${ns}`, "r");
    try {
      const m = await rt.call(rtNsid.operations.getnsid, { header: { family: 0 }, attrs: { fd } });
      assert.equal(m!.attrs.nsid, 31);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
});

function initialUserNamespace(): boolean {
  return /^\s*0\s+0\s+4294967295\s*$/.test(fs.readFileSync("/proc/self/uid_map", "utf8"));
}

test("tc actions (overlay): RTM_GETACTION dumps, answered with type 50, list what tc lists", {
  skip: SKIP_KERNEL ||
    (initialUserNamespace()
      ? false
      : "standalone tc actions need CAP_NET_ADMIN in the initial user namespace (run as root)"),
}, async () => {
  const index = 4000 + Math.floor(Math.random() * 1000);
  const mirred = ["action", "mirred", "egress", "mirror", "dev", "lo", "index", `${index}`];
  sh("tc", ["actions", "add", ...mirred]);
  try {
    await using rt = await Rtnl.open();
    const found: number[] = [];
    const types = new Set<number>();
    for await (
      const m of rt.dump(tc.operations.getaction, { attrs: { tab: [{ kind: "mirred" }] } })
    ) {
      for (const a of m.attrs.tab ?? []) {
        assert.equal(a.kind, "mirred");
        // TCA_MIRRED_PARMS: struct tc_mirred (overlays/tc.mirred-parms.yaml), 28 bytes, decoded
        // (no STRUCT_BYTES: the kernel's struct had the spec's size).
        const parms = (a.options as tc.ActMirredAttrs | undefined)?.parms;
        assert.ok(parms !== undefined && parms[STRUCT_BYTES] === undefined, "struct tc_mirred");
        assert.equal(tc.tcMirred.size, 28);
        found.push(parms.index);
        if (parms.index === index) {
          assert.equal(parms.eaction, tc.MIRRED_EACTION.EGRESS_MIRROR);
          assert.equal(
            parms.ifindex,
            ipJson<{ ifindex: number }[]>("link", "show", "lo")[0].ifindex,
          );
        }
      }
    }
    for await (
      const m of rt.socket.dump(
        buildMessage(tc.operations.getaction, { dump: true, attrs: { tab: [{ kind: "mirred" }] } }),
      )
    ) types.add(m.type);
    assert.deepEqual([...types], [tc.operations.getaction.replyValue]);
    const listing = JSON.parse(sh("tc", ["-j", "actions", "ls", "action", "mirred"])) as {
      actions?: { index: number }[];
    }[];
    const theirs = listing.flatMap((x) => x.actions ?? []).map((a) => a.index);
    assert.deepEqual(found.sort(), theirs.sort());
    assert.ok(found.includes(index));
  } finally {
    sh("tc", ["actions", "del", "action", "mirred", "index", `${index}`]);
  }
});

// --- netfilter: the message types the kernel expects ------------------------------------------

const NETFILTER_MESSAGES = MESSAGES.netfilter as Readonly<
  Record<number, { family: string; operation: string; object: string; action: string }>
>;

function lacksTool(tool: string): string | false {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return false;
  } catch {
    return `${tool} is not installed`;
  }
}

test("netfilter: every conntrack and nftables message carries struct nfgenmsg, res_id a __be16", () => {
  // linux/netfilter/nfnetlink.h: struct nfgenmsg { __u8 nfgen_family; __u8 version; __be16
  // res_id; } (its layout is compared with the header by tests/uapi_layout.test.ts).
  for (const ns of [conntrack, nftables]) {
    for (const op of ns.family.operations()) {
      assert.equal(op.fixedHeader?.name, "nfgenmsg", `${ns.family.name} ${op.name}`);
    }
    assert.deepEqual(ns.nfgenmsg.members.map((m) => [m.name, m.type, m.byteOrder]), [
      ["nfgenFamily", "u8", undefined],
      ["version", "u8", undefined],
      ["resId", "u16", "big-endian"],
    ]);
    // Every message type is (subsystem << 8) | message, but for the batch messages.
    const subsys = ns === conntrack
      ? conntrack.NFNL_SUBSYS_CTNETLINK
      : nftables.NFNL_SUBSYS_NFTABLES;
    for (const op of ns.family.operations()) {
      for (const t of [op.requestValue, op.replyValue]) {
        if (t === undefined || op.name.startsWith("batch-")) continue;
        assert.equal(t >> 8, subsys, `${ns.family.name} ${op.name}: ${t}`);
      }
    }
  }
  assert.deepEqual(
    [nftables.operations.batchBegin.requestValue, nftables.operations.batchEnd.requestValue],
    [nftables.NFNL_MSG_BATCH_BEGIN, nftables.NFNL_MSG_BATCH_END],
  );
});

test(
  "nftables: gettable is (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE and dumps what `nft list tables` lists",
  {
    skip: SKIP_KERNEL || lacksConfig(["CONFIG_NF_TABLES"]) || lacksTool("nft"),
  },
  async () => {
    // The generated constants are the C names and values; the operations carry the wire type.
    assert.equal(nftables.operations.gettable.requestValue, 0xa01);
    assert.equal(
      nftables.operations.gettable.requestValue,
      (nftables.NFNL_SUBSYS_NFTABLES << 8) | nftables.NFT_MSG_GETTABLE,
    );
    assert.equal(nftables.operations.gettable.replyValue, (10 << 8) | nftables.NFT_MSG_NEWTABLE);
    const t = uniqueName("ynlt");
    sh("nft", ["add", "table", "inet", t]);
    try {
      await using nf = await Client.open(nftables.family);
      const ours: string[] = [];
      // NFPROTO_UNSPEC (0): every family's tables; each reply carries struct nfgenmsg.
      for await (const m of nf.dump(nftables.operations.gettable, { header: { nfgenFamily: 0 } })) {
        assert.equal(m.header.version, 0); // NFNETLINK_V0
        ours.push(`${m.header.nfgenFamily} ${m.attrs.name}`);
      }
      const NFPROTO: Record<string, number> = {
        inet: 1,
        ip: 2,
        arp: 3,
        netdev: 5,
        bridge: 7,
        ip6: 10,
      };
      const theirs = (JSON.parse(sh("nft", ["-j", "list", "tables"])) as {
        nftables: { table?: { family: string; name: string } }[];
      }).nftables.flatMap((x) => x.table ? [`${NFPROTO[x.table.family]} ${x.table.name}`] : []);
      assert.deepEqual(ours.sort(), theirs.sort());
      assert.ok(ours.includes(`1 ${t}`), `${t} in ${ours}`);
    } finally {
      sh("nft", ["delete", "table", "inet", t]);
    }
  },
);

test(
  "conntrack: get dumps what `conntrack -L` lists; new and destroyed entries arrive as new-ntf and delete-ntf",
  {
    skip: SKIP_KERNEL || lacksConfig(["CONFIG_NF_CT_NETLINK"]) || lacksTool("conntrack"),
  },
  async () => {
    assert.equal(
      conntrack.operations.get.requestValue,
      (conntrack.NFNL_SUBSYS_CTNETLINK << 8) | conntrack.IPCTNL_MSG_CT_GET,
    );
    const sport = 20000 + Math.floor(Math.random() * 20000);
    const tuple = ["-p", "udp", "-s", "10.9.7.1", "-d", "10.9.7.2", "--sport", `${sport}`];
    await using ct = await Client.open(conntrack.family);
    await using events = await ct.subscribe(
      ["nfnlgrp-conntrack-new", "nfnlgrp-conntrack-destroy"],
      {
        signal: AbortSignal.timeout(10_000),
      },
    );
    sh("conntrack", ["-I", ...tuple, "--dport", "53", "-t", "100"]);
    let created = false;
    try {
      const added = await events.next();
      created = true;
      const n = added.value!;
      assert.ok(n.family === "conntrack", "an event of the conntrack family");
      assert.equal(n.type, (conntrack.NFNL_SUBSYS_CTNETLINK << 8) | conntrack.IPCTNL_MSG_CT_NEW);
      // The registry names the notification; the codec may decode it with `get`, whose reply is
      // the same message (struct nfgenmsg and conntrack-attrs).
      assert.ok(["new-ntf", "get"].includes(n.operation.name), n.operation.name);
      assert.deepEqual(NETFILTER_MESSAGES[n.type], {
        family: "conntrack",
        operation: "newNtf",
        object: "conntrack",
        action: "new",
      });
      const orig = (n.attrs as conntrack.ConntrackAttrs).tupleOrig;
      assert.deepEqual([orig?.tupleProto?.protoNum, orig?.tupleProto?.protoSrcPort], [17, sport]);

      // The dump, against conntrack -L (orig tuples: proto, src, dst, sport, dport).
      const dotted = (n: number) =>
        [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
      const ours: string[] = [];
      for await (const m of ct.dump(conntrack.operations.get, { header: { nfgenFamily: 2 } })) {
        const o = m.attrs.tupleOrig!;
        ours.push(
          `${o.tupleProto?.protoNum} ${dotted(o.tupleIp!.ipV4Src!)} ${
            dotted(o.tupleIp!.ipV4Dst!)
          } ` +
            `${o.tupleProto?.protoSrcPort} ${o.tupleProto?.protoDstPort}`,
        );
      }
      const theirs = sh("conntrack", ["-L", "-f", "ipv4"]).split("\n").filter((l) => l.trim())
        .map((l) => {
          const f = (k: string) => new RegExp(`\\b${k}=(\\S+)`).exec(l)?.[1];
          return `${l.split(/\s+/)[1]} ${f("src")} ${f("dst")} ${f("sport")} ${f("dport")}`;
        });
      assert.deepEqual(ours.sort(), theirs.sort());
      assert.ok(ours.includes(`17 10.9.7.1 10.9.7.2 ${sport} 53`), ours.join("; "));

      sh("conntrack", ["-D", ...tuple]);
      created = false;
      const gone = (await events.next()).value!;
      assert.ok(gone.family === "conntrack");
      assert.equal(
        gone.type,
        (conntrack.NFNL_SUBSYS_CTNETLINK << 8) | conntrack.IPCTNL_MSG_CT_DELETE,
      );
      assert.equal(gone.operation.name, "delete-ntf");
      assert.equal(NETFILTER_MESSAGES[gone.type].action, "del");
      const o = (gone.attrs as conntrack.ConntrackAttrs).tupleOrig;
      assert.equal(o?.tupleProto?.protoSrcPort, sport);
    } finally {
      if (created) sh("conntrack", ["-D", ...tuple]);
    }
  },
);

// ---------------------------------------------------------------------------
// Generated decoders (tools/ynl/emit_decode.ts); their values are held to the table decoder by
// tests/codec_generated_equal.test.ts and tests/codec_generated_corpus.test.ts.
// ---------------------------------------------------------------------------

test("every family has a decode module; DECODER_FAMILIES' modules import theirs, the others not", () => {
  const families = new SpecsFolder(SPECS).manifest.families.map((n) =>
    resolveFamily(new SpecsFolder(SPECS).load(n))
  );
  const index = fs.readFileSync(path.join(GENERATED, "decoders.ts"), "utf8");
  for (const f of families) {
    const own = fs.readFileSync(path.join(GENERATED, `${f.module}_tables.js`), "utf8");
    const dec = path.join(GENERATED, `${f.module}_decode.js`);
    assert.ok(fs.existsSync(dec), `${f.module}_decode.js`);
    assert.match(index, new RegExp(`from "\\./${f.module}_decode\\.js"`));
    const imports = own.includes(`import { decoders } from "./${f.module}_decode.js";`);
    assert.equal(imports, DECODER_FAMILIES.includes(f.name), f.name);
    assert.equal(/useDecoders\(\s*lazyFamily\(/.test(own), imports, f.name);
  }
  for (const name of ["rt-link", "rt-route", "rt-addr", "rt-neigh", "rt-rule", "tc"]) {
    assert.ok(DECODER_FAMILIES.includes(name), name);
  }
});

test("generated decoders are straight-line code: a switch per set, literals per struct, no tables", () => {
  for (const file of fs.readdirSync(GENERATED).filter((f) => f.endsWith("_decode.js"))) {
    const text = fs.readFileSync(path.join(GENERATED, file), "utf8");
    // Only the shared decoding code of codec/ynl/_runtime.ts: no compiled tables, no closures.
    const imports = [...text.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(imports)], ["../../codec/ynl/_runtime.ts"], file);
    assert.doesNotMatch(text, /compiledSet|byType|byKey|=>/, file);
    const sets = [...text.matchAll(/^function (set_\w+)\(/gm)].map((m) => m[1]);
    const switches = text.match(/switch \(\(b\[off \+ 2\] \| \(b\[off \+ 3\] << 8\)\) & 0x3fff\)/g);
    // A set without attributes has no switch (everything in it is unknown).
    assert.ok((switches?.length ?? 0) >= sets.length - 5, `${file}: ${sets.length} sets`);
    for (const m of text.matchAll(/^function (struct_\w+)\([^]*?^}/gm)) {
      assert.match(m[0], /return (\{|oddStruct)/, `${file} ${m[1]}`);
    }
  }
});

test("--no-decoders (generate({ decoders: false })) leaves every family on its tables", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ynl-nodec-"));
  try {
    generate({ specsDir: SPECS, outDir: tmp, denoJson: null, format: false, decoders: false });
    for (const f of fs.readdirSync(tmp).filter((f) => f.endsWith(".ts"))) {
      assert.doesNotMatch(fs.readFileSync(path.join(tmp, f), "utf8"), /useDecoders\(/, f);
    }
    assert.throws(
      () =>
        generate({
          specsDir: SPECS,
          outDir: tmp,
          denoJson: null,
          format: false,
          decoders: ["rt-nope"],
        }),
      /decoders: no family rt-nope in the manifest/,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
