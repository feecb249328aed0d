/**
 * Traffic control over rtnetlink: qdiscs, classes, filters and actions, like `tc qdisc`,
 * `tc class`, `tc filter` and `tc actions`.
 *
 * Handles and parents are numbers (`0x10010`) or tc's text (`"1:10"`, `"1:"`, `"root"`,
 * `"ingress"`, `"clsact"`); {@link parseHandle} and {@link formatHandle} convert. Rates are
 * bits per second (a number, or tc text such as `"1mbit"`), sizes bytes (`1600`, `"10k"`),
 * durations microseconds (`50000`, `"50ms"`), as with `tc`.
 *
 * Typed configurations exist for HTB, TBF, fq_codel, ingress and clsact qdiscs, HTB classes,
 * u32 and bpf filters, and gact and mirred actions; any other kind passes its `options`
 * through the spec tables of `families/generated/tc.ts` untouched.
 *
 * @example
 * ```ts
 * import { Rtnl, addClass, addFilter, addQdisc, listClasses } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addQdisc(rt, "eth0", { parent: "root", handle: "1:", kind: "htb", defaultClass: 0x10 });
 * await addClass(rt, "eth0", { parent: "1:", classid: "1:10", kind: "htb", rate: "10mbit" });
 * await addFilter(rt, "eth0", {
 *   parent: "1:",
 *   protocol: "ip",
 *   priority: 1,
 *   kind: "u32",
 *   match: { ip: { dst: "10.0.0.0/8" } },
 *   classid: "1:10",
 * });
 * for (const c of await listClasses(rt, { dev: "eth0" })) console.log(c.handle, c.config);
 * ```
 *
 * @module
 */
import * as tc from "../generated/tc.ts";
import * as rtLink from "../generated/rt_link.ts";
import {
  defineFamily,
  encodeStruct,
  INDEXES,
  type Operation,
  STRUCT_BYTES,
} from "../../codec/schema.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../codec/constants.ts";
import type { Rtnl } from "./rtnl.ts";

// ---------------------------------------------------------------------------
// Tables: the generated tc family, corrected and extended
// ---------------------------------------------------------------------------

/** `RTM_NEWACTION` (linux/rtnetlink.h): add an action, or a reply to a get. */
export const RTM_NEWACTION = 48;
/** `RTM_DELACTION` (linux/rtnetlink.h): delete an action. */
export const RTM_DELACTION = 49;
/** `RTM_GETACTION` (linux/rtnetlink.h): get or dump actions. */
export const RTM_GETACTION = 50;

const base = tc.family.spec;
const objectOp = (name: string, req: number, reply?: number, dump = false) => ({
  name,
  requestValue: req,
  replyValue: reply,
  attributeSet: "attrs",
  fixedHeader: "tcmsg",
  do: { request: { value: req }, reply: reply === undefined ? undefined : { value: reply } },
  dump: dump ? { request: { value: req }, reply: { value: reply } } : undefined,
});

/**
 * The tc family of `families/generated/tc.ts` with two local changes:
 * - the class and filter get operations can dump (the spec gives only `do`);
 * - actions (RTM_NEWACTION/DELACTION/GETACTION, struct tcamsg, TCA_ROOT_*), which `tc.yaml`
 *   does not describe: numbers from linux/rtnetlink.h and linux/pkt_cls.h, and
 *   `struct tc_mirred` from linux/tc_act/tc_mirred.h.
 */
const family = defineFamily({
  ...base,
  structs: {
    ...base.structs,
    // linux/rtnetlink.h: struct tcamsg { unsigned char tca_family, tca__pad1; unsigned short tca__pad2; }
    tcamsg: [
      { name: "family", type: "u8" },
      { name: "pad", type: "pad", len: 3 },
    ],
    // linux/tc_act/tc_mirred.h: struct tc_mirred { tc_gen; int eaction; __u32 ifindex; }
    "tc-mirred": [
      { name: "index", type: "u32" },
      { name: "capab", type: "u32" },
      { name: "action", type: "s32" },
      { name: "refcnt", type: "s32" },
      { name: "bindcnt", type: "s32" },
      { name: "eaction", type: "s32" },
      { name: "ifindex", type: "u32" },
    ],
  },
  attributeSets: {
    ...base.attributeSets,
    "act-mirred-attrs": base.attributeSets["act-mirred-attrs"].map((a) =>
      a.name === "parms" ? { ...a, struct: "tc-mirred" } : a
    ),
    // linux/rtnetlink.h: TCA_ROOT_TAB (= TCA_ACT_TAB) 1, FLAGS 2, COUNT 3, TIME_DELTA 4, EXT_WARN_MSG 5
    "tca-root-attrs": [
      { name: "tab", value: 1, type: "indexed-array", subType: "nest", nested: "act-attrs" },
      { name: "flags", value: 2, type: "bitfield32" },
      { name: "count", value: 3, type: "u32" },
      { name: "timeDelta", value: 4, type: "u32" },
      { name: "extWarnMsg", value: 5, type: "string" },
    ],
  },
  operations: {
    ...base.operations,
    getqdisc: objectOp("getqdisc", tc.RTM_GETQDISC, tc.RTM_NEWQDISC, true),
    gettclass: objectOp("gettclass", tc.RTM_GETTCLASS, tc.RTM_NEWTCLASS, true),
    gettfilter: objectOp("gettfilter", tc.RTM_GETTFILTER, tc.RTM_NEWTFILTER, true),
    // linux/rtnetlink.h: RTM_NEWACTION 48, RTM_DELACTION 49, RTM_GETACTION 50
    newaction: actionOp("newaction", RTM_NEWACTION, undefined),
    delaction: actionOp("delaction", RTM_DELACTION, undefined),
    getaction: actionOp("getaction", RTM_GETACTION, RTM_NEWACTION),
  },
});

function actionOp(name: string, req: number, reply: number | undefined) {
  return {
    name,
    requestValue: req,
    replyValue: reply,
    attributeSet: "tca-root-attrs",
    fixedHeader: "tcamsg",
    do: { request: { value: req } },
    dump: { request: { value: req } },
  };
}

/** `struct tcamsg` (linux/rtnetlink.h), the header of action messages. */
export interface Tcamsg {
  /** Address family (AF_UNSPEC). */
  family: number;
}

/** TCA_ROOT_* attributes of action messages (linux/rtnetlink.h). */
export interface ActionRootAttrs {
  /** `TCA_ROOT_TAB` (1): the actions, numbered from 1. */
  tab?: tc.ActAttrs[];
  /** `TCA_ROOT_FLAGS` (2): TCA_ACT_FLAG_LARGE_DUMP_ON and friends. */
  flags?: { value: number; selector: number };
  /** `TCA_ROOT_COUNT` (3): number of actions in this message. */
  count?: number;
  /** `TCA_ROOT_TIME_DELTA` (4): only actions used within this many ms. */
  timeDelta?: number;
  /** `TCA_ROOT_EXT_WARN_MSG` (5). */
  extWarnMsg?: string;
}

/** `struct tc_mirred` (linux/tc_act/tc_mirred.h), TCA_MIRRED_PARMS. */
export interface TcMirred {
  /** Action index. */
  index: number;
  /** Capabilities (unused). */
  capab: number;
  /** Verdict after the action (TC_ACT_*). */
  action: number;
  /** References. */
  refcnt: number;
  /** Bound filters. */
  bindcnt: number;
  /** TCA_EGRESS_REDIR 1, TCA_EGRESS_MIRROR 2, TCA_INGRESS_REDIR 3, TCA_INGRESS_MIRROR 4. */
  eaction: number;
  /** Target device. */
  ifindex: number;
}

/** The operations of {@link tcOperations}. */
export interface TcOperations {
  /** RTM_NEWQDISC. */
  readonly newqdisc: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_DELQDISC. */
  readonly delqdisc: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_GETQDISC (do and dump). */
  readonly getqdisc: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_NEWTCLASS. */
  readonly newtclass: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_DELTCLASS. */
  readonly deltclass: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_GETTCLASS (do and dump). */
  readonly gettclass: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_NEWTFILTER. */
  readonly newtfilter: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_DELTFILTER. */
  readonly deltfilter: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_GETTFILTER (do and dump). */
  readonly gettfilter: Operation<tc.Tcmsg, tc.Attrs>;
  /** RTM_NEWACTION. */
  readonly newaction: Operation<Tcamsg, ActionRootAttrs>;
  /** RTM_DELACTION. */
  readonly delaction: Operation<Tcamsg, ActionRootAttrs>;
  /** RTM_GETACTION (do and dump). */
  readonly getaction: Operation<Tcamsg, ActionRootAttrs>;
}

const ops: TcOperations = {
  newqdisc: family.operation<tc.Tcmsg, tc.Attrs>("newqdisc"),
  delqdisc: family.operation<tc.Tcmsg, tc.Attrs>("delqdisc"),
  getqdisc: family.operation<tc.Tcmsg, tc.Attrs>("getqdisc"),
  newtclass: family.operation<tc.Tcmsg, tc.Attrs>("newtclass"),
  deltclass: family.operation<tc.Tcmsg, tc.Attrs>("deltclass"),
  gettclass: family.operation<tc.Tcmsg, tc.Attrs>("gettclass"),
  newtfilter: family.operation<tc.Tcmsg, tc.Attrs>("newtfilter"),
  deltfilter: family.operation<tc.Tcmsg, tc.Attrs>("deltfilter"),
  gettfilter: family.operation<tc.Tcmsg, tc.Attrs>("gettfilter"),
  newaction: family.operation<Tcamsg, ActionRootAttrs>("newaction"),
  delaction: family.operation<Tcamsg, ActionRootAttrs>("delaction"),
  getaction: family.operation<Tcamsg, ActionRootAttrs>("getaction"),
};
const htbOpt = family.struct<tc.TcHtbOpt>("tc-htb-opt");
const tbfQopt = family.struct<tc.TcTbfQopt>("tc-tbf-qopt");
const u32Sel = family.struct<tc.TcU32Sel>("tc-u32-sel");

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/**
 * Special handles of linux/pkt_sched.h: the root of the egress tree, the ingress/clsact
 * qdisc's parent, and the minor numbers of clsact's two hooks.
 */
export const TC_H = {
  /** No handle: let the kernel choose. */
  UNSPEC: 0,
  /** Parent of a root qdisc. */
  ROOT: 0xffffffff,
  /** Parent of the ingress and clsact qdiscs (`ffff:fff1`). */
  INGRESS: 0xfffffff1,
  /** Minor of clsact's ingress hook: filters go to parent `ffff:fff2`. */
  MIN_INGRESS: 0xfff2,
  /** Minor of clsact's egress hook: filters go to parent `ffff:fff3`. */
  MIN_EGRESS: 0xfff3,
} as const;

/** Ethernet protocol numbers (linux/if_ether.h) that filters match, by tc's names. */
export const ETH_P: Readonly<Record<string, number>> = {
  all: 0x0003,
  ip: 0x0800,
  arp: 0x0806,
  "802.1q": 0x8100,
  ipv6: 0x86dd,
  "802.1ad": 0x88a8,
  mpls_uc: 0x8847,
};

/** Verdicts of actions (TC_ACT_* of linux/pkt_cls.h), by tc's names. */
export const TC_ACT: Readonly<Record<string, number>> = {
  continue: -1,
  pass: 0,
  ok: 0,
  reclassify: 1,
  drop: 2,
  shot: 2,
  pipe: 3,
  stolen: 4,
  queued: 5,
  repeat: 6,
  redirect: 7,
  trap: 8,
};

const VERDICT_NAMES: Record<number, Verdict> = {
  [-1]: "continue",
  0: "pass",
  1: "reclassify",
  2: "drop",
  3: "pipe",
  4: "stolen",
  5: "queued",
  6: "repeat",
  7: "redirect",
  8: "trap",
};

// linux/pkt_sched.h
const TC_LINKLAYER_ETHERNET = 1;
const HTB_VERSION = 3; // HTB_VER >> 16
// linux/pkt_cls.h
const TC_U32_TERMINAL = 1;
const TCA_BPF_FLAG_ACT_DIRECT = 1;
const TCA_CLS_FLAGS_SKIP_HW = 1;
// linux/tc_act/tc_mirred.h
const TCA_EGRESS_REDIR = 1, TCA_EGRESS_MIRROR = 2, TCA_INGRESS_REDIR = 3, TCA_INGRESS_MIRROR = 4;

/** Kernel ticks per microsecond: psched ticks are 64 ns (PSCHED_SHIFT 6 in net/pkt_sched.h). */
const TICKS_PER_US = 1000 / 64;

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

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
    if (!Number.isInteger(handle) || handle < 0 || handle > 0xffffffff) {
      throw new RangeError(`Handle ${handle} is not a u32`);
    }
    return handle;
  }
  const t = handle.trim().toLowerCase();
  if (t === "root") return TC_H.ROOT;
  if (t === "none" || t === "unspec") return 0;
  if (t === "ingress" || t === "clsact") return TC_H.INGRESS;
  const m = /^([0-9a-f]*):([0-9a-f]*)$/.exec(t);
  if (m === null) {
    throw new TypeError(`Cannot parse handle "${handle}": expected "major:minor" in hexadecimal`);
  }
  const major = m[1] === "" ? 0 : parseInt(m[1], 16);
  const minor = m[2] === "" ? 0 : parseInt(m[2], 16);
  if (major > 0xffff || minor > 0xffff) {
    throw new RangeError(`Handle "${handle}": major and minor are at most ffff`);
  }
  return ((major << 16) | minor) >>> 0;
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
  if (handle === 0) return "none";
  const major = handle >>> 16, minor = handle & 0xffff;
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
  bps: 8,
  kibps: 8 * 1024,
  kbps: 8000,
  mibps: 8 * 1024 ** 2,
  mbps: 8e6,
  gibps: 8 * 1024 ** 3,
  gbps: 8e9,
  tibps: 8 * 1024 ** 4,
  tbps: 8e12,
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
  kbit: 1024 / 8,
  mbit: 1024 ** 2 / 8,
  gbit: 1024 ** 3 / 8,
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

function u32(v: number, what: string): number {
  if (v > 0xffffffff) throw new RangeError(`${what} ${v} does not fit in 32 bits`);
  return v;
}

/** iproute2 tc_calc_xmittime: ticks to send `size` bytes at `rate` bytes/s. */
function xmittime(rate: number, size: number): number {
  return Math.min(0xffffffff, Math.floor(Math.floor(1e6 * (size / rate)) * TICKS_PER_US));
}

/** iproute2 tc_calc_xmitsize: bytes sent at `rate` bytes/s during `ticks`. */
function xmitsize(rate: number, ticks: number): number {
  return Math.floor(rate * Math.floor(ticks / TICKS_PER_US) / 1e6);
}

/**
 * iproute2 tc_calc_rtable: the 256-entry rate table (transmit time per size cell) and the
 * cell_log, for ratespecs without TC_LINKLAYER awareness (old kernels need it; new ones
 * ignore it when linklayer is set, as it is here).
 */
function rateTable(rate: number, mtu: number, mpu = 0): { table: Uint8Array; cellLog: number } {
  if (mtu === 0) mtu = 2047;
  let cellLog = 0;
  while ((mtu >> cellLog) > 255) cellLog++;
  const table = new Uint8Array(1024);
  const dv = new DataView(table.buffer);
  for (let i = 0; i < 256; i++) {
    const sz = Math.max((i + 1) << cellLog, mpu);
    dv.setUint32(i * 4, xmittime(rate, sz), true);
  }
  return { table, cellLog };
}

function ratespec(rate: number, cellLog: number, mpu = 0, overhead = 0) {
  return {
    cellLog,
    linklayer: TC_LINKLAYER_ETHERNET,
    overhead,
    cellAlign: -1,
    mpu,
    rate: Math.min(rate, 0xffffffff),
  };
}

// ---------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------

/** HTB qdisc (`tc qdisc add … htb`). */
export interface HtbQdiscConfig {
  /** Kind. */
  kind: "htb";
  /** Minor number of the default class (tc's `default 10` is `0x10`); 0 sends unclassified traffic directly. */
  defaultClass?: number;
  /** Rate-to-quantum divisor (`r2q`, default 10). */
  r2q?: number;
  /** Length of the direct queue, in packets. */
  directQlen?: number;
  /** Packets sent directly (read only). */
  directPackets?: number;
}

/** TBF qdisc (`tc qdisc add … tbf`): give `limit` or `latency`. */
export interface TbfQdiscConfig {
  /** Kind. */
  kind: "tbf";
  /** Rate, bits per second. */
  rate: Rate;
  /** Bucket size, bytes. */
  burst: Size;
  /** Queue limit, bytes. */
  limit?: Size;
  /** Maximum time a packet may wait, microseconds (sets `limit`). */
  latency?: Duration;
  /** Peak rate, bits per second (needs `mtu`). */
  peakrate?: Rate;
  /** Peak-rate bucket size, bytes. */
  mtu?: Size;
}

/** fq_codel qdisc (`tc qdisc add … fq_codel`). */
export interface FqCodelQdiscConfig {
  /** Kind. */
  kind: "fq_codel";
  /** Queue limit, packets. */
  limit?: number;
  /** Number of flows. */
  flows?: number;
  /** Target queue delay, microseconds. */
  target?: Duration;
  /** Interval, microseconds. */
  interval?: Duration;
  /** Bytes dequeued per flow per round. */
  quantum?: Size;
  /** Mark ECN instead of dropping. */
  ecn?: boolean;
  /** CE marking threshold, microseconds. */
  ceThreshold?: Duration;
  /** Memory limit, bytes. */
  memoryLimit?: Size;
  /** Packets dropped at once over the limit. */
  dropBatchSize?: number;
}

/** The ingress qdisc (`tc qdisc add dev X ingress`). */
export interface IngressQdiscConfig {
  /** Kind. */
  kind: "ingress";
}

/** The clsact qdisc (`tc qdisc add dev X clsact`): ingress and egress filter hooks. */
export interface ClsactQdiscConfig {
  /** Kind. */
  kind: "clsact";
}

/**
 * Any other kind: `options` is the value of TCA_OPTIONS for the spec tables of
 * `families/generated/tc.ts` (e.g. `{ limit: 100 }` for `pfifo`).
 */
export interface OtherTcConfig {
  /** Kind, as `tc` names it. */
  kind: string;
  /** TCA_OPTIONS, as the spec tables encode and decode it. */
  options?: unknown;
}

/** Configuration of a qdisc, by kind. */
export type QdiscConfig =
  | HtbQdiscConfig
  | TbfQdiscConfig
  | FqCodelQdiscConfig
  | IngressQdiscConfig
  | ClsactQdiscConfig
  | OtherTcConfig;

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

/** Configuration of a class, by kind. */
export type ClassConfig = HtbClassConfig | OtherTcConfig;

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
  /** Hash table to link to. */
  link?: number;
  /** Divisor of a hash table. */
  divisor?: number;
  /** Hash table and bucket of the filter. */
  hash?: number;
  /** Do not offload to hardware (`skip_hw`). */
  skipHw?: boolean;
}

/** One classic BPF instruction (struct sock_filter). */
export interface BpfInsn {
  /** Opcode. */
  code: number;
  /** Jump offset if true. */
  jt: number;
  /** Jump offset if false. */
  jf: number;
  /** Constant. */
  k: number;
}

/**
 * bpf filter (`tc filter add … bpf`): classic BPF `bytecode` (instructions, or tc's text
 * `"n,code jt jf k,…"` as printed by `bpf_asm -c`/`tcpdump -ddd`), or an eBPF program `fd`
 * with its `name`.
 */
export interface BpfFilterConfig {
  /** Kind. */
  kind: "bpf";
  /** Classic BPF program. */
  bytecode?: BpfInsn[] | string;
  /** File descriptor of a loaded eBPF program (BPF_PROG_TYPE_SCHED_CLS). */
  fd?: number;
  /** Name of the eBPF program, shown by `tc filter show`. */
  name?: string;
  /** The program's return value is the verdict (`da`). */
  directAction?: boolean;
  /** Class for matching packets. */
  classid?: Handle;
  /** Actions run on matching packets. */
  actions?: ActionConfig[];
  /** Do not offload to hardware (`skip_hw`). */
  skipHw?: boolean;
  /** Kernel id of the eBPF program (read only). */
  id?: number;
  /** Tag of the eBPF program, hex (read only). */
  tag?: string;
}

/** Configuration of a filter, by kind. */
export type FilterConfig = U32FilterConfig | BpfFilterConfig | OtherTcConfig;

/** A verdict by tc's name, or a TC_ACT_* number. */
export type Verdict =
  | "continue"
  | "pass"
  | "ok"
  | "reclassify"
  | "drop"
  | "shot"
  | "pipe"
  | "stolen"
  | "queued"
  | "repeat"
  | "redirect"
  | "trap"
  | number;

/** gact action (`action gact drop`, `action pass`…). */
export interface GactActionConfig {
  /** Kind. */
  kind: "gact";
  /** Verdict. */
  action: Verdict;
  /** Index in the action table (0: let the kernel choose). */
  index?: number;
}

/** mirred action (`action mirred egress redirect dev X`). */
export interface MirredActionConfig {
  /** Kind. */
  kind: "mirred";
  /** Redirect (the packet leaves this path) or mirror (a copy). */
  action: "redirect" | "mirror";
  /** Where the packet goes on `dev` (default `"egress"`). */
  direction?: "egress" | "ingress";
  /** Target device: index or name. */
  dev: number | string;
  /** Verdict after mirred (default `stolen` for redirect, `pipe` for mirror). */
  control?: Verdict;
  /** Index in the action table (0: let the kernel choose). */
  index?: number;
}

/** Any other action kind; `options` as the spec tables encode TCA_ACT_OPTIONS. */
export interface OtherActionConfig {
  /** Kind, as `tc` names it. */
  kind: string;
  /** TCA_ACT_OPTIONS. */
  options?: unknown;
  /** Index in the action table. */
  index?: number;
}

/** Configuration of an action, by kind. */
export type ActionConfig = GactActionConfig | MirredActionConfig | OtherActionConfig;

/** Statistics of a qdisc, class, filter or action: TCA_STATS2 (or the legacy TCA_STATS). */
export interface TcStatistics {
  /** Bytes sent. */
  bytes: bigint;
  /** Packets sent. */
  packets: number;
  /** Packets dropped. */
  drops: number;
  /** Times the rate was exceeded. */
  overlimits: number;
  /** Packets requeued. */
  requeues: number;
  /** Packets queued. */
  qlen: number;
  /** Bytes queued. */
  backlog: number;
  /** Estimated rate, bytes per second (with a rate estimator). */
  bps: number;
  /** Estimated rate, packets per second. */
  pps: number;
}

/** What qdiscs, classes and filters share. */
export interface TcObject<C> {
  /** Device index. */
  ifindex: number;
  /** Handle (for classes, the classid; for filters, the filter handle). */
  handle: number;
  /** Parent handle. */
  parent: number;
  /** Kind (`htb`, `u32`…). */
  kind: string;
  /** Decoded configuration. */
  config: C;
  /** Statistics, when the kernel sent them. */
  stats?: TcStatistics;
  /** Every attribute as decoded by the spec tables, including `xstats`. */
  attrs: tc.Attrs;
}

/** A qdisc as listed. */
export interface Qdisc extends TcObject<QdiscConfig> {
  /** Reference count (`tcm_info`). */
  refcnt: number;
}

/** A class as listed. */
export type TcClass = TcObject<ClassConfig>;

/** A filter as listed. */
export interface Filter extends TcObject<FilterConfig> {
  /** Priority (tc's `pref`). */
  priority: number;
  /** Ethernet protocol (host order, see {@link ETH_P}). */
  protocol: number;
  /** Chain index. */
  chain: number;
}

/** An action as listed (standalone, or attached to a filter). */
export interface Action {
  /** Kind. */
  kind: string;
  /** Index in the action table of its kind. */
  index: number;
  /** Position in its list (1-based), as in the kernel's TCA_ACT_TAB. */
  order: number;
  /** Decoded configuration. */
  config: ActionConfig;
  /** References to it. */
  refcnt?: number;
  /** Filters bound to it. */
  bindcnt?: number;
  /** Statistics. */
  stats?: TcStatistics;
  /** Every attribute as decoded by the spec tables. */
  attrs: tc.ActAttrs;
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

async function ifindexOf(rt: Rtnl, dev: number | string): Promise<number> {
  if (typeof dev === "number") return dev;
  const link = await rt.call(rtLink.operations.getlink, { attrs: { ifname: dev } });
  if (link === undefined) throw new Error(`No reply for device "${dev}"`);
  return link.header.ifiIndex;
}

function verdict(v: Verdict): number {
  if (typeof v === "number") return v;
  const n = TC_ACT[v];
  if (n === undefined) throw new TypeError(`Unknown verdict "${v}"`);
  return n;
}

function verdictName(n: number): Verdict {
  return VERDICT_NAMES[n] ?? n;
}

async function encodeAction(rt: Rtnl, a: ActionConfig): Promise<tc.ActAttrs> {
  if (a.kind === "gact") {
    const g = a as GactActionConfig;
    return {
      kind: "gact",
      options: {
        parms: { index: g.index ?? 0, capab: 0, action: verdict(g.action), refcnt: 0, bindcnt: 0 },
      },
    } as tc.ActAttrs;
  }
  if (a.kind === "mirred") {
    const m = a as MirredActionConfig;
    const ingress = m.direction === "ingress";
    const eaction = m.action === "redirect"
      ? (ingress ? TCA_INGRESS_REDIR : TCA_EGRESS_REDIR)
      : m.action === "mirror"
      ? (ingress ? TCA_INGRESS_MIRROR : TCA_EGRESS_MIRROR)
      : undefined;
    if (eaction === undefined) throw new TypeError(`mirred action must be "redirect" or "mirror"`);
    const parms: TcMirred = {
      index: m.index ?? 0,
      capab: 0,
      action: verdict(m.control ?? (m.action === "redirect" ? "stolen" : "pipe")),
      refcnt: 0,
      bindcnt: 0,
      eaction,
      ifindex: await ifindexOf(rt, m.dev),
    };
    return { kind: "mirred", options: { parms } } as unknown as tc.ActAttrs;
  }
  const o = a as OtherActionConfig;
  const out: tc.ActAttrs = { kind: o.kind };
  if (o.options !== undefined) out.options = o.options as tc.ActAttrs["options"];
  if (o.index !== undefined) out.index = o.index;
  return out;
}

function encodeQdisc(c: QdiscConfig): tc.Attrs {
  switch (c.kind) {
    case "htb": {
      const h = c as HtbQdiscConfig;
      const options: tc.HtbAttrs = {
        init: {
          version: HTB_VERSION,
          rate2quantum: h.r2q ?? 10,
          defcls: h.defaultClass ?? 0,
          debug: 0,
          directPkts: 0,
        },
      };
      if (h.directQlen !== undefined) options.directQlen = h.directQlen;
      return { kind: "htb", options };
    }
    case "tbf": {
      const t = c as TbfQdiscConfig;
      const rate = Math.floor(parseRate(t.rate) / 8);
      const burst = parseSize(t.burst);
      if (rate === 0) throw new RangeError("tbf needs a rate above 0");
      if (burst === 0) throw new RangeError("tbf needs a burst above 0");
      let limit: number;
      if (t.limit !== undefined) limit = parseSize(t.limit);
      else if (t.latency !== undefined) {
        limit = Math.floor(rate * parseDuration(t.latency) / 1e6 + burst);
      } else throw new TypeError("tbf needs a limit or a latency");
      const mtu = t.mtu === undefined ? 0 : parseSize(t.mtu);
      const rt = rateTable(rate, 0);
      const prate = t.peakrate === undefined ? 0 : Math.floor(parseRate(t.peakrate) / 8);
      const pt = prate > 0 ? rateTable(prate, mtu) : undefined;
      const parms = encodeStruct(tbfQopt, {
        rate: ratespec(rate, rt.cellLog),
        peakrate: pt === undefined ? {} : ratespec(prate, pt.cellLog),
        limit: u32(limit, "tbf limit"),
        buffer: xmittime(rate, burst),
        mtu: pt === undefined ? 0 : xmittime(prate, mtu),
      } as Partial<tc.TcTbfQopt>);
      const options: tc.TbfAttrs = {
        parms: parms as unknown as tc.TcTbfQopt,
        burst: u32(burst, "tbf burst"),
      };
      if (rate >= 2 ** 32) options.rate64 = BigInt(rate);
      options.rtab = rt.table;
      if (pt !== undefined) {
        options.pburst = u32(mtu, "tbf mtu");
        if (prate >= 2 ** 32) options.prate64 = BigInt(prate);
        options.ptab = pt.table;
      }
      return { kind: "tbf", options };
    }
    case "fq_codel": {
      const f = c as FqCodelQdiscConfig;
      const options: tc.FqCodelAttrs = {};
      if (f.limit !== undefined) options.limit = f.limit;
      if (f.flows !== undefined) options.flows = f.flows;
      if (f.target !== undefined) options.target = parseDuration(f.target);
      if (f.interval !== undefined) options.interval = parseDuration(f.interval);
      if (f.quantum !== undefined) options.quantum = parseSize(f.quantum);
      if (f.ecn !== undefined) options.ecn = f.ecn ? 1 : 0;
      if (f.ceThreshold !== undefined) options.ceThreshold = parseDuration(f.ceThreshold);
      if (f.memoryLimit !== undefined) options.memoryLimit = parseSize(f.memoryLimit);
      if (f.dropBatchSize !== undefined) options.dropBatchSize = f.dropBatchSize;
      return { kind: "fq_codel", options };
    }
    case "ingress":
    case "clsact":
      return { kind: c.kind };
    default: {
      const o = c as OtherTcConfig;
      const attrs: tc.Attrs = { kind: o.kind };
      if (o.options !== undefined) attrs.options = o.options as tc.Attrs["options"];
      return attrs;
    }
  }
}

function encodeClass(c: ClassConfig): tc.Attrs {
  if (c.kind !== "htb") {
    const o = c as OtherTcConfig;
    const attrs: tc.Attrs = { kind: o.kind };
    if (o.options !== undefined) attrs.options = o.options as tc.Attrs["options"];
    return attrs;
  }
  const h = c as HtbClassConfig;
  const rate = Math.floor(parseRate(h.rate) / 8);
  const ceil = h.ceil === undefined ? rate : Math.floor(parseRate(h.ceil) / 8);
  if (rate === 0 || ceil === 0) throw new RangeError("htb class needs rate and ceil above 0");
  const mtu = h.mtu ?? 1600;
  // tc: burst defaults to rate / get_hz() + mtu, with get_hz() = 1e9 from /proc/net/psched
  const burst = h.burst === undefined ? Math.floor(rate / 1e9) + mtu : parseSize(h.burst);
  const cburst = h.cburst === undefined ? Math.floor(ceil / 1e9) + mtu : parseSize(h.cburst);
  const rtab = rateTable(Math.min(rate, 0xffffffff), mtu);
  const ctab = rateTable(Math.min(ceil, 0xffffffff), mtu);
  const parms = encodeStruct(htbOpt, {
    rate: ratespec(rate, rtab.cellLog),
    ceil: ratespec(ceil, ctab.cellLog),
    buffer: xmittime(rate, burst),
    cbuffer: xmittime(ceil, cburst),
    quantum: h.quantum ?? 0,
    level: 0,
    prio: h.prio ?? 0,
  } as Partial<tc.TcHtbOpt>);
  const options: tc.HtbAttrs = { parms: parms as unknown as tc.TcHtbOpt };
  if (rate >= 2 ** 32) options.rate64 = BigInt(rate);
  if (ceil >= 2 ** 32) options.ceil64 = BigInt(ceil);
  options.rtab = rtab.table;
  options.ctab = ctab.table;
  return { kind: "htb", options };
}

function prefix(text: string, bits: number): { bytes: Uint8Array; len: number } {
  const [addr, lenText] = text.split("/");
  let bytes: Uint8Array;
  if (bits === 32) {
    const parts = addr.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      throw new TypeError(`"${text}" is not an IPv4 prefix`);
    }
    bytes = new Uint8Array(parts);
  } else bytes = parseIp6(addr, text);
  const len = lenText === undefined ? bits : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > bits) {
    throw new RangeError(`Prefix length in "${text}" is out of range`);
  }
  return { bytes, len };
}

function parseIp6(addr: string, text: string): Uint8Array {
  const halves = addr.split("::");
  if (halves.length > 2) throw new TypeError(`"${text}" is not an IPv6 prefix`);
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) {
    throw new TypeError(`"${text}" is not an IPv6 prefix`);
  }
  const all = [...head, ...new Array(fill).fill("0"), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) throw new TypeError(`"${text}" is not an IPv6 prefix`);
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
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

function packField(keys: U32Key[], value: number, bytes: number, offset: number): void {
  const maxv = bytes === 1 ? 0xff : 0xffff;
  if (!Number.isInteger(value) || value < 0 || value > maxv) {
    throw new RangeError(`u32 match value ${value} does not fit in ${bytes * 8} bits`);
  }
  const shift = (4 - bytes - (offset & 3)) * 8;
  packKey(keys, (value << shift) >>> 0, (maxv << shift) >>> 0, offset & ~3);
}

function packPrefix(keys: U32Key[], text: string, bits: number, offset: number): void {
  const { bytes, len } = prefix(text, bits);
  for (let w = 0; w * 32 < len; w++) {
    const n = Math.min(32, len - w * 32);
    const mask = n === 32 ? 0xffffffff : (~(0xffffffff >>> n)) >>> 0;
    const dv = new DataView(bytes.buffer, w * 4, 4);
    packKey(keys, dv.getUint32(0), mask, offset + w * 4);
  }
}

function u32Keys(m: U32Match | undefined): U32Key[] {
  const keys: U32Key[] = [];
  if (m === undefined) return keys;
  const ip = m.ip;
  if (ip !== undefined) {
    if (ip.tos !== undefined) packField(keys, ip.tos, 1, 1);
    if (ip.protocol !== undefined) packField(keys, ip.protocol, 1, 9);
    if (ip.src !== undefined) packPrefix(keys, ip.src, 32, 12);
    if (ip.dst !== undefined) packPrefix(keys, ip.dst, 32, 16);
    if (ip.sport !== undefined) packField(keys, ip.sport, 2, 20);
    if (ip.dport !== undefined) packField(keys, ip.dport, 2, 22);
  }
  const ip6 = m.ip6;
  if (ip6 !== undefined) {
    if (ip6.protocol !== undefined) packField(keys, ip6.protocol, 1, 6);
    if (ip6.src !== undefined) packPrefix(keys, ip6.src, 128, 8);
    if (ip6.dst !== undefined) packPrefix(keys, ip6.dst, 128, 24);
    if (ip6.sport !== undefined) packField(keys, ip6.sport, 2, 40);
    if (ip6.dport !== undefined) packField(keys, ip6.dport, 2, 42);
  }
  for (const k of m.keys ?? []) keys.push({ ...k, offmask: k.offmask ?? 0 });
  return keys;
}

function encodeSel(keys: U32Key[], terminal: boolean): Uint8Array {
  if (keys.length > 128) throw new RangeError("u32 takes at most 128 keys");
  const b = new Uint8Array(16 + 16 * keys.length);
  const dv = new DataView(b.buffer);
  b[0] = terminal ? TC_U32_TERMINAL : 0;
  b[2] = keys.length;
  keys.forEach((k, i) => {
    const o = 16 + i * 16;
    dv.setUint32(o, k.mask >>> 0); // network order
    dv.setUint32(o + 4, k.value >>> 0);
    dv.setInt32(o + 8, k.offset, true);
    dv.setInt32(o + 12, k.offmask ?? 0, true);
  });
  return b;
}

function parseBytecode(code: BpfInsn[] | string): BpfInsn[] {
  if (typeof code !== "string") return code;
  const parts = code.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const n = Number(parts[0]);
  if (!Number.isInteger(n) || n !== parts.length - 1) {
    throw new TypeError(`Bytecode "${code}" does not start with its instruction count`);
  }
  return parts.slice(1).map((p) => {
    const f = p.split(/\s+/).map(Number);
    if (f.length !== 4 || f.some((x) => !Number.isInteger(x))) {
      throw new TypeError(`Bad BPF instruction "${p}"`);
    }
    return { code: f[0], jt: f[1], jf: f[2], k: f[3] };
  });
}

async function encodeFilter(rt: Rtnl, c: FilterConfig): Promise<tc.Attrs> {
  const acts = async (list: ActionConfig[] | undefined) =>
    list === undefined ? undefined : await Promise.all(list.map((a) => encodeAction(rt, a)));
  if (c.kind === "u32") {
    const u = c as U32FilterConfig;
    const options: tc.U32Attrs = {};
    const act = await acts(u.actions);
    if (u.classid !== undefined) options.classid = parseHandle(u.classid);
    if (u.divisor !== undefined) options.divisor = u.divisor;
    if (u.link !== undefined) options.link = u.link;
    if (u.hash !== undefined) options.hash = u.hash;
    if (u.divisor === undefined) {
      const terminal = u.classid !== undefined || act !== undefined;
      options.sel = encodeSel(u32Keys(u.match), terminal) as unknown as tc.TcU32Sel;
    }
    if (act !== undefined) options.act = act;
    if (u.skipHw) options.flags = TCA_CLS_FLAGS_SKIP_HW;
    return { kind: "u32", options };
  }
  if (c.kind === "bpf") {
    const f = c as BpfFilterConfig;
    const options: tc.BpfAttrs = {};
    const act = await acts(f.actions);
    if (act !== undefined) options.act = act;
    if (f.classid !== undefined) options.classid = parseHandle(f.classid);
    if (f.bytecode !== undefined) {
      const insns = parseBytecode(f.bytecode);
      const ops = new Uint8Array(insns.length * 8);
      const dv = new DataView(ops.buffer);
      insns.forEach((i, n) => {
        dv.setUint16(n * 8, i.code, true);
        ops[n * 8 + 2] = i.jt;
        ops[n * 8 + 3] = i.jf;
        dv.setUint32(n * 8 + 4, i.k >>> 0, true);
      });
      options.opsLen = insns.length;
      options.ops = ops;
    } else if (f.fd !== undefined) {
      options.fd = f.fd;
      options.name = f.name ?? `fd:${f.fd}`;
    } else throw new TypeError("bpf filter needs bytecode or fd");
    if (f.directAction) options.flags = TCA_BPF_FLAG_ACT_DIRECT;
    if (f.skipHw) options.flagsGen = TCA_CLS_FLAGS_SKIP_HW;
    return { kind: "bpf", options };
  }
  const o = c as OtherTcConfig;
  const attrs: tc.Attrs = { kind: o.kind };
  if (o.options !== undefined) attrs.options = o.options as tc.Attrs["options"];
  return attrs;
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

function statistics(
  s2: tc.TcaStatsAttrs | undefined,
  s1: tc.TcStats | undefined,
): TcStatistics | undefined {
  if (s2 === undefined && s1 === undefined) return undefined;
  const est = s2?.rateEst64;
  return {
    bytes: s2?.basic?.bytes ?? s1?.bytes ?? 0n,
    packets: s2?.pkt64 !== undefined ? Number(s2.pkt64) : s2?.basic?.packets ?? s1?.packets ?? 0,
    drops: s2?.queue?.drops ?? s1?.drops ?? 0,
    overlimits: s2?.queue?.overlimits ?? s1?.overlimits ?? 0,
    requeues: s2?.queue?.requeues ?? 0,
    qlen: s2?.queue?.qlen ?? s1?.qlen ?? 0,
    backlog: s2?.queue?.backlog ?? s1?.backlog ?? 0,
    bps: est !== undefined ? Number(est.bps) : s2?.rateEst?.bps ?? s1?.bps ?? 0,
    pps: est !== undefined ? Number(est.pps) : s2?.rateEst?.pps ?? s1?.pps ?? 0,
  };
}

function decodeQdiscConfig(a: tc.Attrs): QdiscConfig {
  const kind = a.kind ?? "";
  const o = a.options as Record<string, unknown> | undefined;
  if (kind === "htb" && o !== undefined) {
    const h = o as tc.HtbAttrs;
    const c: HtbQdiscConfig = { kind: "htb" };
    if (h.init !== undefined) {
      c.defaultClass = h.init.defcls;
      c.r2q = h.init.rate2quantum;
      c.directPackets = h.init.directPkts;
    }
    if (h.directQlen !== undefined) c.directQlen = h.directQlen;
    return c;
  }
  if (kind === "tbf" && o !== undefined && (o as tc.TbfAttrs).parms !== undefined) {
    const t = o as tc.TbfAttrs;
    const p = t.parms!;
    const rate = t.rate64 !== undefined ? Number(t.rate64) : p.rate.rate;
    const burst = xmitsize(rate, p.buffer);
    const c: TbfQdiscConfig = {
      kind: "tbf",
      rate: rate * 8,
      burst,
      limit: p.limit,
      // tc: latency = TIME_UNITS_PER_SEC * (limit / rate) - tick2time(buffer)
      latency: Math.max(
        0,
        Math.floor(1e6 * (p.limit / rate) - Math.floor(p.buffer / TICKS_PER_US)),
      ),
    };
    const prate = t.prate64 !== undefined ? Number(t.prate64) : p.peakrate.rate;
    if (prate > 0) {
      c.peakrate = prate * 8;
      c.mtu = t.pburst ?? xmitsize(prate, p.mtu);
    }
    return c;
  }
  if (kind === "fq_codel" && o !== undefined) {
    const f = o as tc.FqCodelAttrs;
    const c: FqCodelQdiscConfig = { kind: "fq_codel" };
    if (f.limit !== undefined) c.limit = f.limit;
    if (f.flows !== undefined) c.flows = f.flows;
    if (f.target !== undefined) c.target = f.target;
    if (f.interval !== undefined) c.interval = f.interval;
    if (f.quantum !== undefined) c.quantum = f.quantum;
    if (f.ecn !== undefined) c.ecn = f.ecn !== 0;
    if (f.ceThreshold !== undefined) c.ceThreshold = f.ceThreshold;
    if (f.memoryLimit !== undefined) c.memoryLimit = f.memoryLimit;
    if (f.dropBatchSize !== undefined) c.dropBatchSize = f.dropBatchSize;
    return c;
  }
  if (kind === "ingress" || kind === "clsact") return { kind };
  return o === undefined ? { kind } : { kind, options: o };
}

function decodeClassConfig(a: tc.Attrs): ClassConfig {
  const kind = a.kind ?? "";
  const o = a.options as tc.HtbAttrs | undefined;
  if (kind === "htb" && o?.parms !== undefined) {
    const p = o.parms;
    const rate = o.rate64 !== undefined ? Number(o.rate64) : p.rate.rate;
    const ceil = o.ceil64 !== undefined ? Number(o.ceil64) : p.ceil.rate;
    return {
      kind: "htb",
      rate: rate * 8,
      ceil: ceil * 8,
      burst: xmitsize(rate, p.buffer),
      cburst: xmitsize(ceil, p.cbuffer),
      prio: p.prio,
      quantum: p.quantum,
      level: p.level,
    };
  }
  return o === undefined ? { kind } : { kind, options: o };
}

function decodeSelKeys(sel: tc.TcU32Sel): U32Key[] {
  const bytes = (sel as { [STRUCT_BYTES]?: Uint8Array })[STRUCT_BYTES] ??
    encodeStruct(u32Sel, sel);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes[2];
  const keys: U32Key[] = [];
  for (let i = 0; i < n && 16 + i * 16 + 16 <= bytes.length; i++) {
    const o = 16 + i * 16;
    keys.push({
      mask: dv.getUint32(o),
      value: dv.getUint32(o + 4),
      offset: dv.getInt32(o + 8, true),
      offmask: dv.getInt32(o + 12, true),
    });
  }
  return keys;
}

function decodeActionList(list: tc.ActAttrs[] | undefined): Action[] {
  if (list === undefined) return [];
  const idx = (list as { [INDEXES]?: number[] })[INDEXES];
  return list.map((a, i) => decodeAction(a, idx?.[i] ?? i + 1));
}

function decodeAction(a: tc.ActAttrs, order: number): Action {
  const kind = a.kind ?? "";
  const o = a.options as Record<string, unknown> | undefined;
  let config: ActionConfig = o === undefined ? { kind } : { kind, options: o };
  let gen: { index: number; refcnt: number; bindcnt: number } | undefined;
  if (kind === "gact" && (o as tc.ActGactAttrs | undefined)?.parms !== undefined) {
    const p = (o as tc.ActGactAttrs).parms!;
    gen = p;
    config = { kind: "gact", action: verdictName(p.action), index: p.index };
  } else if (kind === "mirred" && o?.parms !== undefined) {
    const p = o.parms as TcMirred;
    gen = p;
    const redirect = p.eaction === TCA_EGRESS_REDIR || p.eaction === TCA_INGRESS_REDIR;
    const ingress = p.eaction === TCA_INGRESS_REDIR || p.eaction === TCA_INGRESS_MIRROR;
    config = {
      kind: "mirred",
      action: redirect ? "redirect" : "mirror",
      direction: ingress ? "ingress" : "egress",
      dev: p.ifindex,
      control: verdictName(p.action),
      index: p.index,
    };
  }
  const out: Action = {
    kind,
    index: a.index ?? gen?.index ?? 0,
    order,
    config,
    attrs: a,
  };
  if (gen !== undefined) {
    out.refcnt = gen.refcnt;
    out.bindcnt = gen.bindcnt;
  }
  const stats = statistics(a.stats, undefined);
  if (stats !== undefined) out.stats = stats;
  return out;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function decodeFilterConfig(a: tc.Attrs): FilterConfig {
  const kind = a.kind ?? "";
  const o = a.options as Record<string, unknown> | undefined;
  if (kind === "u32" && o !== undefined) {
    const u = o as tc.U32Attrs;
    const c: U32FilterConfig = { kind: "u32" };
    if (u.classid !== undefined) c.classid = u.classid;
    if (u.sel !== undefined) c.keys = decodeSelKeys(u.sel);
    if (u.act !== undefined) c.actions = decodeActionList(u.act).map((x) => x.config);
    if (u.link !== undefined) c.link = u.link;
    if (u.divisor !== undefined) c.divisor = u.divisor;
    if (u.hash !== undefined) c.hash = u.hash;
    if (((u.flags ?? 0) & TCA_CLS_FLAGS_SKIP_HW) !== 0) c.skipHw = true;
    return c;
  }
  if (kind === "bpf" && o !== undefined) {
    const f = o as tc.BpfAttrs;
    const c: BpfFilterConfig = { kind: "bpf" };
    if (f.ops !== undefined) {
      const dv = new DataView(f.ops.buffer, f.ops.byteOffset, f.ops.byteLength);
      const insns: BpfInsn[] = [];
      for (let i = 0; i + 8 <= f.ops.length; i += 8) {
        insns.push({
          code: dv.getUint16(i, true),
          jt: f.ops[i + 2],
          jf: f.ops[i + 3],
          k: dv.getUint32(i + 4, true),
        });
      }
      c.bytecode = insns;
    }
    if (f.name !== undefined) c.name = f.name;
    if (f.id !== undefined) c.id = f.id;
    if (f.tag !== undefined) c.tag = hex(f.tag);
    if (f.classid !== undefined) c.classid = f.classid;
    if (((f.flags ?? 0) & TCA_BPF_FLAG_ACT_DIRECT) !== 0) c.directAction = true;
    if (((f.flagsGen ?? 0) & TCA_CLS_FLAGS_SKIP_HW) !== 0) c.skipHw = true;
    if (f.act !== undefined) c.actions = decodeActionList(f.act).map((x) => x.config);
    return c;
  }
  return o === undefined ? { kind } : { kind, options: o };
}

function tcObject<C>(
  m: TcMessage,
  config: C,
): TcObject<C> {
  const out: TcObject<C> = {
    ifindex: m.header.ifindex,
    handle: m.header.handle,
    parent: m.header.parent,
    kind: m.attrs.kind ?? "",
    config,
    attrs: m.attrs,
  };
  const stats = statistics(m.attrs.stats2, m.attrs.stats);
  if (stats !== undefined) out.stats = stats;
  return out;
}

/** A decoded tc message: what {@link Rtnl.dump} yields for the tc operations. */
export interface TcMessage {
  /** struct tcmsg. */
  header: tc.Tcmsg;
  /** TCA_* attributes. */
  attrs: tc.Attrs;
}

/**
 * Decode a qdisc message (a dump entry, or an RTM_NEWQDISC notification's body as decoded by
 * the tc spec tables).
 *
 * @example
 * ```ts
 * import { decodeQdisc } from "@netlink/netlink";
 * const q = decodeQdisc({
 *   header: { family: 0, ifindex: 2, handle: 0x10000, parent: 0xffffffff, info: 1 },
 *   attrs: { kind: "htb" },
 * });
 * q.kind; // "htb"
 * ```
 */
export function decodeQdisc(m: TcMessage): Qdisc {
  return { ...tcObject(m, decodeQdiscConfig(m.attrs)), refcnt: m.header.info };
}

/**
 * Decode a class message.
 *
 * @example
 * ```ts
 * import { decodeClass } from "@netlink/netlink";
 * decodeClass({
 *   header: { family: 0, ifindex: 2, handle: 0x10010, parent: 0x10000, info: 0 },
 *   attrs: { kind: "htb" },
 * }).handle; // 0x10010
 * ```
 */
export function decodeClass(m: TcMessage): TcClass {
  return tcObject(m, decodeClassConfig(m.attrs));
}

/**
 * Decode a filter message.
 *
 * @example
 * ```ts
 * import { decodeFilter } from "@netlink/netlink";
 * const f = decodeFilter({
 *   header: { family: 0, ifindex: 2, handle: 0, parent: 0x10000, info: (5 << 16) | 0x0008 },
 *   attrs: { kind: "u32" },
 * });
 * f.priority; // 5
 * f.protocol; // 0x0800 (ip)
 * ```
 */
export function decodeFilter(m: TcMessage): Filter {
  const info = m.header.info;
  const p = info & 0xffff;
  return {
    ...tcObject(m, decodeFilterConfig(m.attrs)),
    priority: info >>> 16,
    protocol: ((p & 0xff) << 8) | (p >> 8),
    chain: m.attrs.chain ?? 0,
  };
}

// ---------------------------------------------------------------------------
// Qdiscs
// ---------------------------------------------------------------------------

/** Options of the list functions. */
export interface ListOptions {
  /** Only this device (index or name); all devices when omitted. */
  dev?: number | string;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/**
 * List qdiscs (`tc -s qdisc show`), with statistics.
 *
 * @example
 * ```ts
 * import { Rtnl, formatHandle, listQdiscs } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const q of await listQdiscs(rt, { dev: "lo" })) {
 *   console.log(q.kind, formatHandle(q.handle), q.stats?.bytes);
 * }
 * ```
 */
export async function listQdiscs(rt: Rtnl, options: ListOptions = {}): Promise<Qdisc[]> {
  const ifindex = options.dev === undefined ? undefined : await ifindexOf(rt, options.dev);
  const out: Qdisc[] = [];
  for await (const m of rt.dump(ops.getqdisc, { signal: options.signal })) {
    if (ifindex === undefined || m.header.ifindex === ifindex) out.push(decodeQdisc(m));
  }
  return out;
}

/** Where a qdisc sits, and how to create it. */
export interface QdiscPlacement {
  /** Parent: `"root"` (default), a class, or `"ingress"` for ingress/clsact. */
  parent?: Handle;
  /** Handle (`"1:"`); the kernel picks one when omitted (ingress/clsact: `ffff:`). */
  handle?: Handle;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
}

/** Options of {@link addQdisc}: placement, kind and its configuration. */
export type AddQdiscOptions = QdiscPlacement & QdiscConfig;

function placement(p: QdiscPlacement, kind: string): { parent: number; handle: number } {
  const special = kind === "ingress" || kind === "clsact";
  return {
    parent: parseHandle(p.parent ?? (special ? TC_H.INGRESS : TC_H.ROOT)),
    handle: parseHandle(p.handle ?? (special ? 0xffff0000 : 0)),
  };
}

async function newQdisc(rt: Rtnl, dev: number | string, o: AddQdiscOptions, flags: number) {
  const ifindex = await ifindexOf(rt, dev);
  const { parent, handle } = placement(o, o.kind);
  await rt.call(ops.newqdisc, {
    header: { ifindex, parent, handle },
    attrs: encodeQdisc(o),
    flags,
    signal: o.signal,
  });
}

/**
 * Add a qdisc (`tc qdisc add`): fails with `EEXIST` if one is there.
 *
 * @example
 * ```ts
 * import { Rtnl, addQdisc } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addQdisc(rt, "eth0", { handle: "1:", kind: "htb", defaultClass: 0x10 });
 * await addQdisc(rt, "eth1", { kind: "tbf", rate: "1mbit", burst: "10k", latency: "50ms" });
 * await addQdisc(rt, "eth1", { kind: "ingress" });
 * ```
 */
export async function addQdisc(
  rt: Rtnl,
  dev: number | string,
  options: AddQdiscOptions,
): Promise<void> {
  await newQdisc(rt, dev, options, NLM_F_CREATE | NLM_F_EXCL);
}

/**
 * Add a qdisc or replace the one at `parent` (`tc qdisc replace`).
 *
 * @example
 * ```ts
 * import { Rtnl, replaceQdisc } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await replaceQdisc(rt, "eth0", { kind: "tbf", rate: "2mbit", burst: "10k", limit: 30000 });
 * ```
 */
export async function replaceQdisc(
  rt: Rtnl,
  dev: number | string,
  options: AddQdiscOptions,
): Promise<void> {
  await newQdisc(rt, dev, options, NLM_F_CREATE | NLM_F_REPLACE);
}

/**
 * Change the parameters of an existing qdisc (`tc qdisc change`): `ENOENT` if absent.
 *
 * @example
 * ```ts
 * import { Rtnl, changeQdisc } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await changeQdisc(rt, "eth0", { handle: "1:", kind: "htb", defaultClass: 0x20 });
 * ```
 */
export async function changeQdisc(
  rt: Rtnl,
  dev: number | string,
  options: AddQdiscOptions,
): Promise<void> {
  await newQdisc(rt, dev, options, 0);
}

/** Which qdisc {@link deleteQdisc} deletes. */
export interface DeleteQdiscOptions {
  /** Parent (default `"root"`; `"ingress"` for ingress/clsact). */
  parent?: Handle;
  /** Handle, checked by the kernel when given. */
  handle?: Handle;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
}

/**
 * Delete a qdisc (`tc qdisc del`); `ENOENT` if there is none.
 *
 * @example
 * ```ts
 * import { Rtnl, deleteQdisc } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteQdisc(rt, "eth0", { parent: "root" });
 * await deleteQdisc(rt, "eth0", { parent: "ingress" });
 * ```
 */
export async function deleteQdisc(
  rt: Rtnl,
  dev: number | string,
  options: DeleteQdiscOptions = {},
): Promise<void> {
  const ifindex = await ifindexOf(rt, dev);
  await rt.call(ops.delqdisc, {
    header: {
      ifindex,
      parent: parseHandle(options.parent ?? "root"),
      handle: parseHandle(options.handle ?? 0),
    },
    signal: options.signal,
  });
}

// ---------------------------------------------------------------------------
// Classes
// ---------------------------------------------------------------------------

async function devices(rt: Rtnl, dev: number | string | undefined): Promise<number[]> {
  if (dev !== undefined) return [await ifindexOf(rt, dev)];
  const out: number[] = [];
  for await (const l of rt.dump(rtLink.operations.getlink)) out.push(l.header.ifiIndex);
  return out;
}

/**
 * List classes (`tc -s class show`), of one device or of all.
 *
 * @example
 * ```ts
 * import { Rtnl, formatHandle, listClasses } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const c of await listClasses(rt, { dev: "eth0" })) {
 *   console.log(formatHandle(c.handle), c.config);
 * }
 * ```
 */
export async function listClasses(rt: Rtnl, options: ListOptions = {}): Promise<TcClass[]> {
  const out: TcClass[] = [];
  for (const ifindex of await devices(rt, options.dev)) {
    for await (
      const m of rt.dump(ops.gettclass, { header: { ifindex }, signal: options.signal })
    ) out.push(decodeClass(m));
  }
  return out;
}

/** Options of {@link addClass}: parent, classid, kind and its configuration. */
export type AddClassOptions = {
  /** Parent qdisc or class (`"1:"`, `"1:1"`). */
  parent: Handle;
  /** Class id (`"1:10"`). */
  classid: Handle;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
} & ClassConfig;

async function newClass(rt: Rtnl, dev: number | string, o: AddClassOptions, flags: number) {
  const ifindex = await ifindexOf(rt, dev);
  await rt.call(ops.newtclass, {
    header: { ifindex, parent: parseHandle(o.parent), handle: parseHandle(o.classid) },
    attrs: encodeClass(o),
    flags,
    signal: o.signal,
  });
}

/**
 * Add a class (`tc class add`).
 *
 * @example
 * ```ts
 * import { Rtnl, addClass } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addClass(rt, "eth0", {
 *   parent: "1:",
 *   classid: "1:10",
 *   kind: "htb",
 *   rate: "1mbit",
 *   ceil: "2mbit",
 *   prio: 1,
 * });
 * ```
 */
export async function addClass(
  rt: Rtnl,
  dev: number | string,
  options: AddClassOptions,
): Promise<void> {
  await newClass(rt, dev, options, NLM_F_CREATE | NLM_F_EXCL);
}

/**
 * Add a class or replace its parameters (`tc class replace`).
 *
 * @example
 * ```ts
 * import { Rtnl, replaceClass } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await replaceClass(rt, "eth0", { parent: "1:", classid: "1:10", kind: "htb", rate: "5mbit" });
 * ```
 */
export async function replaceClass(
  rt: Rtnl,
  dev: number | string,
  options: AddClassOptions,
): Promise<void> {
  await newClass(rt, dev, options, NLM_F_CREATE | NLM_F_REPLACE);
}

/**
 * Change an existing class (`tc class change`).
 *
 * @example
 * ```ts
 * import { Rtnl, changeClass } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await changeClass(rt, "eth0", { parent: "1:", classid: "1:10", kind: "htb", rate: "3mbit" });
 * ```
 */
export async function changeClass(
  rt: Rtnl,
  dev: number | string,
  options: AddClassOptions,
): Promise<void> {
  await newClass(rt, dev, options, 0);
}

/**
 * Delete a class (`tc class del dev X classid 1:10`).
 *
 * @example
 * ```ts
 * import { Rtnl, deleteClass } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteClass(rt, "eth0", "1:10");
 * ```
 */
export async function deleteClass(
  rt: Rtnl,
  dev: number | string,
  classid: Handle,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const ifindex = await ifindexOf(rt, dev);
  await rt.call(ops.deltclass, {
    header: { ifindex, handle: parseHandle(classid) },
    signal: options.signal,
  });
}

// ---------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------

function filterParent(p: Handle | "egress" | undefined): number {
  // As tc: a filter's "ingress" is clsact's ingress hook ffff:fff2 (the ingress qdisc takes it too).
  if (p === "ingress") return (TC_H.INGRESS & 0xffff0000 | TC_H.MIN_INGRESS) >>> 0;
  if (p === "egress") return (TC_H.INGRESS & 0xffff0000 | TC_H.MIN_EGRESS) >>> 0;
  return parseHandle(p ?? "root");
}

function protocolNumber(p: number | string | undefined): number {
  if (p === undefined) return ETH_P.all;
  if (typeof p === "number") return p;
  const n = ETH_P[p.toLowerCase()];
  if (n === undefined) throw new TypeError(`Unknown protocol "${p}"`);
  return n;
}

function filterInfo(priority: number | undefined, protocol: number): number {
  const prio = priority ?? 0;
  if (!Number.isInteger(prio) || prio < 0 || prio > 0xffff) {
    throw new RangeError(`Filter priority ${prio} is not a u16`);
  }
  const be = ((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff);
  return ((prio << 16) | be) >>> 0;
}

/** Options of {@link listFilters}. */
export interface ListFiltersOptions extends ListOptions {
  /** Parent (`"1:"`, `"ingress"`, `"egress"`); the root qdisc by default. */
  parent?: Handle | "egress";
  /** Only this chain. */
  chain?: number;
}

/**
 * List filters (`tc -s filter show dev X [parent P]`), of one device or of all (at their
 * root qdisc, or at `parent`). u32 lists its hash tables as filters too, as tc shows them.
 *
 * @example
 * ```ts
 * import { Rtnl, listFilters } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const f of await listFilters(rt, { dev: "eth0", parent: "1:" })) {
 *   console.log(f.kind, f.priority, f.config);
 * }
 * ```
 */
export async function listFilters(rt: Rtnl, options: ListFiltersOptions = {}): Promise<Filter[]> {
  const out: Filter[] = [];
  const parent = filterParent(options.parent);
  for (const ifindex of await devices(rt, options.dev)) {
    const attrs: tc.Attrs = options.chain === undefined ? {} : { chain: options.chain };
    for await (
      const m of rt.dump(ops.gettfilter, {
        header: { ifindex, parent },
        attrs,
        signal: options.signal,
      })
    ) out.push(decodeFilter(m));
  }
  return out;
}

/** Where a filter sits. */
export interface FilterPlacement {
  /** Parent (`"1:"`, `"ingress"`, `"egress"`); the root qdisc by default. */
  parent?: Handle | "egress";
  /** Priority (tc's `pref`); the kernel picks one when omitted. */
  priority?: number;
  /** Protocol matched: a name of {@link ETH_P} or a number (default `"all"`). */
  protocol?: number | string;
  /** Filter handle (u32: `0x800800`); the kernel picks one when omitted. */
  handle?: number;
  /** Chain index. */
  chain?: number;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
}

/** Options of {@link addFilter}: placement, kind and its configuration. */
export type AddFilterOptions = FilterPlacement & FilterConfig;

async function newFilter(rt: Rtnl, dev: number | string, o: AddFilterOptions, flags: number) {
  const ifindex = await ifindexOf(rt, dev);
  const attrs = await encodeFilter(rt, o);
  if (o.chain !== undefined) attrs.chain = o.chain;
  await rt.call(ops.newtfilter, {
    header: {
      ifindex,
      parent: filterParent(o.parent),
      handle: o.handle ?? 0,
      info: filterInfo(o.priority, protocolNumber(o.protocol)),
    },
    attrs,
    flags,
    signal: o.signal,
  });
}

/**
 * Add a filter (`tc filter add`).
 *
 * @example
 * ```ts
 * import { Rtnl, addFilter } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addFilter(rt, "eth0", {
 *   parent: "1:",
 *   protocol: "ip",
 *   priority: 5,
 *   kind: "u32",
 *   match: { ip: { dst: "10.0.0.1/32", protocol: 6 } },
 *   classid: "1:10",
 * });
 * await addFilter(rt, "eth0", {
 *   parent: "ingress",
 *   kind: "bpf",
 *   bytecode: "1,6 0 0 65535",
 *   actions: [{ kind: "gact", action: "drop" }],
 * });
 * ```
 */
export async function addFilter(
  rt: Rtnl,
  dev: number | string,
  options: AddFilterOptions,
): Promise<void> {
  await newFilter(rt, dev, options, NLM_F_CREATE | NLM_F_EXCL);
}

/**
 * Add a filter or replace the one with the same priority, protocol and handle
 * (`tc filter replace`).
 *
 * @example
 * ```ts
 * import { Rtnl, replaceFilter } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await replaceFilter(rt, "eth0", {
 *   parent: "1:",
 *   priority: 5,
 *   protocol: "ip",
 *   handle: 0x800800,
 *   kind: "u32",
 *   match: { ip: { dst: "10.0.0.2" } },
 *   classid: "1:20",
 * });
 * ```
 */
export async function replaceFilter(
  rt: Rtnl,
  dev: number | string,
  options: AddFilterOptions,
): Promise<void> {
  await newFilter(rt, dev, options, NLM_F_CREATE | NLM_F_REPLACE);
}

/**
 * Change an existing filter (`tc filter change`): give its priority, protocol and handle.
 *
 * @example
 * ```ts
 * import { Rtnl, changeFilter } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await changeFilter(rt, "eth0", {
 *   parent: "1:",
 *   priority: 6,
 *   protocol: "all",
 *   handle: 1,
 *   kind: "bpf",
 *   bytecode: "1,6 0 0 0",
 * });
 * ```
 */
export async function changeFilter(
  rt: Rtnl,
  dev: number | string,
  options: AddFilterOptions,
): Promise<void> {
  await newFilter(rt, dev, options, 0);
}

/** Which filters {@link deleteFilter} deletes. */
export interface DeleteFilterOptions {
  /** Parent (default: the root qdisc). */
  parent?: Handle | "egress";
  /** Priority; without it, every filter of the parent goes. */
  priority?: number;
  /** Protocol (needed with `priority`, default `"all"`). */
  protocol?: number | string;
  /** Handle of one filter (needs `kind`). */
  handle?: number;
  /** Kind, needed to delete one filter by handle. */
  kind?: string;
  /** Chain index. */
  chain?: number;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
}

/**
 * Delete filters (`tc filter del dev X parent P [pref N protocol Q [handle H KIND]]`).
 *
 * @example
 * ```ts
 * import { Rtnl, deleteFilter } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteFilter(rt, "eth0", { parent: "1:", priority: 5, protocol: "ip" });
 * ```
 */
export async function deleteFilter(
  rt: Rtnl,
  dev: number | string,
  options: DeleteFilterOptions = {},
): Promise<void> {
  const ifindex = await ifindexOf(rt, dev);
  const attrs: tc.Attrs = {};
  if (options.kind !== undefined) attrs.kind = options.kind;
  if (options.chain !== undefined) attrs.chain = options.chain;
  await rt.call(ops.deltfilter, {
    header: {
      ifindex,
      parent: filterParent(options.parent),
      handle: options.handle ?? 0,
      info: options.priority === undefined
        ? 0
        : filterInfo(options.priority, protocolNumber(options.protocol)),
    },
    attrs,
    signal: options.signal,
  });
}

// ---------------------------------------------------------------------------
// Standalone actions
// ---------------------------------------------------------------------------

/**
 * List the actions of one kind (`tc -s actions list action KIND`), standalone and bound to
 * filters alike.
 *
 * @example
 * ```ts
 * import { Rtnl, listActions } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const a of await listActions(rt, "mirred")) console.log(a.index, a.config, a.stats);
 * ```
 */
export async function listActions(
  rt: Rtnl,
  kind: string,
  options: { signal?: AbortSignal } = {},
): Promise<Action[]> {
  const out: Action[] = [];
  for await (
    const m of rt.dump(ops.getaction, { attrs: { tab: [{ kind }] }, signal: options.signal })
  ) out.push(...decodeActionList(m.attrs.tab));
  return out;
}

/**
 * Add a standalone action (`tc actions add action …`), to be shared by filters through its
 * index. The kernel wants CAP_NET_ADMIN in the initial user namespace for this (`EPERM`
 * otherwise), unlike actions given inline to {@link addFilter}.
 *
 * @example
 * ```ts
 * import { Rtnl, addAction } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addAction(rt, { kind: "gact", action: "drop", index: 7 });
 * ```
 */
export async function addAction(
  rt: Rtnl,
  action: ActionConfig,
  options: { replace?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  await rt.call(ops.newaction, {
    header: { family: 0 },
    attrs: { tab: [await encodeAction(rt, action)] },
    flags: NLM_F_CREATE | (options.replace ? NLM_F_REPLACE : NLM_F_EXCL),
    signal: options.signal,
  });
}

/**
 * Delete a standalone action by kind and index (`tc actions del action KIND index N`).
 *
 * @example
 * ```ts
 * import { Rtnl, deleteAction } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteAction(rt, "gact", 7);
 * ```
 */
export async function deleteAction(
  rt: Rtnl,
  kind: string,
  index: number,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await rt.call(ops.delaction, {
    header: { family: 0 },
    attrs: { tab: [{ kind, index }] },
    signal: options.signal,
  });
}

/**
 * The operations this module sends, from the corrected tc tables (see the module notes):
 * for {@link Rtnl.dump}/{@link Rtnl.call} with attributes this module has no option for.
 *
 * @example
 * ```ts
 * import { Rtnl, tcOperations } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(tcOperations.getqdisc)) console.log(m.attrs.kind);
 * ```
 */
export const tcOperations: TcOperations = ops;
