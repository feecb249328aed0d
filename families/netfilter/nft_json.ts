/**
 * A ruleset as `nft -j list ruleset` prints it (nftables 1.0's JSON schema 1): tables, their
 * objects, sets and maps with their elements, flowtables, chains, then every chain's rules
 * with the high-level statements nft derives (`nft_json_rule.ts`). `rulesetJson` of what
 * `Nftables.ruleset()` returns deep-equals nft's output, `metainfo` aside, for rulesets built
 * from the statements the README lists.
 *
 * @example
 * ```ts
 * import { Nftables, rulesetJson } from "@netlink/netlink/nftables";
 * await using nft = await Nftables.open();
 * console.log(JSON.stringify(rulesetJson(await nft.ruleset())));
 * ```
 *
 * @module
 */
import type { NftElement, NftObject, NftSet, NftVerdict } from "./nft_objects.ts";
import { type Json, ruleStatements, type SetWithElements } from "./nft_json_rule.ts";
import type { NftRuleset } from "./nftables.ts";
import {
  bytesToBig,
  concatTypes,
  type Datatype,
  datatypeById,
  familyNumber,
  formatValue,
  type IfnameResolver,
  integerType,
  regSize,
} from "./nft_types.ts";
import { rateUnit } from "./nft_templates.ts";

export type { Json } from "./nft_json_rule.ts";

/** Options of {@link rulesetJson}. */
export interface RulesetJsonOptions {
  /** Interface names by index (`meta iif`, `fib … oif`). */
  ifname?: IfnameResolver;
  /** The `metainfo` object first (default: this library's, schema version 1). */
  metainfo?: Record<string, Json> | null;
}

/** `NFT_DATA_VERDICT`: a verdict map's data type. */
const NFT_DATA_VERDICT = 0xffffff00;

/** The data types of a set's key fields (one for a plain key). */
function keyTypes(s: NftSet): Datatype[] {
  const ids = concatTypes(s.keyType);
  const order = s.keyByteorder === 1 ? "host" : "big";
  if (ids.length <= 1) {
    const t = datatypeById(s.keyType);
    if (t && t.id !== 4 && t.id !== 3) return [t];
    return [integerType(s.keyLen, t ? order : "big")];
  }
  return ids.map((id) => datatypeById(id) ?? integerType(4));
}

function dataType(s: NftSet): Datatype | undefined {
  if (s.dataType === undefined || s.dataType === NFT_DATA_VERDICT) return undefined;
  const t = datatypeById(s.dataType);
  const order = s.dataByteorder === 1 ? "host" : "big";
  if (!t || t.id === 4) return integerType(s.dataLen ?? 4, order);
  return t;
}

/** nft's name of a set's key type (`["ipv4_addr", "inet_service"]` for a concatenation). */
export function setTypeJson(s: NftSet): Json {
  const names = keyTypes(s).map((t) => t.name);
  return names.length === 1 ? names[0] : names;
}

function verdictJson(v: NftVerdict): Json {
  return v.chain !== undefined ? { [v.code]: { target: v.chain } } : { [v.code]: null };
}

/** Compare keys as nft sorts them: field by field, each as an integer of its byte order. */
function compareKeys(types: Datatype[], a: Uint8Array, b: Uint8Array): number {
  let o = 0;
  for (const t of types) {
    const n = types.length === 1 ? a.length : regSize(t.size || 4);
    const size = types.length === 1 ? a.length : t.size || 4;
    const x = bytesToBig(a.subarray(o, o + size), t.byteorder);
    const y = bytesToBig(b.subarray(o, o + size), t.byteorder);
    if (x !== y) return x < y ? -1 : 1;
    o += n;
  }
  return 0;
}

function keyJson(types: Datatype[], key: Uint8Array, ifname?: IfnameResolver): Json {
  if (types.length === 1) return formatValue(types[0], key, ifname) as Json;
  const parts: Json[] = [];
  let o = 0;
  for (const t of types) {
    const size = t.size || 4;
    parts.push(formatValue(t, key.subarray(o, o + size), ifname) as Json);
    o += regSize(size);
  }
  return { concat: parts };
}

/** An interval set's elements as nft prints them: values, prefixes and ranges. */
function intervals(
  types: Datatype[],
  elements: NftElement[],
  ifname?: IfnameResolver,
): { key: Json; e: NftElement }[] {
  const t = types[0];
  const sorted = [...elements].sort((a, b) => compareKeys(types, a.key, b.key));
  const out: { key: Json; e: NftElement }[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i];
    if ((start.flags ?? 0) & 1) continue; // an end without a start: the range below the first
    const end = sorted[i + 1] && (sorted[i + 1].flags ?? 0) & 1 ? sorted[++i] : undefined;
    const bits = start.key.length * 8;
    const lo = bytesToBig(start.key, "big");
    const hi = end ? bytesToBig(end.key, "big") - 1n : (1n << BigInt(bits)) - 1n;
    const fmt = (v: bigint) => {
      const b = new Uint8Array(start.key.length);
      let x = v;
      for (let j = b.length - 1; j >= 0; j--) {
        b[j] = Number(x & 0xffn);
        x >>= 8n;
      }
      return formatValue(t, b, ifname) as Json;
    };
    let key: Json;
    const size = hi - lo + 1n;
    const isPow2 = (size & (size - 1n)) === 0n;
    if (lo === hi) key = fmt(lo);
    else if (isPow2 && lo % size === 0n && ["ipv4", "ipv6", "ether"].includes(t.kind)) {
      let len = bits;
      for (let s = size; s > 1n; s >>= 1n) len--;
      key = { prefix: { addr: fmt(lo), len } };
    } else key = { range: [fmt(lo), fmt(hi)] };
    out.push({ key, e: start });
  }
  return out;
}

/** The `elem` array of a set or map, sorted as nft sorts it. */
export function elementsJson(sw: SetWithElements, ifname?: IfnameResolver): Json[] {
  const s = sw.set;
  const types = keyTypes(s);
  const interval = (s.flags & 4) !== 0 && types.length === 1;
  const keyed = interval ? intervals(types, sw.elements, ifname) : [...sw.elements]
    .sort((a, b) => compareKeys(types, a.key, b.key))
    .map((e) => ({ key: keyJson(types, e.key, ifname), e }));
  const dt = dataType(s);
  return keyed.map(({ key, e }) => {
    let val: Json = key;
    const extra: Record<string, Json> = {};
    if (e.timeout !== undefined) extra.timeout = Math.floor(e.timeout / 1000);
    if (e.expiration !== undefined) extra.expires = Math.floor(e.expiration / 1000);
    if (e.comment !== undefined) extra.comment = e.comment;
    for (const x of e.expressions ?? []) {
      if (x.name === "counter") {
        extra.counter = {
          packets: Number(x.data?.packets ?? 0n),
          bytes: Number(x.data?.bytes ?? 0n),
        };
        break;
      }
    }
    if (Object.keys(extra).length > 0) val = { elem: { val, ...extra } };
    if (s.flags & 8) {
      const data: Json = e.verdict
        ? verdictJson(e.verdict)
        : e.data && dt
        ? formatValue(dt, e.data, ifname) as Json
        : e.objref ?? null;
      return [val, data];
    }
    if (s.flags & 0x40 && e.objref !== undefined) return [val, e.objref];
    return val;
  });
}

const OBJ_NAMES: Record<number, string> = {
  1: "counter",
  2: "quota",
  3: "ct helper",
  4: "limit",
  5: "ct count",
  7: "ct timeout",
  8: "secmark",
  9: "ct expectation",
  10: "synproxy",
};

function objectJson(o: NftObject): Json {
  const root: Record<string, Json> = {
    family: o.family,
    name: o.name,
    table: o.table,
    handle: o.handle ?? 0,
  };
  if (o.comment !== undefined) root.comment = o.comment;
  const d = (o.data ?? {}) as Record<string, bigint | number | undefined>;
  if (o.type === 1) {
    root.packets = Number(d.packets ?? 0n);
    root.bytes = Number(d.bytes ?? 0n);
  } else if (o.type === 2) {
    root.bytes = Number(d.bytes ?? 0n);
    root.used = Number(d.consumed ?? 0n);
    root.inv = (Number(d.flags ?? 0) & 1) !== 0;
  } else if (o.type === 4) {
    const units: Record<number, string> = {
      1: "second",
      60: "minute",
      3600: "hour",
      86400: "day",
      604800: "week",
    };
    const bytes = d.type === 1;
    const [rate, rateU] = bytes ? rateUnit(d.rate ?? 0n) : [Number(d.rate ?? 0n), ""];
    const [burst, burstU] = bytes ? rateUnit(d.burst ?? 0) : [Number(d.burst ?? 0), ""];
    root.rate = rate;
    root.per = units[Number(d.unit ?? 1n)] ?? "second";
    if (Number(d.flags ?? 0) & 1) root.inv = true;
    if (bytes) root.rate_unit = rateU;
    if (burst) {
      root.burst = burst;
      if (bytes) root.burst_unit = burstU;
    }
  }
  return { [OBJ_NAMES[o.type] ?? "unknown"]: root };
}

function setJson(sw: SetWithElements, ifname?: IfnameResolver): Json {
  const s = sw.set;
  const isMap = (s.flags & 8) !== 0;
  const root: Record<string, Json> = {
    family: s.family,
    name: s.name,
    table: s.table,
    type: setTypeJson(s),
    handle: s.handle ?? 0,
  };
  if (s.comment !== undefined) root.comment = s.comment;
  if (isMap) {
    root.map = s.dataType === NFT_DATA_VERDICT ? "verdict" : (dataType(s)?.name ?? "integer");
  } else if (s.flags & 0x40) {
    root.map = OBJ_NAMES[s.objType ?? 0] ?? "unknown";
  }
  if (!(s.flags & 2)) {
    if (s.policy !== undefined && s.policy !== 0) root.policy = "memory";
    if (s.size) root.size = s.size;
  }
  const flags: Json[] = [];
  if (s.flags & 2) flags.push("constant");
  if (s.flags & 4) flags.push("interval");
  if (s.flags & 0x10) flags.push("timeout");
  if (s.flags & 0x20) flags.push("dynamic");
  if (flags.length > 0) root.flags = flags;
  if (s.timeout) root.timeout = Math.floor(s.timeout / 1000);
  if (s.gcInterval) root["gc-interval"] = Math.floor(s.gcInterval / 1000);
  if (sw.elements.length > 0) root.elem = elementsJson(sw, ifname);
  if (s.expressions?.length) {
    root.stmt = s.expressions.map((x) => ({ [x.name ?? "unknown"]: null }));
  }
  const type = isMap || s.flags & 0x40
    ? "map"
    : s.flags & 0x20 && !(s.flags & 0x10)
    ? "set"
    : "set";
  return { [type]: root };
}

/** This library's `metainfo`: nft's schema version 1. */
export const METAINFO: Record<string, Json> = {
  version: "netlink.ts",
  release_name: "@netlink/netlink",
  json_schema_version: 1,
};

/**
 * The ruleset as `nft -j list ruleset` prints it: `{ "nftables": [ { "metainfo": … }, … ] }`.
 *
 * @example
 * ```ts
 * import { rulesetJson, type NftRuleset } from "@netlink/netlink/nftables";
 * const empty: NftRuleset = { tables: [], chains: [], rules: [], sets: [], objects: [], flowtables: [] };
 * rulesetJson(empty); // { nftables: [{ metainfo: { … } }] }
 * ```
 */
export function rulesetJson(
  rs: NftRuleset,
  options: RulesetJsonOptions = {},
): { nftables: Json[] } {
  const out: Json[] = [];
  const meta = options.metainfo === undefined ? METAINFO : options.metainfo;
  if (meta !== null) out.push({ metainfo: meta });
  const ifname = options.ifname;
  for (const t of rs.tables) {
    const same = (x: { family: string; table: string }) =>
      x.family === t.family && x.table === t.name;
    const table: Record<string, Json> = { family: t.family, name: t.name, handle: t.handle ?? 0 };
    const tflags: string[] = [];
    if ((t.flags ?? 0) & 1) tflags.push("dormant");
    if ((t.flags ?? 0) & 2) tflags.push("owner");
    if ((t.flags ?? 0) & 4) tflags.push("persist");
    if (tflags.length > 0) table.flags = tflags.length === 1 ? tflags[0] : tflags;
    if (t.comment !== undefined) table.comment = t.comment;
    out.push({ table });
    for (const o of rs.objects.filter(same)) out.push(objectJson(o));
    const sets = new Map<string, SetWithElements>();
    for (const s of rs.sets.filter((x) => same(x.set))) sets.set(s.set.name, s);
    for (const s of sets.values()) if (!(s.set.flags & 1)) out.push(setJson(s, ifname));
    for (const f of rs.flowtables.filter(same)) {
      const ft: Record<string, Json> = {
        family: f.family,
        name: f.name,
        table: f.table,
        handle: f.handle ?? 0,
      };
      if (f.hook !== undefined) {
        ft.hook = f.hook;
        ft.prio = f.priority ?? 0;
      }
      if (f.devices?.length) ft.dev = f.devices.length === 1 ? f.devices[0] : f.devices;
      out.push({ flowtable: ft });
    }
    const chains = rs.chains.filter(same);
    for (const c of chains) {
      const chain: Record<string, Json> = {
        family: c.family,
        table: c.table,
        name: c.name,
        handle: c.handle ?? 0,
      };
      if (c.comment !== undefined) chain.comment = c.comment;
      if (c.type !== undefined && c.hook !== undefined) {
        chain.type = c.type;
        chain.hook = c.hook;
        chain.prio = c.priority ?? 0;
        chain.policy = c.policy ?? "accept";
      }
      out.push({ chain });
    }
    const ctx = {
      // "unknown" (a family number nft has no name for) decompiles as NFPROTO_UNSPEC.
      family: t.family === "unknown" ? 0 : familyNumber(t.family),
      sets,
      ifname,
      elementsJson: (s: SetWithElements) => elementsJson(s, ifname),
    };
    for (const c of chains) {
      for (const r of rs.rules.filter((x) => same(x) && x.chain === c.name)) {
        const rule: Record<string, Json> = {
          family: r.family,
          table: r.table,
          chain: r.chain,
          handle: r.handle ?? 0,
        };
        if (r.comment !== undefined) rule.comment = r.comment;
        rule.expr = ruleStatements(r, ctx);
        out.push({ rule });
      }
    }
  }
  return { nftables: out };
}
