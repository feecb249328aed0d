/**
 * Checks and conversions shared by the link modules (`link.ts`, `link_kinds.ts`): interface
 * names, link references, link-layer addresses and network namespace targets.
 *
 * @module
 */
import { openNetns } from "../../socket/netns.ts";
import type * as rtLink from "../generated/rt_link.ts";
import { parseMac } from "./addr_text.ts";
import { u32 } from "./_names.ts";

/** `IFNAMSIZ` (linux/if.h): names are at most 15 bytes and a NUL. */
export const IFNAMSIZ = 16;
/** `ALTIFNAMSIZ` (linux/if.h): alternative names are at most 127 bytes and a NUL. */
export const ALTIFNAMSIZ = 128;

/** Which interface: by index or by name (an alternative name works too). */
export type LinkRef = { index: number; name?: undefined } | { name: string; index?: undefined };

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

/** Check a {@link LinkRef}. */
export function checkRef(ref: LinkRef): void {
  if (ref === null || typeof ref !== "object") {
    throw new TypeError("Expected a link reference { index } or { name }");
  }
  if (ref.index !== undefined) {
    if (!Number.isInteger(ref.index) || ref.index <= 0 || ref.index > 0x7fffffff) {
      throw new RangeError(`Interface index must be a positive integer, got ${ref.index}`);
    }
  } else if (typeof ref.name !== "string" || ref.name === "") {
    throw new TypeError("Expected a link reference { index } or { name }");
  }
}

/** Where a request names its link: the header index, or `IFLA_IFNAME` / `IFLA_ALT_IFNAME`. */
export function refRequest(
  ref: LinkRef,
): { header: Partial<rtLink.Ifinfomsg>; attrs: rtLink.LinkAttrs } {
  checkRef(ref);
  if (ref.index !== undefined) return { header: { ifiIndex: ref.index }, attrs: {} };
  const long = utf8.encode(ref.name).length >= IFNAMSIZ;
  return { header: {}, attrs: long ? { altIfname: ref.name } : { ifname: ref.name } };
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
