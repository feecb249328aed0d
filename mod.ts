/**
 * Linux netlink for Deno and Bun, through libc FFI with no native build step: sockets for every
 * netlink protocol with async iteration, one shared codec, one client for every family the YNL
 * specs describe, and typed rtnetlink.
 *
 * This root is the curated surface: typed rtnetlink ({@link Rtnl} with `listLinks`,
 * `addAddress`, `addRoute`, `watch` …, and the generated route families as namespaces: `rtLink`,
 * `rtAddr`, `tc` …), the generic {@link Client} for any spec-described family, uevents
 * ({@link UeventMonitor}), the socket ({@link NetlinkSocket}, its options and errors) for custom
 * protocols, the codec essentials and pcap capture. The rest has subpath exports:
 *
 * - families: `@netlink/netlink/ethtool`, `/nl80211`, `/wireguard`, `/devlink`, `/netdev`,
 *   `/dpll`, `/team`, `/ovs_*`, `/mptcp_pm`, `/tcp_metrics`, `/handshake`, `/net-shaper`,
 *   `/fou`, `/nlctrl` (generated from the kernel's YNL specs); `/sock-diag` (`ss`),
 *   `/conntrack`, `/nftables`, `/xfrm`, `/audit`, `/connector` (process events),
 *   `/fib-lookup`, `/crypto`; `/protocols` (all 32 netlink protocol numbers); `/families`
 *   (every generated family by name, for tools that take one on the command line);
 * - `/codec` (bytes only, no permission needed), `/capture` (pcap), `/testing` (a fake kernel);
 * - `/examples/ip`, `/examples/uevent_monitor`: runnable tools.
 *
 * ```ts
 * import { addAddress, addLink, listAddresses, listLinks, Rtnl } from "@netlink/netlink";
 *
 * await using rt = await Rtnl.open(); // or Rtnl.open({ netns: "blue" })
 * for (const l of await listLinks(rt)) console.log(l.index, l.name, l.up, l.mtu);
 * await addLink(rt, { name: "v0", kind: "veth", peer: { name: "v1" }, up: true });
 * await addAddress(rt, { dev: "v0", address: "192.0.2.1/24" });
 * for (const a of await listAddresses(rt, { dev: "v0" })) console.log(a.address, a.prefixlen);
 * ```
 *
 * @example A generated generic netlink family through the Client
 * ```ts
 * import { Client } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * await using eth = await Client.open(ethtool.family);
 * for await (const l of eth.dump(ethtool.operations.linkinfoGet)) console.log(l.attrs.header);
 * ```
 *
 * @module
 */
export * from "./codec/mod.ts";
export * from "./socket/socket.ts";
export * from "./socket/netns.ts";
export * from "./client/mod.ts";
export * from "./families/route/mod.ts";
export * from "./families/uevent.ts";
export * from "./capture/mod.ts";
