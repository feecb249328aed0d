/**
 * Checks and conversions shared by the link modules (`link.ts`, `link_kinds.ts`): interface
 * names, link references, link-layer addresses and network namespace targets.
 *
 * @module
 */
import type { DumpTracker } from "../../client/consistent.ts";
import { NetlinkError } from "../../codec/netlink_error.ts";
import { openNetns } from "../../socket/netns.ts";
import * as rtLink from "../generated/rt_link.ts";
import { parseMac } from "./addr_text.ts";
import { u32 } from "./_names.ts";
import { ENODEV, LinkNotFoundError } from "./errors.ts";
import type { Rtnl } from "./rtnl.ts";

/** `IFNAMSIZ` (linux/if.h): names are at most 15 bytes and a NUL. */
export const IFNAMSIZ = 16;
/** `ALTIFNAMSIZ` (linux/if.h): alternative names are at most 127 bytes and a NUL. */
export const ALTIFNAMSIZ = 128;

/**
 * Which interface: a name (an alternative name works too) or an index, bare or as
 * `{ name }` / `{ index }`. Every function of the route API that names a link takes one.
 */
export type LinkRef =
  | string
  | number
  | { index: number; name?: undefined }
  | { name: string; index?: undefined };

/** A {@link LinkRef} as an object. */
export function refObject(ref: LinkRef): { index: number } | { name: string } {
  if (typeof ref === "number") return { index: ref };
  if (typeof ref === "string") return { name: ref };
  return ref as { index: number } | { name: string };
}

/** The name or index a {@link LinkRef} gives, for messages. */
export function refLabel(ref: LinkRef): string | number {
  const o = refObject(ref) as { index?: number; name?: string };
  return o.index ?? o.name!;
}

/** A network namespace: a name (`ip netns`), a path, `{ pid }` or an open `{ fd }`. */
export type NetnsTarget = string | { pid: number } | { fd: number };

const utf8 = new TextEncoder();

/** An interface name the kernel accepts, or a TypeError / RangeError saying why not. */
export function checkName(name: unknown, what = "Interface name"): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${what} must be a non-empty string, got ${String(name)}`);
  }
  const n = utf8.encode(name).length;
  if (n >= IFNAMSIZ) {
    throw new RangeError(`${what} "${name}" is ${n} bytes; at most ${IFNAMSIZ - 1} fit`);
  }
  if (/[\s/:]/.test(name) || name === "." || name === "..") {
    throw new TypeError(`${what} "${name}" contains a character the kernel refuses`);
  }
  return name;
}

/** An alternative name the kernel accepts. */
export function checkAltName(name: unknown): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`Alternative name must be a non-empty string, got ${String(name)}`);
  }
  if (utf8.encode(name).length >= ALTIFNAMSIZ) {
    throw new RangeError(
      `Alternative name "${name}" is too long (at most ${ALTIFNAMSIZ - 1} bytes)`,
    );
  }
  return name;
}

const BAD_REF = "A link is a name, an index, { name } or { index }";

/** Check a {@link LinkRef}; returns it as an object. */
export function checkRef(ref: LinkRef): { index: number } | { name: string } {
  if (
    ref === null || (typeof ref !== "object" && typeof ref !== "string" && typeof ref !== "number")
  ) {
    throw new TypeError(`${BAD_REF}, got ${String(ref)}`);
  }
  const o = refObject(ref) as { index?: number; name?: string };
  if (o.index !== undefined) {
    if (!Number.isInteger(o.index) || o.index <= 0 || o.index > 0x7fffffff) {
      throw new RangeError(`Interface index must be a positive integer, got ${o.index}`);
    }
  } else if (typeof o.name !== "string" || o.name === "") {
    throw new TypeError(`${BAD_REF}, got ${JSON.stringify(ref)}`);
  }
  return o as { index: number } | { name: string };
}

/** Where a request names its link: the header index, or `IFLA_IFNAME` / `IFLA_ALT_IFNAME`. */
export function refRequest(
  ref: LinkRef,
): { header: Partial<rtLink.Ifinfomsg>; attrs: rtLink.LinkAttrs } {
  const o = checkRef(ref);
  if ("index" in o) return { header: { ifiIndex: o.index }, attrs: {} };
  const long = utf8.encode(o.name).length >= IFNAMSIZ;
  return { header: {}, attrs: long ? { altIfname: o.name } : { ifname: o.name } };
}

/**
 * `e`, or a {@link LinkNotFoundError} naming `ref` when `e` is the kernel's `ENODEV` for it.
 */
export function notFound(e: unknown, ref: LinkRef): unknown {
  if (e instanceof NetlinkError && e.errno === ENODEV && !(e instanceof LinkNotFoundError)) {
    return new LinkNotFoundError(refLabel(ref), {
      operation: e.operation,
      seq: e.seq,
      extAck: e.extAck,
    });
  }
  return e;
}

/**
 * The index of a link: an index as given (checked), a name looked up with `RTM_GETLINK`.
 *
 * @throws {LinkNotFoundError} when there is no link of that name.
 */
export async function resolveLink(
  rt: Rtnl,
  ref: LinkRef,
  signal?: AbortSignal,
): Promise<number> {
  const o = checkRef(ref);
  if ("index" in o) return o.index;
  const { header, attrs } = refRequest(o);
  try {
    const m = await rt.call(rtLink.operations.getlink, {
      header,
      attrs: { ...attrs, extMask: rtLink.RTEXT_FILTER.SKIP_STATS },
      signal,
    });
    if (m === undefined) throw new Error("RTM_GETLINK: the kernel sent no link");
    return m.header.ifiIndex;
  } catch (e) {
    throw notFound(e, ref);
  }
}

/** The index of each link by name, and the name by index: one link dump. */
export async function linkNameMap(
  rt: Rtnl,
  signal?: AbortSignal,
  tracker?: DumpTracker,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const dump = rt.dump(rtLink.operations.getlink, {
    attrs: { extMask: rtLink.RTEXT_FILTER.SKIP_STATS },
    signal,
  });
  tracker?.track(dump);
  for await (const l of dump) {
    if (l.attrs.ifname !== undefined) out.set(l.header.ifiIndex, l.attrs.ifname);
  }
  return out;
}

/** A link-layer address given as text or bytes. */
export function macBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? parseMac(v) : v;
}

/**
 * The attributes that put a link in `target` (`IFLA_NET_NS_FD` or `IFLA_NET_NS_PID`); a
 * namespace opened by name is closed by the function pushed on `cleanup`.
 */
export async function netnsAttrs(
  target: NetnsTarget,
  cleanup: (() => void)[],
): Promise<rtLink.LinkAttrs> {
  if (typeof target === "string") {
    if (target === "") throw new TypeError('netns must be a namespace name or path, got ""');
    const ns = await openNetns(target);
    cleanup.push(() => ns.close());
    return { netNsFd: ns.fd };
  }
  if (target !== null && typeof target === "object") {
    if ("pid" in target) return { netNsPid: u32(target.pid, "netns.pid") };
    if ("fd" in target) return { netNsFd: u32(target.fd, "netns.fd") };
  }
  throw new TypeError("netns must be a name, a path, { pid } or { fd }");
}
