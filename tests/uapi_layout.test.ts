// Every number the library copied by hand from the kernel's uAPI (and libc) headers, checked
// against the headers themselves: at test time a C program is generated from (name, C
// expression) pairs, compiled with cc against /usr/include and run, and each value it prints
// is compared with the value the library exports or uses. The names are derived from the
// library's own tables (exported constants, `const NAME = …` in the sources, the generated
// enums, attribute sets, structs and operations), so a constant added later is checked too.
//
// Pure (no network namespace), but it runs cc: needs --allow-run (deno test -A). Skipped, with
// the reason, when no C compiler is on PATH.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Family, MemberSpec, StructType } from "../codec/schema.ts";
import { PROTOCOL_NAMES } from "../codec/constants.ts";
import { ERRNO_NAMES } from "../codec/errno.ts";
import { epollEventSize } from "../ffi/symbols.ts";
import { CMSGHDR, IOVEC, MSGHDR, NL_PKTINFO, SOCKADDR_NL } from "../ffi/layouts.ts";
import { PROTOCOLS, ROUTE_TYPES, SCOPES, TABLES } from "../families/route/_names.ts";
import { BOND_MODES, IPVLAN_MODES, MACVLAN_MODES } from "../families/route/link.ts";
import { newprefix } from "../families/route/mcast.ts";
import { getnetconf, NETCONFA_IFINDEX, RTNLGRP_NETCONF } from "../families/route/netconf.ts";
import { nsidOperations } from "../families/route/nsid.ts";
import { ROUTE_PREFS } from "../families/route/route.ts";
import { RULE_ACTIONS } from "../families/route/rule.ts";
import { STATS_FILTER } from "../families/route/stats.ts";
import { ETH_P, TC_ACT, TC_H, tcOperations } from "../families/route/tc.ts";
import { WATCH_GROUPS } from "../families/route/watch.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function findCompiler(): string | undefined {
  for (const cc of ["cc", "gcc"]) {
    try {
      execFileSync(cc, ["--version"], { stdio: "ignore" });
      return cc;
    } catch {
      // try the next one
    }
  }
  return undefined;
}
const CC = findCompiler();
const SKIP_CC: string | false = CC ? false : "no C compiler (cc or gcc) on PATH";

// ---------------------------------------------------------------------------
// What is compared
// ---------------------------------------------------------------------------

/** One value: what the library has, and the C expression that gives the truth. */
interface Check {
  /** Where the library's value comes from (file, table, name). */
  where: string;
  /** C expression, printed as a long long. */
  expr: string;
  /** The library's value. */
  lib: number | bigint;
  /**
   * The name the allow-lists below use: a C macro/enum name or `struct x`. A check that does
   * not compile is accepted only when its key is in {@link NEWER_THAN_HEADERS}.
   */
  key: string;
  /**
   * For struct layouts, the C struct: its size is compared only if every member compiled
   * (headers older than the library's table have a shorter struct).
   */
  struct?: string;
}

/**
 * Names the library has that the installed headers (linux-libc-dev 6.1 on Debian 12) do not:
 * each was checked by hand to be in upstream Linux's include/uapi (the kernel version that
 * added it is given where known). When newer headers are installed these compile and are
 * compared like every other value; a name missing from the headers and from this list fails.
 */
const NEWER_THAN_HEADERS: Record<string, string> = Object.fromEntries(
  [
    // codec/constants.ts
    "NL_ATTR_TYPE_SINT",
    "NL_ATTR_TYPE_UINT",
    // rt-link
    "NETKIT_PASS",
    "NETKIT_DROP",
    "NETKIT_L2",
    "NETKIT_L3",
    "NETKIT_SCRUB_NONE",
    "NETKIT_SCRUB_DEFAULT",
    "OVPN_MODE_P2P",
    "OVPN_MODE_MP",
    "IFLA_DEVLINK_PORT",
    "IFLA_DPLL_PIN",
    "IFLA_GRO_IPV4_MAX_SIZE",
    "IFLA_GSO_IPV4_MAX_SIZE",
    "IFLA_HEADROOM",
    "IFLA_TAILROOM",
    "IFLA_MAX_PACING_OFFLOAD_HORIZON",
    "IFLA_NETNS_IMMUTABLE",
    "DPLL_A_ID",
    "IFLA_BR_FDB_MAX_LEARNED",
    "IFLA_BR_FDB_N_LEARNED",
    "IFLA_BRPORT_BACKUP_NHID",
    "IFLA_BRPORT_MAB",
    "IFLA_BRPORT_MCAST_MAX_GROUPS",
    "IFLA_BRPORT_MCAST_N_GROUPS",
    "IFLA_BRPORT_NEIGH_VLAN_SUPPRESS",
    "IFLA_GENEVE_PORT_RANGE",
    "struct ifla_geneve_port_range",
    "struct ifla_geneve_port_range.low",
    "struct ifla_geneve_port_range.high",
    "IFLA_NETKIT_HEADROOM",
    "IFLA_NETKIT_MODE",
    "IFLA_NETKIT_PEER_INFO",
    "IFLA_NETKIT_PEER_POLICY",
    "IFLA_NETKIT_PEER_SCRUB",
    "IFLA_NETKIT_POLICY",
    "IFLA_NETKIT_PRIMARY",
    "IFLA_NETKIT_SCRUB",
    "IFLA_NETKIT_TAILROOM",
    "IFLA_OVPN_MODE",
    "IFLA_MCTP_PHYS_BINDING",
    // rt-neigh, rt-route, rt-rule
    "NTF_EXT_LOCKED",
    "NTF_EXT_EXT_VALIDATED",
    "RTA_FLOWLABEL",
    "FRA_DPORT_MASK",
    "FRA_SPORT_MASK",
    "FRA_DSCP",
    "FRA_DSCP_MASK",
    "FRA_FLOWLABEL",
    "FRA_FLOWLABEL_MASK",
    // tc
    "TC_DUALPI2_DROP_EARLY_DROP_DEQUEUE",
    "TC_DUALPI2_DROP_EARLY_DROP_ENQUEUE",
    "TC_DUALPI2_DROP_OVERLOAD_DROP",
    "TC_DUALPI2_DROP_OVERLOAD_OVERFLOW",
    "TC_DUALPI2_ECN_MASK_ANY_ECT",
    "TC_DUALPI2_ECN_MASK_CLA_ECT",
    "TC_DUALPI2_ECN_MASK_L4S_ECT",
    "TC_DUALPI2_SPLIT_GSO_NO_SPLIT_GSO",
    "TC_DUALPI2_SPLIT_GSO_SPLIT_GSO",
    "TCA_FLOWER_KEY_FLAGS_TUNNEL_CRIT_OPT",
    "TCA_FLOWER_KEY_FLAGS_TUNNEL_CSUM",
    "TCA_FLOWER_KEY_FLAGS_TUNNEL_DONT_FRAGMENT",
    "TCA_FLOWER_KEY_FLAGS_TUNNEL_OAM",
    "TCA_CT_HELPER_FAMILY",
    "TCA_CT_HELPER_NAME",
    "TCA_CT_HELPER_PROTO",
    "TCA_MIRRED_BLOCKID",
    "TCA_TUNNEL_KEY_NO_FRAG",
    "TCA_DUALPI2_ALPHA",
    "TCA_DUALPI2_BETA",
    "TCA_DUALPI2_C_PROTECTION",
    "TCA_DUALPI2_COUPLING",
    "TCA_DUALPI2_DROP_EARLY",
    "TCA_DUALPI2_DROP_OVERLOAD",
    "TCA_DUALPI2_ECN_MASK",
    "TCA_DUALPI2_LIMIT",
    "TCA_DUALPI2_MEMORY_LIMIT",
    "TCA_DUALPI2_MIN_QLEN_STEP",
    "TCA_DUALPI2_SPLIT_GSO",
    "TCA_DUALPI2_STEP_THRESH_PKTS",
    "TCA_DUALPI2_STEP_THRESH_US",
    "TCA_DUALPI2_TARGET",
    "TCA_DUALPI2_TUPDATE",
    "TCA_FLOWER_KEY_CFM",
    "TCA_FLOWER_KEY_ENC_FLAGS",
    "TCA_FLOWER_KEY_ENC_FLAGS_MASK",
    "TCA_FLOWER_KEY_SPI",
    "TCA_FLOWER_KEY_SPI_MASK",
    "TCA_FLOWER_L2_MISS",
    "TCA_FLOWER_KEY_CFM_MD_LEVEL",
    "TCA_FLOWER_KEY_CFM_OPCODE",
    "TCA_FQ_PRIOMAP",
    "TCA_FQ_WEIGHTS",
    "TCA_NETEM_PRNG_SEED",
    "TCA_TAPRIO_TC_ENTRY_FP",
    "struct tc_dualpi2_xstats",
    ...[
      "credit",
      "delay_c",
      "delay_l",
      "ecn_mark",
      "max_memory_used",
      "maxq",
      "memory_limit",
      "memory_used",
      "pkts_in_c",
      "pkts_in_l",
      "prob",
      "step_mark",
    ].map((m) => `struct tc_dualpi2_xstats.${m}`),
    "struct tc_fq_qd_stats.band_drops",
    "struct tc_fq_qd_stats.band_pkt_count",
    "struct tc_fq_qd_stats.fastpath_packets",
  ].map((n) => [n, "not in linux-libc-dev 6.1; from the newer kernel's YNL spec"]),
);

/**
 * `const NAME = …` declarations in the library whose NAME is not a uAPI/libc name, with what
 * they are instead. Any other upper-case constant must compile as C (or be mapped in
 * {@link SOURCE_CONST_EXPR}).
 */
const NOT_UAPI: Record<string, string> = {
  UDEV_MONITOR_MAGIC: "systemd's sd-device/device-monitor.c, not a kernel header",
  UDEV_HEADER_SIZE: "sizeof(struct monitor_netlink_header) of systemd, not a kernel header",
  UEVENT_GROUP_KERNEL: "group 1 is hard-coded by lib/kobject_uevent.c, not in a uAPI header",
  UEVENT_GROUP_UDEV: "group 2 is libudev's convention (systemd), not a kernel header",
  MAX_GROUP: "the library's own limit on group numbers",
  CONTROL_LEN: "the library's own control buffer size",
  POOL_SIZE: "the codec's buffer pool size",
  EPOLL_EVENTS: "the library's own epoll_wait batch size",
  FOREVER: "INFINITY_LIFE_TIME is in the kernel's net/addrconf.h, not in a uAPI header",
  TICKS_PER_US: "PSCHED_SHIFT is in the kernel's net/pkt_sched.h, not in a uAPI header",
  ENOTSUPP: "kernel-internal errno (include/linux/errno.h), never in a uAPI header",
};
for (
  const k of [
    "K_RAW",
    "K_FLAG",
    "K_U8",
    "K_U16",
    "K_U32",
    "K_U64",
    "K_S8",
    "K_S16",
    "K_S32",
    "K_S64",
    "K_UINT",
    "K_SINT",
    "K_STRING",
    "K_BINARY",
    "K_STRUCT",
    "K_ARRAY",
    "K_NEST",
    "K_INDEXED",
    "K_NTV",
    "K_BITFIELD",
    "K_SUBMSG",
  ]
) NOT_UAPI[k] = "codec/schema.ts's own kinds of compiled attributes";

/** `const NAME = …` declarations whose C counterpart has another name or is an expression. */
const SOURCE_CONST_EXPR: Record<string, string> = {
  SOCKADDR_NL_LEN: "sizeof(struct sockaddr_nl)",
  MSGHDR_LEN: "sizeof(struct msghdr)",
  IFREQ_SIZE: "sizeof(struct ifreq)",
  NLMSGERR_SIZE: "sizeof(struct nlmsgerr)",
  HTB_VERSION: "TC_HTB_PROTOVER",
  // ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER), an int; nla_type is a __u16.
  NLA_TYPE_MASK: "(__u16)NLA_TYPE_MASK",
  // The old name of protocol 1, gone from linux/netlink.h.
  NETLINK_W1: "NETLINK_UNUSED",
  NSID_NOT_ASSIGNED: "NETNSA_NSID_NOT_ASSIGNED",
};

// ---------------------------------------------------------------------------
// 1. `const NAME = value` in the library's sources (exported or not)
// ---------------------------------------------------------------------------

function libraryFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith(".ts")) out.push(rel);
    }
  };
  for (const d of ["codec", "ffi", "socket", "families"]) walk(d);
  return out.sort();
}

/** Evaluate a constant initializer made of numbers, known names and + - * / << | & ( ). */
function evaluate(expr: string, known: Map<string, number>): number | undefined {
  const sub = expr.replace(/\b[A-Z][A-Z0-9_]*\b/g, (n) => {
    const v = known.get(n);
    return v === undefined ? "@" : `(${v})`;
  });
  if (!/^[\s0-9a-fA-FxXoO()+\-*/<|&]+$/.test(sub)) return undefined;
  if (/[a-fA-F]/.test(sub.replace(/0[xX][0-9a-fA-F]+/g, ""))) return undefined;
  const v = new Function(`"use strict"; return (${sub});`)();
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Every `const NAME = <numeric expression>` (several per statement too) in the library. */
function sourceConstants(): Check[] {
  const checks: Check[] = [];
  for (const file of libraryFiles()) {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const known = new Map<string, number>([["NLMSG_HDRLEN", 16]]);
    // Only top-level statements: indented consts are locals.
    for (const m of text.matchAll(/^(?:export )?const ([^;]*);/gm)) {
      for (const decl of m[1].split(/,\s*(?=[A-Z][A-Z0-9_]*\s*(?::[^=]+)?=)/)) {
        const d = /^([A-Z][A-Z0-9_]*)\s*(?::[^=]+)?=\s*([\s\S]+)$/.exec(decl.trim());
        if (d === null) continue;
        const init = d[2].replace(/\/\/.*$/gm, "").trim();
        const value = evaluate(init, known);
        if (value === undefined) continue;
        known.set(d[1], value);
        if (NOT_UAPI[d[1]] !== undefined) continue;
        checks.push({
          where: `${file}: ${d[1]}`,
          expr: SOURCE_CONST_EXPR[d[1]] ?? d[1],
          lib: value,
          key: d[1],
        });
      }
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------
// 2. Exported tables of names
// ---------------------------------------------------------------------------

const upper = (s: string) => s.toUpperCase().replace(/[-.]/g, "_");

function table(
  where: string,
  t: Readonly<Record<string, number>>,
  cName: (key: string) => string,
): Check[] {
  return Object.entries(t).map(([k, v]) => {
    const c = cName(k);
    return { where: `${where}.${k}`, expr: c, lib: v, key: c };
  });
}

function tableChecks(): Check[] {
  const ov = (o: Record<string, string>, prefix: string) => (k: string) =>
    o[k] ?? prefix + upper(k);
  const checks: Check[] = [
    ...Object.entries(PROTOCOL_NAMES).map(([n, name]) => ({
      where: `codec/constants.ts PROTOCOL_NAMES[${n}]`,
      expr: name,
      lib: Number(n),
      key: name,
    })),
    ...table("_names.ts SCOPES", SCOPES, ov({ global: "RT_SCOPE_UNIVERSE" }, "RT_SCOPE_")),
    ...table("_names.ts PROTOCOLS", PROTOCOLS, ov({}, "RTPROT_")),
    ...table("_names.ts TABLES", TABLES, ov({}, "RT_TABLE_")),
    ...table("_names.ts ROUTE_TYPES", ROUTE_TYPES, ov({}, "RTN_")),
    ...table(
      "link.ts BOND_MODES",
      BOND_MODES,
      ov({
        "balance-rr": "BOND_MODE_ROUNDROBIN",
        "active-backup": "BOND_MODE_ACTIVEBACKUP",
        "balance-xor": "BOND_MODE_XOR",
        "802.3ad": "BOND_MODE_8023AD",
        "balance-tlb": "BOND_MODE_TLB",
        "balance-alb": "BOND_MODE_ALB",
      }, "BOND_MODE_"),
    ),
    ...table("link.ts MACVLAN_MODES", MACVLAN_MODES, ov({}, "MACVLAN_MODE_")),
    ...table("link.ts IPVLAN_MODES", IPVLAN_MODES, ov({}, "IPVLAN_MODE_")),
    // PREFIX_FLAGS (IF_PREFIX_ONLINK/AUTOCONF) are in the kernel's net/if_inet6.h, not in a uAPI
    // header: tests/route_prefix.test.ts checks them against a real RTM_NEWPREFIX.
    ...table("netconf.ts RTNLGRP_NETCONF", RTNLGRP_NETCONF, (k) => `RTNLGRP_${k}_NETCONF`),
    ...table("netconf.ts NETCONFA_IFINDEX", NETCONFA_IFINDEX, ov({}, "NETCONFA_IFINDEX_")),
    ...table("route.ts ROUTE_PREFS", ROUTE_PREFS, ov({}, "ICMPV6_ROUTER_PREF_")),
    ...table("rule.ts RULE_ACTIONS", RULE_ACTIONS, ov({ table: "FR_ACT_TO_TBL" }, "FR_ACT_")),
    ...Object.entries(STATS_FILTER).map(([k, v]) => ({
      where: `stats.ts STATS_FILTER.${k}`,
      expr: `IFLA_STATS_FILTER_BIT(IFLA_STATS_${k})`,
      lib: v,
      key: `IFLA_STATS_${k}`,
    })),
    ...table("tc.ts TC_H", TC_H, ov({}, "TC_H_")),
    ...table(
      "tc.ts ETH_P",
      ETH_P,
      ov({ "802.1q": "ETH_P_8021Q", "802.1ad": "ETH_P_8021AD" }, "ETH_P_"),
    ),
    ...table(
      "tc.ts TC_ACT",
      TC_ACT,
      ov({
        continue: "TC_ACT_UNSPEC",
        pass: "TC_ACT_OK",
        drop: "TC_ACT_SHOT",
      }, "TC_ACT_"),
    ),
  ];
  // Watch groups: each name's list of RTNLGRP_* numbers.
  const groupNames: Record<string, string[]> = {
    "ipv4-addr": ["RTNLGRP_IPV4_IFADDR"],
    "ipv6-addr": ["RTNLGRP_IPV6_IFADDR"],
    netconf: ["RTNLGRP_IPV4_NETCONF", "RTNLGRP_IPV6_NETCONF"],
  };
  for (const [k, groups] of Object.entries(WATCH_GROUPS)) {
    const names = groupNames[k] ?? [`RTNLGRP_${upper(k)}`];
    assert.equal(groups.length, names.length, `WATCH_GROUPS.${k}: ${groups} vs ${names}`);
    groups.forEach((g, i) =>
      checks.push({
        where: `watch.ts WATCH_GROUPS.${k}[${i}]`,
        expr: names[i],
        lib: g,
        key: names[i],
      })
    );
  }
  // Every errno name the library knows.
  for (const [n, name] of Object.entries(ERRNO_NAMES)) {
    if (NOT_UAPI[name] !== undefined) continue;
    checks.push({
      where: `codec/errno.ts ERRNO_NAMES[${n}]`,
      expr: name,
      lib: Number(n),
      key: name,
    });
  }
  return checks;
}

// ---------------------------------------------------------------------------
// 3. The families: generated modules and the local tables in families/route
// ---------------------------------------------------------------------------

const GENERATED = ["nlctrl", "rt_addr", "rt_link", "rt_neigh", "rt_route", "rt_rule", "tc"];

interface FamilySource {
  /** Label used in messages. */
  label: string;
  family: Family;
  /** C names of attributes by set name and key, from the generated module's documentation. */
  cNames: Map<string, Map<string, { cName: string; value: number }>>;
}

/**
 * The C name the generator gave each attribute (`/** \`IFA_ADDRESS\` (1): …`), read from the
 * generated module's interface of each attribute set.
 */
function generatedCNames(file: string): FamilySource["cNames"] {
  const out: FamilySource["cNames"] = new Map();
  let set: Map<string, { cName: string; value: number }> | undefined;
  let pending: { cName: string; value: number } | undefined;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const s = /^(?:\/\*\*| \*) Attributes of set `([^`]+)`/.exec(line);
    if (s) {
      set = new Map();
      out.set(s[1], set);
      continue;
    }
    if (set === undefined) continue;
    if (line === "}") {
      set = undefined;
      continue;
    }
    const doc = /^\s+(?:\/\*\*|\*) `([A-Z][A-Z0-9_]*)` \((\d+)\):/.exec(line);
    if (doc) pending = { cName: doc[1], value: Number(doc[2]) };
    const key = /^ {2}("?)([\w$]+)\1\?:/.exec(line);
    if (key && pending) {
      set.set(key[2], pending);
      pending = undefined;
    }
  }
  return out;
}

async function familySources(): Promise<FamilySource[]> {
  const out: FamilySource[] = [];
  for (const m of GENERATED) {
    const file = path.join(ROOT, "families", "generated", `${m}.ts`);
    const mod = await import(`../families/generated/${m}.ts`);
    out.push({ label: `generated/${m}.ts`, family: mod.family, cNames: generatedCNames(file) });
  }
  const rtAddr = out.find((f) => f.label === "generated/rt_addr.ts")!;
  const tc = out.find((f) => f.label === "generated/tc.ts")!;
  // Local families (tables written in families/route), reached through their operations.
  out.push({ label: "route/mcast.ts", family: newprefix.family, cNames: rtAddr.cNames });
  out.push({ label: "route/tc.ts", family: tcOperations.newaction.family, cNames: tc.cNames });
  out.push({ label: "route/netconf.ts", family: getnetconf.family, cNames: new Map() });
  out.push({ label: "route/nsid.ts", family: nsidOperations.getnsid.family, cNames: new Map() });
  return out;
}

/** C prefix of attribute sets written by hand in families/route (no generated names). */
const LOCAL_SET_PREFIX: Record<string, string> = {
  "prefix-attrs": "PREFIX_",
  "netconf-attrs": "NETCONFA_",
  "nsid-attrs": "NETNSA_",
  "tca-root-attrs": "TCA_ROOT_",
};

/** C name of each enum entry: prefix, and the entries whose C name differs otherwise. */
const ENUM_C: Record<string, { prefix: string; names?: Record<string, string> }> = {
  "op-flags": { prefix: "GENL_" },
  "attr-type": { prefix: "NL_ATTR_TYPE_" },
  "ifa-flags": { prefix: "IFA_F_" },
  "ifinfo-flags": {
    prefix: "IFF_",
    names: {
      POINT_TO_POINT: "IFF_POINTOPOINT",
      NO_TRAILERS: "IFF_NOTRAILERS",
      NO_ARP: "IFF_NOARP",
      ALL_MULTI: "IFF_ALLMULTI",
      AUTO_MEDIA: "IFF_AUTOMEDIA",
    },
  },
  "vlan-protocols": { prefix: "ETH_P_" },
  // IFLA_INET_CONF is an array of IPV4_DEVCONF_MAX values: index i is IPV4_DEVCONF_(i + 1).
  "ipv4-devconf": { prefix: "IPV4_DEVCONF_" },
  "ipv6-devconf": { prefix: "DEVCONF_" },
  "ifla-icmp6-stats": { prefix: "ICMP6_MIB_" },
  "ifla-inet6-stats": {
    prefix: "IPSTATS_MIB_",
    names: { ECT1_PKTS: "IPSTATS_MIB_ECT1PKTS", ECT0_PKTS: "IPSTATS_MIB_ECT0PKTS" },
  },
  "vlan-flags": { prefix: "VLAN_FLAG_" },
  "ifla-vf-link-state-enum": { prefix: "IFLA_VF_LINK_STATE_" },
  "rtext-filter": { prefix: "RTEXT_FILTER_" },
  "netkit-policy": {
    prefix: "NETKIT_",
    names: { FORWARD: "NETKIT_PASS", BLACKHOLE: "NETKIT_DROP" },
  },
  "netkit-mode": { prefix: "NETKIT_" },
  "netkit-scrub": { prefix: "NETKIT_SCRUB_" },
  "ovpn-mode": { prefix: "OVPN_MODE_" },
  "nud-state": { prefix: "NUD_" },
  "ntf-flags": { prefix: "NTF_" },
  "ntf-ext-flags": { prefix: "NTF_EXT_" },
  "rtm-type": { prefix: "RTN_" },
  "fr-act": { prefix: "FR_ACT_" },
  // tc.yaml spells TCA_CLS_FLAGS_NOT_IN_HW "not-in-nw".
  "cls-flags": { prefix: "TCA_CLS_FLAGS_", names: { NOT_IN_NW: "TCA_CLS_FLAGS_NOT_IN_HW" } },
  "flower-key-ctrl-flags": {
    prefix: "TCA_FLOWER_KEY_FLAGS_",
    names: {
      FRAG: "TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT",
      FIRSTFRAG: "TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST",
      TUNCSUM: "TCA_FLOWER_KEY_FLAGS_TUNNEL_CSUM",
      TUNDF: "TCA_FLOWER_KEY_FLAGS_TUNNEL_DONT_FRAGMENT",
      TUNOAM: "TCA_FLOWER_KEY_FLAGS_TUNNEL_OAM",
      TUNCRIT: "TCA_FLOWER_KEY_FLAGS_TUNNEL_CRIT_OPT",
    },
  },
  "dualpi2-drop-overload": { prefix: "TC_DUALPI2_DROP_OVERLOAD_" },
  "dualpi2-drop-early": { prefix: "TC_DUALPI2_DROP_EARLY_" },
  "dualpi2-ecn-mask": { prefix: "TC_DUALPI2_ECN_MASK_" },
  "dualpi2-split-gso": { prefix: "TC_DUALPI2_SPLIT_GSO_" },
};

/**
 * Generated C names that are wrong: tc.yaml gives `hfsc-attrs` no name-prefix, so the
 * generator documents TC_A_HFSC_ATTRS_RSC for TCA_HFSC_RSC.
 */
const CNAME_FIX: [RegExp, string][] = [[/^TC_A_HFSC_ATTRS_/, "TCA_HFSC_"]];

/** C struct of each YNL struct whose name is not simply the YNL name with `_` for `-`. */
const STRUCT_C: Record<string, string> = {
  "gnet-estimator": "struct tc_estimator",
};
/** Prefix of the C member names of a struct (`tcm_ifindex`). */
const MEMBER_PREFIX: Record<string, string> = {
  tcmsg: "tcm_",
  tcamsg: "tca_",
  ndtmsg: "ndtm_",
  rtgenmsg: "rtgen_",
  netconfmsg: "ncm_",
  prefixmsg: "prefix_",
  "nda-cacheinfo": "ndm_",
  "ndt-config": "ndtc_",
  "ndt-stats": "ndts_",
};
/** C member names that are not the YNL name in snake_case, by `struct.member`. */
const MEMBER_C: Record<string, string> = {
  "tc-gred-qopt.DP": "DP",
  "tc-gred-qopt.Plog": "Plog",
  "tc-gred-qopt.ScellLog": "Scell_log",
  "tc-gred-qopt.Wlog": "Wlog",
  "tc-gred-sopt.DPs": "DPs",
  "tc-gred-sopt.defDP": "def_DP",
  "tc-red-qopt.Plog": "Plog",
  "tc-red-qopt.ScellLog": "Scell_log",
  "tc-red-qopt.Wlog": "Wlog",
  "tc-sfq-qopt-v1.Plog": "Plog",
  "tc-sfq-qopt-v1.ScellLog": "Scell_log",
  "tc-sfq-qopt-v1.Wlog": "Wlog",
  "tc-sfq-qopt-v1.maxP": "max_P",
};
/** Structs the YNL spec flattens: the C members are inside this union member. */
const MEMBER_PATH: Record<string, { path: string; except: string[] }> = {
  // struct tc_fq_codel_xstats { __u32 type; union { struct tc_fq_codel_qd_stats qdisc_stats; … } }
  "tc-fq-codel-xstats": { path: "qdisc_stats.", except: ["type"] },
};
/**
 * Flexible array members (`keys[0]`, `kcnts[]`) that the YNL spec models as one element: the
 * library's struct is the C struct plus one element.
 */
const FLEXIBLE: Record<string, string> = {
  "tc-u32-sel": "keys",
  "tc-u32-pcnt": "kcnts",
  "tc-pedit-sel": "keys",
};
/**
 * One-byte C headers that some of the library's tables pad to the 4-byte netlink alignment
 * (rt-rule's and route/netconf.ts's; rt-link's is 1 byte): the bytes on the wire are the same,
 * NLMSG_ALIGN pads the header anyway.
 */
const ALIGNED: Set<string> = new Set(["rtgenmsg", "netconfmsg"]);

function memberC(struct: string, member: string): string {
  const explicit = MEMBER_C[`${struct}.${member}`];
  if (explicit !== undefined) return explicit;
  const p = MEMBER_PATH[struct];
  const base = (MEMBER_PREFIX[struct] ?? "") + snake(member);
  return p !== undefined && !p.except.includes(member) ? p.path + base : base;
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());

/** Where the library puts a member: encode a value in it alone and see which bytes change. */
function probe(struct: StructType<object>, m: MemberSpec): unknown {
  if (m.struct !== undefined) return fullProbe(struct.family.struct(m.struct));
  switch (m.type) {
    case "u8":
    case "s8":
      return 0x5a;
    case "u16":
    case "s16":
      return 0x5a5a;
    case "u32":
    case "s32":
      return 0x5a5a5a5a;
    case "u64":
    case "s64":
      return 0x5a5a5a5a5a5a5a5an;
    case "string":
      return "Z".repeat(m.len!);
    default:
      return new Uint8Array(m.len!).fill(0x5a);
  }
}

function fullProbe(struct: StructType<object>): Record<string, unknown> {
  const v: Record<string, unknown> = {};
  for (const m of struct.members) if (m.type !== "pad") v[m.name] = probe(struct, m);
  return v;
}

function nonZero(b: Uint8Array): [number, number] {
  let first = -1;
  let last = -1;
  b.forEach((x, i) => {
    if (x !== 0) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return [first, last];
}

/** Offset and size of each non-pad member, as the codec lays the struct out. */
function layout(struct: StructType<object>): { name: string; offset: number; size: number }[] {
  return struct.members.filter((m) => m.type !== "pad").map((m) => {
    const bytes = struct.encode({ [m.name]: probe(struct, m) });
    let [first, last] = nonZero(bytes);
    let size = last - first + 1;
    if (m.struct !== undefined) {
      const inner = struct.family.struct(m.struct);
      first -= nonZero(inner.encode(fullProbe(inner)))[0];
      size = inner.size;
    }
    return { name: m.name, offset: first, size };
  });
}

const RAW_PREFIX = "RTM_";

async function familyChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const seenStruct = new Set<string>();
  for (const src of await familySources()) {
    const spec = src.family.spec;
    const fam = `${src.label} (${spec.name})`;
    // Enums and flags.
    for (const [name, e] of Object.entries(spec.enums ?? {})) {
      const c = ENUM_C[name];
      if (c === undefined) {
        checks.push({
          where: `${fam} enum ${name}`,
          expr: `NO_C_NAME_FOR_ENUM_${upper(name)}`,
          lib: 0,
          key: `enum ${name}`,
        });
        continue;
      }
      for (const [k, v] of Object.entries(e.entries)) {
        const cName = c.names?.[k] ?? c.prefix + k;
        const expr = name === "ipv4-devconf" ? `${cName} - 1` : cName;
        checks.push({ where: `${fam} enum ${name}.${k}`, expr, lib: v, key: cName });
      }
    }
    // Attribute sets.
    for (const [setName, attrs] of Object.entries(spec.attributeSets)) {
      const names = src.cNames.get(setName);
      for (const a of attrs) {
        if (a.type === "pad" || a.type === "unused") continue;
        let cName = names?.get(a.name)?.cName;
        for (const [re, to] of CNAME_FIX) cName = cName?.replace(re, to);
        if (cName === undefined && LOCAL_SET_PREFIX[setName] !== undefined) {
          cName = LOCAL_SET_PREFIX[setName] + upper(snake(a.name));
        }
        if (cName === undefined) {
          checks.push({
            where: `${fam} set ${setName}.${a.name}`,
            expr: `NO_C_NAME_FOR_${upper(setName)}`,
            lib: a.value,
            key: `set ${setName}`,
          });
          continue;
        }
        checks.push({
          where: `${fam} set ${setName}.${a.name}`,
          expr: cName,
          lib: a.value,
          key: cName,
        });
      }
    }
    // Structs: size, and offset and size of each member.
    for (const name of Object.keys(spec.structs ?? {})) {
      const st = src.family.struct(name);
      const cs = STRUCT_C[name] ?? `struct ${name.replace(/-/g, "_")}`;
      const id = `${cs}:${JSON.stringify(st.members)}`;
      if (seenStruct.has(id)) continue; // the same table reached through two families
      seenStruct.add(id);
      const flex = FLEXIBLE[name];
      const element = (m: string) => `sizeof(((${cs} *)0)->${m}[0])`;
      const size = ALIGNED.has(name) && st.size !== 1
        ? `NLMSG_ALIGN(sizeof(${cs}))`
        : flex !== undefined
        ? `sizeof(${cs}) + ${element(memberC(name, flex))}`
        : `sizeof(${cs})`;
      checks.push({
        where: `${fam} struct ${name} size`,
        expr: size,
        lib: st.size,
        key: cs,
        struct: cs,
      });
      for (const m of layout(st)) {
        const cm = memberC(name, m.name);
        const key = `${cs}.${cm.replace(/^.*\./, "")}`;
        const msize = m.name === flex ? element(cm) : `sizeof(((${cs} *)0)->${cm})`;
        checks.push({
          where: `${fam} struct ${name}.${m.name} offset`,
          expr: `offsetof(${cs}, ${cm})`,
          lib: m.offset,
          key,
          struct: cs,
        });
        checks.push({
          where: `${fam} struct ${name}.${m.name} size`,
          expr: msize,
          lib: m.size,
          key,
          struct: cs,
        });
      }
    }
    // Message types of operations (netlink-raw) and commands (nlctrl).
    const prefix = spec.protocol === "netlink-raw" ? RAW_PREFIX : "CTRL_CMD_";
    for (const op of src.family.operations()) {
      const base = op.name.replace(/-ntf$/, "");
      if (op.requestValue !== undefined && !op.name.endsWith("-ntf")) {
        const c = prefix + upper(base);
        checks.push({
          where: `${fam} op ${op.name} request`,
          expr: c,
          lib: op.requestValue,
          key: c,
        });
      }
      if (op.replyValue !== undefined) {
        // get* replies are new*, except for the multicast, anycast and policy dumps.
        const same = /^get(multicast|anycast|policy)$/.test(base);
        const c = prefix + upper(same ? base : base.replace(/^get/, "new"));
        checks.push({ where: `${fam} op ${op.name} reply`, expr: c, lib: op.replyValue, key: c });
      }
    }
    // Multicast groups with fixed numbers.
    for (const [g, v] of Object.entries(spec.mcastGroups ?? {})) {
      if (v === null) continue;
      const c = upper(g);
      checks.push({ where: `${fam} group ${g}`, expr: c, lib: v, key: c });
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------
// 4. C layouts used by the FFI layer (socket/socket.ts, ffi/)
// ---------------------------------------------------------------------------

/** The struct layouts of ffi/layouts.ts, member by member, with the C member names. */
const LAYOUTS: {
  name: string;
  c: string;
  table: Record<string, number>;
  members: Record<string, string>;
}[] = [
  {
    name: "SOCKADDR_NL",
    c: "struct sockaddr_nl",
    table: SOCKADDR_NL,
    members: { family: "nl_family", pid: "nl_pid", groups: "nl_groups" },
  },
  { name: "IOVEC", c: "struct iovec", table: IOVEC, members: { base: "iov_base", len: "iov_len" } },
  {
    name: "MSGHDR",
    c: "struct msghdr",
    table: MSGHDR,
    members: {
      name: "msg_name",
      namelen: "msg_namelen",
      iov: "msg_iov",
      iovlen: "msg_iovlen",
      control: "msg_control",
      controllen: "msg_controllen",
      flags: "msg_flags",
    },
  },
  {
    name: "CMSGHDR",
    c: "struct cmsghdr",
    table: CMSGHDR,
    members: { len: "cmsg_len", level: "cmsg_level", type: "cmsg_type" },
  },
  { name: "NL_PKTINFO", c: "struct nl_pktinfo", table: NL_PKTINFO, members: { group: "group" } },
];

function ffiChecks(): Check[] {
  const checks: Check[] = [];
  for (const l of LAYOUTS) {
    const where = `ffi/layouts.ts ${l.name}`;
    checks.push({ where: `${where}.size`, expr: `sizeof(${l.c})`, lib: l.table.size, key: l.c });
    for (const [k, member] of Object.entries(l.members)) {
      const expr = `offsetof(${l.c}, ${member})`;
      checks.push({ where: `${where}.${k}`, expr, lib: l.table[k], key: l.c });
    }
  }
  checks.push({
    where: "ffi/layouts.ts CMSGHDR.data",
    expr: "(long)((char *)CMSG_DATA((struct cmsghdr *)0) - (char *)0)",
    lib: CMSGHDR.data,
    key: "struct cmsghdr",
  });
  checks.push({
    where: "ffi/layouts.ts CMSGHDR.align",
    expr: "sizeof(size_t)",
    lib: CMSGHDR.align,
    key: "struct cmsghdr",
  });
  const g = globalThis as { Deno?: { build: { arch: string } }; process?: { arch: string } };
  const arch = g.Deno?.build.arch ?? g.process?.arch ?? "";
  const size = epollEventSize(arch);
  checks.push({
    where: `ffi/symbols.ts epollEventSize(${arch})`,
    expr: "sizeof(struct epoll_event)",
    lib: size,
    key: "struct epoll_event",
  });
  checks.push({
    where: `ffi/symbols.ts readyFds: data at size - 8`,
    expr: "offsetof(struct epoll_event, data)",
    lib: size - 8,
    key: "struct epoll_event",
  });
  return checks;
}

// ---------------------------------------------------------------------------
// Compile and run
// ---------------------------------------------------------------------------

const HEADERS = [
  "stdio.h",
  "stddef.h",
  "errno.h",
  "fcntl.h",
  "sched.h",
  "sys/socket.h",
  "sys/uio.h",
  "sys/epoll.h",
  "sys/eventfd.h",
  "sys/ioctl.h",
  "linux/version.h",
  "linux/netlink.h",
  "linux/genetlink.h",
  "linux/rtnetlink.h",
  "linux/if.h",
  "linux/if_link.h",
  "linux/if_addr.h",
  "linux/if_arp.h",
  "linux/if_ether.h",
  "linux/if_bridge.h",
  "linux/if_bonding.h",
  "linux/if_tunnel.h",
  "linux/if_vlan.h",
  "linux/if_tun.h",
  "linux/if_macsec.h",
  "linux/ip.h",
  "linux/ipv6.h",
  "linux/icmpv6.h",
  "linux/snmp.h",
  "linux/neighbour.h",
  "linux/fib_rules.h",
  "linux/net_namespace.h",
  "linux/netconf.h",
  "linux/veth.h",
  "linux/mpls.h",
  "linux/pkt_sched.h",
  "linux/pkt_cls.h",
  "linux/gen_stats.h",
];

/** Headers newer than some libcs' kernel headers. */
const OPTIONAL_HEADERS = ["linux/dpll.h", "linux/netkit.h"];

interface Outcome {
  /** Value printed by the C program, by check index. */
  values: Map<number, bigint>;
  /** Compiler error, by check index, for checks that did not compile. */
  errors: Map<number, string>;
  /** LINUX_VERSION_CODE of the headers. */
  headerVersion: string;
}

function run(checks: Check[]): Outcome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapi-layout-"));
  try {
    const tcAct = fs.existsSync("/usr/include/linux/tc_act")
      ? fs.readdirSync("/usr/include/linux/tc_act").filter((f) => f.endsWith(".h")).sort()
        .map((f) => `linux/tc_act/${f}`)
      : [];
    const head = ["#define _GNU_SOURCE", ...[...HEADERS, ...tcAct].map((h) => `#include <${h}>`)];
    for (const h of OPTIONAL_HEADERS) {
      head.push(`#if __has_include(<${h}>)`, `#include <${h}>`, "#endif");
    }
    const first = head.length + 1; // 1-based line of check 0
    const errors = new Map<number, string>();
    const src = path.join(dir, "uapi.c");
    const bin = path.join(dir, "uapi");
    for (let attempt = 0; attempt < 10; attempt++) {
      // One function per check, so that each use of an undeclared name gets its own error.
      const lines = checks.map((c, i) =>
        errors.has(i)
          ? `static void c${i}(void) {}`
          : `static void c${i}(void) { printf("%d %lld\\n", ${i}, (long long)(${c.expr})); }`
      );
      const main = [
        "int main(void) {",
        'printf("v %d.%d.%d\\n", LINUX_VERSION_CODE >> 16, (LINUX_VERSION_CODE >> 8) & 255,',
        "  LINUX_VERSION_CODE & 255);",
        ...checks.map((_, i) => `c${i}();`),
        "return 0;",
        "}",
        "",
      ];
      fs.writeFileSync(src, [...head, ...lines, ...main].join("\n"));
      let stderr = "";
      try {
        execFileSync(CC!, ["-std=gnu11", "-w", "-o", bin, src], {
          stdio: ["ignore", "pipe", "pipe"],
          encoding: "utf8",
          maxBuffer: 256 << 20,
        });
        const out = execFileSync(bin, [], { encoding: "utf8" });
        const values = new Map<number, bigint>();
        let headerVersion = "";
        for (const line of out.split("\n")) {
          const v = /^v (.*)$/.exec(line);
          if (v) headerVersion = v[1];
          const m = /^(\d+) (-?\d+)$/.exec(line);
          if (m) values.set(Number(m[1]), BigInt(m[2]));
        }
        return { values, errors, headerVersion };
      } catch (e) {
        stderr = String((e as { stderr?: string }).stderr ?? e);
      }
      // Attribute each error to the check on that line of uapi.c (directly, or through the
      // macro expansion notes of an error inside a header).
      const found = new Map<number, string>();
      const blocks = stderr.split(/\n(?=\S+:\d+:\d+: error: )/);
      for (const b of blocks) {
        const err = /^(\S+):(\d+):\d+: error: (.*)$/m.exec(b);
        if (!err) continue;
        let line = err[1].endsWith("uapi.c") ? Number(err[2]) : NaN;
        if (Number.isNaN(line)) {
          const note = /uapi\.c:(\d+):\d+: note: in expansion of macro/.exec(b);
          if (note) line = Number(note[1]);
        }
        const i = line - first;
        if (Number.isInteger(i) && i >= 0 && i < checks.length) found.set(i, err[3]);
      }
      if (globalThis.process?.env?.UAPI_DEBUG) console.error(stderr.slice(0, 3000));
      if (found.size === 0) throw new Error(`cc failed on the generated program:\n${stderr}`);
      for (const [i, msg] of found) errors.set(i, msg);
    }
    throw new Error("cc kept failing after dropping the names it rejected");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Compare; list every mismatch and every name the headers lack (unless declared newer). */
function verify(label: string, checks: Check[]): void {
  const r = run(checks);
  const problems: string[] = [];
  let compared = 0;
  // Structs with members the headers do not have yet: their size cannot match.
  const partial = new Set(
    checks.filter((c, i) => c.struct !== undefined && r.errors.has(i) && c.key !== c.struct)
      .map((c) => c.struct),
  );
  checks.forEach((c, i) => {
    const err = r.errors.get(i);
    if (err !== undefined) {
      if (NEWER_THAN_HEADERS[c.key] === undefined) {
        problems.push(`not in the headers (${r.headerVersion}): ${c.where} = ${c.expr}: ${err}`);
      }
      return;
    }
    const v = r.values.get(i);
    compared++;
    if (v === undefined) problems.push(`no value printed for ${c.where}`);
    else if (c.struct !== undefined && c.key === c.struct && partial.has(c.struct)) {
      if (v > BigInt(c.lib)) {
        problems.push(`MISMATCH ${c.where}: library ${c.lib} < ${c.expr} = ${v}`);
      }
    } else if (v !== BigInt(c.lib)) {
      problems.push(`MISMATCH ${c.where}: library ${c.lib}, ${c.expr} = ${v}`);
    }
  });
  assert.ok(compared > 0, `${label}: nothing compiled`);
  assert.deepEqual(problems, [], `${label}: ${problems.length} problems:\n${problems.join("\n")}`);
}

test("uAPI: the library's constants match the C headers", { skip: SKIP_CC }, () => {
  const checks = sourceConstants();
  assert.ok(checks.length > 100, `only ${checks.length} constants found`);
  verify("constants", checks);
});

test("uAPI: the library's name tables match the C headers", { skip: SKIP_CC }, () => {
  verify("tables", tableChecks());
});

test("uAPI: generated and local family tables match the C headers", { skip: SKIP_CC }, async () => {
  verify("families", await familyChecks());
});

test("uAPI: socket and epoll struct layouts match the C headers", { skip: SKIP_CC }, () => {
  verify("ffi", ffiChecks());
});
