// The table-driven codec (codec/ynl/) with the generated rtnetlink, tc and nlctrl tables.
// Runs without permissions. Expected numbers are copied by hand from the uAPI headers
// (linux/if_link.h, linux/rtnetlink.h, linux/if_addr.h, linux/neighbour.h, linux/fib_rules.h,
// linux/pkt_sched.h, linux/gen_stats.h, linux/genetlink.h, linux/if.h), not from the generator.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { AttributeWriter, NetlinkDecodeError, parseMessages } from "../codec/mod.ts";
import {
  buildMessage,
  decodeAttributeSet,
  decodeBody,
  decodeStruct,
  defineFamily,
  encodeAttributeSet,
  encodeStruct,
  INDEXES,
  STRUCT_BYTES,
  UNKNOWN,
  type UnknownAttribute,
} from "../codec/ynl/mod.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as rtAddr from "../families/generated/rt_addr.ts";
import * as rtRoute from "../families/generated/rt_route.ts";
import * as rtNeigh from "../families/generated/rt_neigh.ts";
import * as rtRule from "../families/generated/rt_rule.ts";
import * as tc from "../families/generated/tc.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import { isDecodeError, LO_NEWLINK } from "./codec_helpers.ts";

// ---------------------------------------------------------------------------
// Byte builders (independent of the code under test)
// ---------------------------------------------------------------------------

const NESTED = 0x8000;
const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const be16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const be32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const le64 = (v: bigint): number[] => [...le32(Number(v & 0xffffffffn)), ...le32(Number(v >> 32n))];
const cstr = (s: string): number[] => [...new TextEncoder().encode(s), 0];
function nla(type: number, data: number[]): number[] {
  const out = [...le16(4 + data.length), ...le16(type), ...data];
  while (out.length % 4 !== 0) out.push(0);
  return out;
}
const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

function attrBytes<T extends object>(
  set: import("../codec/ynl/mod.ts").AttributeSet<T>,
  value: T,
  nestedFlag = true,
): Uint8Array {
  return encodeAttributeSet(set, new AttributeWriter(), value, { nestedFlag }).bytes();
}

// ---------------------------------------------------------------------------
// Numbers against the uAPI headers
// ---------------------------------------------------------------------------

test("message types and groups match linux/rtnetlink.h", () => {
  assert.equal(rtLink.RTM_NEWLINK, 16);
  assert.equal(rtLink.RTM_DELLINK, 17);
  assert.equal(rtLink.RTM_GETLINK, 18);
  assert.equal(rtLink.RTM_SETLINK, 19);
  assert.equal(rtLink.RTM_GETSTATS, 94);
  assert.equal(rtAddr.RTM_NEWADDR, 20);
  assert.equal(rtAddr.RTM_GETADDR, 22);
  assert.equal(rtAddr.RTM_GETMULTICAST, 58);
  assert.equal(rtRoute.RTM_NEWROUTE, 24);
  assert.equal(rtRoute.RTM_GETROUTE, 26);
  assert.equal(rtNeigh.RTM_NEWNEIGH, 28);
  assert.equal(rtNeigh.RTM_GETNEIGHTBL, 66);
  assert.equal(rtRule.RTM_NEWRULE, 32);
  assert.equal(rtRule.RTM_GETRULE, 34);
  assert.equal(tc.RTM_NEWQDISC, 36);
  assert.equal(tc.RTM_GETQDISC, 38);
  assert.equal(tc.RTM_NEWTCLASS, 40);
  assert.equal(tc.RTM_NEWTFILTER, 44);
  assert.equal(tc.RTM_NEWCHAIN, 100);
  assert.equal(nlctrl.CTRL_CMD_GETFAMILY, 3);
  assert.equal(nlctrl.CTRL_CMD_GETPOLICY, 10);
  assert.equal(rtLink.RTNLGRP_LINK, 1);
  assert.equal(rtNeigh.RTNLGRP_NEIGH, 3);
  assert.equal(rtAddr.RTNLGRP_IPV4_IFADDR, 5);
  assert.equal(rtAddr.RTNLGRP_IPV6_IFADDR, 9);
  assert.equal(rtRule.RTNLGRP_IPV4_RULE, 8);
  assert.equal(tc.RTNLGRP_TC, 4);
  const getlink = rtLink.operations.getlink;
  assert.equal(getlink.requestValue, 18);
  assert.equal(getlink.replyValue, 16);
  assert.equal(rtLink.operations.newlinkNtf.replyValue, 16);
  assert.equal(rtLink.operations.newlink.replyValue, undefined);
  assert.equal(rtNeigh.operations.delneighNtf.replyValue, 29);
});

test("attribute numbers match the uAPI headers", () => {
  const num = (set: { attribute(k: string): { value: number } | undefined }, key: string) =>
    set.attribute(key)?.value;
  // linux/if_link.h
  assert.equal(num(rtLink.linkAttrs, "address"), 1); // IFLA_ADDRESS
  assert.equal(num(rtLink.linkAttrs, "ifname"), 3); // IFLA_IFNAME
  assert.equal(num(rtLink.linkAttrs, "mtu"), 4); // IFLA_MTU
  assert.equal(num(rtLink.linkAttrs, "linkinfo"), 18); // IFLA_LINKINFO
  assert.equal(num(rtLink.linkAttrs, "stats64"), 23); // IFLA_STATS64
  assert.equal(num(rtLink.linkAttrs, "afSpec"), 26); // IFLA_AF_SPEC
  assert.equal(num(rtLink.linkAttrs, "pad"), 42); // IFLA_PAD
  assert.equal(num(rtLink.linkAttrs, "xdp"), 43); // IFLA_XDP
  assert.equal(num(rtLink.linkAttrs, "propList"), 52); // IFLA_PROP_LIST
  assert.equal(num(rtLink.linkAttrs, "altIfname"), 53); // IFLA_ALT_IFNAME
  assert.equal(num(rtLink.linkAttrs, "permAddress"), 54); // IFLA_PERM_ADDRESS
  assert.equal(num(rtLink.linkinfoAttrs, "kind"), 1); // IFLA_INFO_KIND
  assert.equal(num(rtLink.linkinfoAttrs, "data"), 2); // IFLA_INFO_DATA
  assert.equal(num(rtLink.linkinfoAttrs, "slaveData"), 5); // IFLA_INFO_SLAVE_DATA
  assert.equal(num(rtLink.linkinfoVlanAttrs, "id"), 1); // IFLA_VLAN_ID
  assert.equal(num(rtLink.linkinfoVlanAttrs, "protocol"), 5); // IFLA_VLAN_PROTOCOL
  assert.equal(num(rtLink.linkinfoBondAttrs, "arpIpTarget"), 8); // IFLA_BOND_ARP_IP_TARGET
  assert.equal(num(rtLink.afSpecAttrs, "inet"), 2); // AF_INET
  assert.equal(num(rtLink.afSpecAttrs, "inet6"), 10); // AF_INET6
  assert.equal(num(rtLink.vfStatsAttrs, "rxPackets"), 0); // IFLA_VF_STATS_RX_PACKETS
  assert.equal(num(rtLink.vfStatsAttrs, "txDropped"), 8); // IFLA_VF_STATS_TX_DROPPED
  assert.equal(num(rtLink.propListLinkAttrs, "altIfname"), 53);
  assert.equal(rtLink.propListLinkAttrs.attribute("altIfname")?.multi, true);
  // linux/if_addr.h
  assert.equal(num(rtAddr.addrAttrs, "address"), 1); // IFA_ADDRESS
  assert.equal(num(rtAddr.addrAttrs, "local"), 2); // IFA_LOCAL
  assert.equal(num(rtAddr.addrAttrs, "flags"), 8); // IFA_FLAGS
  assert.equal(num(rtAddr.addrAttrs, "proto"), 11); // IFA_PROTO
  // linux/rtnetlink.h
  assert.equal(num(rtRoute.routeAttrs, "dst"), 1); // RTA_DST
  assert.equal(num(rtRoute.routeAttrs, "oif"), 4); // RTA_OIF
  assert.equal(num(rtRoute.routeAttrs, "gateway"), 5); // RTA_GATEWAY
  assert.equal(num(rtRoute.routeAttrs, "table"), 15); // RTA_TABLE
  assert.equal(num(rtRoute.routeAttrs, "pref"), 20); // RTA_PREF
  // linux/neighbour.h
  assert.equal(num(rtNeigh.neighbourAttrs, "dst"), 1); // NDA_DST
  assert.equal(num(rtNeigh.neighbourAttrs, "lladdr"), 2); // NDA_LLADDR
  assert.equal(num(rtNeigh.neighbourAttrs, "master"), 9); // NDA_MASTER
  // linux/fib_rules.h
  assert.equal(num(rtRule.fibRuleAttrs, "priority"), 6); // FRA_PRIORITY
  assert.equal(num(rtRule.fibRuleAttrs, "fwmark"), 10); // FRA_FWMARK
  assert.equal(num(rtRule.fibRuleAttrs, "table"), 15); // FRA_TABLE
  assert.equal(num(rtRule.fibRuleAttrs, "dport"), undefined);
  assert.equal(num(rtRule.fibRuleAttrs, "sportRange"), 23); // FRA_SPORT_RANGE
  assert.equal(num(rtRule.fibRuleAttrs, "dportRange"), 24); // FRA_DPORT_RANGE
  // linux/rtnetlink.h (TCA_*), linux/pkt_sched.h, linux/gen_stats.h
  assert.equal(num(tc.attrs, "kind"), 1); // TCA_KIND
  assert.equal(num(tc.attrs, "options"), 2); // TCA_OPTIONS
  assert.equal(num(tc.attrs, "stats2"), 7); // TCA_STATS2
  assert.equal(num(tc.attrs, "chain"), 11); // TCA_CHAIN
  assert.equal(num(tc.htbAttrs, "parms"), 1); // TCA_HTB_PARMS
  assert.equal(num(tc.htbAttrs, "init"), 2); // TCA_HTB_INIT
  assert.equal(num(tc.htbAttrs, "directQlen"), 5); // TCA_HTB_DIRECT_QLEN
  assert.equal(num(tc.htbAttrs, "offload"), 9); // TCA_HTB_OFFLOAD
  assert.equal(num(tc.netemAttrs, "latency64"), 10); // TCA_NETEM_LATENCY64
  assert.equal(num(tc.tcaStatsAttrs, "app"), 4); // TCA_STATS_APP
  // linux/genetlink.h
  assert.equal(num(nlctrl.ctrlAttrs, "familyId"), 1); // CTRL_ATTR_FAMILY_ID
  assert.equal(num(nlctrl.ctrlAttrs, "familyName"), 2); // CTRL_ATTR_FAMILY_NAME
  assert.equal(num(nlctrl.ctrlAttrs, "mcastGroups"), 7); // CTRL_ATTR_MCAST_GROUPS
  assert.equal(num(nlctrl.ctrlAttrs, "policy"), 8); // CTRL_ATTR_POLICY
  assert.equal(num(nlctrl.ctrlAttrs, "op"), 10); // CTRL_ATTR_OP
});

test("enums and flags match the uAPI headers", () => {
  // linux/if.h net_device_flags
  assert.equal(rtLink.IFINFO_FLAGS.UP, 0x1);
  assert.equal(rtLink.IFINFO_FLAGS.LOOPBACK, 0x8);
  assert.equal(rtLink.IFINFO_FLAGS.MULTICAST, 0x1000);
  assert.equal(rtLink.IFINFO_FLAGS.LOWER_UP, 0x10000);
  assert.equal(rtLink.IFINFO_FLAGS.ECHO, 0x40000);
  // linux/if_ether.h ETH_P_8021Q / ETH_P_8021AD
  assert.equal(rtLink.VLAN_PROTOCOLS["8021Q"], 0x8100);
  assert.equal(rtLink.VLAN_PROTOCOLS["8021AD"], 0x88a8);
  // linux/if_addr.h
  assert.equal(rtAddr.IFA_FLAGS.SECONDARY, 0x01);
  assert.equal(rtAddr.IFA_FLAGS.PERMANENT, 0x80);
  assert.equal(rtAddr.IFA_FLAGS.STABLE_PRIVACY, 0x800);
  // linux/neighbour.h
  assert.equal(rtNeigh.NUD_STATE.REACHABLE, 0x02);
  assert.equal(rtNeigh.NUD_STATE.PERMANENT, 0x80);
  // linux/rtnetlink.h
  assert.equal(rtNeigh.RTM_TYPE.UNICAST, 1);
  assert.equal(rtNeigh.RTM_TYPE.BLACKHOLE, 6);
});

test("struct sizes match the C structs", () => {
  assert.equal(rtLink.ifinfomsg.size, 16); // struct ifinfomsg
  assert.equal(rtLink.rtnlLinkStats64.size, 200); // struct rtnl_link_stats64
  assert.equal(rtLink.rtnlLinkIfmap.size, 32); // struct rtnl_link_ifmap (tail padding)
  assert.equal(rtLink.iflaCacheinfo.size, 16); // struct ifla_cacheinfo
  assert.equal(rtAddr.ifaddrmsg.size, 8); // struct ifaddrmsg
  assert.equal(rtRoute.rtmsg.size, 12); // struct rtmsg
  assert.equal(rtNeigh.ndmsg.size, 12); // struct ndmsg
  assert.equal(rtRule.fibRuleHdr.size, 12); // struct fib_rule_hdr
  assert.equal(tc.tcmsg.size, 20); // struct tcmsg
  assert.equal(tc.tcRatespec.size, 12); // struct tc_ratespec
  assert.equal(tc.tcHtbOpt.size, 44); // struct tc_htb_opt
  assert.equal(tc.tcStats.size, 40); // struct tc_stats
  assert.equal(tc.gnetStatsBasic.size, 16); // struct gnet_stats_basic
  assert.equal(tc.tcNetemQopt.size, 24); // struct tc_netem_qopt
});

// ---------------------------------------------------------------------------
// Decoding hand-built messages
// ---------------------------------------------------------------------------

// RTM_NEWLINK payload for a veth: struct ifinfomsg, IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO
// { IFLA_INFO_KIND "veth", IFLA_INFO_DATA { VETH_INFO_PEER ... } }, an unknown attribute 999.
// rt-link.yaml has no "veth" format, so IFLA_INFO_DATA stays raw.
const IFINFOMSG = [0, 0, ...le16(1), ...le32(5), ...le32(0x1043), ...le32(0)];
const PEER = nla(1, [
  0,
  0,
  ...le16(1),
  ...le32(0),
  ...le32(0),
  ...le32(0),
  ...nla(3, cstr("veth1")),
]);
const VETH_DATA = nla(2 | NESTED, PEER);
const VETH_ATTRS = [
  ...nla(3, cstr("veth0")),
  ...nla(4, le32(1500)),
  ...nla(18 | NESTED, [...nla(1, cstr("veth")), ...VETH_DATA]),
  ...nla(999, [1, 2, 3, 4]),
];
const VETH = bytes(IFINFOMSG, VETH_ATTRS);
// The same IFLA_INFO_DATA under a kind no spec describes ("dummy" has no data format).
const DUMMY = bytes(IFINFOMSG, [
  ...nla(3, cstr("veth0")),
  ...nla(4, le32(1500)),
  ...nla(18 | NESTED, [...nla(1, cstr("dummy")), ...VETH_DATA]),
  ...nla(999, [1, 2, 3, 4]),
]);

test("decode an RTM_NEWLINK message; unknowns (attributes, an undescribed kind's data) stay raw", () => {
  const { header, attrs } = decodeBody(rtLink.operations.getlink, DUMMY);
  assert.deepEqual(header, {
    ifiFamily: 0,
    ifiType: 1,
    ifiIndex: 5,
    ifiFlags: rtLink.IFINFO_FLAGS.UP | rtLink.IFINFO_FLAGS.BROADCAST |
      rtLink.IFINFO_FLAGS.RUNNING | rtLink.IFINFO_FLAGS.MULTICAST,
    ifiChange: 0,
  });
  const unknownTop: UnknownAttribute[] = [
    {
      type: 999,
      nested: false,
      netByteOrder: false,
      data: Uint8Array.from([1, 2, 3, 4]),
      index: 3,
    },
  ];
  const unknownData: UnknownAttribute[] = [
    { type: 2, nested: true, netByteOrder: false, data: Uint8Array.from(PEER), index: 1 },
  ];
  assert.equal(attrs.linkinfo?.data, undefined);
  assert.deepEqual(attrs, {
    ifname: "veth0",
    mtu: 1500,
    linkinfo: { kind: "dummy", [UNKNOWN]: unknownData },
    [UNKNOWN]: unknownTop,
  });
  assert.deepEqual(attrs[UNKNOWN], unknownTop);
  assert.deepEqual(attrs.linkinfo?.[UNKNOWN], unknownData);
  // Values are copies, not views of the input.
  assert.equal(attrs[UNKNOWN]![0].data.buffer === DUMMY.buffer, false);
});

test("a veth's IFLA_INFO_DATA decodes its peer (VETH_INFO_PEER: struct ifinfomsg + IFLA_*)", () => {
  const { attrs } = decodeBody(rtLink.operations.getlink, VETH);
  assert.equal(attrs.linkinfo?.kind, "veth");
  assert.equal(attrs.linkinfo?.[UNKNOWN], undefined);
  const data = attrs.linkinfo?.data as { peer?: Record<string, unknown> } | undefined;
  // The peer's struct ifinfomsg (family 0, type 1, index 0) and its IFLA_IFNAME "veth1".
  assert.equal(data?.peer?.ifname, "veth1");
  assert.equal(data?.peer?.ifiType, 1);
  assert.equal(data?.peer?.ifiIndex, 0);
});

test("decode → encode gives back the same bytes", () => {
  const { header, attrs } = decodeBody(rtLink.operations.getlink, VETH);
  const msg = buildMessage(rtLink.operations.newlink, { header, attrs, seq: 7 });
  const [m] = parseMessages(msg);
  assert.equal(m.type, rtLink.RTM_NEWLINK);
  assert.equal(m.seq, 7);
  assert.deepEqual(m.payload, VETH);
});

test("a known sub-message kind decodes through its format (vlan)", () => {
  // IFLA_LINKINFO { KIND "vlan", DATA { IFLA_VLAN_ID 100, IFLA_VLAN_FLAGS {1, 1},
  //   IFLA_VLAN_PROTOCOL 802.1ad (big-endian) } }
  const raw = bytes(
    nla(3, cstr("v100")),
    nla(18 | NESTED, [
      ...nla(1, cstr("vlan")),
      ...nla(2 | NESTED, [
        ...nla(1, le16(100)),
        ...nla(2, [...le32(1), ...le32(1)]),
        ...nla(5, be16(0x88a8)),
      ]),
    ]),
  );
  const value: rtLink.LinkAttrs = {
    ifname: "v100",
    linkinfo: {
      kind: "vlan",
      data: { id: 100, flags: { flags: 1, mask: 1 }, protocol: rtLink.VLAN_PROTOCOLS["8021AD"] },
    },
  };
  assert.deepEqual(decodeAttributeSet(rtLink.linkAttrs, raw), value);
  assert.deepEqual(attrBytes(rtLink.linkAttrs, value), raw);
});

test("without nestedFlag the encoder writes nests the way iproute2 and rtnetlink do", () => {
  const value: rtLink.LinkAttrs = { linkinfo: { kind: "dummy" } };
  assert.deepEqual(
    attrBytes(rtLink.linkAttrs, value, false),
    bytes(nla(18, nla(1, cstr("dummy")))),
  );
  assert.deepEqual(
    attrBytes(rtLink.linkAttrs, value, true),
    bytes(nla(18 | NESTED, nla(1, cstr("dummy")))),
  );
});

test("encode → decode gives back the value", () => {
  const value: rtLink.LinkAttrs = {
    ifname: "br0",
    mtu: 9000,
    address: Uint8Array.from([2, 0, 0, 0, 0, 1]),
    carrier: 1,
    linkNetnsid: -1,
    maxPacingOffloadHorizon: 2 ** 40,
    propList: { altIfname: ["bridge-zero", "br-0"] },
    linkinfo: {
      kind: "bridge",
      data: { stpState: 1, vlanFiltering: 1, multiBoolopt: { optval: 1, optmask: 3 } },
    },
    afSpec: { inet6: { addrGenMode: 1, token: new Uint8Array(16) } },
    stats64: {
      rxPackets: 1n,
      txPackets: 2n,
      rxBytes: 2n ** 60n,
      txBytes: 4n,
      rxErrors: 0n,
      txErrors: 0n,
      rxDropped: 0n,
      txDropped: 0n,
      multicast: 0n,
      collisions: 0n,
      rxLengthErrors: 0n,
      rxOverErrors: 0n,
      rxCrcErrors: 0n,
      rxFrameErrors: 0n,
      rxFifoErrors: 0n,
      rxMissedErrors: 0n,
      txAbortedErrors: 0n,
      txCarrierErrors: 0n,
      txFifoErrors: 0n,
      txHeartbeatErrors: 0n,
      txWindowErrors: 0n,
      rxCompressed: 0n,
      txCompressed: 0n,
      rxNohandler: 0n,
      rxOtherhostDropped: 18446744073709551615n,
    },
  };
  const raw = attrBytes(rtLink.linkAttrs, value);
  assert.deepEqual(decodeAttributeSet(rtLink.linkAttrs, raw), value);
  // IFLA_NET_NS_PID etc. absent; IFLA_LINK_NETNSID (37) is s32 -1.
  assert.ok(raw.some((_, i) => raw[i] === 37 && raw[i + 1] === 0 && raw[i + 4] === 0xff));
});

test("enum entry names are accepted when encoding", () => {
  const a = attrBytes(rtAddr.addrAttrs, {
    flags: ["PERMANENT", "noprefixroute"] as unknown as number,
  });
  assert.deepEqual(decodeAttributeSet(rtAddr.addrAttrs, a), { flags: 0x80 | 0x200 });
});

test("indexed arrays keep their entry numbers", () => {
  // IFLA_BOND_ARP_IP_TARGET: big-endian u32 entries numbered from 0 by the kernel.
  const raw = bytes(
    nla(1, cstr("bond")),
    nla(2 | NESTED, nla(8 | NESTED, [...nla(0, be32(0x0a000001)), ...nla(1, be32(0x0a000002))])),
  );
  const info = decodeAttributeSet(rtLink.linkinfoAttrs, raw);
  const data = info.data as rtLink.LinkinfoBondAttrs;
  assert.deepEqual([...data.arpIpTarget!], [0x0a000001, 0x0a000002]);
  assert.deepEqual((data.arpIpTarget as number[] & { [INDEXES]?: number[] })[INDEXES], [0, 1]);
  assert.deepEqual(attrBytes(rtLink.linkinfoAttrs, info), raw);
  // A fresh array is numbered 1..n.
  const fresh = attrBytes(rtLink.linkinfoAttrs, {
    kind: "bond",
    data: { arpIpTarget: [0x0a000003] },
  });
  assert.deepEqual(
    fresh,
    bytes(nla(1, cstr("bond")), nla(2 | NESTED, nla(8 | NESTED, nla(1, be32(0x0a000003))))),
  );
});

test("structs of another size keep their bytes (older and newer kernels)", () => {
  // IFLA_STATS64 from a kernel before rx_otherhost_dropped: 24 counters, 192 bytes.
  const old = new Uint8Array(192);
  old.set(le64(5n), 0);
  const raw = bytes(nla(23, [...old]));
  const attrs = decodeAttributeSet(rtLink.linkAttrs, raw);
  assert.equal(attrs.stats64?.rxPackets, 5n);
  assert.equal(attrs.stats64?.rxNohandler, 0n);
  assert.equal("rxOtherhostDropped" in attrs.stats64!, false);
  assert.equal(attrs.stats64?.[STRUCT_BYTES]?.length, 192);
  assert.deepEqual(attrBytes(rtLink.linkAttrs, attrs), raw);
  // A newer, longer struct: the tail is kept too.
  const longer = new Uint8Array(20);
  longer.set(le32(7), 0);
  longer[19] = 0xee;
  const cache = decodeStruct(rtLink.iflaCacheinfo, longer);
  assert.equal(cache.maxReasmLen, 7);
  assert.deepEqual(encodeStruct(rtLink.iflaCacheinfo, cache), longer);
  // A fresh value encodes at the spec's size.
  assert.equal(encodeStruct(rtLink.iflaCacheinfo, { tstamp: 1 }).length, 16);
});

test("tc: options by kind, selectors found in an outer nest, fixed-header formats", () => {
  // tcmsg, TCA_KIND "codel", TCA_OPTIONS { TARGET 5000, LIMIT 1000 },
  // TCA_STATS2 { TCA_STATS_BASIC, TCA_STATS_APP: struct tc_codel_xstats (36 bytes) }
  const tcmsg = [0, 0, 0, 0, ...le32(3), ...le32(0x10000), ...le32(0xffffffff), ...le32(1)];
  const xstats = [1514, 2, 1, 10, 0xfffffffe, 0, 4, 0, 9].flatMap(le32);
  const payload = bytes(
    tcmsg,
    nla(1, cstr("codel")),
    nla(2 | NESTED, [...nla(1, le32(5000)), ...nla(2, le32(1000))]),
    nla(7 | NESTED, [...nla(1, [...le64(1000n), ...le32(10), 0, 0, 0, 0]), ...nla(4, xstats)]),
  );
  const { header, attrs } = decodeBody(tc.operations.getqdisc, payload);
  assert.deepEqual(header, { family: 0, ifindex: 3, handle: 0x10000, parent: 0xffffffff, info: 1 });
  assert.deepEqual(attrs, {
    kind: "codel",
    options: { target: 5000, limit: 1000 },
    stats2: {
      basic: { bytes: 1000n, packets: 10 },
      app: {
        maxpacket: 1514,
        count: 2,
        lastcount: 1,
        ldelay: 10,
        dropNext: -2,
        dropOverlimit: 0,
        ecnMark: 4,
        dropping: 0,
        ceMark: 9,
      },
    },
  });
  const again = buildMessage(tc.operations.newqdisc, { header, attrs });
  assert.deepEqual(parseMessages(again)[0].payload, payload);

  // netem: TCA_OPTIONS is struct tc_netem_qopt followed by attributes, without NLA_F_NESTED.
  const netem: tc.Attrs = {
    kind: "netem",
    options: {
      latency: 1000,
      limit: 1000,
      loss: 0,
      gap: 0,
      duplicate: 0,
      jitter: 0,
      latency64: 100_000_000n,
    },
  };
  const nb = attrBytes(tc.attrs, netem);
  const expected = bytes(
    nla(1, cstr("netem")),
    nla(2, [
      ...le32(1000),
      ...le32(1000),
      ...le32(0),
      ...le32(0),
      ...le32(0),
      ...le32(0),
      ...nla(10, le64(100_000_000n)),
    ]),
  );
  assert.deepEqual(nb, expected);
  assert.deepEqual(decodeAttributeSet(tc.attrs, nb), netem);

  // pfifo: a fixed header alone, a plain binary attribute.
  const pfifo = attrBytes(tc.attrs, { kind: "pfifo", options: { limit: 100 } });
  assert.deepEqual(pfifo, bytes(nla(1, cstr("pfifo")), nla(2, le32(100))));
  // A qdisc without content (clsact) and an unknown one.
  assert.deepEqual(
    attrBytes(tc.attrs, { kind: "clsact", options: {} }),
    bytes(nla(1, cstr("clsact")), nla(2 | NESTED, [])),
  );
  const unknown = bytes(nla(1, cstr("mystery")), nla(2 | NESTED, nla(1, le32(1))));
  const u = decodeAttributeSet(tc.attrs, unknown);
  assert.equal(u.options, undefined);
  assert.equal(u[UNKNOWN]?.[0].type, 2);
  assert.deepEqual(attrBytes(tc.attrs, u), unknown);
});

test("a sub-message before its selector is still decoded", () => {
  const raw = bytes(nla(2 | NESTED, nla(1, le16(7))), nla(1, cstr("vlan")));
  assert.deepEqual(decodeAttributeSet(rtLink.linkinfoAttrs, raw), {
    data: { id: 7 },
    kind: "vlan",
  });
});

test("tc actions: indexed array of nests numbered from 1, bitfield32", () => {
  const value: tc.MatchallAttrs = {
    classid: 0x10001,
    act: [
      {
        kind: "gact",
        options: { parms: { index: 0, capab: 0, action: 2, refcnt: 0, bindcnt: 0 } },
      },
      { kind: "mirred", flags: { value: 1, selector: 1 } },
    ],
  };
  const raw = attrBytes(tc.matchallAttrs, value);
  assert.deepEqual(decodeAttributeSet(tc.matchallAttrs, raw), value);
  // TCA_MATCHALL_ACT (2) { 1 { TCA_ACT_KIND "gact", ... }, 2 { ... } }
  const act = raw.subarray(8);
  assert.equal(act[2] | (act[3] << 8), 2 | NESTED);
  assert.equal(act[6], 1);
});

test("buildMessage: dump and do requests", () => {
  const dump = buildMessage(rtLink.operations.getlink, { dump: true, seq: 1 });
  assert.deepEqual(
    dump,
    bytes(le32(32), le16(18), le16(0x301), le32(1), le32(0), new Array(16).fill(0)),
  );
  const get = buildMessage(rtLink.operations.getlink, {
    header: { ifiIndex: 1 },
    attrs: { ifname: "lo" },
    seq: 2,
  });
  assert.deepEqual(
    get,
    bytes(le32(40), le16(18), le16(0x5), le32(2), le32(0), IFINFOMSG_LO, nla(3, cstr("lo"))),
  );
  const create = buildMessage(rtLink.operations.newlink, { flags: 0x400 | 0x200 }); // CREATE | EXCL
  assert.equal(parseMessages(create)[0].flags, 0x605);
  const noAck = buildMessage(rtLink.operations.setlink, { ack: false });
  assert.equal(parseMessages(noAck)[0].flags, 0x1);
  assert.equal(parseMessages(noAck)[0].type, rtLink.RTM_SETLINK);
  assert.throws(() => buildMessage(rtLink.operations.newlinkNtf, {}), TypeError);
  assert.throws(() => buildMessage(rtLink.operations.newlink, { dump: true }), TypeError);
  assert.throws(
    () =>
      buildMessage(rtLink.operations.newlink, {
        attrs: { mtuu: 1 } as unknown as rtLink.LinkAttrs,
      }),
    TypeError,
  );
  assert.throws(() => buildMessage(rtLink.operations.newlink, { attrs: { mtu: -1 } }), RangeError);
  assert.throws(
    () => buildMessage(rtLink.operations.newlink, { header: { ifiType: 70000 } }),
    RangeError,
  );
});
const IFINFOMSG_LO = [0, 0, 0, 0, ...le32(1), 0, 0, 0, 0, 0, 0, 0, 0];

test("genetlink: genlmsghdr, family id, nest-type-value", () => {
  assert.throws(() => buildMessage(nlctrl.operations.getfamily, {}), TypeError);
  const req = buildMessage(nlctrl.operations.getfamily, {
    type: 0x10, // GENL_ID_CTRL
    attrs: { familyName: "nlctrl" },
    seq: 3,
  });
  assert.deepEqual(
    req,
    bytes(le32(32), le16(0x10), le16(0x5), le32(3), le32(0), [3, 1, 0, 0], nla(2, cstr("nlctrl"))),
  );
  // A CTRL_CMD_GETPOLICY reply: CTRL_ATTR_POLICY { 0 { 1 { TYPE 3, MAX_LENGTH 16 } } }
  const reply = bytes(
    [10, 2, 0, 0],
    nla(1, le16(0x10)),
    nla(8 | NESTED, nla(0 | NESTED, nla(1 | NESTED, [...nla(1, le32(3)), ...nla(7, le32(16))]))),
  );
  const d = nlctrl.family.decodeMessage(0x10, reply);
  assert.equal(d?.operation.name, "getpolicy");
  assert.equal(d?.cmd, 10);
  assert.equal(d?.version, 2);
  assert.deepEqual(d?.attrs, {
    familyId: 0x10,
    policy: [{ policyId: 0, attrId: 1, type: 3, maxLength: 16 }],
  });
  assert.deepEqual(
    attrBytes(nlctrl.ctrlAttrs, d!.attrs as nlctrl.CtrlAttrs),
    reply.subarray(4),
  );
});

test("a numeric selector picks its format through the selector's enum", () => {
  const f = defineFamily({
    name: "demo",
    protocol: "netlink-raw",
    enums: { "obj-type": { type: "enum", entries: { UNSPEC: 0, COUNTER: 1, QUOTA: 2 } } },
    attributeSets: {
      obj: [
        { name: "type", value: 1, type: "u32", enum: "obj-type", byteOrder: "big-endian" },
        { name: "data", value: 2, type: "sub-message", subMessage: "obj-data", selector: "type" },
      ],
      counter: [{ name: "packets", value: 1, type: "u64", byteOrder: "big-endian" }],
      quota: [{ name: "bytes", value: 1, type: "u64" }],
    },
    subMessages: {
      "obj-data": { counter: { attributeSet: "counter" }, quota: { attributeSet: "quota" } },
    },
    operations: {},
  });
  const set = f.attributeSet("obj");
  const raw = bytes(nla(1, be32(1)), nla(2 | NESTED, nla(1, [0, 0, 0, 0, 0, 0, 1, 2])));
  const v = decodeAttributeSet(set, raw);
  assert.deepEqual(v, { type: 1, data: { packets: 0x102n } });
  assert.deepEqual(attrBytes(set, v), raw);
});

test("a real kernel message decodes, and encodes back up to NLA_F_NESTED bits", () => {
  const [m] = parseMessages(LO_NEWLINK);
  const { header, attrs } = decodeBody(rtLink.operations.getlink, m.payload);
  assert.equal(header.ifiIndex, 1);
  assert.equal(header.ifiType, 772); // ARPHRD_LOOPBACK
  assert.equal(header.ifiFlags & rtLink.IFINFO_FLAGS.LOOPBACK, rtLink.IFINFO_FLAGS.LOOPBACK);
  assert.equal(attrs.ifname, "lo");
  assert.equal(attrs.mtu, 65536);
  assert.equal(attrs.qdisc, "noop");
  assert.equal(attrs.txqlen, 1000);
  assert.equal(attrs.stats64?.rxPackets, 0n);
  assert.equal(attrs.afSpec?.inet6?.cacheinfo?.retransTime, 1000);
  assert.equal(attrs.afSpec?.inet?.conf?.length, 33);
  assert.equal(attrs[UNKNOWN], undefined);
  // rtnetlink sets NLA_F_NESTED on some nests and not on others; the decoded value does not
  // record it, so encoding without the flag differs exactly in the nests that had it.
  const orig = m.payload.subarray(16);
  const enc = attrBytes(rtLink.linkAttrs, attrs, false);
  assert.equal(enc.length, orig.length);
  let flagged = 0;
  for (let i = 0; i < orig.length; i++) {
    if (enc[i] === orig[i]) continue;
    assert.equal(orig[i], enc[i] | 0x80, `byte ${i}`);
    flagged++;
  }
  assert.ok(flagged > 0);
  assert.deepEqual(decodeAttributeSet(rtLink.linkAttrs, enc), attrs);
});

// ---------------------------------------------------------------------------
// Hostile bytes
// ---------------------------------------------------------------------------

test("a scalar of the wrong size is a NetlinkDecodeError; a flag with data stays raw", () => {
  const raw = bytes(nla(3, cstr("x")), nla(4, le16(1500)));
  assert.throws(() => decodeAttributeSet(rtLink.linkAttrs, raw), isDecodeError(8));
  // u64 (IFLA_VF_STATS_*) with 4 bytes, uint with 2, flag with data, bitfield32 with 4.
  assert.throws(
    () => decodeAttributeSet(rtLink.vfStatsAttrs, bytes(nla(0, le32(1)))),
    isDecodeError(0),
  );
  const horizon = rtLink.linkAttrs.attribute("maxPacingOffloadHorizon")!;
  assert.equal(horizon.type, "uint");
  assert.throws(
    () => decodeAttributeSet(rtLink.linkAttrs, bytes(nla(horizon.value, le16(1)))),
    isDecodeError(0),
  );
  const invisible = tc.attrs.attribute("dumpInvisible")!;
  assert.equal(invisible.type, "flag");
  // A flag with data (the kernel sends some spec "flags" as u8) is kept raw, not fatal.
  const withData = decodeAttributeSet(tc.attrs, bytes(nla(invisible.value, [1])));
  assert.equal(withData.dumpInvisible, undefined);
  assert.equal(withData[UNKNOWN]?.length, 1);
  const dumpFlags = tc.attrs.attribute("dumpFlags")!;
  assert.equal(dumpFlags.type, "bitfield32");
  assert.throws(
    () => decodeAttributeSet(tc.attrs, bytes(nla(dumpFlags.value, le32(1)))),
    isDecodeError(0),
  );
  // binary of u32 with a length that is not a multiple of 4
  assert.throws(
    () => decodeAttributeSet(rtLink.iflaAttrs, bytes(nla(1, [1, 2, 3, 4, 5, 6]))),
    isDecodeError(0),
  );
});

test("lengths running past their nest are NetlinkDecodeErrors", () => {
  // IFLA_LINKINFO whose inner attribute claims 32 bytes inside a 12-byte nest.
  const inner = [...le16(32), ...le16(1), ...cstr("abc")];
  const raw = bytes(nla(3, cstr("x")), nla(18 | NESTED, inner));
  assert.throws(() => decodeAttributeSet(rtLink.linkAttrs, raw), isDecodeError(12));
  // nla_len below the header size
  assert.throws(() => decodeAttributeSet(rtLink.linkAttrs, bytes([2, 0, 3, 0])), isDecodeError(0));
  // an outer attribute running past the buffer
  assert.throws(
    () => decodeAttributeSet(rtLink.linkAttrs, bytes([16, 0, 3, 0, 0x61, 0, 0, 0])),
    isDecodeError(0),
  );
  // a payload shorter than the fixed header
  assert.throws(() => decodeBody(rtLink.operations.getlink, new Uint8Array(8)), isDecodeError(0));
  // a range outside the buffer
  assert.throws(
    () => decodeAttributeSet(rtLink.linkAttrs, new Uint8Array(4), 0, 8),
    isDecodeError(),
  );
  // genetlink payload without its header
  assert.throws(() => decodeBody(nlctrl.operations.getfamily, new Uint8Array(2)), isDecodeError(0));
});

test("mutated messages only ever throw NetlinkDecodeError", () => {
  let seed = 0x12345678;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const bond = bytes(
    IFINFOMSG,
    nla(18 | NESTED, [
      ...nla(1, cstr("bond")),
      ...nla(2 | NESTED, nla(8 | NESTED, nla(0, be32(1)))),
    ]),
  );
  const qdisc = bytes(
    [0, 0, 0, 0, ...le32(3), ...le32(0x10000), ...le32(0xffffffff), ...le32(1)],
    nla(1, cstr("netem")),
    nla(2, [
      ...new Array(24).fill(0),
      ...nla(10, le64(5n)),
      ...nla(5 | NESTED, nla(1, new Array(20).fill(1))),
    ]),
    nla(7 | NESTED, nla(4, [1, 2, 3, 4])),
  );
  const cases = [
    { sample: VETH, get: rtLink.operations.getlink, put: rtLink.operations.newlink },
    { sample: bond, get: rtLink.operations.getlink, put: rtLink.operations.newlink },
    { sample: qdisc, get: tc.operations.getqdisc, put: tc.operations.newqdisc },
  ] as const;
  let errors = 0;
  let decoded = 0;
  for (let i = 0; i < 3000; i++) {
    const c = cases[i % cases.length];
    const b = c.sample.slice(0, c.sample.length - rnd(4) * (i & 1));
    for (let k = rnd(4) + 1; k > 0; k--) b[rnd(b.length)] = rnd(256);
    let body;
    try {
      body = decodeBody(c.get as typeof rtLink.operations.getlink, b);
    } catch (e) {
      assert.ok(e instanceof NetlinkDecodeError, `iteration ${i}: ${e}`);
      errors++;
      continue;
    }
    decoded++;
    // Whatever decodes encodes again.
    buildMessage(c.put as typeof rtLink.operations.newlink, body);
  }
  assert.ok(errors > 0 && decoded > 0);
});

test("structs the specs get wrong are laid out as the uAPI headers declare them", () => {
  // linux/pkt_sched.h: sizeof(struct tc_ratespec) == 12, rate at offset 8, mpu a u16 at 6.
  assert.equal(tc.tcRatespec.size, 12);
  const b = new Uint8Array(12);
  const dv = new DataView(b.buffer);
  dv.setUint16(2, 24, true); // overhead
  dv.setInt16(4, -1, true); // cell_align
  dv.setUint16(6, 1500, true); // mpu
  dv.setUint32(8, 125000, true); // rate
  const r = tc.tcRatespec.decode(b);
  assert.equal(r.overhead, 24);
  assert.equal(r.cellAlign, -1);
  assert.equal(r.mpu, 1500);
  assert.equal(r.rate, 125000);
  // linux/rtnetlink.h: sizeof(struct rta_cacheinfo) == 32.
  assert.equal(rtRoute.rtaCacheinfo.size, 32);
});

// Kinds this kernel lacks still encode from the specs. Expected bytes from linux/if_link.h:
// IFLA_LINK 5, IFLA_LINKINFO 18 { IFLA_INFO_KIND 1, IFLA_INFO_DATA 2 { … } };
// IFLA_VLAN_ID 1 (u16), IFLA_VLAN_PROTOCOL 5 (__be16); IFLA_BOND_MODE 1 (u8), IFLA_BOND_MIIMON 3.
test("vlan and bond links encode from the specs", () => {
  const ifinfomsg = new Array(16).fill(0);
  const header = (
    len: number,
  ) => [...le32(len), ...le16(16), ...le16(0x605), ...le32(1), ...le32(0)];
  const vlanAttrs = [
    ...nla(3, cstr("v0")),
    ...nla(5, le32(7)),
    ...nla(18 | NESTED, [
      ...nla(1, cstr("vlan")),
      ...nla(2 | NESTED, [...nla(1, le16(42)), ...nla(5, be16(0x88a8))]),
    ]),
  ];
  const vlan = buildMessage(rtLink.operations.newlink, {
    seq: 1,
    flags: 0x600, // NLM_F_CREATE | NLM_F_EXCL
    attrs: {
      ifname: "v0",
      link: 7,
      linkinfo: { kind: "vlan", data: { id: 42, protocol: 0x88a8 } },
    },
  });
  assert.deepEqual(vlan, bytes(header(16 + 16 + vlanAttrs.length), ifinfomsg, vlanAttrs));
  const bondAttrs = [
    ...nla(3, cstr("b0")),
    ...nla(18 | NESTED, [
      ...nla(1, cstr("bond")),
      ...nla(2 | NESTED, [...nla(1, [1]), ...nla(3, le32(100))]),
    ]),
  ];
  const bond = buildMessage(rtLink.operations.newlink, {
    seq: 1,
    flags: 0x600,
    attrs: { ifname: "b0", linkinfo: { kind: "bond", data: { mode: 1, miimon: 100 } } },
  });
  assert.deepEqual(bond, bytes(header(16 + 16 + bondAttrs.length), ifinfomsg, bondAttrs));
});

// Found by tests/uapi_layout.test.ts; these bytes are laid out from the uAPI headers.
test("struct ifla_vf_vlan_info: vlan_proto is the __be16 of linux/if_link.h", () => {
  // struct ifla_vf_vlan_info { __u32 vf; __u32 vlan; __u32 qos; __be16 vlan_proto; } (16 bytes,
  // 2 of them tail padding): VF 1, VLAN 100, QoS 0, ETH_P_8021AD 0x88a8.
  const b = bytes(le32(1), le32(100), le32(0), be16(0x88a8), [0, 0]);
  assert.equal(rtLink.iflaVfVlanInfo.size, 16);
  const v = rtLink.iflaVfVlanInfo.decode(b);
  assert.deepEqual([v.vf, v.vlan, v.qos, v.vlanProto], [1, 100, 0, 0x88a8]);
});

test("policy dumps: NL_POLICY_TYPE_ATTR_MASK is 12 and NL_POLICY_TYPE_ATTR_PAD 11 (linux/netlink.h)", () => {
  // A u32 attribute policy entry as the kernel dumps it (netlink_policy_dump_attr_size_estimate):
  // NL_POLICY_TYPE_ATTR_TYPE = NL_ATTR_TYPE_U32 (4), NL_POLICY_TYPE_ATTR_MASK = 0xff (u64).
  const b = bytes(nla(1, le32(4)), nla(12, le64(0xffn)));
  const p = nlctrl.policyAttrs.decode(b);
  assert.equal(p.type, 4);
  assert.equal(p.mask, 0xffn);
});

test("an operation without an attribute set keeps every attribute raw, in place, with its flag bits", () => {
  const family = defineFamily({
    name: "demo",
    protocol: "netlink-raw",
    structs: { hdr: [{ name: "family", type: "u8" }, { name: "pad", type: "pad", len: 3 }] },
    attributeSets: {},
    operations: { get: { name: "get", replyValue: 30, fixedHeader: "hdr" } },
  });
  const op = family.operation("get");
  // hdr (4 bytes), then type 5 = u32 7, a nest 6 with NLA_F_NESTED, type 7 with
  // NLA_F_NET_BYTEORDER (0x4000), and 3 stray bytes that the kernel ignores too.
  const payload = bytes(
    [2, 0, 0, 0],
    nla(5, le32(7)),
    nla(6 | NESTED, nla(1, [9])),
    nla(7 | 0x4000, be16(80)),
    [1, 2, 3],
  );
  const { header, attrs } = decodeBody(op, payload);
  assert.deepEqual(header, { family: 2 });
  const raw = (attrs as { [UNKNOWN]?: UnknownAttribute[] })[UNKNOWN];
  assert.deepEqual(raw?.map((a) => [a.type, a.nested, a.netByteOrder, [...a.data], a.index]), [
    [5, false, false, le32(7), 0],
    [6, true, false, nla(1, [9]), 1],
    [7, false, true, be16(80), 2],
  ]);
  // Copies, not views of the payload.
  assert.notEqual(raw![0].data.buffer, payload.buffer);
  // A header alone has nothing to keep; a bad nla_len is an error at its offset.
  assert.deepEqual(decodeBody(op, bytes([2, 0, 0, 0])).attrs, {});
  assert.throws(
    () => decodeBody(op, bytes([2, 0, 0, 0], nla(5, le32(7)), [9, 0, 1, 0])),
    isDecodeError(12),
  );
});

test("big-endian uint/sint are sized like nla_put_uint/nla_put_sint; 64-bit members in both orders", () => {
  const family = defineFamily({
    name: "demo",
    protocol: "netlink-raw",
    structs: {
      pair: [
        { name: "le", type: "s64" },
        { name: "be", type: "u64", byteOrder: "big-endian" },
      ],
    },
    attributeSets: {
      s: [
        { name: "u", value: 1, type: "uint", byteOrder: "big-endian" },
        { name: "i", value: 2, type: "sint", byteOrder: "big-endian" },
      ],
    },
    operations: {},
  });
  const set = family.attributeSet<{ u?: number | bigint; i?: number | bigint }>("s");
  const be64 = (v: bigint) => [...be32(Number(v >> 32n)), ...be32(Number(v & 0xffffffffn))];
  const cases: [{ u?: number | bigint; i?: number | bigint }, Uint8Array][] = [
    [{ u: 7, i: -2 }, bytes(nla(1, be32(7)), nla(2, be32(0xfffffffe)))],
    [{ u: 0xffffffff, i: 0x7fffffff }, bytes(nla(1, be32(0xffffffff)), nla(2, be32(0x7fffffff)))],
    [
      { u: 2 ** 32, i: -(2 ** 31) - 1 },
      bytes(nla(1, be64(1n << 32n)), nla(2, be64((1n << 64n) - (1n << 31n) - 1n))),
    ],
    [
      { u: 0xffffffffffffffffn, i: -(1n << 63n) },
      bytes(nla(1, be64((1n << 64n) - 1n)), nla(2, be64(1n << 63n))),
    ],
  ];
  for (const [value, want] of cases) {
    assert.deepEqual(attrBytes(set, value), want, JSON.stringify(value, (_, v) => String(v)));
    assert.deepEqual(set.decode(want), value);
  }
  assert.throws(() => attrBytes(set, { u: -1 }), RangeError);
  assert.throws(() => attrBytes(set, { i: 1n << 63n }), RangeError);
  const pair = family.struct<{ le?: bigint; be?: bigint }>("pair");
  const b = bytes(le64(-2n & ((1n << 64n) - 1n)), be64(0x0102030405060708n));
  assert.deepEqual(pair.encode({ le: -2n, be: 0x0102030405060708n }), b);
  assert.deepEqual(pair.decode(b), { le: -2n, be: 0x0102030405060708n });
  assert.throws(() => pair.encode({ be: -1n }), RangeError);
});
