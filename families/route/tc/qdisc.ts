/**
 * Qdiscs (`tc qdisc`): add, change, replace, delete and list, with typed configurations for
 * HTB, TBF, fq_codel, ingress and clsact; other kinds pass TCA_OPTIONS through the spec tables.
 *
 * @example
 * ```ts
 * import { addQdisc, listQdiscs, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addQdisc(rt, "eth0", { handle: "1:", kind: "htb", defaultClass: "1:10" });
 * for (const q of await listQdiscs(rt, { dev: "eth0" })) console.log(q.kind, q.config);
 * ```
 *
 * @module
 */
import { type DumpList, readConsistent } from "../../../client/consistent.ts";
import * as tc from "../../generated/tc.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../../codec/constants.ts";
import type { Rtnl } from "../rtnl.ts";
import { linkNameMap, type LinkRef, notFound } from "../_link_util.ts";
import { decodeFqCodel, encodeFqCodel, type FqCodelQdiscConfig } from "./fq_codel.ts";
import { formatQdiscHandle, type Handle, parseHandle, TC_H } from "./handles.ts";
import { decodeHtbQdisc, encodeHtbQdisc, type HtbQdiscConfig } from "./htb.ts";
import {
  ifindexOf,
  type ListOptions,
  otherAttrs,
  otherConfig,
  type OtherTcConfig,
  type TcMessage,
  type TcObject,
  tcObject,
} from "./object.ts";
import { decodeTbf, encodeTbf, type TbfQdiscConfig } from "./tbf.ts";

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

/** Configuration of a qdisc, by kind. */
export type QdiscConfig =
  | HtbQdiscConfig
  | TbfQdiscConfig
  | FqCodelQdiscConfig
  | IngressQdiscConfig
  | ClsactQdiscConfig
  | OtherTcConfig;

/** A qdisc as listed. */
export interface Qdisc extends TcObject<QdiscConfig> {
  /** Reference count (`tcm_info`). */
  refcnt: number;
}

/** ingress and clsact: no options, parent `ffff:fff1` and handle `ffff:` (tc's q_ingress.c). */
const isIngress = (kind: string) => kind === "ingress" || kind === "clsact";

function encodeQdisc(c: QdiscConfig): tc.Attrs {
  switch (c.kind) {
    case "htb":
      return { kind: "htb", options: encodeHtbQdisc(c as HtbQdiscConfig) };
    case "tbf":
      return { kind: "tbf", options: encodeTbf(c as TbfQdiscConfig) };
    case "fq_codel":
      return { kind: "fq_codel", options: encodeFqCodel(c as FqCodelQdiscConfig) };
    case "ingress":
    case "clsact":
      return { kind: c.kind };
    default:
      return otherAttrs(c as OtherTcConfig);
  }
}

function decodeQdiscConfig(attrs: tc.Attrs, handle: number): QdiscConfig {
  const a = attrs as tc.AttrsByKind;
  const kind = a.kind ?? "";
  if (a.kind === "htb" && a.options !== undefined) return decodeHtbQdisc(a.options, handle);
  if (a.kind === "tbf" && a.options?.parms !== undefined) {
    return decodeTbf(a.options, a.options.parms);
  }
  if (a.kind === "fq_codel" && a.options !== undefined) return decodeFqCodel(a.options);
  if (isIngress(kind)) return { kind };
  return otherConfig(kind, a.options);
}

/**
 * Decode a qdisc message (a dump entry, or an RTM_NEWQDISC notification's body as decoded by
 * the tc spec tables); `names` (see `linkNames`) names its device.
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
export function decodeQdisc(m: TcMessage, names?: ReadonlyMap<number, string>): Qdisc {
  const config = decodeQdiscConfig(m.attrs, m.header.handle);
  const q = tcObject(m, config, names, formatQdiscHandle(m.header.handle)) as Qdisc;
  q.refcnt = m.header.info;
  return q;
}

/**
 * List qdiscs (`tc -s qdisc show`), with statistics.
 *
 * @example
 * ```ts
 * import { Rtnl, listQdiscs } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const q of await listQdiscs(rt, { dev: "lo" })) console.log(q.kind, q.handle, q.stats?.bytes);
 * ```
 */
export async function listQdiscs(rt: Rtnl, options: ListOptions = {}): Promise<DumpList<Qdisc>> {
  const ifindex = options.dev === undefined ? undefined : await ifindexOf(rt, options.dev);
  return await readConsistent("listQdiscs", options, async (t) => {
    const names = await linkNameMap(rt, options.signal, t);
    const out: Qdisc[] = [];
    const dump = t.track(rt.dump(tc.operations.getqdisc, {
      header: { ifindex: ifindex ?? 0 },
      signal: options.signal,
    }));
    for await (const m of dump) {
      if (ifindex === undefined || m.header.ifindex === ifindex) out.push(decodeQdisc(m, names));
    }
    return out;
  });
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
  const special = isIngress(kind);
  return {
    parent: parseHandle(p.parent ?? (special ? TC_H.INGRESS : TC_H.ROOT)),
    handle: parseHandle(p.handle ?? (special ? (TC_H.INGRESS & TC_H.MAJ_MASK) >>> 0 : 0)),
  };
}

async function newQdisc(rt: Rtnl, dev: LinkRef, o: AddQdiscOptions, flags: number) {
  const ifindex = await ifindexOf(rt, dev);
  const { parent, handle } = placement(o, o.kind);
  try {
    await rt.call(tc.operations.newqdisc, {
      header: { ifindex, parent, handle },
      attrs: encodeQdisc(o),
      flags,
      signal: o.signal,
    });
  } catch (e) {
    throw notFound(e, dev);
  }
}

/**
 * Add a qdisc (`tc qdisc add`): fails with `EEXIST` if one is there.
 *
 * @example
 * ```ts
 * import { Rtnl, addQdisc } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addQdisc(rt, "eth0", { handle: "1:", kind: "htb", defaultClass: "1:10" });
 * await addQdisc(rt, "eth1", { kind: "tbf", rate: "1mbit", burst: "10k", latency: "50ms" });
 * await addQdisc(rt, "eth1", { kind: "ingress" });
 * ```
 */
export async function addQdisc(
  rt: Rtnl,
  dev: LinkRef,
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
  dev: LinkRef,
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
 * await changeQdisc(rt, "eth0", { handle: "1:", kind: "htb", defaultClass: "1:20" });
 * ```
 */
export async function changeQdisc(
  rt: Rtnl,
  dev: LinkRef,
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
  dev: LinkRef,
  options: DeleteQdiscOptions = {},
): Promise<void> {
  const ifindex = await ifindexOf(rt, dev);
  try {
    await rt.call(tc.operations.delqdisc, {
      header: {
        ifindex,
        parent: parseHandle(options.parent ?? TC_H.ROOT),
        handle: parseHandle(options.handle ?? TC_H.UNSPEC),
      },
      signal: options.signal,
    });
  } catch (e) {
    throw notFound(e, dev);
  }
}
