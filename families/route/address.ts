/**
 * IPv4 and IPv6 interface addresses over rtnetlink (`ip address`).
 *
 * @example
 * ```ts
 * import { Rtnl, addAddress, flushAddresses, listAddresses } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addAddress(rt, { dev: "eth0", address: "192.0.2.1/24" });
 * for (const a of await listAddresses(rt, { dev: "eth0" })) console.log(a.address, a.prefixlen);
 * await flushAddresses(rt, { dev: "eth0", family: "inet" });
 * ```
 *
 * @module
 */
import { type ConsistencyOptions, type DumpList, readConsistent } from "../../client/consistent.ts";
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import * as rtAddr from "../generated/rt_addr.ts";
import { AF_INET, AF_INET6, parseIp, parsePrefix } from "./addr_text.ts";
import { ipAttr } from "./_ip_attr.ts";
import { familyName, familyOf, SCOPES, u32, withMessage } from "./_names.ts";
import { nameOf, numberOf } from "./names.ts";
import { ADDRESS_FLAG_WORDS } from "./ip_words.ts";
import { linkNameMap, type LinkRef, notFound, resolveLink } from "./_link_util.ts";
import { newFlags, type NewOptions, type Rtnl } from "./rtnl.ts";

export { SCOPES };

/** A decoded `RTM_NEWADDR` message. */
export type AddressMessage = DecodedMessage<rtAddr.Ifaddrmsg, rtAddr.AddrAttrs>;

/** Lifetime value meaning "forever" (`INFINITY_LIFE_TIME`). */
export const FOREVER = 0xffffffff;

/**
 * An address, with the common fields pulled out of the message: plain JSON data. `message`
 * (the decoded `RTM_NEWADDR`) is not enumerable.
 */
export interface Address {
  /** `"inet"` or `"inet6"`. */
  family: string | number;
  /** Interface name (absent when the interface is gone). */
  dev?: string;
  /** Interface index. */
  ifindex: number;
  /** The address as text: `IFA_LOCAL` when present (IPv4), else `IFA_ADDRESS`. */
  address: string;
  /** Prefix length. */
  prefixlen: number;
  /** The peer of a point-to-point address (`IFA_ADDRESS` when it differs from the local one). */
  peer?: string;
  /** IPv4 broadcast address. */
  broadcast?: string;
  /** Anycast address. */
  anycast?: string;
  /** IPv4 label. */
  label?: string;
  /** Scope name (`"global"`, `"link"`, `"host"`, …, from iproute2's `rt_scopes`) or number. */
  scope: string | number;
  /** `IFA_F_*` names, lower-case as `ip -j` prints them (`"permanent"`, `"nodad"`, …). */
  flags: string[];
  /** Valid lifetime in seconds ({@link FOREVER} for none). */
  validLifetime?: number;
  /** Preferred lifetime in seconds ({@link FOREVER} for none). */
  preferredLifetime?: number;
  /** `IFA_RT_PRIORITY`: metric of the prefix route. */
  metric?: number;
  /**
   * The interface index, as {@link Address.ifindex} (not enumerable).
   *
   * @deprecated Use `ifindex`, the name every object of the route API gives it.
   */
  readonly index: number;
  /** The whole decoded message (not enumerable). */
  readonly message: AddressMessage;
}

/**
 * `IFA_F_*` flag names as {@link AddAddressSpec.flags} takes them: the kernel's, lower case
 * (`"managetempaddr"`), or the word `ip address` uses (`"mngtmpaddr"`, `"home"`, `"autojoin"`:
 * {@link ADDRESS_FLAG_WORDS}).
 */
export type AddressFlagName =
  | Lowercase<keyof typeof rtAddr.IFA_FLAGS>
  | "home"
  | "mngtmpaddr"
  | "autojoin"
  | "stable-privacy";

/** What {@link addAddress} adds and {@link deleteAddress} removes. */
export interface AddAddressSpec {
  /** The interface. */
  dev: LinkRef;
  /** `"10.0.0.1/24"`, `"2001:db8::1/64"` (a bare address is a host prefix), or parts. */
  address: string | { local: string; prefixlen: number };
  /** Point-to-point peer (IPv4), e.g. `"10.0.0.2/32"`. */
  peer?: string;
  /** IPv4 broadcast address, or `true` to compute it from the prefix (`ip addr add … brd +`). */
  broadcast?: string | true;
  /** IPv4 label (must start with the interface name). */
  label?: string;
  /** Scope name or number (default global; host for 127.0.0.0/8, as `ip` picks it). */
  scope?: string | number;
  /** `IFA_F_*` flags: names such as `"nodad"`, `"noprefixroute"`, or a bit mask. */
  flags?: AddressFlagName[] | number;
  /** Valid lifetime in seconds (default forever). */
  validLifetime?: number;
  /** Preferred lifetime in seconds (default forever, or the valid lifetime). */
  preferredLifetime?: number;
  /** `IFA_RT_PRIORITY`: metric of the prefix route. */
  metric?: number;
}

/** Options for {@link listAddresses} and the selectors of {@link flushAddresses}. */
export interface ListAddressesOptions {
  /** `"inet"`, `"inet6"` or the number; default both. */
  family?: number | string;
  /** Only this interface. */
  dev?: LinkRef;
  /** Only this scope (name or number). */
  scope?: string | number;
  /** Only addresses inside this prefix (`"10.0.0.0/8"`), or this address (`to` of `ip`). */
  to?: string;
  /**
   * Only addresses with this label, a shell pattern (`"eth0:*"`) as `ip address show label`
   * takes; an address without one is labelled with its interface's name.
   */
  label?: string;
  /** Only permanent (`true`) or only dynamic (`false`) addresses. */
  permanent?: boolean;
  /** Only addresses with each of these flags (`"tentative"`, `"secondary"`…). */
  flags?: string[];
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/**
 * Turn a decoded `RTM_NEWADDR` message into an {@link Address}; `names` (see `linkNames`)
 * names its interface.
 *
 * @example
 * ```ts
 * import { Rtnl, toAddress, rtAddr } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtAddr.operations.getaddr)) console.log(toAddress(m).address);
 * ```
 */
export function toAddress(message: AddressMessage, names?: ReadonlyMap<number, string>): Address {
  const { header: h, attrs: a } = message;
  const local = a.local ?? a.address;
  const fl = a.flags ?? h.ifaFlags;
  const flags: string[] = [];
  for (const [name, bit] of Object.entries(rtAddr.IFA_FLAGS)) {
    if (fl & bit) flags.push(name.toLowerCase());
  }
  const out: Address = withMessage({
    family: familyName(h.ifaFamily),
    ifindex: h.ifaIndex,
    address: local ? ipAttr(local, a.local ? "IFA_LOCAL" : "IFA_ADDRESS") : "",
    prefixlen: h.ifaPrefixlen,
    scope: nameOf("scope", h.ifaScope),
    flags,
  } as Omit<Address, "message" | "index">, message) as Address;
  Object.defineProperty(out, "index", { value: h.ifaIndex, enumerable: false });
  const dev = names?.get(h.ifaIndex);
  if (dev !== undefined) out.dev = dev;
  if (a.local && a.address && ipAttr(a.local, "IFA_LOCAL") !== ipAttr(a.address, "IFA_ADDRESS")) {
    out.peer = ipAttr(a.address, "IFA_ADDRESS");
  }
  if (a.broadcast) out.broadcast = ipAttr(a.broadcast, "IFA_BROADCAST");
  if (a.anycast) out.anycast = ipAttr(a.anycast, "IFA_ANYCAST");
  if (a.label !== undefined) out.label = a.label;
  if (a.cacheinfo) {
    out.validLifetime = a.cacheinfo.ifaValid;
    out.preferredLifetime = a.cacheinfo.ifaPrefered;
  }
  if (a.rtPriority !== undefined) out.metric = a.rtPriority;
  return out;
}

/** Whether `a` (bytes) lies in `prefix`/`len` (`p` bytes). */
export function inPrefix(a: Uint8Array, p: Uint8Array, len: number): boolean {
  if (a.length !== p.length) return false;
  for (let i = 0; i < len; i++) {
    const bit = 0x80 >> (i & 7);
    if ((a[i >> 3] & bit) !== (p[i >> 3] & bit)) return false;
  }
  return true;
}

/** `fnmatch(pattern, text, 0)` for `*`, `?` and `[…]`, as `ip address … label` matches. */
function glob(pattern: string): (text: string) => boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  const r = new RegExp(`^${re}$`, "s");
  return (text) => r.test(text);
}

/** A selector of addresses, as `ip address show|flush` filters (`ipaddr_filter`). */
async function addressFilter(
  rt: Rtnl,
  o: ListAddressesOptions,
  names?: ReadonlyMap<number, string>,
) {
  const family = familyOf(o.family, "Address");
  const index = o.dev === undefined ? undefined : await resolveLink(rt, o.dev, o.signal);
  const scope = o.scope === undefined ? undefined : numberOf("scope", o.scope);
  const to = o.to === undefined ? undefined : parsePrefix(o.to);
  const flags = (o.flags ?? []).map((f) => {
    const v = (rtAddr.IFA_FLAGS as Record<string, number>)[f.toUpperCase()];
    if (v === undefined) throw new TypeError(`Unknown address flag "${f}"`);
    return v;
  });
  const label = o.label === undefined ? undefined : glob(o.label);
  return {
    family,
    keep(m: AddressMessage): boolean {
      const { header: h, attrs: a } = m;
      if (family !== 0 && h.ifaFamily !== family) return false;
      if (index !== undefined && h.ifaIndex !== index) return false;
      if (scope !== undefined && h.ifaScope !== scope) return false;
      const fl = a.flags ?? h.ifaFlags;
      if (flags.some((f) => (fl & f) === 0)) return false;
      if (o.permanent !== undefined && o.permanent !== ((fl & rtAddr.IFA_FLAGS.PERMANENT) !== 0)) {
        return false;
      }
      // As iproute2: an address without a label has its interface's name as one.
      if (label !== undefined && !label(a.label ?? names?.get(h.ifaIndex) ?? "")) return false;
      const local = a.local ?? a.address;
      if (to !== undefined && !(local && inPrefix(local, to.bytes, to.prefixlen))) return false;
      return true;
    },
  };
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
  options: ListAddressesOptions & ConsistencyOptions = {},
): Promise<DumpList<Address>> {
  return await readConsistent("listAddresses", options, async (t) => {
    const names = await linkNameMap(rt, options.signal, t);
    const f = await addressFilter(rt, options, names);
    const out: Address[] = [];
    const dump = t.track(rt.dump(rtAddr.operations.getaddr, {
      header: { ifaFamily: f.family },
      signal: options.signal,
    }));
    for await (const m of dump) if (f.keep(m)) out.push(toAddress(m, names));
    return out;
  });
}

/**
 * Delete every address the selectors match (`ip address flush`), like iproute2: by rounds
 * until none is left (deleting a primary IPv4 address deletes its secondaries, unless
 * `promote_secondaries` is set). Resolves with the addresses deleted.
 *
 * @throws {TypeError} without any selector (`ip address flush` requires one too).
 * @example
 * ```ts
 * import { flushAddresses, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await flushAddresses(rt, { dev: "eth0" });
 * await flushAddresses(rt, { dev: "eth0", family: "inet6", scope: "global" });
 * ```
 */
export async function flushAddresses(
  rt: Rtnl,
  selectors: Omit<ListAddressesOptions, "signal"> & { signal?: AbortSignal },
): Promise<Address[]> {
  const { signal, ...rest } = selectors ?? {};
  if (Object.values(rest).every((v) => v === undefined)) {
    throw new TypeError("flushAddresses needs a selector (dev, family, scope, to, label…)");
  }
  const names = await linkNameMap(rt, signal);
  const f = await addressFilter(rt, selectors, names);
  const deleted: Address[] = [];
  for (let round = 0; round < 10; round++) {
    const batch: AddressMessage[] = [];
    for await (
      const m of rt.dump(rtAddr.operations.getaddr, { header: { ifaFamily: f.family }, signal })
    ) if (f.keep(m)) batch.push(m);
    if (batch.length === 0) break;
    for (const m of batch) {
      try {
        await rt.call(rtAddr.operations.deladdr, { header: m.header, attrs: m.attrs, signal });
        deleted.push(toAddress(m, names));
      } catch (e) {
        // Gone meanwhile (a secondary deleted with its primary): as iproute2, go on.
        if ((e as { code?: string }).code !== "EADDRNOTAVAIL") throw e;
      }
    }
  }
  return deleted;
}

function flagBits(flags: AddressFlagName[] | number | undefined): number {
  if (flags === undefined) return 0;
  if (typeof flags === "number") return u32(flags, "address flags");
  if (!Array.isArray(flags)) throw new TypeError("Address flags must be an array of names");
  let bits = 0;
  for (const f of flags) {
    const v = (rtAddr.IFA_FLAGS as Record<string, number>)[String(f).toUpperCase()] ??
      (Object.hasOwn(ADDRESS_FLAG_WORDS, f) ? ADDRESS_FLAG_WORDS[f] : undefined);
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
  if (spec.dev === undefined) throw new TypeError("An address needs its interface: dev");
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
  // ip address add: 127.0.0.0/8 gets scope host unless told otherwise.
  const loopback = family === AF_INET && bytes[0] === 127;
  const header: Partial<rtAddr.Ifaddrmsg> = {
    ifaFamily: family,
    ifaPrefixlen: prefixlen,
    ifaFlags: flags & 0xff,
    ifaScope: spec.scope !== undefined
      ? numberOf("scope", spec.scope)
      : loopback && !forDelete
      ? SCOPES.host
      : 0,
  };
  return { header, attrs };
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
  header.ifaIndex = await resolveLink(rt, spec.dev);
  const defaults = options.replace ? { create: true } : { create: true, exclusive: true };
  try {
    await rt.call(rtAddr.operations.newaddr, {
      header,
      attrs,
      flags: newFlags(options, defaults),
    });
  } catch (e) {
    throw notFound(e, spec.dev);
  }
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
  header.ifaIndex = await resolveLink(rt, spec.dev);
  try {
    await rt.call(rtAddr.operations.deladdr, { header, attrs });
  } catch (e) {
    throw notFound(e, spec.dev);
  }
}
