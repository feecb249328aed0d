/**
 * HTB, the hierarchical token bucket (`tc qdisc add … htb`, `tc class add … htb`): the qdisc's
 * struct tc_htb_glob and the classes' struct tc_htb_opt with their rate tables, as iproute2's
 * `tc/q_htb.c` fills them.
 *
 * @module
 */
import { NetlinkDecodeError } from "../../../codec/errors.ts";
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
  /** HTB's protocol version as `tc -d` prints it (`"3.17"`; read only). */
  version?: string;
  /** Offloaded to hardware (`TCA_HTB_OFFLOAD`; read only). */
  offload?: boolean;
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
  /** Per-packet overhead of the rate tables, bytes (read only; tc's `overhead`). */
  overhead?: number;
  /** Link layer of the rate tables as tc names it (`"ethernet"`, `"atm"`; read only). */
  linklayer?: string;
  /** Minimum packet unit of the rate, bytes (read only; tc's `mpu`). */
  mpu?: number;
  /** Minimum packet unit of the ceil, bytes (read only). */
  ceilMpu?: number;
  /** Cell size of the rate table, bytes (`1 << cell_log`; `tc -d` prints `burst 1600b/1`). */
  cell?: number;
  /** Cell size of the ceil table, bytes. */
  ceilCell?: number;
}

/** tc's names of a rate table's link layer (tc_util.c `sprint_linklayer`). */
const LINK_LAYER_NAMES: ReadonlyMap<number, string> = new Map([
  [tc.TC_LINK_LAYER.UNAWARE, "unspec"],
  [tc.TC_LINK_LAYER.ETHERNET, "ethernet"],
  [tc.TC_LINK_LAYER.ATM, "atm"],
]);
/** linux/pkt_sched.h `TC_LINKLAYER_MASK`: the link layer's bits of `tc_ratespec.linklayer`. */
const TC_LINKLAYER_MASK = 0x0f;
/** tc's `HTB_TC_VER` split: major version in the high 16 bits of `tc_htb_glob.version`. */
const VERSION_SHIFT = 16;

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
    // A TCA_HTB_INIT shorter than struct tc_htb_glob lacks members: only those present count.
    const d = h.init.defcls;
    if (d !== undefined && d !== 0) {
      c.defaultClass = `${handleMajor(handle).toString(16)}:${d.toString(16)}`;
    }
    c.r2q = h.init.rate2quantum;
    c.directPackets = h.init.directPkts;
    const v = h.init.version;
    if (v !== undefined) c.version = `${v >>> VERSION_SHIFT}.${v & TC_H.MIN_MASK}`;
  }
  if (h.directQlen !== undefined) c.directQlen = h.directQlen;
  if (h.offload) c.offload = true;
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
  if (p.rate === undefined || p.ceil === undefined) {
    // struct tc_htb_opt has not changed since HTB was merged: a shorter one is malformed.
    throw new NetlinkDecodeError(
      `TCA_HTB_PARMS is shorter than struct tc_htb_opt (${tc.tcHtbOpt.size} bytes)`,
      0,
    );
  }
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
    overhead: p.rate.overhead,
    linklayer: LINK_LAYER_NAMES.get(p.rate.linklayer & TC_LINKLAYER_MASK) ?? "unknown",
    mpu: p.rate.mpu,
    ceilMpu: p.ceil.mpu,
    cell: 1 << p.rate.cellLog,
    ceilCell: 1 << p.ceil.cellLog,
  };
}
