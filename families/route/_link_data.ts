/**
 * The encoding of {@link AddLinkSpec}'s kind data as the generated rt-link family's
 * `IFLA_INFO_DATA` sub-message (`linkinfo.data`, its format chosen by `linkinfo.kind`), and
 * the checks made before anything is sent.
 *
 * @module
 */
import { UNKNOWN, type UnknownAttribute } from "../../codec/ynl/mod.ts";
import * as rtLink from "../generated/rt_link.ts";
import { parseIp } from "./addr_text.ts";
import { u32 } from "./_names.ts";
import { checkName, type LinkRef, macBytes, netnsAttrs } from "./_link_util.ts";
import {
  type AddLinkSpec,
  BOND_MODES,
  IPVLAN_MODES,
  type IpvlanData,
  MACVLAN_MODES,
  type MacvlanData,
  type VethPeer,
  VLAN_PROTOCOL_NAMES,
  type VlanData,
  type VxlanData,
} from "./link_kinds.ts";

/** Kinds the kernel creates without data (a veth's only data is its peer). */
const DATALESS_KINDS = new Set<string>(["veth", "dummy", "ifb", "nlmon", "wireguard", "vcan"]);
/** Kinds that need their parent device in `link`. */
const NEEDS_PARENT = new Set<string>(["vlan", "macvlan", "macvtap", "ipvlan", "ipvtap"]);
/**
 * Whether the spec describes `kind`'s `IFLA_INFO_DATA` (a format of `linkinfo-data-msg`); reads
 * the rt-link tables on first use, not at import.
 */
function isSpecKind(kind: string): boolean {
  return Object.hasOwn(rtLink.family.spec.subMessages?.["linkinfo-data-msg"] ?? {}, kind);
}

/** How the data encoders reach the kernel: link names to indexes. */
export interface LinkResolver {
  /** The index of a link. */
  index(link: LinkRef): Promise<number>;
}

/** Whether {@link linkinfoOf} can encode `kind`'s data (from the spec, or as a known kind). */
export function isKnownKind(kind: string): boolean {
  return isSpecKind(kind) || DATALESS_KINDS.has(kind) || kind === "tun" || kind === "tap";
}

function modeOf<T extends Record<string, number>>(
  table: T,
  mode: unknown,
  what: string,
): number | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode === "number") return mode;
  const v = table[String(mode).toLowerCase()];
  if (v === undefined) {
    throw new TypeError(
      `Unknown ${what} mode "${String(mode)}"; use ${Object.keys(table).join(", ")}`,
    );
  }
  return v;
}

/** Check what {@link addLink} was given for `kind`, before anything is sent. */
export function checkKindSpec(spec: AddLinkSpec<string>): void {
  const { kind, name } = spec;
  const data = spec.data as unknown;
  if (!isKnownKind(kind) && data !== undefined && !(data instanceof Uint8Array)) {
    throw new TypeError(
      `Unknown link kind "${kind}": pass data as the raw IFLA_INFO_DATA payload (Uint8Array)`,
    );
  }
  if (DATALESS_KINDS.has(kind) && data !== undefined) {
    throw new TypeError(`Link kind "${kind}" takes no data`);
  }
  if (spec.peer !== undefined && kind !== "veth") {
    throw new TypeError(`Only veth links have a peer, not "${kind}"`);
  }
  if (NEEDS_PARENT.has(kind) && spec.link === undefined) {
    throw new TypeError(`A ${kind} link needs its parent device in "link"`);
  }
  if (kind === "vlan" && (data as VlanData | undefined)?.id === undefined) {
    throw new TypeError(`vlan "${name}" needs data.id`);
  }
  if (kind === "vxlan" && (data as VxlanData | undefined)?.id === undefined) {
    throw new TypeError(`vxlan "${name}" needs data.id (the VNI)`);
  }
  const peer = typeof spec.peer === "string" ? { name: spec.peer } : spec.peer;
  if (peer !== undefined) checkName((peer as VethPeer).name, "veth peer name");
}

/** An address for a 4/16-byte pair of attributes (`group` / `group6`). */
function ipPair<K extends string>(text: string, v4: K, v6: `${K}6`): Record<string, Uint8Array> {
  const b = parseIp(text);
  return b.length === 4 ? { [v4]: b } : { [v6]: b };
}

async function vxlanData(d: VxlanData, resolve: LinkResolver): Promise<rtLink.LinkinfoVxlanAttrs> {
  const out: rtLink.LinkinfoVxlanAttrs = { id: u32(d.id, "vxlan id") };
  if (d.group !== undefined) Object.assign(out, ipPair(d.group, "group", "group6"));
  if (d.dev !== undefined) out.link = await resolve.index(d.dev);
  if (d.local !== undefined) Object.assign(out, ipPair(d.local, "local", "local6"));
  if (d.ttl !== undefined) out.ttl = d.ttl;
  if (d.tos !== undefined) out.tos = d.tos;
  if (d.learning !== undefined) out.learning = d.learning ? 1 : 0;
  if (d.ageing !== undefined) out.ageing = u32(d.ageing, "vxlan ageing");
  if (d.port !== undefined) out.port = d.port;
  return out;
}

async function vethPeer(
  peer: VethPeer,
  cleanup: (() => void)[],
): Promise<rtLink.LinkinfoVethAttrs> {
  const p: rtLink.LinkAttrs = { ifname: checkName(peer.name, "veth peer name") };
  if (peer.mtu !== undefined) p.mtu = u32(peer.mtu, "peer mtu");
  if (peer.txqlen !== undefined) p.txqlen = u32(peer.txqlen, "peer txqlen");
  if (peer.address !== undefined) p.address = macBytes(peer.address);
  if (peer.netns !== undefined) Object.assign(p, await netnsAttrs(peer.netns, cleanup));
  // VETH_INFO_PEER: a struct ifinfomsg (all zero: the encoder fills what is not given), then
  // the peer's IFLA_* attributes.
  return { peer: p as rtLink.LinkinfoVethPeerMsg["veth"] };
}

/**
 * `IFLA_LINKINFO` for a new link of `spec.kind`: the kind, and its data as the generated
 * sub-message (`data`), or raw for kinds the specs do not describe. Namespaces opened for a
 * veth peer are closed by the functions pushed on `cleanup`.
 */
export async function linkinfoOf(
  spec: AddLinkSpec<string>,
  resolve: LinkResolver,
  cleanup: (() => void)[],
): Promise<rtLink.LinkinfoAttrs> {
  const kind = spec.kind;
  const data = spec.data as unknown;
  const info: rtLink.LinkinfoAttrs = { kind };
  if (kind === "veth") {
    if (spec.peer !== undefined) {
      const peer = typeof spec.peer === "string" ? { name: spec.peer } : spec.peer as VethPeer;
      info.data = await vethPeer(peer, cleanup);
    }
  } else if (data instanceof Uint8Array) {
    // A kind the specs do not describe: the payload as given, as an unknown IFLA_INFO_DATA.
    const raw: UnknownAttribute = {
      type: rtLink.linkinfoAttrs.attribute("data")!.value,
      nested: true,
      netByteOrder: false,
      data,
    };
    info[UNKNOWN] = [raw];
  } else if (kind === "vxlan") {
    info.data = await vxlanData(data as VxlanData, resolve);
  } else if (kind === "macvlan" || kind === "macvtap") {
    const mode = modeOf(MACVLAN_MODES, (data as MacvlanData | undefined)?.mode, kind);
    info.data = mode === undefined ? {} : { mode };
  } else if (kind === "ipvlan" || kind === "ipvtap") {
    const mode = modeOf(IPVLAN_MODES, (data as IpvlanData | undefined)?.mode, kind);
    info.data = mode === undefined ? {} : { mode };
  } else if (data !== undefined) {
    const d = { ...(data as Record<string, unknown>) };
    if (kind === "bond" && d.mode !== undefined) d.mode = modeOf(BOND_MODES, d.mode, "bond");
    if (kind === "vlan" && typeof d.protocol === "string") {
      const p = VLAN_PROTOCOL_NAMES[d.protocol.toLowerCase() as keyof typeof VLAN_PROTOCOL_NAMES];
      if (p === undefined) {
        throw new TypeError(`Unknown VLAN protocol "${d.protocol}": use "802.1Q" or "802.1ad"`);
      }
      d.protocol = p;
    }
    info.data = d as rtLink.LinkinfoAttrs["data"];
  }
  return info;
}
