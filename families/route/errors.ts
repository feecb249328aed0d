/**
 * The errors of the route API, all of them `NetlinkError`s (errno, name, operation, seq,
 * extended ACK): {@link LinkNotFoundError} names the device the caller gave, and every failed
 * request names its message type as the kernel's headers do (`RTM_NEWROUTE`) and the
 * attribute the kernel's extended ACK points at, as a path of spec names
 * ({@link RtnlError.attribute}: `.linkinfo.data.id` is `IFLA_LINKINFO` → `IFLA_INFO_DATA` →
 * `IFLA_VXLAN_ID`).
 *
 * @example
 * ```ts
 * import { addLink, LinkNotFoundError, Rtnl, RtnlError } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * try {
 *   await addLink(rt, { name: "vx0", kind: "vxlan", data: { id: 1 << 24 } });
 * } catch (e) {
 *   if (e instanceof RtnlError) console.log(e.operation, e.attribute); // RTM_NEWLINK .linkinfo.data.id
 *   if (e instanceof LinkNotFoundError) console.log(e.message); // Cannot find device "…"
 * }
 * ```
 *
 * @module
 */
import { NetlinkError, type NetlinkErrorOptions } from "../../codec/netlink_error.ts";
import type { AttributeSpec, Family, Operation } from "../../codec/ynl/mod.ts";
import { attributePath } from "../../client/attribute_path.ts";
import { specNameOf } from "../../client/json_values.ts";
import * as generated from "../generated/mod.ts";
import { FAMILIES } from "../generated/registry.ts";

/** `ENODEV` (asm-generic/errno-base.h). */
export const ENODEV = 19;

/**
 * A device named by the caller does not exist: `ENODEV`, with the name (or index) as given.
 *
 * @example
 * ```ts
 * import { LinkNotFoundError } from "@netlink/netlink";
 * new LinkNotFoundError("v9").message; // 'Cannot find device "v9"'
 * ```
 */
export class LinkNotFoundError extends NetlinkError {
  /** The device as the caller named it. */
  readonly link: string | number;

  /** The error for `link`, seen while doing `operation` (default `"link lookup"`). */
  constructor(link: string | number, options: Partial<NetlinkErrorOptions> = {}) {
    super(ENODEV, { ...options, operation: options.operation ?? "link lookup" });
    this.name = "LinkNotFoundError";
    this.link = link;
    this.message = typeof link === "number"
      ? `Cannot find device with index ${link}`
      : `Cannot find device "${link}"`;
  }
}

/**
 * A kernel error for a route request: {@link NetlinkError} with the message type's name as
 * the operation (`RTM_NEWLINK`, from the generated families) and the attribute the extended
 * ACK's offset points at.
 */
export class RtnlError extends NetlinkError {
  /**
   * The attribute the kernel complained about, as a path of spec names from the message's
   * attribute set (`.linkinfo.data.id`; `.ifi-index` for a header member); undefined when
   * the kernel sent no offset.
   */
  readonly attribute?: string;

  /** Wrap `cause` (a kernel error) with the operation's name and the attribute path. */
  constructor(cause: NetlinkError, operation: string, attribute?: string) {
    super(cause.errno, {
      operation,
      seq: cause.seq,
      request: cause.request,
      extAck: cause.extAck,
    });
    this.name = "RtnlError";
    this.attribute = attribute;
    if (attribute !== undefined) {
      this.message = this.message.replace(
        / \(attribute at offset \d+\)/,
        ` (attribute ${attribute})`,
      );
    }
    this.cause = cause;
  }
}

let messageNames: Map<number, string> | undefined;

/**
 * The name the kernel's headers give a route message type (`24` → `"RTM_NEWROUTE"`), from
 * the constants the generator writes for each spec's operations; undefined for an unknown
 * type.
 *
 * @example
 * ```ts
 * import { routeMessageName } from "@netlink/netlink";
 * routeMessageName(24); // "RTM_NEWROUTE"
 * ```
 */
export function routeMessageName(type: number): string | undefined {
  if (messageNames === undefined) {
    messageNames = new Map();
    for (const ns of Object.values(generated)) {
      const f = FAMILIES[ns.family.name as keyof typeof FAMILIES];
      if (f?.protocol !== "route") continue;
      for (const [k, v] of Object.entries(ns)) {
        if (/^RTM_[A-Z]+$/.test(k) && typeof v === "number" && !messageNames.has(v)) {
          messageNames.set(v, k);
        }
      }
    }
  }
  return messageNames.get(type);
}

/** The attribute spec and byte range of each step of a path, walking sub-messages too. */
function descend(
  family: Family,
  setName: string,
  b: Uint8Array,
  start: number,
  end: number,
  target: number,
  prefix: string,
): string | undefined {
  const set = family.spec.attributeSets[setName];
  if (set === undefined) return undefined;
  for (let off = start; end - off >= 4;) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || off + len > end) return undefined;
    const type = (b[off + 2] | (b[off + 3] << 8)) & 0x3fff;
    if (target >= off && target < off + len) {
      const a = set.find((x) => x.value === type && x.type !== "pad");
      const here = `${prefix}.${a === undefined ? String(type) : specNameOf(a)}`;
      if (target === off || a === undefined) return here;
      const inner = innerSet(family, a, set, b, start, end);
      return inner === undefined
        ? here
        : descend(family, inner.set, b, off + 4 + inner.skip, off + len, target, here) ?? here;
    }
    off += (len + 3) & ~3;
  }
  return undefined;
}

/** The attribute set inside `a` (a nest or a sub-message chosen by its selector sibling). */
function innerSet(
  family: Family,
  a: AttributeSpec,
  siblings: readonly AttributeSpec[],
  b: Uint8Array,
  start: number,
  end: number,
): { set: string; skip: number } | undefined {
  if (a.type === "nest" && a.nested !== undefined) return { set: a.nested, skip: 0 };
  if (a.type !== "sub-message" || a.subMessage === undefined || a.selector === undefined) {
    return undefined;
  }
  const sel = siblings.find((x) => x.name === a.selector);
  if (sel === undefined) return undefined;
  for (let off = start; end - off >= 4;) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || off + len > end) break;
    if (((b[off + 2] | (b[off + 3] << 8)) & 0x3fff) === sel.value) {
      let value = new TextDecoder().decode(b.subarray(off + 4, off + len));
      value = value.replace(/\0.*$/s, "");
      const format = family.spec.subMessages?.[a.subMessage]?.[value];
      if (format?.attributeSet === undefined) return undefined;
      const header = format.fixedHeader === undefined
        ? 0
        : (family.struct(format.fixedHeader).size + 3) & ~3;
      return { set: format.attributeSet, skip: header };
    }
    off += (len + 3) & ~3;
  }
  return undefined;
}

/**
 * The path of the attribute at byte `offset` of `request` (a message of `op`): that of
 * `attributePath`, continued into sub-messages (`IFLA_INFO_DATA` by the link kind).
 */
export function offendingAttribute(
  op: Operation<object, object>,
  request: Uint8Array,
  offset: number,
): string | undefined {
  const base = attributePath(op, request, offset);
  const setName = op.spec.attributeSet;
  if (base === undefined || setName === undefined || op.fixedHeader === undefined) return base;
  const start = 16 + ((op.fixedHeader.size + 3) & ~3);
  if (offset < start) return base;
  return descend(op.family, setName, request, start, request.length, offset, "") ?? base;
}

/**
 * A kernel error for a request of `op` (bytes `request`) as an {@link RtnlError}; any other
 * error as it is.
 */
export function explain(
  e: unknown,
  op: Operation<object, object>,
  request: Uint8Array,
  dump: boolean,
): unknown {
  if (!(e instanceof NetlinkError) || e instanceof RtnlError || e.seq === undefined) return e;
  const type = (dump ? op.spec.dump?.request?.value : op.spec.do?.request?.value) ??
    op.requestValue;
  const name = (type === undefined ? undefined : routeMessageName(type)) ?? e.operation;
  const offset = e.extAck?.offset;
  return new RtnlError(
    e,
    name,
    offset === undefined ? undefined : offendingAttribute(op, request, offset),
  );
}
