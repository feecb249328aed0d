/**
 * `ip link add|set|del` and `ip address add|del|replace|change|flush`: iproute2's argument
 * syntax for the common forms, turned into calls of the library (`addLink`, `setLink`,
 * `deleteLink`, `addAddress`, `deleteAddress`, `flushAddresses`).
 *
 * @module
 */
import { parseIp, parseMac, parsePrefix } from "../../families/route/addr_text.ts";
import {
  addAddress,
  type AddAddressSpec,
  type AddressFlagName,
  deleteAddress,
  flushAddresses,
  FOREVER,
} from "../../families/route/address.ts";
import { addLink, deleteLink, type LinkChanges, setLink } from "../../families/route/link.ts";
import type { AddLinkSpec, VethPeer, VxlanData } from "../../families/route/link_kinds.ts";
import { parseNumber } from "../../families/route/names.ts";
import { type NetnsHandle, openNetns } from "../../socket/netns.ts";
import { Args, type Context, garbage, invarg, matches, UsageError } from "./cli.ts";

/** A link-layer address, or ip's error for one. */
function lladdr(text: string): string {
  try {
    parseMac(text);
  } catch {
    throw new UsageError(`"${text}" is invalid lladdr.`, 1);
  }
  return text;
}

/** A prefix, or ip's error for one (`get_prefix`). */
export function prefix(text: string): string {
  try {
    parsePrefix(text);
  } catch {
    throw new UsageError(`Error: any valid prefix is expected rather than "${text}".`, 1);
  }
  return text;
}

/** An address, or ip's error for one (`get_addr`). */
export function address(text: string): string {
  try {
    parseIp(text);
  } catch {
    throw new UsageError(`Error: any valid address is expected rather than "${text}".`, 1);
  }
  return text;
}

/** The kind-specific arguments after `type KIND`, as the library's `data` (and peer). */
function kindData(kind: string, args: Args, spec: AddLinkSpec<string>): void {
  if (kind === "veth") {
    if (!args.more) return;
    if (args.peek() !== "peer") return invarg(`unknown veth option`, args.peek()!);
    args.next();
    const peer: VethPeer = { name: "" };
    while (args.more) {
      const w = args.next();
      if (w === "name") peer.name = args.value();
      else if (w === "address") peer.address = lladdr(args.value());
      else if (w === "mtu") peer.mtu = args.number(`Invalid "mtu" value\n`);
      else if (matches(w, "txqueuelen") || w === "qlen" || w === "txqlen") {
        peer.txqlen = args.number(`Invalid "txqueuelen" value\n`);
      } else peer.name = w;
    }
    (spec as AddLinkSpec<"veth">).peer = peer;
    return;
  }
  if (kind === "vxlan") {
    const d: Partial<VxlanData> = {};
    while (args.more) {
      const w = args.next();
      if (w === "id" || w === "vni") d.id = args.number("invalid id");
      else if (w === "dstport") d.port = args.number("dstport", 0xffff);
      else if (w === "dev") d.dev = args.value();
      else if (w === "local") d.local = address(args.value());
      else if (w === "remote" || w === "group") d.group = address(args.value());
      else if (w === "ttl" || w === "hoplimit") d.ttl = args.number("TTL", 255);
      else if (w === "nolearning") d.learning = false;
      else if (w === "learning") d.learning = true;
      else if (w === "ageing") d.ageing = args.number("ageing");
      else invarg("unknown vxlan option", w);
    }
    spec.data = d as never;
    return;
  }
  if (kind === "macvlan" || kind === "macvtap") {
    while (args.more) {
      const w = args.next();
      if (w !== "mode") invarg(`unknown ${kind} option`, w);
      const m = args.value();
      const modes = ["private", "vepa", "bridge", "passthru", "source"];
      if (!modes.includes(m)) {
        throw new UsageError(
          `Error: argument of "mode" must be "private", "vepa", "bridge", "passthru" or "source", not "${m}"`,
          1,
        );
      }
      spec.data = { mode: m } as never;
    }
    return;
  }
  if (kind === "vlan") {
    while (args.more) {
      const w = args.next();
      if (w === "id") spec.data = { id: args.number("id is invalid", 4094) } as never;
      else invarg("unknown vlan option", w);
    }
    return;
  }
  if (kind === "bridge") {
    const d: Record<string, number> = {};
    while (args.more) {
      const w = args.next();
      if (w === "stp_state") d.stpState = args.number("invalid stp_state");
      else if (w === "vlan_filtering") d.vlanFiltering = args.number("invalid vlan_filtering");
      else if (w === "forward_delay") d.forwardDelay = args.number("invalid forward_delay");
      else invarg("unknown bridge option", w);
    }
    if (Object.keys(d).length > 0) spec.data = d as never;
    return;
  }
  if (args.more) invarg(`options of type "${kind}" are not supported by ip.ts`, args.peek()!);
}

/** Options common to `link add` and `link set`. */
async function linkArgs(
  args: Args,
  add: boolean,
  into: LinkChanges & { dev?: string; kind?: string; spec?: AddLinkSpec<string> },
  close: NetnsHandle[],
): Promise<void> {
  while (args.more) {
    const w = args.next();
    if (w === "up" || w === "down") into.up = w === "up";
    else if (w === "name") into.name = args.value();
    else if (w === "mtu") into.mtu = args.number(`Invalid "mtu" value\n`);
    else if (matches(w, "txqueuelen") || w === "qlen" || w === "txqlen") {
      into.txqlen = args.number(`Invalid "txqueuelen" value\n`);
    } else if (w === "address") into.address = lladdr(args.value());
    else if (w === "master") into.master = args.value();
    else if (w === "nomaster") into.master = null;
    else if (w === "alias") into.alias = args.value();
    else if (w === "group") into.group = args.value();
    else if (w === "link" && add) into.spec!.link = args.value();
    else if (w === "netns") {
      const ns = args.value();
      const pid = parseNumber(ns, 0x7fffffff);
      if (pid !== undefined) into.netns = { pid };
      else {
        const h = await openNetns(ns).catch(() => {
          throw new UsageError(`Invalid "netns" value "${ns}"`, 1);
        });
        close.push(h);
        into.netns = { fd: h.fd };
      }
    } else if (w === "type" && add) {
      into.kind = args.value();
      kindData(into.kind, args, into.spec!);
    } else if (w === "dev") into.dev = args.value();
    else if (into.dev === undefined) into.dev = w;
    else garbage("dev", w);
  }
}

/** `ip link add|set|del|delete`. */
export async function modifyLink(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  if (cmd === "del") {
    const w = args.more ? args.next() : undefined;
    const dev = w === "dev" ? args.value() : w;
    if (dev === undefined) {
      throw new UsageError('Not enough information: "dev" argument is required.', 255);
    }
    await deleteLink(ctx.rt, dev);
    return;
  }
  const add = cmd === "add";
  const close: NetnsHandle[] = [];
  const spec = { name: "", kind: "" } as AddLinkSpec<string>;
  const into: LinkChanges & { dev?: string; kind?: string; spec?: AddLinkSpec<string> } = {
    spec,
  };
  try {
    await linkArgs(args, add, into, close);
    const { dev, kind, spec: _, ...changes } = into;
    if (add) {
      const name = changes.name ?? dev;
      if (kind === undefined) {
        throw new UsageError('Not enough information: "type" argument is required', 1);
      }
      Object.assign(spec, { name, kind });
      if (changes.up !== undefined) spec.up = changes.up;
      if (changes.mtu !== undefined) spec.mtu = changes.mtu;
      if (changes.txqlen !== undefined) spec.txqlen = changes.txqlen;
      if (changes.address !== undefined) spec.address = changes.address;
      if (changes.master) spec.master = changes.master;
      if (changes.netns !== undefined) spec.netns = changes.netns;
      await addLink(ctx.rt, spec);
      return;
    }
    if (dev === undefined) {
      throw new UsageError('Not enough information: "dev" argument is required.', 255);
    }
    await setLink(ctx.rt, dev, changes);
  } finally {
    for (const h of close) h.close();
  }
}

/** The flag words `ip address add` takes (the library takes them as they are). */
const ADDRESS_FLAGS = new Set([
  "nodad",
  "noprefixroute",
  "home",
  "mngtmpaddr",
  "autojoin",
  "optimistic",
]);

/** A lifetime: seconds or `forever`. */
function lifetime(args: Args, what: string): number {
  const v = args.value();
  if (v === "forever") return FOREVER;
  return parseNumber(v) ?? invarg(`${what} value`, v);
}

/** `ip address add|del|replace|change PREFIX [peer P] [broadcast B|+] [label L] [scope S] dev D …`. */
export async function modifyAddr(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  let dev: string | undefined;
  let local: string | undefined;
  const spec: Partial<AddAddressSpec> = {};
  const flags: AddressFlagName[] = [];
  while (args.more) {
    const w = args.next();
    if (w === "dev") dev = args.value();
    else if (w === "peer" || w === "remote") spec.peer = prefix(args.value());
    else if (matches(w, "broadcast") || w === "brd") {
      const v = args.value();
      if (v === "+") spec.broadcast = true;
      else if (v !== "-") spec.broadcast = address(v);
    } else if (w === "label") spec.label = args.value();
    else if (w === "scope") spec.scope = args.named("scope", "invalid scope value.");
    else if (w === "metric" || w === "priority") spec.metric = args.number("metric value");
    else if (w === "valid_lft") spec.validLifetime = lifetime(args, "valid_lft");
    else if (w === "preferred_lft") spec.preferredLifetime = lifetime(args, "preferred_lft");
    else if (ADDRESS_FLAGS.has(w)) flags.push(w as AddressFlagName);
    else if (local !== undefined) garbage("local", w);
    else local = prefix(w === "local" ? args.value() : w);
  }
  if (dev === undefined) {
    throw new UsageError('Not enough information: "dev" argument is required.', 1);
  }
  if (local === undefined) throw new UsageError("Error: missing address.", 1);
  const full: AddAddressSpec = { ...spec, dev, address: local };
  if (flags.length > 0) full.flags = flags;
  if (cmd === "del") await deleteAddress(ctx.rt, full);
  else if (cmd === "add") await addAddress(ctx.rt, full);
  else if (cmd === "replace") await addAddress(ctx.rt, full, { replace: true });
  else await addAddress(ctx.rt, full, { replace: true, create: false });
}

/** `ip address flush [dev D] [scope S] [to P] [label L] [permanent|dynamic]`. */
export async function flushAddr(ctx: Context, argv: string[]): Promise<void> {
  if (argv.length === 0) throw new UsageError("Flush requires arguments.", 1);
  const args = new Args(argv);
  let dev: string | undefined;
  const sel: Parameters<typeof flushAddresses>[1] = {};
  while (args.more) {
    const w = args.next();
    if (w === "dev") dev = args.value();
    else if (w === "scope") {
      const v = args.value();
      if (v !== "all") sel.scope = v;
    } else if (w === "to") sel.to = prefix(args.value());
    else if (w === "label") sel.label = args.value();
    else if (w === "permanent" || w === "dynamic") sel.permanent = w === "permanent";
    else if (dev !== undefined) garbage("dev", w);
    else dev = w;
  }
  if (dev !== undefined) {
    if (
      !(await ctx.links()).size || ![...(await ctx.links()).values()].some((l) => l.name === dev)
    ) {
      throw new UsageError(`Device "${dev}" does not exist.`, 1);
    }
    sel.dev = dev;
  }
  if (ctx.opts.family) sel.family = ctx.opts.family;
  if (Object.keys(sel).length === 0) sel.family = 0; // flush everything, as ip flush with only -4/-6
  await flushAddresses(ctx.rt, sel);
}
