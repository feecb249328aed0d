/**
 * tc's text for numbers: handles and parents (`"1:10"`, `"ffff:"`, `"root"`, `"ingress"`,
 * `"clsact"`), rates (`"1mbit"`), sizes (`"10k"`) and durations (`"50ms"`), parsed and printed as
 * `tc` does (iproute2 `get_tc_classid`, `sprint_tc_classid`, `get_rate64`, `get_size`,
 * `get_time`).
 *
 * @example
 * ```ts
 * import { formatHandle, parseHandle, parseRate } from "@netlink/netlink";
 * formatHandle(parseHandle("1:10")); // "1:10"
 * parseRate("10mbit"); // 10000000
 * ```
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";

/**
 * Special handles of linux/pkt_sched.h (`TC_H_*`): the root of the egress tree, the parent of
 * the ingress and clsact qdiscs, the minors of clsact's two hooks, and the masks of a handle's
 * major and minor halves.
 *
 * @example
 * ```ts
 * import { TC_H } from "@netlink/netlink";
 * TC_H.ROOT; // 0xffffffff
 * ```
 */
export const TC_H: typeof tc.TC_H = tc.TC_H;

/** Bits below a handle's major half: the width of TC_H_MIN_MASK (16). */
const MAJOR_SHIFT = Math.log2(TC_H.MIN_MASK + 1);
/** The largest u32 (UINT32_MAX). */
export const U32_MAX = 0xffffffff;

/**
 * `TC_H_MAKE(major << 16, minor)` of linux/pkt_sched.h: a handle from its two halves.
 */
export function makeHandle(major: number, minor: number): number {
  return (((major << MAJOR_SHIFT) & TC_H.MAJ_MASK) | (minor & TC_H.MIN_MASK)) >>> 0;
}

/**
 * `TC_H_MAJ(handle) >> 16`: the major half of a handle (a qdisc's number; a filter's priority).
 */
export function handleMajor(handle: number): number {
  return (handle & TC_H.MAJ_MASK) >>> MAJOR_SHIFT;
}

/**
 * `TC_H_MIN(handle)`: the minor half of a handle.
 */
export function handleMinor(handle: number): number {
  return handle & TC_H.MIN_MASK;
}

/** A handle or parent: a number, or tc's text (`"1:"`, `"1:10"`, `":10"`, `"root"`, `"ingress"`, `"clsact"`, `"none"`). */
export type Handle = number | string;

/**
 * Parse a handle as tc does (`get_tc_classid`): hexadecimal `major:minor`, `"root"`,
 * `"ingress"`/`"clsact"` (the `ffff:fff1` parent of those qdiscs), `"none"`. Numbers pass
 * through.
 *
 * @throws {TypeError} for text that is not a handle; {@link RangeError} for a part over `ffff`.
 * @example
 * ```ts
 * import { parseHandle } from "@netlink/netlink";
 * parseHandle("1:10"); // 0x10010
 * parseHandle("ffff:"); // 0xffff0000
 * parseHandle("root"); // 0xffffffff
 * ```
 */
export function parseHandle(handle: Handle): number {
  if (typeof handle === "number") {
    if (!Number.isInteger(handle) || handle < 0 || handle > U32_MAX) {
      throw new RangeError(`Handle ${handle} is not a u32`);
    }
    return handle;
  }
  const t = handle.trim().toLowerCase();
  if (t === "root") return TC_H.ROOT;
  if (t === "none" || t === "unspec") return TC_H.UNSPEC;
  if (t === "ingress" || t === "clsact") return TC_H.INGRESS;
  const m = /^([0-9a-f]*):([0-9a-f]*)$/.exec(t);
  if (m === null) {
    throw new TypeError(`Cannot parse handle "${handle}": expected "major:minor" in hexadecimal`);
  }
  const major = m[1] === "" ? 0 : parseInt(m[1], 16);
  const minor = m[2] === "" ? 0 : parseInt(m[2], 16);
  if (major > TC_H.MIN_MASK || minor > TC_H.MIN_MASK) {
    throw new RangeError(`Handle "${handle}": major and minor are at most ffff`);
  }
  return makeHandle(major, minor);
}

/**
 * Format a handle as tc prints it (`sprint_tc_classid`): `"root"`, `"none"`, `"1:"`, `":10"`,
 * `"1:10"`, in hexadecimal.
 *
 * @example
 * ```ts
 * import { formatHandle } from "@netlink/netlink";
 * formatHandle(0x10010); // "1:10"
 * formatHandle(0xfffffff1); // "ffff:fff1"
 * ```
 */
export function formatHandle(handle: number): string {
  if (handle === TC_H.ROOT) return "root";
  if (handle === TC_H.UNSPEC) return "none";
  const major = handleMajor(handle), minor = handleMinor(handle);
  if (major === 0) return `:${minor.toString(16)}`;
  if (minor === 0) return `${major.toString(16)}:`;
  return `${major.toString(16)}:${minor.toString(16)}`;
}

/** A rate in bits per second: a number, or tc text (`"1mbit"`, `"100kbit"`, `"1gbps"`). */
export type Rate = number | string;
/** A size in bytes: a number, or tc text (`"10k"` = 10240, `"1m"`, `"1600b"`, `"8kbit"`). */
export type Size = number | string;
/** A duration in microseconds: a number, or tc text (`"50ms"`, `"1s"`, `"300us"`). */
export type Duration = number | string;

/** Bits per byte, for tc's `…bps` (bytes per second) and `…bit` sizes. */
export const BITS_PER_BYTE = 8;

// iproute2 tc/tc_util.c: the units of get_rate64 (bits per second), get_size (bytes) and
// get_time (microseconds here, tc's TIME_UNITS_PER_SEC being 1e6).
const RATE_UNITS: Record<string, number> = {
  "": 1,
  bit: 1,
  kibit: 1024,
  kbit: 1000,
  mibit: 1024 ** 2,
  mbit: 1e6,
  gibit: 1024 ** 3,
  gbit: 1e9,
  tibit: 1024 ** 4,
  tbit: 1e12,
  bps: BITS_PER_BYTE,
  kibps: BITS_PER_BYTE * 1024,
  kbps: BITS_PER_BYTE * 1000,
  mibps: BITS_PER_BYTE * 1024 ** 2,
  mbps: BITS_PER_BYTE * 1e6,
  gibps: BITS_PER_BYTE * 1024 ** 3,
  gbps: BITS_PER_BYTE * 1e9,
  tibps: BITS_PER_BYTE * 1024 ** 4,
  tbps: BITS_PER_BYTE * 1e12,
};
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  kbit: 1024 / BITS_PER_BYTE,
  mbit: 1024 ** 2 / BITS_PER_BYTE,
  gbit: 1024 ** 3 / BITS_PER_BYTE,
};
const TIME_UNITS: Record<string, number> = {
  "": 1,
  s: 1e6,
  sec: 1e6,
  secs: 1e6,
  ms: 1e3,
  msec: 1e3,
  msecs: 1e3,
  us: 1,
  usec: 1,
  usecs: 1,
};

function unitValue(v: number | string, units: Record<string, number>, what: string): number {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0) {
      throw new RangeError(`${what} ${v} is not a non-negative number`);
    }
    return v;
  }
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = m?.[2].toLowerCase();
  if (m === null || unit === undefined || !(unit in units)) {
    throw new TypeError(`Cannot parse ${what} "${v}"`);
  }
  return Number(m[1]) * units[unit];
}

/**
 * Parse a rate as tc does: bits per second, or text with tc's units (`bit`, `kbit` = 1000,
 * `kibit` = 1024, `mbit`, `gbit`, `bps` = bytes, `kbps`, `mbps`…).
 *
 * @example
 * ```ts
 * import { parseRate } from "@netlink/netlink";
 * parseRate("1mbit"); // 1000000
 * parseRate("1kbps"); // 8000
 * ```
 */
export function parseRate(rate: Rate): number {
  return Math.floor(unitValue(rate, RATE_UNITS, "rate"));
}

/**
 * A rate in bytes per second, as the kernel takes it (struct tc_ratespec, TCA_*_RATE64).
 */
export function rateBytes(rate: Rate): number {
  return Math.floor(parseRate(rate) / BITS_PER_BYTE);
}

/**
 * A rate in bytes per second (as the kernel gives it) in bits per second.
 */
export function rateBits(bytesPerSecond: number): number {
  return bytesPerSecond * BITS_PER_BYTE;
}

/**
 * Parse a size as tc does: bytes, or text with tc's units (`b`, `k`/`kb` = 1024, `m`, `g`,
 * `kbit` = 128 bytes…).
 *
 * @example
 * ```ts
 * import { parseSize } from "@netlink/netlink";
 * parseSize("10k"); // 10240
 * ```
 */
export function parseSize(size: Size): number {
  return Math.floor(unitValue(size, SIZE_UNITS, "size"));
}

/**
 * Parse a duration as tc does: microseconds, or text with units `s`, `ms`, `us`.
 *
 * @example
 * ```ts
 * import { parseDuration } from "@netlink/netlink";
 * parseDuration("50ms"); // 50000
 * ```
 */
export function parseDuration(duration: Duration): number {
  return Math.floor(unitValue(duration, TIME_UNITS, "duration"));
}

/**
 * `v`, checked to fit a u32 field.
 *
 * @throws {RangeError} when it does not.
 */
export function u32(v: number, what: string): number {
  if (v > U32_MAX) throw new RangeError(`${what} ${v} does not fit in 32 bits`);
  return v;
}

/**
 * A u32 filter handle's parts, as linux/pkt_cls.h's `TC_U32_HTID(h)` (`h & 0xFFF00000`),
 * `TC_U32_HASH(h)` (`(h >> 12) & 0xFF`) and `TC_U32_NODE(h)` (`h & 0xFFF`) take them.
 */
const u32Parts = { htidMask: 0xfff00000, hashShift: 12, hashMask: 0xff, nodeMask: 0xfff };

/** The parts of a u32 filter handle: hash table id, bucket and node (each a number). */
export interface U32HandleParts {
  /** Hash table id (`TC_U32_USERHTID`: `0x800` for `800::800`). */
  htid: number;
  /** Bucket in the hash table (`TC_U32_HASH`). */
  hash: number;
  /** Node, the filter's place in the bucket (`TC_U32_NODE`; tc prints it as `order`). */
  node: number;
}

/**
 * The parts of a u32 filter handle (a number, or tc's `"htid:hash:node"` text), as tc prints
 * them (`fh 800::800 order 2048`, `key ht 800 bkt 0`).
 *
 * @throws {TypeError} for text that is not a u32 handle.
 * @example
 * ```ts
 * import { u32HandleParts } from "@netlink/netlink";
 * u32HandleParts("800::800"); // { htid: 0x800, hash: 0, node: 0x800 }
 * u32HandleParts(0x80001000); // { htid: 0x800, hash: 1, node: 0 }
 * ```
 */
export function u32HandleParts(handle: number | string): U32HandleParts {
  const h = parseU32Handle(handle);
  return {
    htid: (h & u32Parts.htidMask) >>> 20,
    hash: (h >>> u32Parts.hashShift) & u32Parts.hashMask,
    node: h & u32Parts.nodeMask,
  };
}

/**
 * Format a u32 filter handle as tc prints it (`sprint_u32_handle`): the hash table, bucket
 * and node, hexadecimal, `"htid:hash:node"` with empty parts left out (`"800::800"`, `"1:"`).
 *
 * @example
 * ```ts
 * import { formatU32Handle } from "@netlink/netlink";
 * formatU32Handle(0x80000800); // "800::800"
 * formatU32Handle(0x80000000); // "800:"
 * ```
 */
export function formatU32Handle(handle: number): string {
  if (handle === 0) return "none";
  const htid = (handle & u32Parts.htidMask) >>> 20;
  const hash = (handle >>> u32Parts.hashShift) & u32Parts.hashMask;
  const node = handle & u32Parts.nodeMask;
  let s = htid ? `${htid.toString(16)}:` : "";
  if (hash) s += hash.toString(16);
  if (node) s += `:${node.toString(16)}`;
  return s;
}

/**
 * Parse a u32 filter handle as tc does (`get_u32_handle`): `"htid:hash:node"` in hexadecimal
 * (`"800::800"`, `"1:"`), or `"0x…"` for the whole number. Numbers pass through.
 *
 * @throws {TypeError} for text that is not a u32 handle; {@link RangeError} for a part too big.
 * @example
 * ```ts
 * import { parseU32Handle } from "@netlink/netlink";
 * parseU32Handle("800::800"); // 0x80000800
 * ```
 */
export function parseU32Handle(handle: number | string): number {
  if (typeof handle === "number") return parseHandle(handle);
  const t = handle.trim().toLowerCase();
  if (!t.includes(":")) {
    if (/^0x[0-9a-f]+$/.test(t)) return parseHandle(parseInt(t.slice(2), 16));
    throw new TypeError(`Cannot parse u32 handle "${handle}": expected "htid:hash:node"`);
  }
  const m = /^([0-9a-f]*)(?::([0-9a-f]*)(?::([0-9a-f]*))?)?$/.exec(t);
  if (m === null) throw new TypeError(`Cannot parse u32 handle "${handle}"`);
  const [htid, hash, node] = [m[1], m[2], m[3]].map((x) => (x ? parseInt(x, 16) : 0));
  if (htid >= 0x1000 || hash > u32Parts.hashMask || node > u32Parts.nodeMask) {
    throw new RangeError(`u32 handle "${handle}": a part is too big`);
  }
  return ((htid << 20) | (hash << u32Parts.hashShift) | node) >>> 0;
}

/**
 * A qdisc's handle as tc prints it: the major half only, `"1:"` (`"0:"` for none).
 *
 * @example
 * ```ts
 * import { formatQdiscHandle } from "@netlink/netlink";
 * formatQdiscHandle(0x10000); // "1:"
 * ```
 */
export function formatQdiscHandle(handle: number): string {
  return `${handleMajor(handle).toString(16)}:`;
}
