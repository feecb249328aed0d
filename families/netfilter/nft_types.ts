/**
 * The vocabulary nf_tables shares with the `nft` tool: address families and hooks by name,
 * nft's data types (`enum datatypes` of nftables' include/datatype.h: what a set's
 * `NFTA_SET_KEY_TYPE` numbers, with their byte order and how `nft -j` writes their values),
 * the symbol tables of those types, protocol header fields (payload templates), and the meta
 * and ct keys. Values are raw register bytes; {@link formatValue} and {@link parseValue}
 * convert them to and from nft's JSON values.
 *
 * @example
 * ```ts
 * import { datatypeById, formatValue, parseValue } from "@netlink/netlink/nftables";
 * const service = datatypeById(13)!; // inet_service
 * formatValue(service, new Uint8Array([0, 22])); // 22
 * parseValue(datatypeById(7)!, "10.0.0.1"); // Uint8Array [10, 0, 0, 1]
 * ```
 *
 * @module
 */
import { formatIp, formatMac, parseIp, parseMac } from "../route/addr_text.ts";
import {
  ARPHRD,
  CT_DIR,
  CT_STATE,
  CT_STATUS,
  ETHER_TYPES,
  FIB_ADDRTYPES,
  ICMP_CODES,
  ICMP_TYPES,
  ICMPV6_CODES,
  ICMPV6_TYPES,
  ICMPX_CODES,
  INET_PROTOCOLS,
  NFPROTO_SYMBOLS,
  PKT_TYPES,
  protocolNumber,
  symbolName,
  type Symbols,
  symbolValue,
  TCP_FLAGS,
} from "./nft_symbols.ts";

/** nf_tables address families (`NFPROTO_*`, linux/netfilter.h) by nft's name. */
export const NFT_FAMILIES: Readonly<Record<string, number>> = Object.freeze({
  inet: 1,
  ip: 2,
  arp: 3,
  netdev: 5,
  bridge: 7,
  ip6: 10,
});

/** The nft name of family number `n` (`"unknown"` if none). */
export function familyName(n: number): string {
  for (const [k, v] of Object.entries(NFT_FAMILIES)) if (v === n) return k;
  return "unknown";
}

/** The family number of `f` (a name or a number). */
export function familyNumber(f: string | number): number {
  if (typeof f === "number") return f;
  const n = NFT_FAMILIES[f];
  if (n === undefined) throw new TypeError(`Unknown nftables family "${f}"`);
  return n;
}

const INET_HOOKS = ["prerouting", "input", "forward", "output", "postrouting", "ingress"];

/** Hook names of a family, by hook number (`NF_INET_*`, `NF_ARP_*`, `NF_NETDEV_*`). */
export function hookNames(family: number): readonly string[] {
  if (family === 3) return ["input", "output", "forward"];
  if (family === 5) return ["ingress", "egress"];
  return INET_HOOKS;
}

/** A hook's name in `family`. */
export function hookName(family: number, num: number): string {
  return hookNames(family)[num] ?? "unknown";
}

/** A hook's number in `family`. */
export function hookNumber(family: number, name: string | number): number {
  if (typeof name === "number") return name;
  const i = hookNames(family).indexOf(name);
  if (i < 0) throw new TypeError(`Unknown hook "${name}" for family ${familyName(family)}`);
  return i;
}

/** Named chain priorities of nft (`prio_tbl`: filter 0, raw -300, mangle -150…). */
export const CHAIN_PRIORITIES: Readonly<Record<string, number>> = Object.freeze({
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
  out: 100,
});

// ---------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------

/** How values of a type are written. */
export type ValueKind =
  | "integer"
  | "string"
  | "ipv4"
  | "ipv6"
  | "ether"
  | "symbols"
  | "bitmask"
  | "verdict"
  | "protocol"
  | "ifindex"
  | "boolean";

/** One of nft's data types. */
export interface Datatype {
  /** `TYPE_*` number (what `NFTA_SET_KEY_TYPE` carries). */
  id: number;
  /** nft's name (`"ipv4_addr"`). */
  name: string;
  /** Size in bytes (0: variable). */
  size: number;
  /** Byte order of the values in registers and set keys. */
  byteorder: "host" | "big";
  /** How values print. */
  kind: ValueKind;
  /** Names of values (kind `symbols`) or bits (kind `bitmask`). */
  symbols?: Symbols;
}

const T = (
  id: number,
  name: string,
  size: number,
  byteorder: "host" | "big",
  kind: ValueKind,
  symbols?: Symbols,
): Datatype => ({ id, name, size, byteorder, kind, symbols });

/** nft's data types by `TYPE_*` number. */
export const DATATYPES: readonly Datatype[] = [
  T(1, "verdict", 4, "host", "verdict"),
  T(2, "nf_proto", 1, "host", "symbols", NFPROTO_SYMBOLS),
  T(3, "bitmask", 0, "host", "integer"),
  T(4, "integer", 0, "host", "integer"),
  T(5, "string", 0, "host", "string"),
  T(6, "ll_addr", 0, "big", "ether"),
  T(7, "ipv4_addr", 4, "big", "ipv4"),
  T(8, "ipv6_addr", 16, "big", "ipv6"),
  T(9, "ether_addr", 6, "big", "ether"),
  T(10, "ether_type", 2, "big", "symbols", ETHER_TYPES),
  T(12, "inet_proto", 1, "big", "protocol"),
  T(13, "inet_service", 2, "big", "integer"),
  T(14, "icmp_type", 1, "big", "symbols", ICMP_TYPES),
  T(15, "tcp_flag", 1, "big", "bitmask", TCP_FLAGS),
  T(18, "time", 8, "host", "integer"),
  T(19, "mark", 4, "host", "integer"),
  T(20, "iface_index", 4, "host", "ifindex"),
  T(21, "iface_type", 2, "host", "symbols", ARPHRD),
  T(22, "realm", 4, "host", "integer"),
  T(23, "classid", 4, "host", "integer"),
  T(24, "uid", 4, "host", "integer"),
  T(25, "gid", 4, "host", "integer"),
  T(26, "ct_state", 4, "host", "bitmask", CT_STATE),
  T(27, "ct_dir", 1, "host", "symbols", CT_DIR),
  T(28, "ct_status", 4, "host", "bitmask", CT_STATUS),
  T(29, "icmpv6_type", 1, "big", "symbols", ICMPV6_TYPES),
  T(31, "pkt_type", 1, "host", "symbols", PKT_TYPES),
  T(32, "icmp_code", 1, "big", "symbols", ICMP_CODES),
  T(33, "icmpv6_code", 1, "big", "symbols", ICMPV6_CODES),
  T(34, "icmpx_code", 1, "big", "symbols", ICMPX_CODES),
  T(35, "devgroup", 4, "host", "integer"),
  T(38, "fib_addrtype", 4, "host", "symbols", FIB_ADDRTYPES),
  T(39, "boolean", 1, "host", "boolean"),
  T(41, "ifname", 16, "host", "string"),
  T(46, "cgroupsv2", 8, "host", "integer"),
];

/** The type numbered `id`. */
export function datatypeById(id: number): Datatype | undefined {
  return DATATYPES.find((d) => d.id === id);
}

/** The type named `name`. */
export function datatypeByName(name: string): Datatype | undefined {
  return DATATYPES.find((d) => d.name === name);
}

/** An integer type of `size` bytes and byte order (for raw payloads and unknown keys). */
export function integerType(size: number, byteorder: "host" | "big" = "big"): Datatype {
  return T(4, "integer", size, byteorder, "integer");
}

/** nft's `TYPE_BITS` (datatype.h): a concatenated key type is the field types, 6 bits each, first field highest. */
const typeBits = 6;

/** The field types of a (possibly concatenated) key type. */
export function concatTypes(id: number): number[] {
  const out: number[] = [];
  for (let t = id; t > 0; t = Math.floor(t / (1 << typeBits))) out.unshift(t % (1 << typeBits));
  return out;
}

/** The key type number of concatenated field types. */
export function concatTypeId(ids: readonly number[]): number {
  return ids.reduce((acc, t) => acc * (1 << typeBits) + t, 0);
}

/** Register space a field of `size` bytes takes in a concatenation: rounded up to 4. */
export function regSize(size: number): number {
  return (size + 3) & ~3;
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/** An nft JSON value: a number, a string, a boolean, or a list of names. */
export type JsonValue = number | string | boolean | string[];

/** The unsigned integer of `bytes` in `order`. */
export function bytesToBig(bytes: Uint8Array, order: "host" | "big"): bigint {
  let v = 0n;
  if (order === "big") { for (const b of bytes) v = (v << 8n) | BigInt(b); }
  else for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** `v` as `size` bytes in `order`. */
export function bigToBytes(v: bigint, size: number, order: "host" | "big"): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    out[order === "big" ? size - 1 - i : i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function num(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : `0x${v.toString(16)}`;
}

/** Names of the bits of `value` in `table`, then what remains as a number. */
export function bitNames(table: Symbols, value: number): (string | number)[] {
  const out: (string | number)[] = [];
  let rest = value;
  for (const [n, v] of table) {
    if (v !== 0 && (rest & v) === v) {
      out.push(n);
      rest &= ~v;
    }
  }
  if (rest !== 0) out.push(rest);
  return out;
}

/** Resolve interface indexes to names (nft prints `iif`, `oif` and `fib … oif` by name). */
export type IfnameResolver = (index: number) => string | undefined;

/**
 * The nft JSON value of `bytes` (a register or key) of type `t`: addresses as text, services
 * and integers as numbers, symbolic types by name, strings without their NULs.
 */
export function formatValue(
  t: Datatype,
  bytes: Uint8Array,
  ifname?: IfnameResolver,
): JsonValue {
  const data = t.size > 0 && bytes.length > t.size ? bytes.subarray(0, t.size) : bytes;
  switch (t.kind) {
    case "ipv4":
    case "ipv6":
      return formatIp(data);
    case "ether":
      return formatMac(data);
    case "string": {
      let end = data.indexOf(0);
      if (end < 0) end = data.length;
      return new TextDecoder().decode(data.subarray(0, end));
    }
    case "boolean":
      return data.some((b) => b !== 0);
    case "protocol": {
      const n = data[0];
      return INET_PROTOCOLS[n] ?? n;
    }
    case "ifindex": {
      const n = Number(bytesToBig(data, t.byteorder));
      return ifname?.(n) ?? n;
    }
    case "symbols": {
      const n = Number(bytesToBig(data, t.byteorder));
      return symbolName(t.symbols!, n) ?? n;
    }
    case "bitmask": {
      const n = Number(bytesToBig(data, t.byteorder));
      const names = bitNames(t.symbols!, n);
      if (names.length === 1) return names[0];
      if (names.every((x) => typeof x === "string")) return names as string[];
      return n;
    }
    default:
      return num(bytesToBig(data, t.byteorder));
  }
}

/**
 * The register bytes of an nft JSON value of type `t` (padded to `size`, default the type's).
 *
 * @throws {TypeError} for a value the type does not take.
 */
export function parseValue(
  t: Datatype,
  v: unknown,
  size: number = t.size,
  ifindex?: (name: string) => number | undefined,
): Uint8Array {
  const bad = () => new TypeError(`${JSON.stringify(v)} is not a valid ${t.name}`);
  const int = (n: bigint) => bigToBytes(n, size || 4, t.byteorder);
  const asInt = (x: unknown): bigint => {
    if (typeof x === "number" && Number.isInteger(x) && x >= 0) return BigInt(x);
    if (typeof x === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(x)) return BigInt(x);
    throw bad();
  };
  switch (t.kind) {
    case "ipv4":
    case "ipv6": {
      if (typeof v !== "string") throw bad();
      const b = parseIp(v);
      if (b.length !== t.size) throw bad();
      return b;
    }
    case "ether":
      if (typeof v !== "string") throw bad();
      return parseMac(v);
    case "string": {
      if (typeof v !== "string") throw bad();
      const s = new TextEncoder().encode(v);
      const out = new Uint8Array(size || s.length + 1);
      out.set(s.subarray(0, out.length));
      return out;
    }
    case "boolean":
      if (typeof v !== "boolean") throw bad();
      return new Uint8Array(size || 1).fill(0).map((_, i) => (i === 0 && v ? 1 : 0));
    case "protocol":
      if (typeof v === "string" && !/^[0-9]+$/.test(v)) return int(BigInt(protocolNumber(v)));
      return int(asInt(v));
    case "ifindex":
      if (typeof v === "string" && !/^[0-9]+$/.test(v)) {
        const n = ifindex?.(v);
        if (n === undefined) throw new TypeError(`Unknown interface "${v}"`);
        return int(BigInt(n));
      }
      return int(asInt(v));
    case "symbols":
      if (typeof v === "string") {
        const n = symbolValue(t.symbols!, v);
        if (n !== undefined) return int(BigInt(n));
      }
      return int(asInt(v));
    case "bitmask": {
      const list = Array.isArray(v) ? v : [v];
      let n = 0n;
      for (const x of list) {
        const s = typeof x === "string" ? symbolValue(t.symbols!, x) : undefined;
        n |= s !== undefined ? BigInt(s) : asInt(x);
      }
      return int(n);
    }
    default:
      return int(asInt(v));
  }
}
