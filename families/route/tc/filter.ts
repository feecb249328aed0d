/**
 * Filters (`tc filter`): add, change, replace, delete and list, with typed configurations for
 * u32 and bpf; other kinds pass TCA_OPTIONS through the spec tables. A filter's priority and
 * protocol travel in `tcm_info`, as `TC_H_MAKE(prio << 16, htons(protocol))`.
 *
 * @example
 * ```ts
 * import { addFilter, listFilters, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addFilter(rt, "eth0", {
 *   parent: "1:",
 *   protocol: "ip",
 *   priority: 1,
 *   kind: "u32",
 *   match: { ip: { dst: "10.0.0.0/8" } },
 *   classid: "1:10",
 * });
 * for (const f of await listFilters(rt, { dev: "eth0", parent: "1:" })) console.log(f.config);
 * ```
 *
 * @module
 */
import { type DumpList, readConsistent } from "../../../client/consistent.ts";
import * as tc from "../../generated/tc.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../../codec/constants.ts";
import type { Rtnl } from "../rtnl.ts";
import { type LinkRef, notFound } from "../_link_util.ts";
import { parseNumber } from "../names.ts";
import { encodeActions } from "./action.ts";
import { type BpfFilterConfig, decodeBpf, encodeBpf } from "./bpf.ts";
import {
  formatHandle,
  formatU32Handle,
  type Handle,
  handleMajor,
  handleMinor,
  makeHandle,
  parseHandle,
  parseU32Handle,
  TC_H,
} from "./handles.ts";
import {
  devices,
  ifindexOf,
  type ListOptions,
  otherAttrs,
  otherConfig,
  type OtherTcConfig,
  type TcMessage,
  type TcObject,
  tcObject,
} from "./object.ts";
import { decodeU32, encodeU32, type U32FilterConfig } from "./u32.ts";

/**
 * Ethernet protocol numbers (linux/if_ether.h) that filters match, by tc's names.
 *
 * @example
 * ```ts
 * import { ETH_P } from "@netlink/netlink";
 * ETH_P.ipv6; // 0x86dd
 * ```
 */
export const ETH_P: Readonly<Record<string, number>> = {
  all: tc.ETH_P.ALL,
  ip: tc.ETH_P.IP,
  arp: tc.ETH_P.ARP,
  "802.1q": tc.ETH_P["8021Q"],
  ipv6: tc.ETH_P.IPV6,
  "802.1ad": tc.ETH_P["8021AD"],
  mpls_uc: tc.ETH_P.MPLS_UC,
};

/** The names tc prints for the protocols of {@link ETH_P} (`ll_proto_n2a`). */
const PROTOCOL_NAMES = new Map<number, string>([
  [tc.ETH_P.ALL, "all"],
  [tc.ETH_P.IP, "ip"],
  [tc.ETH_P.ARP, "arp"],
  [tc.ETH_P["8021Q"], "802.1Q"],
  [tc.ETH_P.IPV6, "ipv6"],
  [tc.ETH_P["8021AD"], "802.1ad"],
  [tc.ETH_P.MPLS_UC, "mpls_uc"],
]);

/** Configuration of a filter, by kind. */
export type FilterConfig = U32FilterConfig | BpfFilterConfig | OtherTcConfig;

/** A filter as listed. */
export interface Filter extends TcObject<FilterConfig> {
  /** Priority (tc's `pref`). */
  priority: number;
  /** Ethernet protocol as tc prints it (`"ip"`, `"ipv6"`, `"all"`…), or the number. */
  protocol: string | number;
  /** Chain index. */
  chain: number;
}

/** htons/ntohs: swap the bytes of a 16-bit value. */
function swap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

/** A filter's parent: `"ingress"` and `"egress"` are clsact's hooks, as in tc. */
function filterParent(p: Handle | "egress" | undefined): number {
  // A filter's "ingress" is clsact's ingress hook ffff:fff2 (the ingress qdisc takes it too).
  const clsact = handleMajor(TC_H.INGRESS);
  if (p === "ingress") return makeHandle(clsact, TC_H.MIN_INGRESS);
  if (p === "egress") return makeHandle(clsact, TC_H.MIN_EGRESS);
  return parseHandle(p ?? TC_H.ROOT);
}

function protocolNumber(p: number | string | undefined): number {
  if (p === undefined) return ETH_P.all;
  if (typeof p === "number") return p;
  const n = ETH_P[p.toLowerCase()] ?? parseNumber(p, 0xffff);
  if (n === undefined) {
    throw new TypeError(
      `Unknown protocol "${p}": use ${Object.keys(ETH_P).join(", ")} or a number`,
    );
  }
  return n;
}

/** A filter handle as given: u32's `"800::800"`, or a number (`"0x1"` as text) for others. */
function filterHandle(kind: string, h: number | string | undefined): number {
  if (h === undefined) return TC_H.UNSPEC;
  if (kind === "u32") return parseU32Handle(h);
  if (typeof h === "number") return parseHandle(h);
  const n = parseNumber(h.trim());
  if (n === undefined) throw new TypeError(`Cannot parse ${kind} filter handle "${h}"`);
  return n;
}

/** A filter's parent as tc names it: clsact's hooks are `"ingress"` and `"egress"`. */
function parentName(parent: number): string {
  const clsact = handleMajor(TC_H.INGRESS);
  if (parent === makeHandle(clsact, TC_H.MIN_INGRESS)) return "ingress";
  if (parent === makeHandle(clsact, TC_H.MIN_EGRESS)) return "egress";
  return formatHandle(parent);
}

/** tcm_info of a filter: `TC_H_MAKE(prio << 16, htons(protocol))`. */
function filterInfo(priority: number | undefined, protocol: number): number {
  const prio = priority ?? 0;
  if (!Number.isInteger(prio) || prio < 0 || prio > TC_H.MIN_MASK) {
    throw new RangeError(`Filter priority ${prio} is not a u16`);
  }
  return makeHandle(prio, swap16(protocol));
}

async function encodeFilter(rt: Rtnl, c: FilterConfig): Promise<tc.Attrs> {
  if (c.kind === "u32") {
    const u = c as U32FilterConfig;
    return { kind: "u32", options: encodeU32(u, await encodeActions(rt, u.actions)) };
  }
  if (c.kind === "bpf") {
    const f = c as BpfFilterConfig;
    return { kind: "bpf", options: encodeBpf(f, await encodeActions(rt, f.actions)) };
  }
  return otherAttrs(c as OtherTcConfig);
}

function decodeFilterConfig(attrs: tc.Attrs, names?: ReadonlyMap<number, string>): FilterConfig {
  const a = attrs as tc.AttrsByKind;
  if (a.kind === "u32" && a.options !== undefined) return decodeU32(a.options, names);
  if (a.kind === "bpf" && a.options !== undefined) return decodeBpf(a.options, names);
  return otherConfig(a.kind ?? "", a.options);
}

/**
 * Decode a filter message; `names` (see `linkNames`) names its device and the devices of its
 * actions.
 *
 * @example
 * ```ts
 * import { decodeFilter } from "@netlink/netlink";
 * const f = decodeFilter({
 *   header: { family: 0, ifindex: 2, handle: 0, parent: 0x10000, info: (5 << 16) | 0x0008 },
 *   attrs: { kind: "u32" },
 * });
 * f.priority; // 5
 * f.protocol; // "ip"
 * ```
 */
export function decodeFilter(m: TcMessage, names?: ReadonlyMap<number, string>): Filter {
  const info = m.header.info;
  const kind = m.attrs.kind ?? "";
  const h = m.header.handle;
  const handle = kind === "u32" ? formatU32Handle(h) : `0x${h.toString(16)}`;
  const f = tcObject(
    m,
    decodeFilterConfig(m.attrs, names),
    names,
    handle,
    parentName(m.header.parent),
  ) as Filter;
  const protocol = swap16(handleMinor(info));
  f.priority = handleMajor(info);
  f.protocol = PROTOCOL_NAMES.get(protocol) ?? protocol;
  f.chain = m.attrs.chain ?? 0;
  return f;
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
export async function listFilters(
  rt: Rtnl,
  options: ListFiltersOptions = {},
): Promise<DumpList<Filter>> {
  // No parent: tcm_parent 0, the kernel's "filters of the root qdisc" (TC_H_ROOT would be
  // looked up as qdisc ffff:, the ingress one).
  const parent = options.parent === undefined ? TC_H.UNSPEC : filterParent(options.parent);
  return await readConsistent("listFilters", options, async (t) => {
    const out: Filter[] = [];
    const { indexes, names } = await devices(rt, options.dev, options.signal, t);
    for (const ifindex of indexes) {
      const attrs: tc.Attrs = options.chain === undefined ? {} : { chain: options.chain };
      const dump = t.track(rt.dump(tc.operations.gettfilter, {
        header: { ifindex, parent },
        attrs,
        signal: options.signal,
      }));
      for await (const m of dump) out.push(decodeFilter(m, names));
    }
    return out;
  });
}

/** Where a filter sits. */
export interface FilterPlacement {
  /** Parent (`"1:"`, `"ingress"`, `"egress"`); the root qdisc by default. */
  parent?: Handle | "egress";
  /** Priority (tc's `pref`); the kernel picks one when omitted. */
  priority?: number;
  /** Protocol matched: a name of {@link ETH_P} or a number (default `"all"`). */
  protocol?: number | string;
  /** Filter handle (u32: `"800::800"`; others a number); the kernel picks one when omitted. */
  handle?: number | string;
  /** Chain index. */
  chain?: number;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
}

/** Options of {@link addFilter}: placement, kind and its configuration. */
export type AddFilterOptions = FilterPlacement & FilterConfig;

async function newFilter(rt: Rtnl, dev: LinkRef, o: AddFilterOptions, flags: number) {
  const ifindex = await ifindexOf(rt, dev);
  const attrs = await encodeFilter(rt, o);
  if (o.chain !== undefined) attrs.chain = o.chain;
  try {
    await rt.call(tc.operations.newtfilter, {
      header: {
        ifindex,
        parent: filterParent(o.parent),
        handle: filterHandle(o.kind, o.handle),
        info: filterInfo(o.priority, protocolNumber(o.protocol)),
      },
      attrs,
      flags,
      signal: o.signal,
    });
  } catch (e) {
    throw notFound(e, dev);
  }
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
  dev: LinkRef,
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
 *   handle: "800::800",
 *   kind: "u32",
 *   match: { ip: { dst: "10.0.0.2" } },
 *   classid: "1:20",
 * });
 * ```
 */
export async function replaceFilter(
  rt: Rtnl,
  dev: LinkRef,
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
  dev: LinkRef,
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
  handle?: number | string;
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
  dev: LinkRef,
  options: DeleteFilterOptions = {},
): Promise<void> {
  const ifindex = await ifindexOf(rt, dev);
  const attrs: tc.Attrs = {};
  if (options.kind !== undefined) attrs.kind = options.kind;
  if (options.chain !== undefined) attrs.chain = options.chain;
  try {
    await rt.call(tc.operations.deltfilter, {
      header: {
        ifindex,
        parent: filterParent(options.parent),
        handle: filterHandle(options.kind ?? "", options.handle),
        info: options.priority === undefined
          ? 0
          : filterInfo(options.priority, protocolNumber(options.protocol)),
      },
      attrs,
      signal: options.signal,
    });
  } catch (e) {
    throw notFound(e, dev);
  }
}
