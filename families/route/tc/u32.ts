/**
 * The u32 classifier (`tc filter add … u32`): 32-bit keys on packet words, packed from IPv4 and
 * IPv6 header fields as iproute2's `tc/f_u32.c` packs `match ip …` and `match ip6 …`, in a
 * struct tc_u32_sel.
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";
import { STRUCT_BYTES } from "../../../codec/ynl/mod.ts";
import { parsePrefix } from "../addr_text.ts";
import { type ActionConfig, decodeActionList } from "./action.ts";
import {
  BITS_PER_BYTE,
  formatHandle,
  formatU32Handle,
  type Handle,
  parseHandle,
  parseU32Handle,
  U32_MAX,
} from "./handles.ts";

/** One 32-bit u32 key: `(packet[off + (offmask…)] & mask) == value`, in host order. */
export interface U32Key {
  /** Value after masking. */
  value: number;
  /** Mask. */
  mask: number;
  /** Byte offset of the 32-bit word (a multiple of 4). */
  offset: number;
  /** Mask of the variable offset (`nexthdr+`), usually 0. */
  offmask?: number;
}

/** Header fields u32 matches like `tc filter … u32 match ip …` (IPv4 without options). */
export interface U32IpMatch {
  /** Source prefix, `"10.0.0.0/8"` or an address. */
  src?: string;
  /** Destination prefix. */
  dst?: string;
  /** IP protocol number (6 TCP, 17 UDP…). */
  protocol?: number;
  /** TOS byte. */
  tos?: number;
  /** Source port (TCP/UDP right after a 20-byte header). */
  sport?: number;
  /** Destination port. */
  dport?: number;
}

/** Header fields u32 matches like `tc filter … u32 match ip6 …` (no extension headers). */
export interface U32Ip6Match {
  /** Source prefix, `"2001:db8::/32"`. */
  src?: string;
  /** Destination prefix. */
  dst?: string;
  /** Next header (6 TCP, 17 UDP, 58 ICMPv6). */
  protocol?: number;
  /** Source port. */
  sport?: number;
  /** Destination port. */
  dport?: number;
}

/** What a u32 filter matches: IP / IPv6 selectors and raw keys, all of which must match. */
export interface U32Match {
  /** IPv4 header fields. */
  ip?: U32IpMatch;
  /** IPv6 header fields. */
  ip6?: U32Ip6Match;
  /** Raw keys, after those of `ip` and `ip6`. */
  keys?: U32Key[];
}

/** u32 filter (`tc filter add … u32`). */
export interface U32FilterConfig {
  /** Kind. */
  kind: "u32";
  /** What to match (an empty match matches everything). */
  match?: U32Match;
  /** Class to put matching packets in (tc's `flowid`/`classid`). */
  classid?: Handle;
  /** Actions run on matching packets. */
  actions?: ActionConfig[];
  /** Keys, as decoded (read only; give `match` to add). */
  keys?: U32Key[];
  /** Hash table to link to (`"1:"`). */
  link?: number | string;
  /** Divisor of a hash table. */
  divisor?: number;
  /** Hash table and bucket of the filter (`"1:5"`: table 1, bucket 5). */
  hash?: number | string;
  /** Do not offload to hardware (`skip_hw`). */
  skipHw?: boolean;
  /** A match ends classification (read only: set when there is a class or an action). */
  terminal?: boolean;
  /** `TCA_CLS_FLAGS_*` names, lower case (`"skip_hw"`, `"not_in_hw"`…; read only). */
  flags?: string[];
}

/** Byte offsets of struct iphdr (linux/ip.h) fields, and of the ports after a 20-byte header. */
const IPV4 = { tos: 1, protocol: 9, saddr: 12, daddr: 16, sport: 20, dport: 22 } as const;
/** Byte offsets of struct ipv6hdr (linux/ipv6.h) fields, and of the ports after it. */
const IPV6 = { nexthdr: 6, saddr: 8, daddr: 24, sport: 40, dport: 42 } as const;
/** Bytes of a u32 key's word. */
const WORD = Uint32Array.BYTES_PER_ELEMENT;
/** iproute2 f_u32.c: a selector holds at most 128 keys (`struct tc_u32_key keys[128]`). */
const U32_MAX_KEYS = 128;
/**
 * Bytes of struct tc_u32_sel before `keys[]` (the spec models the flexible array as one key);
 * on first use, so importing builds no tc table.
 */
function selHeader(): number {
  return tc.tcU32Sel.size - tc.tcU32Key.size;
}

/** iproute2 f_u32.c pack_key: merge keys on the same word. */
function packKey(keys: U32Key[], value: number, mask: number, offset: number): void {
  value = (value & mask) >>> 0;
  for (const k of keys) {
    if (k.offset === offset && (k.offmask ?? 0) === 0) {
      if (((k.value ^ value) & k.mask & mask) !== 0) {
        throw new RangeError(`u32 keys at offset ${offset} contradict each other`);
      }
      k.value = (k.value | value) >>> 0;
      k.mask = (k.mask | mask) >>> 0;
      return;
    }
  }
  keys.push({ value, mask, offset, offmask: 0 });
}

/** A field of `bytes` bytes at byte `offset`, as a key on its word (pack_key8, pack_key16). */
function packField(keys: U32Key[], value: number, bytes: number, offset: number): void {
  const maxv = 2 ** (bytes * BITS_PER_BYTE) - 1;
  if (!Number.isInteger(value) || value < 0 || value > maxv) {
    throw new RangeError(`u32 match value ${value} does not fit in ${bytes * BITS_PER_BYTE} bits`);
  }
  const shift = (WORD - bytes - (offset % WORD)) * BITS_PER_BYTE;
  packKey(keys, (value << shift) >>> 0, (maxv << shift) >>> 0, offset - (offset % WORD));
}

/** An address prefix at byte `offset`, one key per word it covers (parse_ip_addr). */
function packPrefix(keys: U32Key[], text: string, bits: number, offset: number): void {
  const p = parsePrefix(text);
  if (p.bytes.length * BITS_PER_BYTE !== bits) {
    throw new TypeError(`"${text}" is not an ${bits === 32 ? "IPv4" : "IPv6"} prefix`);
  }
  const dv = new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  const wordBits = WORD * BITS_PER_BYTE;
  for (let w = 0; w * wordBits < p.prefixlen; w++) {
    const n = Math.min(wordBits, p.prefixlen - w * wordBits);
    const mask = n === wordBits ? U32_MAX : (~(U32_MAX >>> n)) >>> 0;
    packKey(keys, dv.getUint32(w * WORD), mask, offset + w * WORD);
  }
}

/** The keys of a match, in tc's order. */
export function u32Keys(m: U32Match | undefined): U32Key[] {
  const keys: U32Key[] = [];
  if (m === undefined) return keys;
  const ip = m.ip;
  if (ip !== undefined) {
    if (ip.tos !== undefined) packField(keys, ip.tos, 1, IPV4.tos);
    if (ip.protocol !== undefined) packField(keys, ip.protocol, 1, IPV4.protocol);
    if (ip.src !== undefined) packPrefix(keys, ip.src, 32, IPV4.saddr);
    if (ip.dst !== undefined) packPrefix(keys, ip.dst, 32, IPV4.daddr);
    if (ip.sport !== undefined) packField(keys, ip.sport, 2, IPV4.sport);
    if (ip.dport !== undefined) packField(keys, ip.dport, 2, IPV4.dport);
  }
  const ip6 = m.ip6;
  if (ip6 !== undefined) {
    if (ip6.protocol !== undefined) packField(keys, ip6.protocol, 1, IPV6.nexthdr);
    if (ip6.src !== undefined) packPrefix(keys, ip6.src, 128, IPV6.saddr);
    if (ip6.dst !== undefined) packPrefix(keys, ip6.dst, 128, IPV6.daddr);
    if (ip6.sport !== undefined) packField(keys, ip6.sport, 2, IPV6.sport);
    if (ip6.dport !== undefined) packField(keys, ip6.dport, 2, IPV6.dport);
  }
  for (const k of m.keys ?? []) keys.push({ ...k, offmask: k.offmask ?? 0 });
  return keys;
}

/** struct tc_u32_sel with its keys; the bytes past the first key ride in STRUCT_BYTES. */
function selector(keys: U32Key[], terminal: boolean): tc.TcU32Sel {
  if (keys.length > U32_MAX_KEYS) throw new RangeError(`u32 takes at most ${U32_MAX_KEYS} keys`);
  const wire: tc.TcU32Key[] = keys.map((k) => ({
    mask: k.mask >>> 0,
    val: k.value >>> 0,
    off: k.offset,
    offmask: k.offmask ?? 0,
  }));
  const size = tc.tcU32Key.size;
  const header = selHeader();
  const bytes = new Uint8Array(header + wire.length * size);
  wire.forEach((k, i) => bytes.set(tc.tcU32Key.encode(k), header + i * size));
  return {
    flags: terminal ? tc.TC_U32_FLAGS.TERMINAL : 0,
    offshift: 0,
    nkeys: wire.length,
    offmask: 0,
    off: 0,
    offoff: 0,
    hoff: 0,
    hmask: 0,
    keys: wire[0] ?? { mask: 0, val: 0, off: 0, offmask: 0 },
    [STRUCT_BYTES]: bytes,
  };
}

/** The keys of a struct tc_u32_sel as decoded (all `nkeys` of them). */
function selectorKeys(sel: tc.TcU32Sel): U32Key[] {
  const bytes = sel[STRUCT_BYTES] ?? tc.tcU32Sel.encode(sel);
  const size = tc.tcU32Key.size;
  const header = selHeader();
  const keys: U32Key[] = [];
  for (let i = 0; i < sel.nkeys && header + (i + 1) * size <= bytes.length; i++) {
    const at = header + i * size;
    const k = tc.tcU32Key.decode(bytes, at, at + size);
    keys.push({ mask: k.mask, value: k.val, offset: k.off, offmask: k.offmask });
  }
  return keys;
}

/**
 * TCA_OPTIONS of a u32 filter, with its actions already encoded. The selector is terminal
 * (a match ends classification) when the filter has a class or actions, as tc makes it.
 */
export function encodeU32(u: U32FilterConfig, actions: tc.ActAttrs[] | undefined): tc.U32Attrs {
  const options: tc.U32Attrs = {};
  if (u.classid !== undefined) options.classid = parseHandle(u.classid);
  if (u.divisor !== undefined) options.divisor = u.divisor;
  if (u.link !== undefined) options.link = parseU32Handle(u.link);
  if (u.hash !== undefined) options.hash = parseU32Handle(u.hash);
  if (u.divisor === undefined) {
    const terminal = u.classid !== undefined || actions !== undefined;
    options.sel = selector(u32Keys(u.match), terminal);
  }
  if (actions !== undefined) options.act = actions;
  if (u.skipHw) options.flags = tc.CLS_FLAGS.SKIP_HW;
  return options;
}

/**
 * The configuration of a u32 filter from its TCA_OPTIONS (keys as decoded, not `match`;
 * handles as tc prints them; `names` names the devices of actions).
 */
export function decodeU32(u: tc.U32Attrs, names?: ReadonlyMap<number, string>): U32FilterConfig {
  const c: U32FilterConfig = { kind: "u32" };
  if (u.classid !== undefined) c.classid = formatHandle(u.classid);
  if (u.sel !== undefined) c.keys = selectorKeys(u.sel);
  if (u.act !== undefined) c.actions = decodeActionList(u.act, names).map((x) => x.config);
  if (u.link !== undefined) c.link = formatU32Handle(u.link);
  if (u.divisor !== undefined) c.divisor = u.divisor;
  if (u.hash !== undefined) c.hash = formatU32Handle(u.hash);
  if (((u.flags ?? 0) & tc.CLS_FLAGS.SKIP_HW) !== 0) c.skipHw = true;
  if (u.sel !== undefined && (u.sel.flags & tc.TC_U32_FLAGS.TERMINAL) !== 0) c.terminal = true;
  if (u.flags !== undefined) c.flags = clsFlags(u.flags);
  return c;
}

/**
 * `TCA_CLS_FLAGS_*` names as tc prints them (the spec spells `NOT_IN_HW` `NOT_IN_NW`, so the
 * names are written here, with the spec's values).
 */
export function clsFlags(bits: number): string[] {
  const names: [number, string][] = [
    [tc.CLS_FLAGS.SKIP_HW, "skip_hw"],
    [tc.CLS_FLAGS.SKIP_SW, "skip_sw"],
    [tc.CLS_FLAGS.IN_HW, "in_hw"],
    [tc.CLS_FLAGS.NOT_IN_NW, "not_in_hw"],
    [tc.CLS_FLAGS.VERBOSE, "verbose"],
  ];
  return names.filter(([v]) => (bits & v) !== 0).map(([, n]) => n);
}
