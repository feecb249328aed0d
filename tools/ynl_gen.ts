/**
 * YNL spec → TypeScript generator: reads the kernel's YAML netlink specs and writes one
 * module per family (enums, message types, multicast groups, structs, attribute sets,
 * sub-messages, operations and the TypeScript types of decoded values) for the
 * table-driven codec in `codec/schema.ts`.
 *
 * ```sh
 * deno run -A tools/ynl_gen.ts ../shared/netlink-specs families/generated            # default families
 * deno run -A tools/ynl_gen.ts ../shared/netlink-specs families/generated nlctrl     # a chosen one
 * bun tools/ynl_gen.ts ../shared/netlink-specs families/generated
 * ```
 *
 * Output is deterministic; the files are run through `deno fmt` (with the repository's
 * line width) when a `deno` binary is found.
 *
 * @example
 * ```ts
 * import { generate } from "./ynl_gen.ts";
 * generate("../shared/netlink-specs", "families/generated");
 * ```
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { camelCase, screamingSnake } from "../codec/schema.ts";

/**
 * Specs generated when no names are given: rtnetlink, tc, and the genetlink controller
 * (every other spec in the directory generates too; add it here to commit it).
 *
 * @example
 * ```ts
 * import { DEFAULT_SPECS } from "./ynl_gen.ts";
 * DEFAULT_SPECS.includes("rt-link"); // true
 * ```
 */
export const DEFAULT_SPECS: readonly string[] = [
  "rt-addr",
  "rt-link",
  "rt-neigh",
  "rt-route",
  "rt-rule",
  "tc",
  "nlctrl",
];

const LINE_WIDTH = 100;

// deno-lint-ignore no-explicit-any
type Y = any;

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval undefined NaN Infinity")
    .split(" "),
);

function pascalCase(name: string): string {
  const c = camelCase(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

function isIdent(s: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
}

function propKey(s: string): string {
  return isIdent(s) ? s : JSON.stringify(s);
}

function docText(s: unknown): string {
  return String(s ?? "").replace(/\*\//g, "*\\/").replace(/\s+$/g, "").trim();
}

/** Split a line longer than the line width at spaces (a word longer than it stays whole). */
function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = /^\s*(?:[-*] )?/.exec(line)![0];
  const hang = " ".repeat(lead.length);
  const out: string[] = [];
  let cur = "";
  for (const word of line.slice(lead.length).split(/ +/)) {
    const prefix = out.length === 0 ? lead : hang;
    if (cur !== "" && prefix.length + cur.length + 1 + word.length > width) {
      out.push(prefix + cur);
      cur = word;
    } else cur = cur === "" ? word : `${cur} ${word}`;
  }
  out.push((out.length === 0 ? lead : hang) + cur);
  return out;
}

/** A JSDoc block at `indent`, from lines of text (blank lines kept, long lines wrapped). */
function jsdoc(indent: string, text: string): string {
  const raw = text.split("\n").map((l) => l.replace(/\s+$/, ""));
  while (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  if (raw.length === 1 && indent.length + raw[0].length + 7 <= LINE_WIDTH) {
    return `${indent}/** ${raw[0]} */\n`;
  }
  const lines = raw.flatMap((l) => wrap(l, LINE_WIDTH - indent.length - 3));
  return `${indent}/**\n${
    lines.map((l) => (l === "" ? `${indent} *` : `${indent} * ${l}`)).join("\n")
  }\n${indent} */\n`;
}

// ---------------------------------------------------------------------------
// Literal emitter (objects and arrays, width-aware like deno fmt)
// ---------------------------------------------------------------------------

class Code {
  constructor(readonly code: string) {}
}

type Lit = string | number | boolean | null | Code | Lit[] | { [k: string]: Lit | undefined };

function oneLine(v: Lit): string {
  if (v instanceof Code) return v.code;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  if (Array.isArray(v)) return `[${v.map(oneLine).join(", ")}]`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, x]) => `${propKey(k)}: ${oneLine(x as Lit)}`).join(", ")} }`;
}

function emit(v: Lit, indent: string, lead: number, trail: number): string {
  const one = oneLine(v);
  if (
    indent.length + lead + one.length + trail <= LINE_WIDTH || v instanceof Code ||
    typeof v !== "object" || v === null
  ) {
    return one;
  }
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => `${inner}${emit(x, inner, 0, 1)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${
    entries.map(([k, x]) => {
      const key = `${propKey(k)}: `;
      return `${inner}${key}${emit(x as Lit, inner, key.length, 1)},`;
    }).join("\n")
  }\n${indent}}`;
}

// ---------------------------------------------------------------------------
// Spec model
// ---------------------------------------------------------------------------

interface EnumInfo {
  name: string;
  type: "enum" | "flags";
  exportName: string;
  doc: string;
  entries: { key: string; value: number; doc: string }[];
}

interface AttrInfo {
  yname: string;
  key: string;
  value: number;
  y: Y;
  cName: string;
}

interface SetInfo {
  name: string;
  table: string;
  iface: string;
  doc: string;
  attrs: AttrInfo[];
}

interface StructInfo {
  name: string;
  table: string;
  iface: string;
  doc: string;
  members: Y[];
}

interface SubMsgInfo {
  name: string;
  iface: string;
  formats: { value: string; fixedHeader?: string; attributeSet?: string }[];
}

interface OpInfo {
  yname: string;
  key: string;
  y: Y;
  requestValue?: number;
  replyValue?: number;
  attributeSet?: string;
  fixedHeader?: string;
}

class Names {
  #used = new Map<string, string>();
  constructor(private readonly file: string) {}

  /** Claim `name` for `what`; on a clash try `name + suffix`, then fail. */
  claim(name: string, what: string, suffix?: string): string {
    let n = name;
    if (RESERVED.has(n) || this.#used.has(n)) {
      if (suffix === undefined) {
        throw new Error(
          `${this.file}: ${what} "${n}" clashes with ${this.#used.get(n) ?? "a reserved word"}`,
        );
      }
      n = name + suffix;
      if (this.#used.has(n)) {
        throw new Error(`${this.file}: ${what} "${n}" clashes with ${this.#used.get(n)}`);
      }
    }
    this.#used.set(n, what);
    return n;
  }
}

function resolveLen(len: Y, consts: Map<string, number | string>, where: string): number {
  if (typeof len === "number") return len;
  const m = /^([0-9A-Za-z_-]+)( - 1)?$/.exec(String(len));
  if (m) {
    const base = /^[0-9]+$/.test(m[1]) ? Number(m[1]) : consts.get(m[1]);
    if (typeof base === "number") return base - (m[2] ? 1 : 0);
  }
  throw new Error(`${where}: cannot resolve length ${JSON.stringify(len)}`);
}

function enumValues(d: Y): { name: string; value: number; doc: string }[] {
  const out: { name: string; value: number; doc: string }[] = [];
  const start = Number(d["value-start"] ?? 0);
  let prev: number | undefined;
  for (const e of d.entries ?? []) {
    const entry = typeof e === "string" ? { name: e } : e;
    const raw: number = entry.value !== undefined
      ? Number(entry.value)
      : prev === undefined
      ? start
      : prev + 1;
    prev = raw;
    out.push({
      name: String(entry.name),
      value: d.type === "flags" ? 2 ** raw : raw,
      doc: docText(entry.doc),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

/**
 * Where a spec disagrees with the kernel's uAPI header, the header wins. Each fix names the
 * header that the struct is declared in.
 */
const STRUCT_FIXES: Record<string, Record<string, Y[]>> = {
  tc: {
    // linux/pkt_sched.h: struct tc_ratespec { unsigned char cell_log; __u8 linklayer;
    //   unsigned short overhead; short cell_align; unsigned short mpu; __u32 rate; }
    "tc-ratespec": [
      { name: "cell-log", type: "u8" },
      { name: "linklayer", type: "u8" },
      { name: "overhead", type: "u16" },
      { name: "cell-align", type: "s16" },
      { name: "mpu", type: "u16" },
      { name: "rate", type: "u32" },
    ],
  },
  "rt-link": {
    // linux/if_link.h: struct ifla_bridge_id { __u8 prio[2]; __u8 addr[6]; }: the priority is
    // two bytes in network order.
    "ifla-bridge-id": [
      { name: "prio", type: "u16", "byte-order": "big-endian" },
      { name: "addr", type: "binary", len: 6, "display-hint": "mac" },
    ],
  },
  "rt-route": {
    // linux/rtnetlink.h: struct rta_cacheinfo has eight __u32 members.
    "rta-cacheinfo": [
      "rta-clntref",
      "rta-lastuse",
      "rta-expires",
      "rta-error",
      "rta-used",
      "rta-id",
      "rta-ts",
      "rta-tsage",
    ].map((name) => ({ name, type: "u32" })),
  },
};

/** Attribute types the specs get wrong, by spec, set and attribute, with the header to check. */
const BE = { "byte-order": "big-endian" };
const ATTRIBUTE_FIXES: Record<string, Record<string, Record<string, Y>>> = {
  // linux/fib_rules.h: FRA_DST / FRA_SRC hold an address of the rule's family (4 or 16 bytes);
  // FRA_TUN_ID is a __be64 (fib_rules.c: nla_put_be64).
  "rt-rule": {
    "fib-rule-attrs": { dst: { type: "binary" }, src: { type: "binary" }, "tun-id": BE },
  },
  // The bridge port's boolean options are NLA_U8 in the kernel's policy (br_port_policy) and
  // are sent as u8 in dumps; only IFLA_BRPORT_FLUSH is a real flag.
  "rt-link": {
    "linkinfo-brport-attrs": Object.fromEntries(
      [
        "mode",
        "guard",
        "protect",
        "fast-leave",
        "learning",
        "unicast-flood",
        "proxyarp",
        "learning-sync",
        "proxyarp-wifi",
        "mcast-flood",
        "mcast-to-ucast",
        "vlan-tunnel",
        "bcast-flood",
        "neigh-suppress",
        "isolated",
        "mrp-ring-open",
        "mrp-in-open",
        "locked",
        "mab",
        "neigh-vlan-suppress",
      ].map((name) => [name, { type: "u8" }]),
    ),
    // br_netlink.c: IFLA_BR_VLAN_PROTOCOL is put with nla_put_be16.
    "linkinfo-bridge-attrs": { "vlan-protocol": BE },
  },
};

function applySpecFixes(y: Y): void {
  const structs = STRUCT_FIXES[y.name as string] ?? {};
  for (const d of (y.definitions ?? []) as Y[]) {
    const members = structs[d.name as string];
    if (members) d.members = members;
  }
  const attrs = ATTRIBUTE_FIXES[y.name as string] ?? {};
  for (const set of (y["attribute-sets"] ?? []) as Y[]) {
    const types = attrs[set.name as string];
    if (!types) continue;
    for (const a of (set.attributes ?? []) as Y[]) Object.assign(a, types[a.name as string]);
  }
}

/**
 * Generate the TypeScript module of one spec. `fileName` is the spec's file name (for
 * the header line and messages).
 *
 * @example
 * ```ts
 * import { generateModule } from "./ynl_gen.ts";
 * import * as fs from "node:fs";
 * const ts = generateModule(fs.readFileSync("../shared/netlink-specs/rt-addr.yaml", "utf8"), "rt-addr.yaml");
 * ```
 */
export function generateModule(specText: string, fileName: string): string {
  const y: Y = YAML.parse(specText, { uniqueKeys: false });
  applySpecFixes(y);
  const familyName: string = y.name;
  const protocol: string = y.protocol ?? "genetlink";
  const raw = protocol === "netlink-raw";
  const names = new Names(fileName);
  const defs: Y[] = y.definitions ?? [];

  // -- constants and enums
  const consts = new Map<string, number | string>();
  for (const d of defs) if (d.type === "const") consts.set(d.name, d.value);
  const enums: EnumInfo[] = [];
  const enumByName = new Map<string, EnumInfo>();
  for (const d of defs) {
    if (d.type !== "enum" && d.type !== "flags") continue;
    const info: EnumInfo = {
      name: d.name,
      type: d.type,
      exportName: "",
      doc: docText(d.doc),
      entries: enumValues(d).map((e) => ({
        key: screamingSnake(e.name),
        value: e.value,
        doc: e.doc,
      })),
    };
    enums.push(info);
    enumByName.set(d.name, info);
  }

  // -- structs
  const structs: StructInfo[] = [];
  for (const d of defs) {
    if (d.type !== "struct") continue;
    structs.push({
      name: d.name,
      table: "",
      iface: "",
      doc: docText(d.doc),
      members: d.members ?? [],
    });
  }
  const structByName = new Map(structs.map((s) => [s.name, s]));

  // -- attribute sets (subsets flattened)
  const rawSets: Y[] = y["attribute-sets"] ?? [];
  const setYaml = new Map<string, Y>(rawSets.map((s) => [s.name, s]));
  const mainValues = new Map<string, Map<string, { value: number; y: Y }>>();
  const prefixOf = (s: Y): string => {
    if (s["subset-of"]) return prefixOf(setYaml.get(s["subset-of"]));
    if (s["name-prefix"] !== undefined) return s["name-prefix"];
    return `${familyName}-a-${s.name === familyName ? "" : s.name + "-"}`;
  };
  for (const s of rawSets) {
    if (s["subset-of"]) continue;
    const m = new Map<string, { value: number; y: Y }>();
    let val = 1;
    for (const a of s.attributes ?? []) {
      if (a.value !== undefined) val = Number(a.value);
      m.set(a.name, { value: val, y: a });
      val++;
    }
    mainValues.set(s.name, m);
  }
  const sets: SetInfo[] = [];
  for (const s of rawSets) {
    const main = mainValues.get(s["subset-of"] ?? s.name);
    if (main === undefined) {
      throw new Error(`${fileName}: set ${s.name}: unknown subset-of ${s["subset-of"]}`);
    }
    const prefix = prefixOf(s);
    const attrs: AttrInfo[] = [];
    for (const a of s.attributes ?? []) {
      const base = main.get(a.name);
      if (base === undefined) {
        throw new Error(`${fileName}: set ${s.name}: attribute ${a.name} not in its main set`);
      }
      const merged = s["subset-of"] ? { ...base.y, ...a } : { ...a };
      if (merged.type === "array-nest") {
        // Older name (genetlink-legacy) of an indexed array of nests.
        merged.type = "indexed-array";
        merged["sub-type"] = "nest";
      }
      attrs.push({
        yname: a.name,
        key: camelCase(a.name),
        value: base.value,
        y: merged,
        cName: screamingSnake(prefix + a.name),
      });
    }
    const keys = new Set<string>();
    for (const a of attrs) {
      if (a.y.type === "unused" || a.y.type === "pad") continue;
      if (keys.has(a.key)) throw new Error(`${fileName}: set ${s.name}: duplicate key ${a.key}`);
      keys.add(a.key);
    }
    sets.push({ name: s.name, table: "", iface: "", doc: docText(s.doc), attrs });
  }
  const setByName = new Map(sets.map((s) => [s.name, s]));

  // -- sub-messages
  const subMsgs: SubMsgInfo[] = (y["sub-messages"] ?? []).map((sm: Y) => ({
    name: sm.name,
    iface: "",
    formats: (sm.formats ?? []).map((f: Y) => ({
      value: String(f.value),
      fixedHeader: f["fixed-header"],
      attributeSet: f["attribute-set"],
    })),
  }));

  // -- operations (values as tools/net/ynl/lib/nlspec.py assigns them)
  const opsY: Y = y.operations ?? { list: [] };
  const model: string = opsY["enum-model"] ?? "unified";
  const ops: OpInfo[] = [];
  const opList: Y[] = opsY.list ?? [];
  const opByName = new Map<string, Y>(opList.map((o) => [o.name, o]));
  if (model === "unified") {
    let val = 1;
    for (const o of opList) {
      if (o.value !== undefined) val = Number(o.value);
      ops.push({ yname: o.name, key: camelCase(o.name), y: o, requestValue: val, replyValue: val });
      val++;
    }
  } else {
    let req: number | undefined = 1;
    let rsp: number | undefined = 1;
    for (const o of opList) {
      let reqNext: number | undefined;
      let rspNext: number | undefined;
      if (o.notify !== undefined || o.event !== undefined) {
        if (o.value !== undefined) rsp = Number(o.value);
        reqNext = req;
        rspNext = rsp! + 1;
        req = undefined;
      } else if (o.do !== undefined || o.dump !== undefined) {
        const mode = o.do ?? o.dump;
        if (mode.request?.value) req = Number(mode.request.value);
        if (mode.reply?.value) rsp = Number(mode.reply.value);
        reqNext = req! + 1;
        rspNext = rsp! + (mode.reply !== undefined ? 1 : 0);
      } else {
        throw new Error(`${fileName}: cannot number directional operation ${o.name}`);
      }
      ops.push({
        yname: o.name,
        key: camelCase(o.name),
        y: o,
        requestValue: req === reqNext ? undefined : req,
        replyValue: rsp === rspNext ? undefined : rsp,
      });
      req = reqNext;
      rsp = rspNext;
    }
  }
  for (const op of ops) {
    const o = op.y;
    op.fixedHeader = o["fixed-header"] ?? opsY["fixed-header"];
    if (o["attribute-set"] !== undefined) op.attributeSet = o["attribute-set"];
    else if (o.notify !== undefined) op.attributeSet = opByName.get(o.notify)?.["attribute-set"];
    if (op.attributeSet !== undefined && !setByName.has(op.attributeSet)) {
      throw new Error(`${fileName}: operation ${o.name}: unknown attribute set ${op.attributeSet}`);
    }
  }

  // -- names: value exports first, then types
  for (const e of enums) {
    e.exportName = names.claim(screamingSnake(e.name), `enum ${e.name}`, "_ENUM");
  }
  const constExports: { name: string; value: number | string; doc: string }[] = [];
  for (const d of defs) {
    if (d.type !== "const") continue;
    const prefix = d["name-prefix"] ?? "";
    constExports.push({
      name: names.claim(screamingSnake(prefix + d.name), `constant ${d.name}`),
      value: d.value,
      doc: docText(d.doc),
    });
  }
  const opPrefix: string = opsY["name-prefix"] ?? (raw ? "" : `${familyName}-cmd-`);
  const asyncPrefix: string = opsY["async-prefix"] ?? opPrefix;
  const msgConsts: { name: string; value: number; op: OpInfo; kind: string }[] = [];
  for (const op of ops) {
    const isNtf = op.y.notify !== undefined || op.y.event !== undefined;
    if (isNtf) {
      // netlink-raw notifications reuse the NEW/DEL message types: no constant of their own.
      if (raw || op.replyValue === undefined) continue;
      msgConsts.push({
        name: names.claim(screamingSnake(asyncPrefix + op.yname), `notification ${op.yname}`),
        value: op.replyValue,
        op,
        kind: "notification",
      });
    } else if (op.requestValue !== undefined) {
      msgConsts.push({
        name: names.claim(screamingSnake(opPrefix + op.yname), `operation ${op.yname}`),
        value: op.requestValue,
        op,
        kind: raw ? "message type" : "command",
      });
    }
  }
  const groups: { name: string; value: number | null; exportName?: string }[] = [];
  for (const g of y["mcast-groups"]?.list ?? []) {
    const value = g.value === undefined ? null : Number(g.value);
    groups.push({
      name: g.name,
      value,
      exportName: value === null
        ? undefined
        : names.claim(screamingSnake(g.name), `group ${g.name}`),
    });
  }
  names.claim("family", "the family table");
  names.claim("operations", "the operations table");
  names.claim("Operations", "the operations type");
  for (const s of structs) {
    s.table = names.claim(camelCase(s.name), `struct ${s.name}`, "Struct");
    s.iface = names.claim(pascalCase(s.name), `struct type ${s.name}`, "Struct");
  }
  for (const s of sets) {
    s.table = names.claim(camelCase(s.name), `set ${s.name}`, "Set");
    s.iface = names.claim(pascalCase(s.name), `set type ${s.name}`, "Set");
  }
  for (const sm of subMsgs) {
    sm.iface = names.claim(pascalCase(sm.name), `sub-message ${sm.name}`, "Formats");
  }
  const subByName = new Map(subMsgs.map((s) => [s.name, s]));

  const structIface = (n: string): string => {
    const s = structByName.get(n);
    if (s === undefined) throw new Error(`${fileName}: unknown struct ${n}`);
    return s.iface;
  };
  const setIface = (n: string): string => {
    const s = setByName.get(n);
    if (s === undefined) throw new Error(`${fileName}: unknown attribute set ${n}`);
    return s.iface;
  };

  // -- TypeScript types of values
  const intType = (t: string): string | undefined =>
    ["u8", "u16", "u32", "s8", "s16", "s32"].includes(t)
      ? "number"
      : t === "u64" || t === "s64"
      ? "bigint"
      : t === "uint" || t === "sint"
      ? "number | bigint"
      : undefined;
  const leafType = (t: string, a: Y, where: string): string => {
    const it = intType(t);
    if (it !== undefined) return it;
    switch (t) {
      case "flag":
        return "boolean";
      case "string":
        return "string";
      case "binary":
        if (a.struct !== undefined) return structIface(a.struct);
        return "Uint8Array";
      case "bitfield32":
        return "Bitfield32";
      case "nest":
        return setIface(a["nested-attributes"]);
    }
    throw new Error(`${where}: unsupported type ${t}`);
  };
  const arrayOf = (t: string): string => (/[ |&]/.test(t) ? `(${t})[]` : `${t}[]`);
  const attrType = (a: Y, where: string): string | undefined => {
    const t: string = a.type;
    if (t === "pad" || t === "unused") return undefined;
    let ts: string;
    if (
      t === "binary" && a.struct === undefined && a["sub-type"] !== undefined &&
      intType(a["sub-type"])
    ) {
      ts = arrayOf(intType(a["sub-type"])!.replace("number | bigint", "number"));
    } else if (t === "indexed-array") {
      const st: string = a["sub-type"];
      ts = arrayOf(st === "nest" ? setIface(a["nested-attributes"]) : leafType(st, a, where));
    } else if (t === "nest-type-value") {
      const ids = (a["type-value"] ?? []).map((n: string) => `${camelCase(n)}: number`).join("; ");
      ts = `({ ${ids} } & ${setIface(a["nested-attributes"])})[]`;
    } else if (t === "sub-message") {
      const sm = subByName.get(a["sub-message"]);
      if (sm === undefined) throw new Error(`${where}: unknown sub-message ${a["sub-message"]}`);
      ts = `${sm.iface}[keyof ${sm.iface}]`;
    } else ts = leafType(t, a, where);
    return a["multi-attr"] ? arrayOf(ts) : ts;
  };

  // -- output
  const rel = (p: string): string => p;
  let out = `// Generated by tools/ynl_gen.ts from ${fileName} — do not edit.\n`;
  const exampleOp = ops.find((o) => o.y.dump !== undefined && o.requestValue !== undefined) ??
    ops.find((o) => o.y.do !== undefined && o.requestValue !== undefined);
  const nsName = camelCase(familyName.replace(/[^A-Za-z0-9-_]/g, "-"));
  const modFile = path.basename(fileName, ".yaml").replace(/-/g, "_");
  const header: string[] = [
    `${familyName}: ${docText(y.doc).replace(/\n+/g, " ")}`,
    "",
    `Tables generated from the kernel's YNL spec \`${fileName}\` (schema ${protocol}${
      y.protonum !== undefined ? `, netlink protocol ${y.protonum}` : ""
    }${
      y["uapi-header"] ? `, uAPI header ${y["uapi-header"]}` : ""
    }) for the codec in \`codec/schema.ts\`: enums and flags, message numbers, multicast groups, ` +
    "fixed structs, attribute sets, sub-messages, operations, and the types of decoded values. " +
    "Import it as a namespace: names such as `rtgenmsg` recur across families.",
  ];
  if (exampleOp !== undefined) {
    const dump = exampleOp.y.dump !== undefined;
    const opts = [dump ? "dump: true" : "", "seq: 1", raw ? "" : "type: familyId"].filter((s) =>
      s !== ""
    )
      .join(", ");
    header.push(
      "",
      "@example",
      "```ts",
      `import * as ${nsName} from "./${modFile}.ts";`,
      `import { buildMessage, decodeBody } from "../../codec/schema.ts";`,
      ...(raw ? [] : ["declare const familyId: number; // resolved through nlctrl"]),
      `const request = buildMessage(${nsName}.operations.${exampleOp.key}, { ${opts} });`,
      "declare const payload: Uint8Array; // payload of a reply",
      `const { header, attrs } = decodeBody(${nsName}.operations.${exampleOp.key}, payload);`,
      "```",
    );
  }
  header.push("", "@module");
  out += jsdoc("", header.join("\n"));
  out += "\n";
  const typeImports = ["Family"];
  if (sets.length > 0) typeImports.push("AttributeSet", "AttrValues");
  if (structs.length > 0) typeImports.push("StructType", "StructValues");
  if (ops.length > 0) typeImports.push("Operation");
  if (sets.some((s) => s.attrs.some((a) => a.y.type === "bitfield32"))) {
    typeImports.push("Bitfield32");
  }
  const imports = [...typeImports.map((t) => `type ${t}`), "defineFamily"].sort((a, b) =>
    a.replace(/^type /, "").localeCompare(b.replace(/^type /, ""))
  );
  out += `import {\n${imports.map((i) => `  ${i},`).join("\n")}\n} from "${
    rel("../../codec/schema.ts")
  }";\n`;

  // enums
  for (const e of enums) {
    out += "\n";
    out += jsdoc(
      "",
      `${e.type === "flags" ? "Flags" : "Enum"} \`${e.name}\` of ${familyName}${
        e.type === "flags" ? " (values are bit masks)" : ""
      }.${e.doc ? "\n\n" + e.doc : ""}`,
    );
    if (e.entries.length === 0) {
      out += `export const ${e.exportName}: Readonly<Record<string, never>> = {};\n`;
      continue;
    }
    out += `export const ${e.exportName} = {\n`;
    for (const x of e.entries) {
      if (x.doc) out += jsdoc("  ", x.doc);
      out += `  ${propKey(x.key)}: ${x.value},\n`;
    }
    out += "} as const;\n";
  }

  // constants
  for (const c of constExports) {
    out += "\n";
    out += jsdoc("", `Constant \`${c.name}\` of ${familyName}.${c.doc ? "\n\n" + c.doc : ""}`);
    out += `export const ${c.name} = ${JSON.stringify(c.value)};\n`;
  }
  for (const m of msgConsts) {
    out += "\n";
    const odoc = docText(m.op.y.doc);
    out += jsdoc(
      "",
      `\`${m.name}\` (${m.value}): the ${m.kind} of \`${m.op.yname}\` ${
        m.kind === "notification" ? "notifications" : "requests"
      }.${odoc ? "\n\n" + odoc : ""}`,
    );
    out += `export const ${m.name} = ${m.value};\n`;
  }
  for (const g of groups) {
    if (g.exportName === undefined) continue;
    out += "\n";
    out += jsdoc("", `Multicast group \`${g.name}\` (${g.value}).`);
    out += `export const ${g.exportName} = ${g.value};\n`;
  }

  // struct types
  for (const s of structs) {
    out += "\n";
    out += jsdoc(
      "",
      `Struct \`${s.name}\` of ${familyName}, as decoded by {@link ${s.table}}.${
        s.doc ? "\n\n" + s.doc : ""
      }`,
    );
    const members = s.members.filter((m: Y) => m.type !== "pad");
    if (members.length === 0) {
      out += `export type ${s.iface} = StructValues;\n`;
      continue;
    }
    out += `export interface ${s.iface} extends StructValues {\n`;
    for (const m of members) {
      const it = intType(m.type);
      const ts = it ??
        (m.struct !== undefined
          ? structIface(m.struct)
          : m.type === "string"
          ? "string"
          : "Uint8Array");
      const bits = [`\`${m.name}\`: ${m.type}`];
      if (m.len !== undefined) bits.push(`${m.len} bytes`);
      if (m["byte-order"] === "big-endian") bits.push("big-endian");
      if (m.enum !== undefined) {
        bits.push(`values of {@link ${enumByName.get(m.enum)?.exportName ?? m.enum}}`);
      }
      const d = docText(m.doc);
      out += jsdoc("  ", `${bits.join(", ")}.${d ? "\n\n" + d : ""}`);
      out += `  ${propKey(camelCase(m.name))}: ${ts};\n`;
    }
    out += "}\n";
  }

  // attribute set types
  for (const s of sets) {
    out += "\n";
    out += jsdoc(
      "",
      `Attributes of set \`${s.name}\` of ${familyName}, as decoded by {@link ${s.table}}.${
        s.doc ? "\n\n" + s.doc : ""
      }`,
    );
    const typed = s.attrs.map((a) => ({
      a,
      ts: attrType(a.y, `${fileName}: ${s.name}.${a.yname}`),
    }))
      .filter((x) => x.ts !== undefined);
    if (typed.length === 0) {
      out += `export type ${s.iface} = AttrValues;\n`;
      continue;
    }
    out += `export interface ${s.iface} extends AttrValues {\n`;
    for (const { a, ts } of typed) {
      const bits = [`\`${a.cName}\` (${a.value}): ${a.y.type}`];
      if (a.y["sub-type"] !== undefined) bits[0] += ` of ${a.y["sub-type"]}`;
      if (a.y.struct !== undefined) bits[0] += ` (struct \`${a.y.struct}\`)`;
      if (a.y["nested-attributes"] !== undefined) bits[0] += ` of \`${a.y["nested-attributes"]}\``;
      if (a.y["display-hint"] !== undefined) bits.push(`shown as ${a.y["display-hint"]}`);
      if (a.y["byte-order"] === "big-endian") bits.push("big-endian");
      if (a.y["multi-attr"]) bits.push("repeated");
      if (a.y.enum !== undefined) {
        bits.push(`values of {@link ${enumByName.get(a.y.enum)?.exportName ?? a.y.enum}}`);
      }
      if (a.y.type === "sub-message") bits.push(`format chosen by \`${camelCase(a.y.selector)}\``);
      const d = docText(a.y.doc);
      out += jsdoc("  ", `${bits.join(", ")}.${d ? "\n\n" + d : ""}`);
      out += `  ${propKey(a.key)}?: ${ts};\n`;
    }
    out += "}\n";
  }

  // sub-message format types
  for (const sm of subMsgs) {
    out += "\n";
    out += jsdoc("", `Formats of sub-message \`${sm.name}\` of ${familyName}, by selector value.`);
    out += `export interface ${sm.iface} {\n`;
    for (const f of sm.formats) {
      const parts: string[] = [];
      if (f.fixedHeader !== undefined) parts.push(structIface(f.fixedHeader));
      if (f.attributeSet !== undefined) {
        // Attributes named like a struct member decode as `<name>Attr` (see codec/schema.ts).
        const members = new Set(
          (structByName.get(f.fixedHeader ?? "")?.members ?? []).filter((m: Y) => m.type !== "pad")
            .map((m: Y) => camelCase(m.name)),
        );
        const clash = (setByName.get(f.attributeSet)?.attrs ?? []).filter((a) =>
          members.has(a.key) && a.y.type !== "pad" && a.y.type !== "unused"
        ).map((a) => a.key);
        const iface = setIface(f.attributeSet);
        if (clash.length === 0) parts.push(iface);
        else {
          parts.push(`Omit<${iface}, ${clash.map((k) => JSON.stringify(k)).join(" | ")}>`);
          parts.push(
            `{ ${clash.map((k) => `${k}Attr?: ${iface}[${JSON.stringify(k)}]`).join("; ")} }`,
          );
        }
      }
      const what = [
        f.fixedHeader !== undefined ? `struct \`${f.fixedHeader}\`` : "",
        f.attributeSet !== undefined ? `attribute set \`${f.attributeSet}\`` : "",
      ].filter((x) => x !== "").join(" followed by ");
      out += jsdoc("  ", `\`${f.value}\`: ${what || "no content"}.`);
      out += `  ${propKey(f.value)}: ${
        parts.length === 0 ? "Record<string, never>" : parts.join(" & ")
      };\n`;
    }
    out += "}\n";
  }

  // operations type
  const opTypes = (op: OpInfo): [string, string] => [
    op.fixedHeader !== undefined ? structIface(op.fixedHeader) : "Record<string, never>",
    op.attributeSet !== undefined ? setIface(op.attributeSet) : "Record<string, never>",
  ];
  out += "\n";
  out += jsdoc("", `The operations of ${familyName}, typed by fixed header and attributes.`);
  if (ops.length === 0) out += "export type Operations = Record<string, never>;\n";
  else {
    out += "export interface Operations {\n";
    for (const op of ops) {
      const [h, a] = opTypes(op);
      const nums = [
        op.requestValue !== undefined ? `request ${op.requestValue}` : "",
        op.replyValue !== undefined
          ? `${
            op.y.notify !== undefined || op.y.event !== undefined ? "notification" : "reply"
          } ${op.replyValue}`
          : "",
      ].filter((x) => x !== "").join(", ");
      const d = docText(op.y.doc);
      out += jsdoc(
        "  ",
        `\`${op.yname}\`${nums ? ` (${nums})` : ""}.${d ? "\n\n" + d : ""}`,
      );
      out += `  readonly ${propKey(op.key)}: Operation<${h}, ${a}>;\n`;
    }
    out += "}\n";
  }

  // the family table
  const famLit: Record<string, Lit | undefined> = {
    name: familyName,
    protocol,
    protonum: y.protonum !== undefined ? Number(y.protonum) : undefined,
    version: y.version !== undefined ? Number(y.version) : undefined,
  };
  if (enums.length > 0) {
    famLit.enums = Object.fromEntries(
      enums.map((e) => [e.name, { type: e.type, entries: new Code(e.exportName) }]),
    );
  }
  if (structs.length > 0) {
    famLit.structs = Object.fromEntries(structs.map((s) => [
      s.name,
      s.members.map((m: Y): Lit => {
        const where = `${fileName}: struct ${s.name}.${m.name}`;
        const lit: Record<string, Lit | undefined> = { name: camelCase(m.name), type: m.type };
        if (m.struct !== undefined) {
          if (!structByName.has(m.struct)) throw new Error(`${where}: unknown struct ${m.struct}`);
          lit.struct = m.struct;
        } else if (m.len !== undefined) lit.len = resolveLen(m.len, consts, where);
        else if (m.type === "binary" || m.type === "pad" || m.type === "string") {
          throw new Error(`${where}: needs len`);
        }
        if (m["byte-order"] === "big-endian") lit.byteOrder = "big-endian";
        if (m.enum !== undefined) lit.enum = m.enum;
        if (m["enum-as-flags"]) lit.enumAsFlags = true;
        if (m["display-hint"] !== undefined) lit.display = m["display-hint"];
        return lit;
      }),
    ]));
  }
  famLit.attributeSets = Object.fromEntries(sets.map((s) => [
    s.name,
    s.attrs.map((ai): Lit => {
      const a = ai.y;
      const where = `${fileName}: ${s.name}.${ai.yname}`;
      const lit: Record<string, Lit | undefined> = { name: ai.key, value: ai.value, type: a.type };
      if (a.type === undefined) throw new Error(`${where}: no type`);
      if (a["byte-order"] === "big-endian") lit.byteOrder = "big-endian";
      if (a["multi-attr"]) lit.multi = true;
      if (a["nested-attributes"] !== undefined) {
        if (!setByName.has(a["nested-attributes"])) {
          throw new Error(`${where}: unknown set ${a["nested-attributes"]}`);
        }
        lit.nested = a["nested-attributes"];
      }
      if (a["sub-type"] !== undefined) lit.subType = a["sub-type"];
      if (a.struct !== undefined) {
        if (!structByName.has(a.struct)) throw new Error(`${where}: unknown struct ${a.struct}`);
        lit.struct = a.struct;
      }
      if (a.enum !== undefined) lit.enum = a.enum;
      if (a["enum-as-flags"]) lit.enumAsFlags = true;
      if (a["display-hint"] !== undefined) lit.display = a["display-hint"];
      if (a["sub-message"] !== undefined) {
        if (!subByName.has(a["sub-message"])) {
          throw new Error(`${where}: unknown sub-message ${a["sub-message"]}`);
        }
        lit.subMessage = a["sub-message"];
      }
      if (a.selector !== undefined) lit.selector = camelCase(a.selector);
      if (a["type-value"] !== undefined) {
        lit.typeValue = a["type-value"].map((n: string) => camelCase(n));
      }
      return lit;
    }),
  ]));
  if (subMsgs.length > 0) {
    famLit.subMessages = Object.fromEntries(subMsgs.map((sm) => [
      sm.name,
      Object.fromEntries(sm.formats.map((f) => {
        if (f.fixedHeader !== undefined && !structByName.has(f.fixedHeader)) {
          throw new Error(`${fileName}: sub-message ${sm.name}: unknown struct ${f.fixedHeader}`);
        }
        if (f.attributeSet !== undefined && !setByName.has(f.attributeSet)) {
          throw new Error(`${fileName}: sub-message ${sm.name}: unknown set ${f.attributeSet}`);
        }
        return [f.value, { fixedHeader: f.fixedHeader, attributeSet: f.attributeSet }];
      })),
    ]));
  }
  const msgLit = (m: Y, set: SetInfo | undefined, where: string): Lit | undefined => {
    if (m === undefined || m === null) return m === null ? {} : undefined;
    const lit: Record<string, Lit | undefined> = {};
    if (m.value !== undefined) lit.value = Number(m.value);
    if (Array.isArray(m.attributes)) {
      lit.attributes = m.attributes.map((n: string) => {
        if (set !== undefined && !set.attrs.some((a) => a.yname === n)) {
          // Upstream quirk (nftables, ovs_flow): a name that is not in the set. Keep it out.
          return undefined;
        }
        return camelCase(n);
      }).filter((x: string | undefined) => x !== undefined);
    }
    void where;
    return lit;
  };
  famLit.operations = Object.fromEntries(ops.map((op) => {
    const o = op.y;
    const set = op.attributeSet !== undefined ? setByName.get(op.attributeSet) : undefined;
    const mode = (m: Y, what: string): Lit | undefined => {
      if (m === undefined) return undefined;
      const lit: Record<string, Lit | undefined> = {};
      if (m !== null && "request" in m) {
        lit.request = msgLit(m.request, set, `${op.yname} ${what}`) ?? {};
      }
      if (m !== null && "reply" in m) lit.reply = msgLit(m.reply, set, `${op.yname} ${what}`) ?? {};
      return lit;
    };
    if (op.fixedHeader !== undefined && !structByName.has(op.fixedHeader)) {
      throw new Error(`${fileName}: operation ${op.yname}: unknown struct ${op.fixedHeader}`);
    }
    const lit: Record<string, Lit | undefined> = {
      name: op.yname,
      requestValue: op.requestValue,
      replyValue: op.replyValue,
      attributeSet: op.attributeSet,
      fixedHeader: op.fixedHeader,
      do: mode(o.do, "do"),
      dump: mode(o.dump, "dump"),
      notify: o.notify !== undefined ? camelCase(o.notify) : undefined,
      event: o.event !== undefined ? msgLit(o.event, set, `${op.yname} event`) : undefined,
      mcgrp: o.mcgrp,
    };
    return [op.key, lit];
  }));
  if (groups.length > 0) {
    famLit.mcastGroups = Object.fromEntries(
      groups.map((g) => [g.name, g.exportName !== undefined ? new Code(g.exportName) : null]),
    );
  }
  out += "\n";
  out += jsdoc(
    "",
    `The ${familyName} family: every table of this module, compiled lazily on first use.`,
  );
  out += `export const family: Family = defineFamily(${
    emit(famLit as Lit, "", "export const family: Family = defineFamily(".length, 2)
  });\n`;

  // struct and set tables
  for (const s of structs) {
    out += "\n";
    out += jsdoc("", `Struct \`${s.name}\` (${familyName}).`);
    out += `export const ${s.table}: StructType<${s.iface}> = family.struct(${
      JSON.stringify(s.name)
    });\n`;
  }
  for (const s of sets) {
    out += "\n";
    out += jsdoc("", `Attribute set \`${s.name}\` (${familyName}).`);
    out += `export const ${s.table}: AttributeSet<${s.iface}> = family.attributeSet(${
      JSON.stringify(s.name)
    });\n`;
  }

  // operations table
  out += "\n";
  out += jsdoc("", `The operations of ${familyName} by camelCase name.`);
  if (ops.length === 0) out += "export const operations: Operations = {};\n";
  else {
    out += "export const operations: Operations = {\n";
    for (const op of ops) {
      out += `  ${propKey(op.key)}: family.operation(${JSON.stringify(op.key)}),\n`;
    }
    out += "};\n";
  }
  return out;
}

function findDeno(): string | undefined {
  const env = process.env.DENO_BIN;
  if (env) return env;
  const g = globalThis as { Deno?: { execPath(): string } };
  if (g.Deno !== undefined) return g.Deno.execPath();
  const here = path.dirname(fileURLToPath(import.meta.url));
  const local = path.join(here, "..", "node_modules", ".bin", "deno");
  if (fs.existsSync(local)) return local;
  return undefined;
}

/**
 * Module file name of a spec: the spec's base name with dashes as underscores.
 *
 * @example
 * ```ts
 * import { moduleFileName } from "./ynl_gen.ts";
 * moduleFileName("rt-link.yaml"); // "rt_link.ts"
 * ```
 */
export function moduleFileName(specFile: string): string {
  return path.basename(specFile, ".yaml").replace(/-/g, "_") + ".ts";
}

/**
 * Generate the modules of `specs` (spec names without `.yaml`) from `specsDir` into
 * `outDir`, then format them with `deno fmt` when a deno binary is found. Returns the
 * paths written.
 *
 * @example
 * ```ts
 * import { generate } from "./ynl_gen.ts";
 * const files = generate("../shared/netlink-specs", "/tmp/out", ["rt-addr"]);
 * ```
 */
export function generate(
  specsDir: string,
  outDir: string,
  specs: readonly string[] = DEFAULT_SPECS,
): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const name of specs) {
    const file = `${name}.yaml`;
    const text = fs.readFileSync(path.join(specsDir, file), "utf8");
    const out = path.join(outDir, moduleFileName(file));
    fs.writeFileSync(out, generateModule(text, file));
    written.push(out);
  }
  const deno = findDeno();
  if (deno !== undefined && written.length > 0) {
    execFileSync(deno, ["fmt", "--quiet", "--line-width", String(LINE_WIDTH), ...written], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  return written;
}

if (import.meta.main) {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.length < 2) {
    console.error("usage: ynl_gen.ts <specs-dir> <out-dir> [spec-name...]");
    process.exit(2);
  }
  const [specsDir, outDir, ...names] = args;
  for (const f of generate(specsDir, outDir, names.length > 0 ? names : DEFAULT_SPECS)) {
    console.log(f);
  }
}
