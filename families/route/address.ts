/**
 * IPv4 and IPv6 interface addresses over rtnetlink (`ip address`).
 *
 * @example
 * ```ts
 * import { Rtnl, addAddress, listAddresses } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addAddress(rt, { dev: "eth0", address: "192.0.2.1/24" });
 * for (const a of await listAddresses(rt, { dev: "eth0" })) console.log(a.address, a.prefixlen);
 * ```
 *
 * @module
 */
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import * as rtAddr from "../generated/rt_addr.ts";
import { AF_INET, AF_INET6, formatIp, parseIp, parsePrefix } from "./addr_text.ts";
import { byName, familyOf, nameOf, SCOPES, u32 } from "./_names.ts";
import { linkIndex } from "./link.ts";
import { newFlags, type NewOptions, type Rtnl } from "./rtnl.ts";

export { SCOPES };

/** A decoded `RTM_NEWADDR` message. */
export type AddressMessage = DecodedMessage<rtAddr.Ifaddrmsg, rtAddr.AddrAttrs>;

/** Lifetime value meaning "forever" (`INFINITY_LIFE_TIME`). */
export const FOREVER = 0xffffffff;

/** An address, with the common fields pulled out of the message. */
export interface Address {
  /** `AF_INET` (2) or `AF_INET6` (10). */
  family: number;
  /** Interface index. */
  index: number;
  /** The address as text: `IFA_LOCAL` when present (IPv4), else `IFA_ADDRESS`. */
  address: string;
  /** Prefix length. */
  prefixlen: number;
  /** The peer of a point-to-point address (`IFA_ADDRESS` when it differs from the local one). */
  peer?: string;
  /** IPv4 broadcast address. */
  broadcast?: string;
  /** IPv4 label. */
  label?: string;
  /** Scope name (`"global"`, `"link"`, `"host"`, …) or number. */
  scope: string | number;
  /** `IFA_F_*` names, lower-case as `ip -j` prints them (`"permanent"`, `"nodad"`, …). */
  flags: string[];
  /** Valid lifetime in seconds ({@link FOREVER} for none). */
  validLifetime?: number;
  /** Preferred lifetime in seconds ({@link FOREVER} for none). */
  preferredLifetime?: number;
  /** The whole decoded message. */
  message: AddressMessage;
}

/** `IFA_F_*` flag names (lower case) as {@link AddAddressSpec.flags} takes them. */
export type AddressFlagName = Lowercase<keyof typeof rtAddr.IFA_FLAGS>;

/** What {@link addAddress} adds and {@link deleteAddress} removes. */
export interface AddAddressSpec {
  /** The interface, by index. */
  index?: number;
  /** The interface, by name. */
  dev?: string;
  /** `"10.0.0.1/24"`, `"2001:db8::1/64"` (a bare address is a host prefix), or parts. */
  address: string | { local: string; prefixlen: number };
  /** Point-to-point peer (IPv4), e.g. `"10.0.0.2/32"`. */
  peer?: string;
  /** IPv4 broadcast address, or `true` to compute it from the prefix (`ip addr add … brd +`). */
  broadcast?: string | true;
  /** IPv4 label (must start with the interface name). */
  label?: string;
  /** Scope name or number (default global). */
  scope?: keyof typeof SCOPES | number;
  /** `IFA_F_*` flags: names such as `"nodad"`, `"noprefixroute"`, or a bit mask. */
  flags?: AddressFlagName[] | number;
  /** Valid lifetime in seconds (default forever). */
  validLifetime?: number;
  /** Preferred lifetime in seconds (default forever, or the valid lifetime). */
  preferredLifetime?: number;
  /** `IFA_RT_PRIORITY`: metric of the prefix route. */
  metric?: number;
}

/** Options for {@link listAddresses}. */
export interface ListAddressesOptions {
  /** `AF_INET` (2), `AF_INET6` (10), or `"inet"` / `"inet6"`; default both. */
  family?: number | "inet" | "inet6";
  /** Only this interface, by index. */
  index?: number;
  /** Only this interface, by name. */
  dev?: string;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/**
 * Turn a decoded `RTM_NEWADDR` message into an {@link Address}.
 *
 * @example
 * ```ts
 * import { Rtnl, toAddress, rtAddr } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtAddr.operations.getaddr)) console.log(toAddress(m).address);
 * ```
 */
export function toAddress(message: AddressMessage): Address {
  const { header: h, attrs: a } = message;
  const local = a.local ?? a.address;
  const fl = a.flags ?? h.ifaFlags;
  const flags: string[] = [];
  for (const [name, bit] of Object.entries(rtAddr.IFA_FLAGS)) {
    if (fl & bit) flags.push(name.toLowerCase());
  }
  const out: Address = {
    family: h.ifaFamily,
    index: h.ifaIndex,
    address: local ? formatIp(local) : "",
    prefixlen: h.ifaPrefixlen,
    scope: nameOf(SCOPES, h.ifaScope) as string | number,
    flags,
    message,
  };
  if (a.local && a.address && formatIp(a.local) !== formatIp(a.address)) {
    out.peer = formatIp(a.address);
  }
  if (a.broadcast) out.broadcast = formatIp(a.broadcast);
  if (a.label !== undefined) out.label = a.label;
  if (a.cacheinfo) {
    out.validLifetime = a.cacheinfo.ifaValid;
    out.preferredLifetime = a.cacheinfo.ifaPrefered;
  }
  return out;
}

/**
 * All addresses, or those of one family or interface (`ip address show`).
 *
 * @example
 * ```ts
 * import { Rtnl, listAddresses } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const v6 = await listAddresses(rt, { family: "inet6", dev: "lo" });
 * ```
 */
export async function listAddresses(
  rt: Rtnl,
  options: ListAddressesOptions = {},
): Promise<Address[]> {
  const family = familyOf(options.family, "Address");
  const index = options.index !== undefined
    ? await linkIndex(rt, options.index)
    : options.dev !== undefined
    ? await linkIndex(rt, options.dev)
    : undefined;
  const out: Address[] = [];
  for await (
    const m of rt.dump(rtAddr.operations.getaddr, {
      header: { ifaFamily: family },
      signal: options.signal,
    })
  ) {
    if (index !== undefined && m.header.ifaIndex !== index) continue;
    if (family !== 0 && m.header.ifaFamily !== family) continue;
    out.push(toAddress(m));
  }
  return out;
}

function flagBits(flags: AddressFlagName[] | number | undefined): number {
  if (flags === undefined) return 0;
  if (typeof flags === "number") return u32(flags, "address flags");
  if (!Array.isArray(flags)) throw new TypeError("Address flags must be an array of names");
  let bits = 0;
  for (const f of flags) {
    const v = (rtAddr.IFA_FLAGS as Record<string, number>)[String(f).toUpperCase()];
    if (v === undefined) {
      throw new TypeError(
        `Unknown address flag "${f}": use ${
          Object.keys(rtAddr.IFA_FLAGS).map((k) => k.toLowerCase()).join(", ")
        }`,
      );
    }
    bits |= v;
  }
  return bits;
}

/** Validate a spec and build the request (all but the interface index). */
function prepare(spec: AddAddressSpec, forDelete: boolean) {
  if (spec === null || typeof spec !== "object") throw new TypeError("Expected an address spec");
  if (spec.index === undefined && spec.dev === undefined) {
    throw new TypeError("An address needs its interface: index or dev");
  }
  let bytes: Uint8Array, prefixlen: number, family: number;
  if (typeof spec.address === "string") {
    const p = parsePrefix(spec.address);
    bytes = p.bytes, prefixlen = p.prefixlen, family = p.family;
  } else if (spec.address !== null && typeof spec.address === "object") {
    bytes = parseIp(spec.address.local);
    family = bytes.length === 4 ? AF_INET : AF_INET6;
    prefixlen = spec.address.prefixlen;
    if (!Number.isInteger(prefixlen) || prefixlen < 0 || prefixlen > bytes.length * 8) {
      throw new RangeError(`Prefix length must be in 0..${bytes.length * 8}, got ${prefixlen}`);
    }
  } else {
    throw new TypeError(`Expected an address such as "10.0.0.1/24", got ${String(spec.address)}`);
  }
  const attrs: rtAddr.AddrAttrs = { local: bytes, address: bytes };
  if (spec.peer !== undefined) {
    const p = parsePrefix(spec.peer);
    if (p.family !== family) throw new TypeError("peer and address are of different families");
    attrs.address = p.bytes;
    if (spec.peer.includes("/")) prefixlen = p.prefixlen;
  }
  if (spec.broadcast !== undefined && !forDelete) {
    if (family !== AF_INET) throw new TypeError("Only IPv4 addresses have a broadcast address");
    if (spec.broadcast === true) {
      const b = bytes.slice();
      for (let i = 0; i < 4; i++) {
        const keep = Math.max(0, Math.min(8, prefixlen - 8 * i));
        b[i] |= 0xff >> keep;
      }
      attrs.broadcast = b;
    } else attrs.broadcast = parseIp(spec.broadcast);
  }
  if (spec.label !== undefined) {
    if (family !== AF_INET) throw new TypeError("Only IPv4 addresses have a label");
    attrs.label = spec.label;
  }
  const flags = flagBits(spec.flags);
  if (flags !== 0 && !forDelete) attrs.flags = flags;
  if (!forDelete && (spec.validLifetime !== undefined || spec.preferredLifetime !== undefined)) {
    const valid = u32(spec.validLifetime ?? FOREVER, "validLifetime");
    const preferred = u32(spec.preferredLifetime ?? valid, "preferredLifetime");
    if (preferred > valid) {
      throw new RangeError("preferredLifetime cannot be longer than validLifetime");
    }
    attrs.cacheinfo = { ifaValid: valid, ifaPrefered: preferred, cstamp: 0, tstamp: 0 };
  }
  if (spec.metric !== undefined && !forDelete) attrs.rtPriority = u32(spec.metric, "metric");
  const header: Partial<rtAddr.Ifaddrmsg> = {
    ifaFamily: family,
    ifaPrefixlen: prefixlen,
    ifaFlags: flags & 0xff,
    ifaScope: spec.scope === undefined ? 0 : byName(SCOPES, spec.scope, "scope"),
  };
  return { header, attrs };
}

async function indexOf(rt: Rtnl, spec: AddAddressSpec): Promise<number> {
  return await linkIndex(rt, spec.index !== undefined ? spec.index : spec.dev!);
}

/**
 * Add an address (`ip address add`). Fails with `EEXIST` if it is there already; pass
 * `{ replace: true }` to change it instead (`ip address replace`).
 *
 * @example
 * ```ts
 * import { Rtnl, addAddress } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addAddress(rt, { dev: "eth0", address: "10.0.0.1/24", broadcast: true });
 * await addAddress(rt, { dev: "eth0", address: "2001:db8::1/64", flags: ["nodad"] });
 * await addAddress(rt, { dev: "eth0", address: "10.0.0.1/24", validLifetime: 60 }, {
 *   replace: true,
 * });
 * ```
 */
export async function addAddress(
  rt: Rtnl,
  spec: AddAddressSpec,
  options: NewOptions = {},
): Promise<void> {
  const { header, attrs } = prepare(spec, false);
  header.ifaIndex = await indexOf(rt, spec);
  const defaults = options.replace ? { create: true } : { create: true, exclusive: true };
  await rt.call(rtAddr.operations.newaddr, {
    header,
    attrs,
    flags: newFlags(options, defaults),
  });
}

/**
 * Remove an address (`ip address del`); rejects with `EADDRNOTAVAIL` when it is not there.
 *
 * @example
 * ```ts
 * import { Rtnl, deleteAddress } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteAddress(rt, { dev: "eth0", address: "10.0.0.1/24" });
 * ```
 */
export async function deleteAddress(rt: Rtnl, spec: AddAddressSpec): Promise<void> {
  const { header, attrs } = prepare(spec, true);
  header.ifaIndex = await indexOf(rt, spec);
  await rt.call(rtAddr.operations.deladdr, { header, attrs });
}
