// The YNL generator (tools/ynl): the committed families/generated/ (modules, index, registry)
// and deno.json's family subpaths are exactly what it makes from specs/ alone; overlays need a
// citation for every change and merge by name; specs are validated against the YNL schemas;
// numbering follows nlspec.py; the pending link-kind overlay agrees with the kernel and `ip -j`.
// Needs file and subprocess access (deno test -A); the kernel tests run in tests/run.sh's netns.
import { lacksConfig, test } from "./harness.ts";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { generate, ROOT } from "../tools/ynl/generate.ts";
import { SpecsFolder } from "../tools/ynl/load.ts";
import { applyOverlay, checkLocalCitations, stripCitations } from "../tools/ynl/overlay.ts";
import { SchemaSet } from "../tools/ynl/validate.ts";
import { type FamilyIR, resolveFamily } from "../tools/ynl/resolve.ts";
import { emitModule, familyTable } from "../tools/ynl/emit_module.ts";
import type { LoadedSpec, Spec } from "../tools/ynl/model.ts";
import {
  buildMessage,
  decodeAttributeSet,
  defineFamily,
  type FamilySpec,
  type Operation,
  UNKNOWN,
} from "../codec/ynl/mod.ts";
import type { RequestAttrs } from "../codec/ynl/mod.ts";
import { AttributeWriter } from "../codec/attrs.ts";
import * as generated from "../families/generated/mod.ts";
import { GENETLINK, GROUPS, MESSAGES } from "../families/generated/registry.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as rtNetconf from "../families/generated/rt_netconf.ts";
import * as rtNsid from "../families/generated/rt_nsid.ts";
import * as tc from "../families/generated/tc.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import { ipJson, linkExists, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

const SPECS = path.join(ROOT, "specs");
const GENERATED = path.join(ROOT, "families", "generated");
const REGENERATE = "run deno run -A tools/ynl/main.ts";

/** The exports/imports entries of a deno.json that point into families/generated. */
function familyEntries(denoJson: string): Record<string, Record<string, string>> {
  const j = JSON.parse(denoJson);
  const pick = (o: Record<string, string> | undefined) =>
    Object.fromEntries(
      Object.entries(o ?? {}).filter(([, v]) => v.startsWith("./families/generated/")),
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
    const committed = fs.readdirSync(GENERATED).filter((f) => f.endsWith(".ts")).sort();
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

test("every built genetlink and netfilter family has a package subpath, route families none", () => {
  const { exports, imports } = familyEntries(fs.readFileSync(path.join(ROOT, "deno.json"), "utf8"));
  const folder = new SpecsFolder(SPECS);
  for (const name of folder.manifest.families) {
    const f = resolveFamily(folder.load(name));
    const sub = `./${name}`;
    if (f.raw && f.protonum === 0) assert.equal(exports[sub], undefined, sub);
    else {
      assert.equal(exports[sub], `./families/generated/${f.module}.ts`, sub);
      assert.equal(imports[`@netlink/netlink/${name}`], exports[sub], sub);
    }
  }
  assert.equal(exports["./ethtool"], "./families/generated/ethtool.ts");
});

test("generated files start with the generator line; the index exports every module", () => {
  const modules = fs.readdirSync(GENERATED).filter((f) => f.endsWith(".ts"));
  for (const f of modules) {
    const first = fs.readFileSync(path.join(GENERATED, f), "utf8").split("\n")[0];
    assert.match(first, /^\/\/ Generated by tools\/ynl\/main\.ts from specs\/.* — do not edit\.$/);
  }
  const index = fs.readFileSync(path.join(GENERATED, "mod.ts"), "utf8");
  for (const f of modules.filter((m) => m !== "mod.ts" && m !== "registry.ts")) {
    assert.match(index, new RegExp(`export \\* as \\w+ from "\\./${f.replace(".", "\\.")}";`), f);
  }
  assert.equal(generated.rtLink.family.name, "rt-link");
  assert.equal(generated.ethtool.family.name, "ethtool");
  assert.equal(generated.rtNsid.family.name, "rt-nsid");
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

test("every spec of the manifest validates with its overlays; fou (not built) validates too", () => {
  const folder = new SpecsFolder(SPECS);
  for (const name of folder.manifest.families) folder.load(name);
  // fou is left out of the manifest on purpose: adding it must be one line.
  const fou = resolveFamily(folder.load("fou"));
  const ts = emitModule(fou, { packageName: "@netlink/netlink", subpath: "./fou" });
  assert.match(ts, /export const operations: Operations = \{/);
  assert.match(ts, /import \* as fou from "@netlink\/netlink\/fou";/);
  assert.equal(folder.manifest.families.includes("fou"), false);
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

function mini(text: string): { f: FamilyIR; ts: string } {
  const spec = YAML.parse(text) as Spec;
  new SchemaSet(path.join(SPECS, "upstream")).validate(spec, "mini.yaml");
  const loaded: LoadedSpec = { spec, source: { file: "local/mini.yaml", overlays: [] } };
  const f = resolveFamily(loaded);
  return { f, ts: emitModule(f, { packageName: "@netlink/netlink", subpath: "./mini" }) };
}

test("YNL numbering rules", () => {
  const { ts } = mini(MINI);
  // enum values count from 0 and continue after an explicit value
  assert.match(
    ts,
    /export const COLOUR = \{\n {2}RED: 0,\n {2}GREEN: 1,\n {2}BLUE: 7,\n {2}CYAN: 8,\n\} as const;/,
  );
  // flags are bit positions from value-start, exported as masks
  assert.match(ts, /export const OPTS = \{\n {2}A: 4,\n {2}B: 8,\n\} as const;/);
  assert.match(ts, /export const MAX_LEN = 8;/);
  // attributes count from 1 and continue after an explicit value
  assert.match(ts, /\{ name: "first", value: 1, type: "u32" \}/);
  assert.match(ts, /\{ name: "tenth", value: 10, type: "u16" \}/);
  assert.match(ts, /\{ name: "eleventh", value: 11, type: "nest", nested: "part" \}/);
  // a subset keeps the main set's numbers and overrides properties
  assert.match(ts, /part: \[\{ name: "second", value: 2, type: "string", multi: true \}\]/);
  // struct lengths resolve named constants
  assert.match(ts, /\{ name: "tag", type: "binary", len: 8 \}/);
  // unified operations count from 1 and continue after an explicit value
  assert.match(ts, /export const MINI_CMD_GET = 1;/);
  assert.match(ts, /export const MINI_CMD_SET = 5;/);
  assert.match(ts, /export const MINI_CMD_DEL = 6;/);
  // genetlink groups have no number: resolved at run time
  assert.match(ts, /mcastGroups: \{ events: null \}/);
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

function citations(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) { for (const x of node) citations(x, out); }
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "uapi") out.push(...(Array.isArray(v) ? v : [v]));
      else citations(v, out);
    }
  }
  return out;
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

test(
  "every uapi citation names an installed header that declares what it quotes",
  { skip: SKIP_NO_HEADERS },
  () => {
    const files = ["overlays", "local"].flatMap((d) =>
      fs.readdirSync(path.join(SPECS, d)).map((f) => path.join(SPECS, d, f))
    );
    let checked = 0;
    let newer = 0;
    for (const file of files) {
      for (const c of citations(YAML.parse(fs.readFileSync(file, "utf8")))) {
        const m = /^([\w/]+\.h)(?:@(\d+)\.(\d+))?: /.exec(c);
        assert.ok(m, `${file}: malformed citation ${c}`);
        const header = m[1];
        const p = path.join(INCLUDE, header);
        assert.ok(fs.existsSync(p), `${file}: "${header}" is not an installed header`);
        // A declaration a later release added (header@6.5) is checked when the headers have it.
        if (m[2] !== undefined && Number(m[2]) * 1000 + Number(m[3]) > INSTALLED) {
          newer++;
          continue;
        }
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
    assert.ok(newer <= 2, `${newer} citations newer than the installed headers`);
  },
);

// --- the pending link-kind overlay against the kernel ----------------------------------------

function familyOf(f: FamilyIR) {
  return defineFamily(familyTable(f, (_name, value) => value) as unknown as FamilySpec);
}

type IpDetails = {
  ifname: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
};

/** linkinfo of `name` as the pending-overlay family decodes it, and what `ip -d -j` shows. */
async function kindData(family: ReturnType<typeof familyOf>, name: string) {
  await using rt = await Rtnl.open();
  const getlink = family.operation<object, rtLink.LinkAttrs>("getlink");
  const m = await rt.call(getlink, { attrs: { ifname: name } });
  const ours = (m!.attrs.linkinfo as Record<string, unknown>).data as Record<string, unknown>;
  const ip = ipJson<IpDetails[]>("-d", "link", "show", "dev", name)[0].linkinfo!.info_data!;
  return { ours, ip };
}

test(
  "the pending link-kind overlay decodes vxlan and macvlan data as ip -d -j shows it",
  { skip: SKIP_KERNEL || lacksConfig(["CONFIG_VXLAN", "CONFIG_MACVLAN", "CONFIG_VETH"]) },
  async () => {
    const family = familyOf(resolveFamily(new SpecsFolder(SPECS).load("rt-link", true)));
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
  "the pending link-kind overlay decodes ipvlan data as ip -d -j shows it",
  { skip: SKIP_KERNEL || lacksConfig(["CONFIG_IPVLAN", "CONFIG_VETH"]) },
  async () => {
    const family = familyOf(resolveFamily(new SpecsFolder(SPECS).load("rt-link", true)));
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
  "the pending overlay's veth peer (struct ifinfomsg then IFLA_* attributes) creates a pair",
  { skip: SKIP_KERNEL || lacksConfig(["CONFIG_VETH"]) },
  async () => {
    const family = familyOf(resolveFamily(new SpecsFolder(SPECS).load("rt-link", true)));
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
        // TCA_MIRRED_PARMS: struct tc_mirred, whose first member is tc_gen's __u32 index.
        const parms = (a.options as { parms?: Uint8Array } | undefined)?.parms;
        assert.ok(parms instanceof Uint8Array && parms.length === 28, "struct tc_mirred");
        found.push(new DataView(parms.buffer, parms.byteOffset).getUint32(0, true));
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
