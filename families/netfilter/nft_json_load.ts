/**
 * nft JSON (what `nft -j list ruleset` prints, and what `nft -j -f` loads) turned into a
 * {@link Transaction}: tables, stateful objects (counter, quota, limit), sets and maps with
 * their elements, chains and rules, in that order. Loading a ruleset's JSON into an empty
 * namespace and listing it with `nft -j` gives the same JSON back (handles aside) for the
 * statements `compileRule` compiles.
 *
 * @example
 * ```ts
 * import { Nftables, transactionFromJson } from "@netlink/netlink/nftables";
 * await using nft = await Nftables.open();
 * await nft.commit(transactionFromJson({ nftables: [{ table: { family: "inet", name: "t" } }] }));
 * ```
 *
 * @module
 */
import type { NftElement, NftSet } from "./nft_objects.ts";
import { OBJECT_TYPES } from "./nft_objects.ts";
import { Transaction } from "./nft_transaction.ts";
import {
  bigToBytes,
  bytesToBig,
  concatTypeId,
  type Datatype,
  datatypeByName,
  familyNumber,
  integerType,
  parseValue,
  regSize,
} from "./nft_types.ts";
import { TIME_UNITS } from "./nft_templates.ts";

type J = Record<string, unknown>;

/** `NFT_DATA_VERDICT` (linux/netfilter/nf_tables.h). */
const NFT_DATA_VERDICT = 0xffffff00;

function typesOf(type: unknown): Datatype[] {
  const names = Array.isArray(type) ? type : [type];
  return names.map((n) => {
    const t = datatypeByName(String(n));
    if (!t) throw new TypeError(`Set type "${String(n)}" is not supported`);
    return t;
  });
}

function keyBytes(types: Datatype[], v: unknown): Uint8Array {
  if (types.length === 1) return parseValue(types[0], v);
  const parts = (v as { concat: unknown[] }).concat;
  if (!Array.isArray(parts) || parts.length !== types.length) {
    throw new TypeError(
      `${JSON.stringify(v)} is not a ${types.map((t) => t.name).join(" . ")} key`,
    );
  }
  const out = new Uint8Array(types.reduce((n, t) => n + regSize(t.size), 0));
  let o = 0;
  types.forEach((t, i) => {
    out.set(parseValue(t, parts[i]), o);
    o += regSize(t.size);
  });
  return out;
}

/** Start and exclusive end of an interval element, as big-endian integers of `size` bytes. */
function interval(t: Datatype, v: unknown): [Uint8Array, Uint8Array] | undefined {
  const o = v as J;
  let lo: bigint, hi: bigint;
  if (o && typeof o === "object" && o.prefix) {
    const p = o.prefix as { addr: unknown; len: number };
    lo = bytesToBig(parseValue(t, p.addr), "big");
    const host = BigInt(t.size * 8 - p.len);
    hi = lo | ((1n << host) - 1n);
  } else if (o && typeof o === "object" && o.range) {
    const [a, b] = o.range as unknown[];
    lo = bytesToBig(parseValue(t, a), "big");
    hi = bytesToBig(parseValue(t, b), "big");
  } else {
    lo = hi = bytesToBig(parseValue(t, v), "big");
  }
  if (hi + 1n >= 1n << BigInt(t.size * 8)) {
    return [bigToBytes(lo, t.size, "big"), new Uint8Array(0)];
  }
  return [bigToBytes(lo, t.size, "big"), bigToBytes(hi + 1n, t.size, "big")];
}

function elements(set: J, types: Datatype[], data: Datatype | "verdict" | undefined): NftElement[] {
  const out: NftElement[] = [];
  const isInterval = [set.flags].flat().includes("interval");
  for (const raw of (set.elem ?? []) as unknown[]) {
    let key = raw;
    let value: unknown;
    if (Array.isArray(raw) && data !== undefined) [key, value] = raw;
    const extra: Partial<NftElement> = {};
    const k = key as J;
    if (k && typeof k === "object" && k.elem) {
      const e = k.elem as J;
      key = e.val;
      if (e.timeout !== undefined) extra.timeout = Number(e.timeout) * 1000;
      if (e.comment !== undefined) extra.comment = String(e.comment);
    }
    const base: NftElement = { key: new Uint8Array(0), ...extra };
    if (data === "verdict") {
      const [code, arg] = Object.entries(value as J)[0];
      base.verdict = { code, chain: (arg as J | null)?.target as string | undefined };
    } else if (data) base.data = parseValue(data, value);
    if (isInterval) {
      const [from, to] = interval(types[0], key)!;
      out.push({ ...base, key: from });
      if (to.length > 0) out.push({ key: to, flags: 1 });
    } else out.push({ ...base, key: keyBytes(types, key) });
  }
  // nft's set_to_intervals: the range below the first interval ends where it starts.
  if (isInterval && out.length > 0 && out[0].key.some((b) => b !== 0)) {
    out.unshift({ key: new Uint8Array(types[0].size), flags: 1 });
  }
  return out;
}

/** A set or map object of nft JSON as an {@link NftSet} and its elements. */
export function setFromJson(
  s: Record<string, unknown>,
  isMap: boolean,
): { set: NftSet; elements: NftElement[] } {
  const types = typesOf(s.type);
  const flagNames = [s.flags ?? []].flat().map(String);
  let flags = 0;
  if (flagNames.includes("constant")) flags |= 2;
  if (flagNames.includes("interval")) flags |= 4;
  if (flagNames.includes("timeout") || s.timeout !== undefined) flags |= 0x10;
  if (flagNames.includes("dynamic")) flags |= 0x20;
  // nft describes the fields (NFTA_SET_DESC_CONCAT, NFT_SET_CONCAT) of interval
  // concatenations only; the kernel refuses them on other sets.
  const concat = types.length > 1 && (flags & 4) !== 0;
  if (concat) flags |= 0x80;
  const set: NftSet = {
    family: String(s.family),
    table: String(s.table),
    name: String(s.name),
    flags,
    keyType: concatTypeId(types.map((t) => t.id)),
    keyLen: types.length === 1 ? types[0].size : types.reduce((n, t) => n + regSize(t.size), 0),
  };
  if (concat) set.fieldLengths = types.map((t) => t.size);
  let data: Datatype | "verdict" | undefined;
  if (isMap) {
    set.flags |= 8;
    if (s.map === "verdict") {
      set.dataType = NFT_DATA_VERDICT;
      set.dataLen = 0;
      data = "verdict";
    } else {
      const t = datatypeByName(String(s.map)) ?? integerType(4);
      set.dataType = t.id;
      set.dataLen = t.size;
      data = t;
      set.dataByteorder = t.byteorder === "host" ? 1 : 2;
    }
  }
  set.keyByteorder = types.length === 1 && types[0].byteorder === "host" ? 1 : 2;
  if (s.size !== undefined) set.size = Number(s.size);
  if (s.policy === "memory") set.policy = 1;
  if (s.timeout !== undefined) set.timeout = Number(s.timeout) * 1000;
  if (s["gc-interval"] !== undefined) set.gcInterval = Number(s["gc-interval"]) * 1000;
  if (s.comment !== undefined) set.comment = String(s.comment);
  if (Array.isArray(s.stmt) && s.stmt.some((x) => (x as J).counter !== undefined)) {
    set.expressions = [{ name: "counter", data: {} }];
    set.flags |= 0x100;
  }
  return { set, elements: elements(s, types, data) };
}

/**
 * A transaction that creates what `json` (nft's JSON: `{ "nftables": [...] }` or the array)
 * describes. `metainfo` is ignored; handles are the kernel's to give.
 *
 * @throws {TypeError} for an object or statement this library does not load.
 */
export function transactionFromJson(
  json: unknown,
  tx: Transaction = new Transaction(),
): Transaction {
  const list = (Array.isArray(json) ? json : (json as J).nftables) as J[];
  if (!Array.isArray(list)) throw new TypeError('nft JSON is { "nftables": [ … ] }');
  const rank = (o: J) => {
    const k = Object.keys(o)[0];
    return ["table", "counter", "quota", "limit", "set", "map", "chain", "rule"].indexOf(k) -
      (k === "map" ? 1 : 0);
  };
  const ordered = list.filter((o) => rank(o) >= 0).sort((a, b) => rank(a) - rank(b));
  for (const o of ordered) {
    const [kind, raw] = Object.entries(o)[0];
    const v = raw as J;
    const family = String(v.family);
    switch (kind) {
      case "table":
        tx.addTable({
          family,
          name: String(v.name),
          comment: v.comment === undefined ? undefined : String(v.comment),
        });
        break;
      case "counter":
        tx.addObject({
          family,
          table: String(v.table),
          name: String(v.name),
          type: OBJECT_TYPES.counter,
          data: { packets: BigInt(Number(v.packets ?? 0)), bytes: BigInt(Number(v.bytes ?? 0)) },
        });
        break;
      case "quota":
        tx.addObject({
          family,
          table: String(v.table),
          name: String(v.name),
          type: OBJECT_TYPES.quota,
          data: {
            bytes: BigInt(Number(v.bytes ?? 0)),
            consumed: BigInt(Number(v.used ?? 0)),
            flags: v.inv ? 1 : 0,
          },
        });
        break;
      case "limit":
        tx.addObject({
          family,
          table: String(v.table),
          name: String(v.name),
          type: OBJECT_TYPES.limit,
          data: {
            rate: BigInt(Number(v.rate)),
            unit: BigInt(TIME_UNITS[String(v.per ?? "second")]),
            burst: Number(v.burst ?? 0),
            type: 0,
            flags: v.inv ? 1 : 0,
          },
        });
        break;
      case "set":
      case "map": {
        const { set, elements } = setFromJson(v, kind === "map");
        tx.addSet(set, elements);
        break;
      }
      case "chain":
        tx.addChain({
          family,
          table: String(v.table),
          name: String(v.name),
          type: v.type === undefined ? undefined : String(v.type),
          hook: v.hook === undefined ? undefined : String(v.hook),
          priority: v.prio === undefined ? undefined : Number(v.prio),
          policy: v.policy as "accept" | "drop" | undefined,
          devices: v.dev === undefined ? undefined : [v.dev].flat().map(String),
          comment: v.comment === undefined ? undefined : String(v.comment),
        });
        break;
      case "rule":
        familyNumber(family);
        tx.addRule({
          family,
          table: String(v.table),
          chain: String(v.chain),
          statements: v.expr as J[],
          comment: v.comment === undefined ? undefined : String(v.comment),
        });
        break;
    }
  }
  return tx;
}
