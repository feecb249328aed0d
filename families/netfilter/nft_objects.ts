/**
 * nf_tables objects as values — tables, chains, rules (with their expressions), sets and their
 * elements, stateful objects, flowtables — read from the decoded `NFTA_*` attributes of the
 * generated nftables family, and written back for the messages of a transaction. Names are
 * nft's (`"inet"`, `"input"`, `"accept"`); raw numbers stay available.
 *
 * @example
 * ```ts
 * import { chainToAttrs, chainFromAttrs } from "@netlink/netlink/nftables";
 * const attrs = chainToAttrs({ family: "inet", table: "t", name: "in", type: "filter", hook: "input", priority: 0 });
 * chainFromAttrs(1, attrs).hook; // "input"
 * ```
 *
 * @module
 */
import type * as nft from "../generated/nftables.ts";
import { familyName, familyNumber, hookName, hookNumber } from "./nft_types.ts";

/** An expression of a rule: its name and its attributes (the generated sub-message union). */
export type NftExpression = nft.ExprAttrsByName;

/** A verdict (`NFT_DATA_VERDICT`): accept, drop, continue, return, jump, goto, queue…. */
export interface NftVerdict {
  /** nft's name of the code (`"accept"`, `"jump"`). */
  code: string;
  /** The chain of a jump or goto. */
  chain?: string;
}

/** Verdict codes by name (`NF_*`, linux/netfilter.h; `NFT_*` verdicts of nf_tables.h). */
export const VERDICTS: Readonly<Record<string, number>> = Object.freeze({
  drop: 0,
  accept: 1,
  stolen: 2,
  queue: 3,
  repeat: 4,
  stop: 5,
  continue: 0xffffffff,
  break: 0xfffffffe,
  jump: 0xfffffffd,
  goto: 0xfffffffc,
  return: 0xfffffffb,
});

/** The name of verdict code `code`. */
export function verdictName(code: number): string {
  const c = code >>> 0;
  for (const [k, v] of Object.entries(VERDICTS)) if (v === c) return k;
  return `verdict ${code}`;
}

/** The `NFTA_DATA_VERDICT` attributes of a verdict. */
export function verdictData(v: NftVerdict): nft.DataAttrs {
  const code = VERDICTS[v.code];
  if (code === undefined) throw new TypeError(`Unknown verdict "${v.code}"`);
  return { verdict: v.chain === undefined ? { code } : { code, chain: v.chain } };
}

// ---------------------------------------------------------------------------
// User data (libnftnl's TLVs: { u8 type; u8 len; value })
// ---------------------------------------------------------------------------

/** libnftnl's user-data types used here (`NFTNL_UDATA_*` of libnftnl/udata.h). */
export const UDATA: Readonly<
  Record<
    "COMMENT" | "SET_KEYBYTEORDER" | "SET_DATABYTEORDER" | "SET_MERGE_ELEMENTS" | "SET_COMMENT",
    number
  >
> = Object.freeze({
  /** Comment of a table, chain, rule, object or set element (type 0 in each). */
  COMMENT: 0,
  /** Set: byte order of the key (`BYTEORDER_HOST_ENDIAN` 1, `BIG_ENDIAN` 2). */
  SET_KEYBYTEORDER: 0,
  /** Set: byte order of the data. */
  SET_DATABYTEORDER: 1,
  /** Set: merge adjacent intervals. */
  SET_MERGE_ELEMENTS: 2,
  /** Set comment. */
  SET_COMMENT: 7,
});

/** Parse user data into its TLVs (type → value bytes); a malformed tail is ignored. */
export function parseUserdata(u: Uint8Array | undefined): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  if (!u) return out;
  for (let o = 0; o + 2 <= u.length;) {
    const len = u[o + 1];
    if (o + 2 + len > u.length) break;
    out.set(u[o], u.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  return out;
}

/** Build user data from TLVs. */
export function buildUserdata(entries: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  const parts: number[] = [];
  for (const [t, v] of entries) {
    if (v.length > 255) throw new RangeError("A user-data value has at most 255 bytes");
    parts.push(t, v.length, ...v);
  }
  return new Uint8Array(parts);
}

/** A comment TLV value: the text and its NUL. */
export function commentBytes(text: string): Uint8Array {
  const s = new TextEncoder().encode(text);
  const out = new Uint8Array(s.length + 1);
  out.set(s);
  return out;
}

function commentOf(u: Uint8Array | undefined, type: number = UDATA.COMMENT): string | undefined {
  const v = parseUserdata(u).get(type);
  if (v === undefined) return undefined;
  const end = v.indexOf(0);
  return new TextDecoder().decode(end < 0 ? v : v.subarray(0, end));
}

function u32le(v: Uint8Array | undefined): number | undefined {
  return v && v.length >= 4 ? new DataView(v.buffer, v.byteOffset).getUint32(0, true) : undefined;
}

const handle = (h: bigint | undefined) => (h === undefined ? 0 : Number(h));

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

/** A table. */
export interface NftTable {
  /** nft family name (`"inet"`). */
  family: string;
  /** Name. */
  name: string;
  /** Handle (0 before the kernel assigns one). */
  handle?: number;
  /** `NFT_TABLE_F_*` bits (dormant 1, owner 2, persist 4). */
  flags?: number;
  /** Chains and sets referring to it. */
  use?: number;
  /** Port id of the owning socket (with `NFT_TABLE_F_OWNER`). */
  owner?: number;
  /** Comment (user data). */
  comment?: string;
}

/** A table from its attributes. */
export function tableFromAttrs(family: number, a: nft.TableAttrs): NftTable {
  return {
    family: familyName(family),
    name: a.name ?? "",
    handle: handle(a.handle),
    flags: a.flags ?? 0,
    use: a.use,
    owner: a.owner,
    comment: commentOf(a.userdata),
  };
}

/** The attributes of a `NFT_MSG_NEWTABLE`. */
export function tableToAttrs(t: NftTable): nft.TableAttrs {
  const a: nft.TableAttrs = { name: t.name };
  if (t.flags) a.flags = t.flags;
  if (t.comment !== undefined) {
    a.userdata = buildUserdata([[UDATA.COMMENT, commentBytes(t.comment)]]);
  }
  return a;
}

// ---------------------------------------------------------------------------
// Chains
// ---------------------------------------------------------------------------

/** A chain: a base chain has `type`, `hook` and `priority`. */
export interface NftChain {
  /** Family name. */
  family: string;
  /** Table name. */
  table: string;
  /** Chain name. */
  name: string;
  /** Handle. */
  handle?: number;
  /** `"filter"`, `"nat"` or `"route"` (base chains). */
  type?: string;
  /** Hook name (`"input"`) or number (base chains). */
  hook?: string | number;
  /** Hook priority. */
  priority?: number;
  /** Default policy of a base chain. */
  policy?: "accept" | "drop";
  /** The devices of a netdev (or inet ingress) chain. */
  devices?: string[];
  /** `NFT_CHAIN_*` bits. */
  flags?: number;
  /** References (jumps) to it. */
  use?: number;
  /** Comment (user data). */
  comment?: string;
  /** Packets and bytes of the chain's policy (`NFTA_CHAIN_COUNTERS`). */
  counters?: { packets: bigint; bytes: bigint };
}

/** A chain from its attributes. */
export function chainFromAttrs(family: number, a: nft.ChainAttrs): NftChain {
  const c: NftChain = {
    family: familyName(family),
    table: a.table ?? "",
    name: a.name ?? "",
    handle: handle(a.handle),
  };
  if (a.hook) {
    if (a.hook.num !== undefined) c.hook = hookName(family, a.hook.num);
    if (a.hook.priority !== undefined) c.priority = a.hook.priority;
    const devs = a.hook.devs?.name ?? (a.hook.dev !== undefined ? [a.hook.dev] : undefined);
    if (devs) c.devices = devs;
  }
  if (a.type !== undefined) c.type = a.type;
  if (a.policy !== undefined) c.policy = a.policy === 0 ? "drop" : "accept";
  if (a.flags !== undefined) c.flags = a.flags;
  if (a.use !== undefined) c.use = a.use;
  const comment = commentOf(a.userdata);
  if (comment !== undefined) c.comment = comment;
  if (a.counters) {
    c.counters = { packets: a.counters.packets ?? 0n, bytes: a.counters.bytes ?? 0n };
  }
  return c;
}

/** The attributes of a `NFT_MSG_NEWCHAIN`. */
export function chainToAttrs(c: NftChain): nft.ChainAttrs {
  const a: nft.ChainAttrs = { table: c.table, name: c.name };
  const family = familyNumber(c.family);
  if (c.hook !== undefined) {
    const hook: nft.NftHookAttrs = {
      num: hookNumber(family, c.hook),
      priority: c.priority ?? 0,
    };
    if (c.devices?.length === 1) hook.dev = c.devices[0];
    else if (c.devices && c.devices.length > 1) hook.devs = { name: c.devices };
    a.hook = hook;
    a.type = c.type ?? "filter";
    if (c.policy !== undefined) a.policy = c.policy === "drop" ? 0 : 1;
  }
  if (c.flags !== undefined) a.flags = c.flags;
  if (c.comment !== undefined) {
    a.userdata = buildUserdata([[UDATA.COMMENT, commentBytes(c.comment)]]);
  }
  return a;
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

/** A rule: its expressions in order. */
export interface NftRule {
  /** Family name. */
  family: string;
  /** Table name. */
  table: string;
  /** Chain name. */
  chain: string;
  /** Handle. */
  handle?: number;
  /** The handle of the rule it was added after (`NFTA_RULE_POSITION`). */
  position?: number;
  /** The expressions. */
  expressions: NftExpression[];
  /** Comment (user data). */
  comment?: string;
}

/** A rule from its attributes. */
export function ruleFromAttrs(family: number, a: nft.RuleAttrs): NftRule {
  const r: NftRule = {
    family: familyName(family),
    table: a.table ?? "",
    chain: a.chain ?? "",
    handle: handle(a.handle),
    expressions: (a.expressions?.elem ?? []) as NftExpression[],
  };
  if (a.position !== undefined) r.position = Number(a.position);
  const comment = commentOf(a.userdata);
  if (comment !== undefined) r.comment = comment;
  return r;
}

/** The attributes of a `NFT_MSG_NEWRULE`. */
export function ruleToAttrs(r: NftRule): nft.RuleAttrs {
  const a: nft.RuleAttrs = {
    table: r.table,
    chain: r.chain,
    expressions: { elem: r.expressions as nft.ExprAttrs[] },
  };
  if (r.position !== undefined) a.position = BigInt(r.position);
  if (r.comment !== undefined) {
    a.userdata = buildUserdata([[UDATA.COMMENT, commentBytes(r.comment)]]);
  }
  return a;
}

// ---------------------------------------------------------------------------
// Sets and elements
// ---------------------------------------------------------------------------

/** A set or map. */
export interface NftSet {
  /** Family name. */
  family: string;
  /** Table name. */
  table: string;
  /** Set name (`__set%d` for anonymous sets). */
  name: string;
  /** Handle. */
  handle?: number;
  /** `NFT_SET_*` bits (anonymous 1, constant 2, interval 4, map 8, timeout 16, eval 32…). */
  flags: number;
  /** nft's key type number (`TYPE_*`, concatenations 6 bits per field). */
  keyType: number;
  /** Key length in bytes. */
  keyLen: number;
  /** Data type of a map (`NFT_DATA_VERDICT` 0xffffff00 for verdict maps). */
  dataType?: number;
  /** Data length. */
  dataLen?: number;
  /** Object type of an object map. */
  objType?: number;
  /** `NFT_SET_POL_*` (0 performance, 1 memory). */
  policy?: number;
  /** Maximum number of elements (`NFTA_SET_DESC_SIZE`). */
  size?: number;
  /** Field lengths of a concatenated key (`NFTA_SET_DESC_CONCAT`). */
  fieldLengths?: number[];
  /** Default element timeout in ms. */
  timeout?: number;
  /** Garbage collection interval in ms. */
  gcInterval?: number;
  /** Byte order of the key from the user data (1 host, 2 big endian). */
  keyByteorder?: number;
  /** Byte order of the data. */
  dataByteorder?: number;
  /** Comment (user data). */
  comment?: string;
  /** Expressions every element gets (e.g. a counter). */
  expressions?: NftExpression[];
  /** The set's id within a transaction (`NFTA_SET_ID`). */
  id?: number;
  /** The user data as is (for what this type does not name). */
  userdata?: Uint8Array;
}

/** A set from its attributes. */
export function setFromAttrs(family: number, a: nft.SetAttrs): NftSet {
  const ud = parseUserdata(a.userdata);
  const s: NftSet = {
    family: familyName(family),
    table: a.table ?? "",
    name: a.name ?? "",
    handle: handle(a.handle),
    flags: a.flags ?? 0,
    keyType: a.keyType ?? 0,
    keyLen: a.keyLen ?? 0,
  };
  if (a.dataType !== undefined) s.dataType = a.dataType;
  if (a.dataLen !== undefined) s.dataLen = a.dataLen;
  if (a.objType !== undefined) s.objType = a.objType;
  if (a.policy !== undefined) s.policy = a.policy;
  if (a.desc?.size !== undefined) s.size = a.desc.size;
  const concat = a.desc?.concat?.map((c) => c.elem?.len ?? 0);
  if (concat && concat.length > 0) s.fieldLengths = concat;
  if (a.timeout !== undefined) s.timeout = Number(a.timeout);
  if (a.gcInterval !== undefined) s.gcInterval = a.gcInterval;
  const kb = u32le(ud.get(UDATA.SET_KEYBYTEORDER));
  if (kb !== undefined) s.keyByteorder = kb;
  const db = u32le(ud.get(UDATA.SET_DATABYTEORDER));
  if (db !== undefined) s.dataByteorder = db;
  const comment = commentOf(a.userdata, UDATA.SET_COMMENT);
  if (comment !== undefined) s.comment = comment;
  const exprs = [...(a.expr ?? []), ...(a.expressions?.elem ?? [])];
  if (exprs.length > 0) s.expressions = exprs as NftExpression[];
  if (a.id !== undefined) s.id = a.id;
  if (a.userdata !== undefined) s.userdata = a.userdata;
  return s;
}

/** The attributes of a `NFT_MSG_NEWSET`. */
export function setToAttrs(s: NftSet): nft.SetAttrs {
  const a: nft.SetAttrs = {
    table: s.table,
    name: s.name,
    flags: s.flags,
    keyType: s.keyType,
    keyLen: s.keyLen,
  };
  if (s.dataType !== undefined) a.dataType = s.dataType;
  if (s.dataLen !== undefined) a.dataLen = s.dataLen;
  if (s.objType !== undefined) a.objType = s.objType;
  if (s.policy !== undefined) a.policy = s.policy;
  if (s.size !== undefined || s.fieldLengths) {
    a.desc = {};
    if (s.size !== undefined) a.desc.size = s.size;
    if (s.fieldLengths) a.desc.concat = s.fieldLengths.map((len) => ({ elem: { len } }));
  }
  if (s.timeout !== undefined) a.timeout = BigInt(s.timeout);
  if (s.gcInterval !== undefined) a.gcInterval = s.gcInterval;
  if (s.id !== undefined) a.id = s.id;
  if (s.expressions?.length === 1) a.expr = s.expressions as nft.ExprAttrs[];
  else if (s.expressions && s.expressions.length > 1) {
    a.expressions = { elem: s.expressions as nft.ExprAttrs[] };
  }
  if (s.userdata !== undefined) a.userdata = s.userdata;
  else {
    const ud: [number, Uint8Array][] = [];
    const le = (n: number) => new Uint8Array([n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24]);
    if (s.keyByteorder !== undefined) ud.push([UDATA.SET_KEYBYTEORDER, le(s.keyByteorder)]);
    if (s.dataByteorder !== undefined) ud.push([UDATA.SET_DATABYTEORDER, le(s.dataByteorder)]);
    if (s.comment !== undefined) ud.push([UDATA.SET_COMMENT, commentBytes(s.comment)]);
    if (ud.length > 0) a.userdata = buildUserdata(ud);
  }
  return a;
}

/** An element of a set or map. */
export interface NftElement {
  /** The key, as register bytes. */
  key: Uint8Array;
  /** The end of an interval (`NFTA_SET_ELEM_KEY_END`, concatenated ranges). */
  keyEnd?: Uint8Array;
  /** A map's value. */
  data?: Uint8Array;
  /** A verdict map's verdict. */
  verdict?: NftVerdict;
  /** Object name of an object map. */
  objref?: string;
  /** `NFT_SET_ELEM_*` bits (interval end 1, catch-all 2). */
  flags?: number;
  /** Timeout in ms. */
  timeout?: number;
  /** Milliseconds until it expires. */
  expiration?: number;
  /** Comment (user data). */
  comment?: string;
  /** Its expressions (e.g. its counter). */
  expressions?: NftExpression[];
}

/** An element from its attributes. */
export function elementFromAttrs(a: nft.SetelemAttrs): NftElement {
  const e: NftElement = { key: a.key?.value ?? new Uint8Array(0) };
  if (a.keyEnd?.value) e.keyEnd = a.keyEnd.value;
  if (a.data?.value) e.data = a.data.value;
  if (a.data?.verdict) {
    e.verdict = { code: verdictName(a.data.verdict.code ?? 0) };
    if (a.data.verdict.chain !== undefined) e.verdict.chain = a.data.verdict.chain;
  }
  if (a.objref !== undefined) e.objref = a.objref;
  if (a.flags) e.flags = a.flags;
  if (a.timeout !== undefined) e.timeout = Number(a.timeout);
  if (a.expiration !== undefined) e.expiration = Number(a.expiration);
  const comment = commentOf(a.userdata);
  if (comment !== undefined) e.comment = comment;
  const exprs = [...(a.expr ? [a.expr] : []), ...(a.expressions?.elem ?? [])];
  if (exprs.length > 0) e.expressions = exprs as NftExpression[];
  return e;
}

/** The attributes of one element of a `NFT_MSG_NEWSETELEM`/`DELSETELEM`. */
export function elementToAttrs(e: NftElement): nft.SetelemAttrs {
  const a: nft.SetelemAttrs = {};
  if (!(e.flags && e.flags & 2) || e.key.length > 0) a.key = { value: e.key };
  if (e.keyEnd) a.keyEnd = { value: e.keyEnd };
  if (e.data) a.data = { value: e.data };
  if (e.verdict) a.data = verdictData(e.verdict);
  if (e.objref !== undefined) a.objref = e.objref;
  if (e.flags) a.flags = e.flags;
  if (e.timeout !== undefined) a.timeout = BigInt(e.timeout);
  if (e.comment !== undefined) {
    a.userdata = buildUserdata([[UDATA.COMMENT, commentBytes(e.comment)]]);
  }
  if (e.expressions?.length === 1) a.expr = e.expressions[0] as nft.ExprAttrs;
  else if (e.expressions && e.expressions.length > 1) {
    a.expressions = { elem: e.expressions as nft.ExprAttrs[] };
  }
  return a;
}

// ---------------------------------------------------------------------------
// Stateful objects and flowtables
// ---------------------------------------------------------------------------

/** `NFT_OBJECT_*` by nft's name. */
export const OBJECT_TYPES: Readonly<Record<string, number>> = Object.freeze({
  counter: 1,
  quota: 2,
  "ct helper": 3,
  limit: 4,
  connlimit: 5,
  tunnel: 6,
  "ct timeout": 7,
  secmark: 8,
  "ct expectation": 9,
  synproxy: 10,
});

/** A stateful object (counter, quota, limit…). */
export interface NftObject {
  /** Family name. */
  family: string;
  /** Table name. */
  table: string;
  /** Name. */
  name: string;
  /** Handle. */
  handle?: number;
  /** `NFT_OBJECT_*`. */
  type: number;
  /** Its attributes (the generated `obj-data` union: counter, quota, limit, connlimit). */
  data?: nft.ObjData[keyof nft.ObjData];
  /** References. */
  use?: number;
  /** Comment (user data). */
  comment?: string;
}

/** An object from its attributes. */
export function objectFromAttrs(family: number, a: nft.ObjAttrs): NftObject {
  const o: NftObject = {
    family: familyName(family),
    table: a.table ?? "",
    name: a.name ?? "",
    handle: handle(a.handle),
    type: a.type ?? 0,
  };
  if (a.data !== undefined) o.data = a.data;
  if (a.use !== undefined) o.use = a.use;
  const comment = commentOf(a.userdata);
  if (comment !== undefined) o.comment = comment;
  return o;
}

/** The attributes of a `NFT_MSG_NEWOBJ`. */
export function objectToAttrs(o: NftObject): nft.ObjAttrs {
  const a: nft.ObjAttrs = { table: o.table, name: o.name, type: o.type };
  if (o.data !== undefined) a.data = o.data;
  if (o.comment !== undefined) {
    a.userdata = buildUserdata([[UDATA.COMMENT, commentBytes(o.comment)]]);
  }
  return a;
}

/** A flowtable. */
export interface NftFlowtable {
  /** Family name. */
  family: string;
  /** Table name. */
  table: string;
  /** Name. */
  name: string;
  /** Handle. */
  handle?: number;
  /** Hook name (always `"ingress"`). */
  hook?: string;
  /** Priority. */
  priority?: number;
  /** Devices. */
  devices?: string[];
  /** `NFT_FLOWTABLE_*` bits. */
  flags?: number;
  /** References. */
  use?: number;
}

/** A flowtable from its attributes. */
export function flowtableFromAttrs(family: number, a: nft.FlowtableAttrs): NftFlowtable {
  const f: NftFlowtable = {
    family: familyName(family),
    table: a.table ?? "",
    name: a.name ?? "",
    handle: handle(a.handle),
  };
  if (a.hook?.num !== undefined) f.hook = hookName(5, a.hook.num);
  if (a.hook?.priority !== undefined) f.priority = a.hook.priority;
  if (a.hook?.devs?.name) f.devices = a.hook.devs.name;
  if (a.flags !== undefined) f.flags = a.flags;
  if (a.use !== undefined) f.use = a.use;
  return f;
}

/** The attributes of a `NFT_MSG_NEWFLOWTABLE`. */
export function flowtableToAttrs(f: NftFlowtable): nft.FlowtableAttrs {
  const a: nft.FlowtableAttrs = { table: f.table, name: f.name };
  if (f.hook !== undefined || f.devices) {
    a.hook = { num: hookNumber(5, f.hook ?? "ingress"), priority: f.priority ?? 0 };
    if (f.devices) a.hook.devs = { name: f.devices };
  }
  if (f.flags !== undefined) a.flags = f.flags;
  return a;
}
