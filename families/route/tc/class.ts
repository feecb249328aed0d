/**
 * Classes (`tc class`): add, change, replace, delete and list, with a typed configuration for
 * HTB classes; other kinds pass TCA_OPTIONS through the spec tables.
 *
 * @example
 * ```ts
 * import { addClass, listClasses, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addClass(rt, "eth0", { parent: "1:", classid: "1:10", kind: "htb", rate: "10mbit" });
 * for (const c of await listClasses(rt, { dev: "eth0" })) console.log(c.handle, c.config);
 * ```
 *
 * @module
 */
import { type DumpList, readConsistent } from "../../../client/consistent.ts";
import * as tc from "../../generated/tc.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../../codec/constants.ts";
import type { Rtnl } from "../rtnl.ts";
import { type LinkRef, notFound } from "../_link_util.ts";
import { formatQdiscHandle, type Handle, parseHandle } from "./handles.ts";
import { decodeHtbClass, encodeHtbClass, type HtbClassConfig } from "./htb.ts";
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

/** Configuration of a class, by kind. */
export type ClassConfig = HtbClassConfig | OtherTcConfig;

/** A class as listed. */
export interface TcClass extends TcObject<ClassConfig> {
  /** Handle of the qdisc attached to this leaf class (`tcm_info`), as tc prints it (`"10:"`). */
  leaf?: string;
}

function encodeClass(c: ClassConfig): tc.Attrs {
  if (c.kind === "htb") return { kind: "htb", options: encodeHtbClass(c as HtbClassConfig) };
  return otherAttrs(c as OtherTcConfig);
}

function decodeClassConfig(attrs: tc.Attrs): ClassConfig {
  const a = attrs as tc.AttrsByKind;
  if (a.kind === "htb" && a.options?.parms !== undefined) {
    return decodeHtbClass(a.options, a.options.parms);
  }
  return otherConfig(a.kind ?? "", a.options);
}

/**
 * Decode a class message; `names` (see `linkNames`) names its device.
 *
 * @example
 * ```ts
 * import { decodeClass } from "@netlink/netlink";
 * decodeClass({
 *   header: { family: 0, ifindex: 2, handle: 0x10010, parent: 0x10000, info: 0 },
 *   attrs: { kind: "htb" },
 * }).handle; // "1:10"
 * ```
 */
export function decodeClass(m: TcMessage, names?: ReadonlyMap<number, string>): TcClass {
  const c: TcClass = tcObject(m, decodeClassConfig(m.attrs), names);
  if (m.header.info) c.leaf = formatQdiscHandle(m.header.info);
  return c;
}

/**
 * List classes (`tc -s class show`), of one device or of all.
 *
 * @example
 * ```ts
 * import { Rtnl, listClasses } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const c of await listClasses(rt, { dev: "eth0" })) console.log(c.handle, c.config);
 * ```
 */
export async function listClasses(
  rt: Rtnl,
  options: ListOptions = {},
): Promise<DumpList<TcClass>> {
  return await readConsistent("listClasses", options, async (t) => {
    const out: TcClass[] = [];
    const { indexes, names } = await devices(rt, options.dev, options.signal, t);
    for (const ifindex of indexes) {
      const dump = t.track(rt.dump(tc.operations.gettclass, {
        header: { ifindex },
        signal: options.signal,
      }));
      for await (const m of dump) out.push(decodeClass(m, names));
    }
    return out;
  });
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

async function newClass(rt: Rtnl, dev: LinkRef, o: AddClassOptions, flags: number) {
  const ifindex = await ifindexOf(rt, dev);
  try {
    await rt.call(tc.operations.newtclass, {
      header: { ifindex, parent: parseHandle(o.parent), handle: parseHandle(o.classid) },
      attrs: encodeClass(o),
      flags,
      signal: o.signal,
    });
  } catch (e) {
    throw notFound(e, dev);
  }
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
  dev: LinkRef,
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
  dev: LinkRef,
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
  dev: LinkRef,
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
  dev: LinkRef,
  classid: Handle,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const ifindex = await ifindexOf(rt, dev);
  try {
    await rt.call(tc.operations.deltclass, {
      header: { ifindex, handle: parseHandle(classid) },
      signal: options.signal,
    });
  } catch (e) {
    throw notFound(e, dev);
  }
}
