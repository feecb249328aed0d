/**
 * From a validated spec to what the emitters print: numbers as the kernel's
 * `tools/net/ynl/lib/nlspec.py` assigns them (enum values, attribute values, operation values
 * in both enum models), flattened `subset-of` sets, and the exported name of everything,
 * claimed once per module.
 *
 * @module
 */
import * as path from "node:path";
import type {
  Attribute,
  Definition,
  EnumDefinition,
  LoadedSpec,
  McastGroup,
  MessageDef,
  OperationDef,
  Spec,
  StructDefinition,
  StructMember,
} from "./model.ts";
import { camelCase, docText, Names, pascalCase, screamingSnake } from "./text.ts";
import { attrCName, cUpper, setPrefix } from "./c_names.ts";

/** An enum or flags definition, with values (flags as masks). */
export interface EnumIR {
  name: string;
  type: "enum" | "flags";
  exportName: string;
  doc: string;
  entries: { key: string; value: number; doc: string }[];
}

/** A struct definition. */
export interface StructIR {
  name: string;
  /** Export of its `StructType` table. */
  table: string;
  /** Export of its value interface. */
  iface: string;
  doc: string;
  members: StructMember[];
}

/** One attribute of a (flattened) set. */
export interface AttrIR {
  /** YNL name. */
  yname: string;
  /** camelCase key in decoded objects. */
  key: string;
  value: number;
  /** The attribute, merged with its main set's for a subset; `array-nest` made indexed. */
  y: Attribute;
  /** C enum name (`IFLA_MTU`). */
  cName: string;
}

/** A sub-message union of a set: the selector's values and the attributes each selects. */
export interface UnionIR {
  /** Export name of the union type. */
  name: string;
  /** Selector groups: one per selector attribute in the set. */
  selectors: {
    selector: AttrIR;
    /** The sub-message attributes this selector chooses the format of. */
    members: AttrIR[];
    /** One variant per selector value: its TS literal and the format name per member. */
    variants: { literal: string; formats: (string | undefined)[] }[];
  }[];
}

/** An attribute set (subsets flattened). */
export interface SetIR {
  name: string;
  table: string;
  iface: string;
  doc: string;
  /** C name prefix of its attributes (`IFLA_VXLAN_`; tools/ynl/c_names.ts). */
  cPrefix: string;
  attrs: AttrIR[];
  union?: UnionIR;
}

/** A sub-message. */
export interface SubMsgIR {
  name: string;
  iface: string;
  formats: { value: string; fixedHeader?: string; attributeSet?: string }[];
}

/** Which message of an operation a type describes. */
export type MessageSlot = "doRequest" | "doReply" | "dumpRequest" | "dumpReply" | "event";

/** The attribute type of one message of an operation. */
export interface MessageIR {
  slot: MessageSlot;
  /** Export name (`GetlinkDoRequest`). */
  name: string;
  /** Keys the spec lists (those the set has), or undefined when it lists none (whole set). */
  keys: string[] | undefined;
}

/** An operation. */
export interface OpIR {
  yname: string;
  key: string;
  y: OperationDef;
  requestValue?: number;
  replyValue?: number;
  attributeSet?: string;
  fixedHeader?: string;
  messages: MessageIR[];
}

/** A multicast group. */
export interface GroupIR {
  name: string;
  /** Number (netlink-raw) or null (resolved at run time). */
  value: number | null;
  exportName?: string;
}

/** Everything about one family that the emitters print. */
export interface FamilyIR {
  loaded: LoadedSpec;
  spec: Spec;
  /** Spec file name (`rt-link.yaml`). */
  file: string;
  /** Module base name (`rt_link`). */
  module: string;
  /** Namespace name of the module in the index (`rtLink`). */
  namespace: string;
  name: string;
  protocol: string;
  raw: boolean;
  protonum?: number;
  version?: number;
  enums: EnumIR[];
  consts: Map<string, number | string>;
  constExports: { name: string; value: number | string; doc: string }[];
  structs: StructIR[];
  sets: SetIR[];
  subMsgs: SubMsgIR[];
  ops: OpIR[];
  msgConsts: { name: string; value: number; op: OpIR; kind: string }[];
  groups: GroupIR[];
  enumByName: Map<string, EnumIR>;
  structByName: Map<string, StructIR>;
  setByName: Map<string, SetIR>;
  subByName: Map<string, SubMsgIR>;
}

/** A struct/`binary` length: a number, a `const` name, or `NAME - 1`. */
export function resolveLen(
  len: unknown,
  consts: Map<string, number | string>,
  where: string,
): number {
  if (typeof len === "number") return len;
  const m = /^([0-9A-Za-z_-]+)( - 1)?$/.exec(String(len));
  if (m) {
    const base = /^[0-9]+$/.test(m[1]) ? Number(m[1]) : consts.get(m[1]);
    if (typeof base === "number") return base - (m[2] ? 1 : 0);
  }
  throw new Error(`${where}: cannot resolve length ${JSON.stringify(len)}`);
}

/** Entry values of an enum or flags definition (flags as masks). */
export function enumValues(d: EnumDefinition): { name: string; value: number; doc: string }[] {
  const out: { name: string; value: number; doc: string }[] = [];
  const start = Number(d["value-start"] ?? 0);
  let prev: number | undefined;
  for (const e of d.entries ?? []) {
    const entry = typeof e === "string"
      ? { name: e } as { name: string; value?: number; doc?: string }
      : e;
    const raw = entry.value !== undefined
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

/** Operation numbers as nlspec.py assigns them, in spec order. */
function numberOperations(spec: Spec, file: string): OpIR[] {
  const opsY = spec.operations ?? { list: [] };
  const list: OperationDef[] = opsY.list ?? [];
  const ops: OpIR[] = [];
  const mk = (o: OperationDef, req?: number, rsp?: number): OpIR => ({
    yname: o.name,
    key: camelCase(o.name),
    y: o,
    requestValue: req,
    replyValue: rsp,
    messages: [],
  });
  if ((opsY["enum-model"] ?? "unified") === "unified") {
    let val = 1;
    for (const o of list) {
      if (o.value !== undefined) val = Number(o.value);
      ops.push(mk(o, val, val));
      val++;
    }
    return ops;
  }
  let req: number | undefined = 1;
  let rsp: number | undefined = 1;
  for (const o of list) {
    let reqNext: number | undefined;
    let rspNext: number | undefined;
    if (o.notify !== undefined || o.event !== undefined) {
      if (o.value !== undefined) rsp = Number(o.value);
      reqNext = req;
      rspNext = rsp! + 1;
      req = undefined;
    } else if (o.do || o.dump) {
      const mode = (o.do ?? o.dump)!;
      if (mode.request?.value) req = Number(mode.request.value);
      if (mode.reply?.value) rsp = Number(mode.reply.value);
      reqNext = req! + 1;
      rspNext = rsp! + (mode.reply !== undefined ? 1 : 0);
    } else {
      throw new Error(`${file}: cannot number directional operation ${o.name}`);
    }
    ops.push(mk(o, req === reqNext ? undefined : req, rsp === rspNext ? undefined : rsp));
    req = reqNext;
    rsp = rspNext;
  }
  return ops;
}

function flattenSets(spec: Spec, file: string): SetIR[] {
  const rawSets = spec["attribute-sets"] ?? [];
  const mainValues = new Map<string, Map<string, { value: number; y: Attribute }>>();
  for (const s of rawSets) {
    if (s["subset-of"]) continue;
    const m = new Map<string, { value: number; y: Attribute }>();
    let val = 1;
    for (const a of s.attributes ?? []) {
      if (a.value !== undefined) val = Number(a.value);
      m.set(a.name, { value: val, y: a });
      val++;
    }
    mainValues.set(s.name, m);
  }
  return rawSets.map((s) => {
    const main = mainValues.get(s["subset-of"] ?? s.name);
    if (main === undefined) {
      throw new Error(`${file}: set ${s.name}: unknown subset-of ${s["subset-of"]}`);
    }
    const cPrefix = cUpper(setPrefix(spec, s));
    const attrs: AttrIR[] = (s.attributes ?? []).map((a) => {
      const base = main.get(a.name);
      if (base === undefined) {
        throw new Error(`${file}: set ${s.name}: attribute ${a.name} not in its main set`);
      }
      const y: Attribute = s["subset-of"] ? { ...base.y, ...a } : { ...a };
      return {
        yname: a.name,
        key: camelCase(a.name),
        value: base.value,
        y,
        cName: attrCName(spec, s, y),
      };
    });
    const keys = new Set<string>();
    for (const a of attrs) {
      if (a.y.type === "unused" || a.y.type === "pad") continue;
      if (keys.has(a.key)) throw new Error(`${file}: set ${s.name}: duplicate key ${a.key}`);
      keys.add(a.key);
    }
    return { name: s.name, table: "", iface: "", doc: docText(s.doc), cPrefix, attrs };
  });
}

const INT_TYPES = new Set(["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint"]);

/** The sub-message union of a set, when its selectors are attributes of the set itself. */
function unionOf(f: FamilyIR, set: SetIR): UnionIR["selectors"] {
  const groups: UnionIR["selectors"] = [];
  for (const a of set.attrs) {
    if (a.y.type !== "sub-message" || a.y.selector === undefined) continue;
    const sel = set.attrs.find((x) => x.yname === a.y.selector);
    if (sel === undefined || sel.y["multi-attr"]) continue; // chosen by an outer nest
    let g = groups.find((x) => x.selector === sel);
    if (g === undefined) groups.push(g = { selector: sel, members: [], variants: [] });
    g.members.push(a);
  }
  for (const g of groups) {
    const t = g.selector.y.type!;
    const entries = g.selector.y.enum !== undefined
      ? f.enumByName.get(g.selector.y.enum)
      : undefined;
    const values: string[] = [];
    for (const m of g.members) {
      for (const fm of f.subByName.get(m.y["sub-message"]!)?.formats ?? []) {
        if (!values.includes(fm.value)) values.push(fm.value);
      }
    }
    for (const v of values) {
      let literal: string | undefined;
      if (t === "string") literal = JSON.stringify(v);
      else if (INT_TYPES.has(t)) {
        const n = entries?.entries.find((e) => e.key === screamingSnake(v))?.value ??
          (/^[0-9]+$/.test(v) ? Number(v) : undefined);
        literal = n === undefined ? undefined : String(n);
      }
      if (literal === undefined) continue; // a format the selector can never choose
      g.variants.push({
        literal,
        formats: g.members.map((m) =>
          f.subByName.get(m.y["sub-message"]!)!.formats.some((x) => x.value === v) ? v : undefined
        ),
      });
    }
  }
  return groups.filter((g) => g.variants.length > 0);
}

function messageKeys(
  m: MessageDef | null | undefined,
  set: SetIR | undefined,
): string[] | undefined {
  if (m === null || m === undefined || !Array.isArray(m.attributes)) return undefined;
  const out: string[] = [];
  for (const n of m.attributes) {
    // Upstream quirk (nftables, ovs_flow): a listed name that is not in the set; kept out.
    const a = set?.attrs.find((x) => x.yname === n);
    if (a !== undefined && a.y.type !== "pad" && a.y.type !== "unused" && !out.includes(a.key)) {
      out.push(a.key);
    }
  }
  return out;
}

/** Resolve a loaded spec: numbers, flattened sets, operations, groups and every export name. */
export function resolveFamily(loaded: LoadedSpec): FamilyIR {
  const spec = loaded.spec;
  const file = path.basename(loaded.source.file);
  const module = path.basename(file, ".yaml").replace(/-/g, "_");
  const names = new Names(file);
  const defs: Definition[] = spec.definitions ?? [];
  const consts = new Map<string, number | string>();
  for (const d of defs) if (d.type === "const") consts.set(d.name, d.value);
  const enums: EnumIR[] = defs.filter((d): d is EnumDefinition =>
    d.type === "enum" || d.type === "flags"
  )
    .map((d) => ({
      name: d.name,
      type: d.type,
      exportName: "",
      doc: docText(d.doc),
      entries: enumValues(d).map((e) => ({
        key: screamingSnake(e.name),
        value: e.value,
        doc: e.doc,
      })),
    }));
  const structs: StructIR[] = defs.filter((d): d is StructDefinition => d.type === "struct")
    .map((d) => ({
      name: d.name,
      table: "",
      iface: "",
      doc: docText(d.doc),
      members: d.members ?? [],
    }));
  const sets = flattenSets(spec, file);
  const subMsgs: SubMsgIR[] = (spec["sub-messages"] ?? []).map((sm) => ({
    name: sm.name,
    iface: "",
    formats: (sm.formats ?? []).map((x) => ({
      value: String(x.value),
      fixedHeader: x["fixed-header"],
      attributeSet: x["attribute-set"],
    })),
  }));
  const f: FamilyIR = {
    loaded,
    spec,
    file,
    module,
    namespace: camelCase(module),
    name: spec.name,
    protocol: spec.protocol ?? "genetlink",
    raw: spec.protocol === "netlink-raw",
    protonum: spec.protonum !== undefined ? Number(spec.protonum) : undefined,
    version: spec.version !== undefined ? Number(spec.version) : undefined,
    enums,
    consts,
    constExports: [],
    structs,
    sets,
    subMsgs,
    ops: numberOperations(spec, file),
    msgConsts: [],
    groups: [],
    enumByName: new Map(enums.map((e) => [e.name, e])),
    structByName: new Map(structs.map((s) => [s.name, s])),
    setByName: new Map(sets.map((s) => [s.name, s])),
    subByName: new Map(subMsgs.map((s) => [s.name, s])),
  };
  const opsY = spec.operations ?? { list: [] };
  const opByName = new Map(f.ops.map((o) => [o.yname, o]));
  for (const op of f.ops) {
    const o = op.y;
    op.fixedHeader = o["fixed-header"] ?? opsY["fixed-header"];
    if (o["attribute-set"] !== undefined) op.attributeSet = o["attribute-set"];
    else if (o.notify !== undefined) op.attributeSet = opByName.get(o.notify)?.y["attribute-set"];
    if (op.attributeSet !== undefined && !f.setByName.has(op.attributeSet)) {
      throw new Error(`${file}: operation ${o.name}: unknown attribute set ${op.attributeSet}`);
    }
  }

  // Names: value exports first, then types (the order fixes who gets a suffix on a clash).
  for (const e of enums) {
    e.exportName = names.claim(screamingSnake(e.name), `enum ${e.name}`, "_ENUM");
  }
  for (const d of defs) {
    if (d.type !== "const") continue;
    f.constExports.push({
      name: names.claim(screamingSnake((d["name-prefix"] ?? "") + d.name), `constant ${d.name}`),
      value: d.value,
      doc: docText(d.doc),
    });
  }
  const opPrefix = opsY["name-prefix"] ?? (f.raw ? undefined : `${spec.name}-cmd-`);
  const asyncPrefix = opsY["async-prefix"] ?? opPrefix;
  // A raw protocol's operation names are the C names of its message types only when the spec
  // says so with `operations.name-prefix` (rtnetlink's `rtm-`, xfrm's `xfrm-msg-`, sock-diag's
  // ""). Without one (conntrack, nftables: netfilter types are (subsystem << 8) | message, and
  // the specs name operations, not messages) no constant is made from them; an overlay gives
  // the C names as `const` definitions instead. Each message type gets one constant: the first
  // request that uses it names it (sock-diag's *-diag-by-family all send SOCK_DIAG_BY_FAMILY);
  // notifications mostly reuse a request's NEW/DEL type, the others (RTM_NEWPREFIX,
  // RTM_DELNSID…) get a constant named like a request (`newprefix`, `delnsid-ntf` → RTM_DELNSID).
  const rawTypes = new Set<number>();
  const rawRequests = new Set(
    f.ops.filter((o) => !o.y.notify && !o.y.event).map((o) => o.requestValue),
  );
  for (const op of f.ops) {
    if (opPrefix === undefined) break;
    if (op.y.notify !== undefined || op.y.event !== undefined) {
      if (op.replyValue === undefined) continue;
      if (f.raw) {
        if (rawTypes.has(op.replyValue) || rawRequests.has(op.replyValue)) continue;
        rawTypes.add(op.replyValue);
        f.msgConsts.push({
          name: names.claim(
            screamingSnake(opPrefix + op.yname.replace(/-ntf$/, "")),
            `notification ${op.yname}`,
          ),
          value: op.replyValue,
          op,
          kind: "message type",
        });
        continue;
      }
      f.msgConsts.push({
        name: names.claim(screamingSnake(asyncPrefix! + op.yname), `notification ${op.yname}`),
        value: op.replyValue,
        op,
        kind: "notification",
      });
    } else if (op.requestValue !== undefined) {
      if (f.raw) {
        if (rawTypes.has(op.requestValue)) continue;
        rawTypes.add(op.requestValue);
      }
      f.msgConsts.push({
        name: names.claim(screamingSnake(opPrefix + op.yname), `operation ${op.yname}`),
        value: op.requestValue,
        op,
        kind: f.raw ? "message type" : "command",
      });
    }
  }
  for (const g of (spec["mcast-groups"]?.list ?? []) as McastGroup[]) {
    const value = g.value === undefined ? null : Number(g.value);
    f.groups.push({
      name: g.name,
      value,
      // A raw protocol's group number is exported under its C name (c-define-name when the
      // spec's name is not it: nftables' `mgmt` is NFNLGRP_NFTABLES).
      exportName: value === null
        ? undefined
        : names.claim(screamingSnake(g["c-define-name"] ?? g.name), `group ${g.name}`),
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

  // Added types (after the names above, so they never take one of theirs).
  for (const s of sets) {
    const selectors = unionOf(f, s);
    if (selectors.length === 0) continue;
    const by = selectors.map((g) => pascalCase(g.selector.yname)).join("And");
    s.union = {
      name: names.claim(`${s.iface}By${by}`, `union of set ${s.name}`, "Union"),
      selectors,
    };
  }
  for (const op of f.ops) {
    const set = op.attributeSet !== undefined ? f.setByName.get(op.attributeSet) : undefined;
    const base = pascalCase(op.yname);
    const add = (slot: MessageSlot, suffix: string, m: MessageDef | null | undefined) => {
      op.messages.push({
        slot,
        name: names.claim(base + suffix, `${slot} of ${op.yname}`, "Message"),
        keys: messageKeys(m, set),
      });
    };
    for (const mode of ["do", "dump"] as const) {
      const m = op.y[mode];
      if (m === undefined || m === null) continue;
      const Mode = mode === "do" ? "Do" : "Dump";
      if ("request" in m) add(`${mode}Request`, `${Mode}Request`, m.request);
      if ("reply" in m) add(`${mode}Reply`, `${Mode}Reply`, m.reply);
    }
    if (op.y.event !== undefined) add("event", "Event", op.y.event);
    else if (op.y.notify !== undefined) {
      const target = opByName.get(op.y.notify)?.y;
      add("event", "Event", target?.do?.reply ?? target?.dump?.reply);
    }
  }
  return f;
}
