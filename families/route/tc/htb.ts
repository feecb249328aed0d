/**
 * HTB, the hierarchical token bucket (`tc qdisc add … htb`, `tc class add … htb`): the qdisc's
 * struct tc_htb_glob and the classes' struct tc_htb_opt with their rate tables, as iproute2's
 * `tc/q_htb.c` fills them.
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";
import {
  type Handle,
  handleMajor,
  handleMinor,
  parseHandle,
  parseSize,
  type Rate,
  rateBits,
  rateBytes,
  type Size,
  TC_H,
  U32_MAX,
} from "./handles.ts";
import { needs64, PSCHED_HZ, ratespec, rateTable, xmitsize, xmittime } from "./ratespec.ts";

/** HTB qdisc (`tc qdisc add … htb`). */
export interface HtbQdiscConfig {
  /** Kind. */
  kind: "htb";
  /**
   * The class unclassified traffic goes to, in tc's notation: `"1:10"` (class 1:10), or tc's
   * `default 10` as `"10"` (the minor, hexadecimal: 0x10), or `":10"`. A number is the
   * minor's value (`0x10` for class 1:10, not `10`). Absent (or 0): unclassified traffic is
   * sent directly, unshaped. Listed as `"1:10"`.
   */
  defaultClass?: Handle;
  /** Rate-to-quantum divisor (`r2q`, default 10). */
  r2q?: number;
  /** Length of the direct queue, in packets. */
  directQlen?: number;
  /** Packets sent directly (read only). */
  directPackets?: number;
}

/** HTB class (`tc class add … htb`). */
export interface HtbClassConfig {
  /** Kind. */
  kind: "htb";
  /** Guaranteed rate, bits per second. */
  rate: Rate;
  /** Maximum rate, bits per second (default `rate`). */
  ceil?: Rate;
  /** Bytes that may burst at `ceil` (default rate / HZ + mtu, like tc). */
  burst?: Size;
  /** Bytes that may burst at line speed (default ceil / HZ + mtu). */
  cburst?: Size;
  /** Priority; lower is served first. */
  prio?: number;
  /** Quantum, bytes (default from r2q). */
  quantum?: number;
  /** MTU for the rate tables (default 1600). */
  mtu?: number;
  /** Level in the tree (read only). */
  level?: number;
}

/** iproute2 q_htb.c: `opt.rate2quantum = 10` unless `r2q` is given. */
const HTB_DEFAULT_R2Q = 10;
/** iproute2 q_htb.c: `mtu = 1600; /* eth packet len *\/` for the rate tables. */
const HTB_DEFAULT_MTU = 1600;

/**
 * The minor number of an HTB default class given as {@link HtbQdiscConfig.defaultClass}.
 *
 * @throws {TypeError} for text that is not a class; {@link RangeError} for a minor over `ffff`.
 */
export function defaultClassMinor(v: Handle | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v > TC_H.MIN_MASK) {
      throw new RangeError(`HTB default class ${v} is not a minor number (0..0xffff)`);
    }
    return v;
  }
  const t = String(v).trim().toLowerCase();
  if (/^[0-9a-f]+$/.test(t)) {
    const n = parseInt(t, 16);
    if (n > TC_H.MIN_MASK) throw new RangeError(`HTB default class "${v}" is over ffff`);
    return n;
  }
  return handleMinor(parseHandle(t));
}

/** TCA_OPTIONS of an HTB qdisc: TCA_HTB_INIT (struct tc_htb_glob), TCA_HTB_DIRECT_QLEN. */
export function encodeHtbQdisc(h: HtbQdiscConfig): tc.HtbAttrs {
  const options: tc.HtbAttrs = {
    init: {
      version: tc.TC_HTB_PROTOVER,
      rate2quantum: h.r2q ?? HTB_DEFAULT_R2Q,
      defcls: defaultClassMinor(h.defaultClass),
      debug: 0,
      directPkts: 0,
    },
  };
  if (h.directQlen !== undefined) options.directQlen = h.directQlen;
  return options;
}

/** The configuration of an HTB qdisc (with handle `handle`) from its TCA_OPTIONS. */
export function decodeHtbQdisc(h: tc.HtbAttrs, handle: number): HtbQdiscConfig {
  const c: HtbQdiscConfig = { kind: "htb" };
  if (h.init !== undefined) {
    const d = h.init.defcls;
    if (d !== 0) c.defaultClass = `${handleMajor(handle).toString(16)}:${d.toString(16)}`;
    c.r2q = h.init.rate2quantum;
    c.directPackets = h.init.directPkts;
  }
  if (h.directQlen !== undefined) c.directQlen = h.directQlen;
  return c;
}

/**
 * TCA_OPTIONS of an HTB class: TCA_HTB_PARMS (struct tc_htb_opt), the rate tables, and the
 * 64-bit rates when they pass 32 bits.
 *
 * @throws {RangeError} for a rate or ceil of 0.
 */
export function encodeHtbClass(h: HtbClassConfig): tc.HtbAttrs {
  const rate = rateBytes(h.rate);
  const ceil = h.ceil === undefined ? rate : rateBytes(h.ceil);
  if (rate === 0 || ceil === 0) throw new RangeError("htb class needs rate and ceil above 0");
  const mtu = h.mtu ?? HTB_DEFAULT_MTU;
  // tc: burst defaults to rate / get_hz() + mtu.
  const burst = h.burst === undefined ? Math.floor(rate / PSCHED_HZ) + mtu : parseSize(h.burst);
  const cburst = h.cburst === undefined ? Math.floor(ceil / PSCHED_HZ) + mtu : parseSize(h.cburst);
  const rtab = rateTable(Math.min(rate, U32_MAX), mtu);
  const ctab = rateTable(Math.min(ceil, U32_MAX), mtu);
  const options: tc.HtbAttrs = {
    parms: {
      rate: ratespec(rate, rtab.cellLog),
      ceil: ratespec(ceil, ctab.cellLog),
      buffer: xmittime(rate, burst),
      cbuffer: xmittime(ceil, cburst),
      quantum: h.quantum ?? 0,
      level: 0,
      prio: h.prio ?? 0,
    },
  };
  if (needs64(rate)) options.rate64 = BigInt(rate);
  if (needs64(ceil)) options.ceil64 = BigInt(ceil);
  options.rtab = rtab.table;
  options.ctab = ctab.table;
  return options;
}

/** The configuration of an HTB class from its TCA_OPTIONS and their TCA_HTB_PARMS `p`. */
export function decodeHtbClass(o: tc.HtbAttrs, p: tc.TcHtbOpt): HtbClassConfig {
  const rate = o.rate64 !== undefined ? Number(o.rate64) : p.rate.rate;
  const ceil = o.ceil64 !== undefined ? Number(o.ceil64) : p.ceil.rate;
  return {
    kind: "htb",
    rate: rateBits(rate),
    ceil: rateBits(ceil),
    burst: xmitsize(rate, p.buffer),
    cburst: xmitsize(ceil, p.cbuffer),
    prio: p.prio,
    quantum: p.quantum,
    level: p.level,
  };
}
