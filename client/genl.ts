/**
 * Generic netlink name resolution: a family's id, version and multicast groups, asked from the
 * controller (nlctrl) by name and cached per network namespace.
 *
 * @module
 */
import { NETLINK_GENERIC } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { buildMessage, decodeBody } from "../codec/ynl/mod.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import type { NetlinkSocket } from "../socket/socket.ts";

/** `GENL_ID_CTRL` (linux/genetlink.h): the controller's fixed family id. */
export const GENL_ID_CTRL = 0x10;

/** What the controller says about a generic netlink family. */
export interface GenlFamilyInfo {
  /** Family name, e.g. `"ethtool"`. */
  name: string;
  /** Family id: the `nlmsg_type` of its messages in this kernel. */
  id: number;
  /** Version the kernel implements. */
  version: number;
  /** Size of the family's own header after `genlmsghdr`. */
  hdrsize: number;
  /** Highest attribute number of the family's top-level set. */
  maxattr: number;
  /** Multicast groups: name → id. */
  groups: ReadonlyMap<string, number>;
}

/**
 * The family the kernel does not have: `ENOENT` from the controller, reported by name.
 *
 * @example
 * ```ts
 * import { FamilyNotFoundError } from "@netlink/netlink";
 * const e = new FamilyNotFoundError("devlink");
 * e.message; // 'Generic netlink family "devlink" is not available in this kernel'
 * ```
 */
export class FamilyNotFoundError extends Error {
  /** The family asked for. */
  readonly family: string;

  /** Build the error for family `family`; `cause` is the controller's error. */
  constructor(family: string, cause?: unknown) {
    super(`Generic netlink family "${family}" is not available in this kernel`, { cause });
    this.name = "FamilyNotFoundError";
    this.family = family;
  }
}

/** Turn a decoded `CTRL_CMD_NEWFAMILY` into {@link GenlFamilyInfo}. */
export function familyInfo(attrs: nlctrl.CtrlAttrs): GenlFamilyInfo {
  const groups = new Map<string, number>();
  for (const g of attrs.mcastGroups ?? []) {
    if (g.name !== undefined && g.id !== undefined) groups.set(g.name, g.id);
  }
  return {
    name: attrs.familyName ?? "",
    id: attrs.familyId ?? 0,
    version: attrs.version ?? 0,
    hdrsize: attrs.hdrsize ?? 0,
    maxattr: attrs.maxattr ?? 0,
    groups,
  };
}

const cache = new Map<unknown, Map<string, GenlFamilyInfo>>();

/**
 * Resolve generic netlink family `name` through `socket` (a `NETLINK_GENERIC` socket), from
 * the cache of the socket's namespace (its `scope`) when it was resolved before.
 *
 * @throws {FamilyNotFoundError} when the kernel has no such family.
 */
export async function resolveFamily(
  socket: NetlinkSocket,
  name: string,
  signal?: AbortSignal,
): Promise<GenlFamilyInfo> {
  const key = socket.scope;
  if (socket.protocol !== NETLINK_GENERIC) {
    throw new TypeError(`Resolving "${name}" needs a NETLINK_GENERIC socket`);
  }
  let known = cache.get(key);
  const hit = known?.get(name);
  if (hit !== undefined) return hit;
  const op = nlctrl.operations.getfamily;
  const request = buildMessage(op, { type: GENL_ID_CTRL, attrs: { familyName: name } });
  let reply;
  try {
    reply = await socket.request(request, { signal, operation: `CTRL_CMD_GETFAMILY ${name}` });
  } catch (e) {
    if (e instanceof NetlinkError && e.code === "ENOENT") throw new FamilyNotFoundError(name, e);
    throw e;
  }
  const info = familyInfo(decodeBody(op, reply.payload).attrs);
  if (known === undefined) cache.set(key, known = new Map());
  known.set(name, info);
  return info;
}

/** Forget every resolved family (e.g. after a module that registers one was loaded). */
export function clearFamilyCache(): void {
  cache.clear();
}
