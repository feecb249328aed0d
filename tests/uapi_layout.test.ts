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
import {
  camelCase,
  type Family,
  type MemberSpec,
  screamingSnake,
  type StructType,
} from "../codec/ynl/mod.ts";
import { PROTOCOL_NAMES } from "../codec/constants.ts";
import { ERRNO_NAMES } from "../codec/errno.ts";
import { epollEventSize } from "../ffi/symbols.ts";
import { CMSGHDR, IOVEC, MSGHDR, NL_PKTINFO, SOCKADDR_NL } from "../ffi/layouts.ts";
import { PROTOCOLS, ROUTE_TYPES, SCOPES, TABLES } from "../families/route/_names.ts";
import { BOND_MODES, IPVLAN_MODES, MACVLAN_MODES } from "../families/route/link.ts";
import { ROUTE_PREFS } from "../families/route/route.ts";
import { RULE_ACTIONS } from "../families/route/rule.ts";
import { STATS_FILTER } from "../families/route/stats.ts";
import { ETH_P, TC_ACT, TC_H } from "../families/route/tc/mod.ts";
import { WATCH_GROUPS } from "../families/route/watch.ts";
import * as generated from "../families/generated/mod.ts";
import { FAMILIES, RAW_PROTOCOLS } from "../families/generated/registry.ts";
import { attributeCName } from "../client/attribute_path.ts";
import { SpecsFolder } from "../tools/ynl/load.ts";
import type { Spec } from "../tools/ynl/model.ts";
import {
  attrCName,
  constCName,
  cUpper,
  enumEntryCNames,
  familyDefines,
  genlOpCNames,
  groupDefine,
  nftablesOpCNames,
  rawOpCNames,
} from "./uapi_names.ts";
import { CHANGED_AFTER_HEADERS, NEWER_THAN_HEADERS, NOT_IN_UAPI } from "./uapi_allow.ts";

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
   * not compile is accepted only when its key is in tests/uapi_allow.ts.
   */
  key: string;
  /**
   * For struct layouts, the C struct: its size is compared only if every member compiled
   * (headers older than the library's table have a shorter struct).
   */
  struct?: string;
  /** The uAPI header the name belongs to (a family's `uapi-header`). */
  header?: string;
}

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
  U32_MAX: "UINT32_MAX of stdint.h, not a kernel header",
  BITS_PER_BYTE: "bits in a byte (tc's rate and size units)",
  U32_MAX_KEYS: "iproute2 tc/f_u32.c's selector buffer (struct tc_u32_key keys[128])",
  HTB_DEFAULT_R2Q: "iproute2 tc/q_htb.c's default rate2quantum",
  HTB_DEFAULT_MTU: "iproute2 tc/q_htb.c's default MTU for rate tables",
  VERSION_SHIFT: "tc/q_htb.c prints tc_htb_glob.version as major (high 16 bits).minor",
  IPV4_BYTES: "bytes of an IPv4 address (sizeof(struct in_addr))",
  IPV6_BYTES: "bytes of an IPv6 address (sizeof(struct in6_addr))",
  REALM_BITS: "RTA_FLOW holds two 16-bit realms (iproute2 print_rta_flow: flow >> 16)",
  REALM_MASK: "RTA_FLOW's destination realm, its low 16 bits (iproute2: flow & 0xFFFF)",
  RTAB_DEFAULT_MTU: "iproute2 tc/tc_core.c tc_calc_rtable's default MTU",
  RTAB_CELL_ALIGN: "iproute2 tc/tc_core.c tc_calc_rtable's cell_align",
  MAX_DEPTH: "the decoder's own limit on attribute-set nesting",
  SUBSCRIPTION_RECEIVE_BUFFER: "the library's default receive buffer for subscribing sockets",
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
) NOT_UAPI[k] = "codec/ynl/compile.ts's own kinds of compiled attributes";

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
    // The generated modules' numbers are compared by their specs' C names (section 3).
    if (file.startsWith("families/generated/")) continue;
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
    // The registry's protocol names are linux/netlink.h's without NETLINK_ (fib_lookup: 10).
    ...table("registry.ts RAW_PROTOCOLS", RAW_PROTOCOLS, (k) => `NETLINK_${upper(k)}`),
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
// 3. The families: every generated module, against the C names of its spec
// ---------------------------------------------------------------------------

const SPECS = new SpecsFolder(path.join(ROOT, "specs"));

interface FamilySource {
  /** Label used in messages. */
  label: string;
  /** The generated module's family (its values are what is compared). */
  family: Family;
  /** The spec it was generated from, merged with its overlays (its names give the C names). */
  spec: Spec;
  /** Everything the generated module exports. */
  exports: Readonly<Record<string, unknown>>;
}

/** Every family of the manifest, its generated module and its merged spec. */
function familySources(): FamilySource[] {
  const modules = new Map<string, Readonly<Record<string, unknown>> & { family: Family }>(
    Object.values(generated).map((ns) => [ns.family.name, ns]),
  );
  // A family not generated yet is tests/ynl_gen.test.ts's to report.
  return SPECS.manifest.families.flatMap((file) => {
    const spec = SPECS.load(file).spec;
    const ns = modules.get(spec.name);
    if (ns === undefined) return [];
    const module = FAMILIES[spec.name as keyof typeof FAMILIES]?.module ?? file;
    return [{ label: `generated/${module}.ts`, family: ns.family, spec, exports: ns }];
  });
}

/** Whether the installed `header` was rendered by ynl_gen_c.py (its defaults name things). */
function ynlGenerated(header: string): boolean {
  const p = path.join("/usr/include", header);
  return fs.existsSync(p) && fs.readFileSync(p, "utf8").includes("YNL-GEN uapi header");
}

/** Raw protocol families whose spec names no uAPI header (ynl_gen_c.py generates none). */
const UAPI_HEADER: Record<string, string> = {
  conntrack: "linux/netfilter/nfnetlink_conntrack.h",
  nftables: "linux/netfilter/nf_tables.h",
};

/** The uAPI header of a spec (ynl_gen_c.py: uapi-header, default linux/<family>.h). */
function uapiHeader(spec: Spec): string {
  return spec["uapi-header"] ?? UAPI_HEADER[spec.name] ?? `linux/${spec.name.replace(/-/g, "_")}.h`;
}

/** C struct of each YNL struct whose name is not simply the YNL name with `_` for `-`. */
const STRUCT_C: Record<string, string> = {
  "gnet-estimator": "struct tc_estimator",
  // linux/openvswitch.h
  "datapath-stats": "struct ovs_dp_stats",
  "megaflow-stats": "struct ovs_dp_megaflow_stats",
  "vport-stats": "struct ovs_vport_stats",
  // linux/nl80211.h
  "sta-flag-update": "struct nl80211_sta_flag_update",
  // linux/netfilter/nf_conntrack_tcp.h
  "nf-ct-tcp-flags-mask": "struct nf_ct_tcp_flags",
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
  "--kernel-timespec": "tv_",
};
/**
 * C member names that are not the YNL name in snake_case, by `struct.member`; null for padding
 * that genetlink-legacy specs must write as a binary member (C has no member there).
 */
const MEMBER_C: Record<string, string | null> = {
  "tc-dualpi2-xstats.pktsInC": "packets_in_c",
  "tc-dualpi2-xstats.pktsInL": "packets_in_l",
  "tc-dualpi2-xstats.stepMark": "step_marks",
  "megaflow-stats.padding": "pad0",
  "ovs-action-push-mpls.pad": null,
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
/**
 * Members that are C bit fields, by `struct.member`: YNL has no bit fields, so the spec gives
 * the byte that holds them one member (sock-diag's struct tcp_info). offsetof() cannot take a
 * bit field: the C program sets each field in a zeroed struct and reports the byte that changed.
 */
const BITFIELDS: Record<string, string[]> = {
  "tcp-info.tcpiWscale": ["tcpi_snd_wscale", "tcpi_rcv_wscale"],
  "tcp-info.tcpiAppLimitedTfo": ["tcpi_delivery_rate_app_limited", "tcpi_fastopen_client_fail"],
};

/** C: the offset of the byte that setting bit fields `fields` of `cs` (all ones) changes. */
function bitfieldByte(cs: string, fields: string[]): string {
  const set = fields.map((f) => `t_.${f} = -1;`).join(" ");
  return `({ ${cs} t_; memset(&t_, 0, sizeof t_); ${set} int i_ = 0; ` +
    "while (i_ < (int)sizeof t_ && !((unsigned char *)&t_)[i_]) i_++; i_; })";
}

/** C: how many bytes setting bit fields `fields` of `cs` changes. */
function bitfieldBytes(cs: string, fields: string[]): string {
  const set = fields.map((f) => `t_.${f} = -1;`).join(" ");
  return `({ ${cs} t_; memset(&t_, 0, sizeof t_); ${set} int n_ = 0; ` +
    "for (int i_ = 0; i_ < (int)sizeof t_; i_++) n_ += ((unsigned char *)&t_)[i_] != 0; n_; })";
}

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
  if (explicit !== undefined && explicit !== null) return explicit;
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

function familyChecks(): Check[] {
  const checks: Check[] = [];
  const seenStruct = new Set<string>();
  for (const src of familySources()) {
    const { family, spec } = src;
    const compiled = family.spec;
    const fam = `${src.label} (${spec.name})`;
    const header = uapiHeader(spec);
    const add = (
      where: string,
      expr: string,
      lib: number | bigint | undefined,
      key: string,
      from = header,
    ) => {
      assert.ok(lib !== undefined, `${fam}: no value for ${where}`);
      checks.push({ where: `${fam} ${where}`, expr, lib, key, header: from });
    };
    for (const d of spec.definitions ?? []) {
      // Enums and flags: every entry.
      if (d.type === "enum" || d.type === "flags") {
        const values = compiled.enums?.[d.name]?.entries;
        for (const [e, cName] of enumEntryCNames(spec, d)) {
          // IFLA_INET_CONF is an array of IPV4_DEVCONF_MAX values: index i is
          // IPV4_DEVCONF_(i + 1).
          const expr = d.name === "ipv4-devconf" ? `${cName} - 1` : cName;
          add(`enum ${d.name}.${e}`, expr, values?.[screamingSnake(e)], cName, d.header ?? header);
        }
      } else if (d.type === "const" && typeof d.value === "number") {
        const cName = constCName(spec, d);
        add(`const ${d.name}`, cName, d.value, cName, d.header ?? header);
      }
    }
    // Attribute sets (a subset has its main set's numbers and names).
    for (const set of spec["attribute-sets"] ?? []) {
      if (set["subset-of"] !== undefined) continue;
      const attrs = compiled.attributeSets[set.name] ?? [];
      for (const a of set.attributes ?? []) {
        if (a.type === "pad" || a.type === "unused") continue;
        // The C name the tables carry (what error paths print), compiled against the headers.
        const entry = attrs.find((x) => x.name === camelCase(a.name));
        const cName = entry === undefined
          ? attrCName(spec, set, a)
          : attributeCName(family, set.name, entry) ?? "(no C name in the tables)";
        assert.equal(cName, attrCName(spec, set, a), `${fam}: C name of ${set.name}.${a.name}`);
        add(`set ${set.name}.${a.name}`, cName, entry?.value, cName);
      }
    }
    // Structs: size, and offset and size of each member.
    for (const name of Object.keys(compiled.structs ?? {})) {
      const st = family.struct(name);
      const cs = STRUCT_C[name] ?? `struct ${name.replace(/-/g, "_")}`;
      const id = `${cs}:${JSON.stringify(st.members)}`;
      if (seenStruct.has(id)) continue; // the same table in two families
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
        header,
      });
      for (const m of layout(st)) {
        if (MEMBER_C[`${name}.${m.name}`] === null) continue;
        const bits = BITFIELDS[`${name}.${m.name}`];
        if (bits !== undefined) {
          for (const f of bits) {
            checks.push({
              where: `${fam} struct ${name}.${m.name} (bit field ${f}) byte`,
              expr: bitfieldByte(cs, [f]),
              lib: m.offset,
              key: `${cs}.${f}`,
              struct: cs,
              header,
            });
          }
          checks.push({
            where: `${fam} struct ${name}.${m.name} (bit fields ${bits.join(", ")}) size`,
            expr: bitfieldBytes(cs, bits),
            lib: m.size,
            key: `${cs}.${bits[0]}`,
            struct: cs,
            header,
          });
          continue;
        }
        const cm = memberC(name, m.name);
        const key = `${cs}.${cm.replace(/^.*\./, "")}`;
        const msize = m.name === flex ? element(cm) : `sizeof(((${cs} *)0)->${cm})`;
        checks.push({
          where: `${fam} struct ${name}.${m.name} offset`,
          expr: `offsetof(${cs}, ${cm})`,
          lib: m.offset,
          key,
          struct: cs,
          header,
        });
        checks.push({
          where: `${fam} struct ${name}.${m.name} size`,
          expr: msize,
          lib: m.size,
          key,
          struct: cs,
          header,
        });
      }
    }
    // Operations: the message type or command of each request, reply and notification.
    const raw = spec.protocol === "netlink-raw";
    const opNames = !raw
      ? genlOpCNames(spec)
      : spec.name === "nftables"
      ? nftablesOpCNames(spec)
      : rawOpCNames(spec);
    for (const op of family.operations()) {
      const c = opNames.get(op.name);
      assert.ok(c, `${fam}: operation ${op.name} not in the spec`);
      // The name of a message (the last one in "(SUBSYS << 8 | MESSAGE)").
      const key = (e: string) => e.match(/[A-Z][A-Z0-9_]+/g)?.at(-1) ?? e;
      if (c.notification !== undefined) {
        add(`op ${op.name} notification`, c.notification, op.replyValue, key(c.notification));
        continue;
      }
      if (c.request !== undefined && op.requestValue !== undefined) {
        add(`op ${op.name} request`, c.request, op.requestValue, key(c.request));
      }
      const replies = op.spec.do?.reply !== undefined || op.spec.dump?.reply !== undefined;
      if (c.reply !== undefined && op.replyValue !== undefined && (raw || replies)) {
        add(`op ${op.name} reply`, c.reply, op.replyValue, key(c.reply));
      }
    }
    // Multicast groups: raw protocols' numbers; genetlink's names (string defines).
    for (const g of spec["mcast-groups"]?.list ?? []) {
      if (raw) {
        const cName = cUpper(g["c-define-name"] ?? g.name);
        add(`group ${g.name}`, cName, compiled.mcastGroups?.[g.name] ?? undefined, cName);
      } else {
        const define = groupDefine(spec, g);
        add(`group ${g.name}`, `!strcmp(${define}, ${JSON.stringify(g.name)})`, 1, define);
      }
    }
    // A genetlink family's name and version defines: named by the spec, or by ynl_gen_c.py's
    // defaults in a header it generated.
    if (!raw && (spec["c-family-name"] !== undefined || ynlGenerated(header))) {
      const d = familyDefines(spec);
      add("family name", `!strcmp(${d.name}, ${JSON.stringify(spec.name)})`, 1, d.name);
      add("family version", d.version, compiled.version ?? 1, d.version);
    }
    // Every number the module exports under its own name (constants, message types and
    // commands, group numbers) is the C name of that value: IPCTNL_MSG_CT_GET is 1, not the
    // 0x101 of the wire, and a name no header declares (UNIX_DIAG_BY_FAMILY) fails.
    for (const [name, value] of Object.entries(src.exports)) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) continue;
      if (typeof value === "number") add(`export ${name}`, name, value, name);
      else if (typeof value === "string") {
        add(`export ${name}`, `!strcmp(${name}, ${JSON.stringify(value)})`, 1, name);
      }
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
  // Before any linux/ header, so that linux/libc-compat.h leaves glibc's definitions alone
  // (linux/mptcp.h includes linux/in.h).
  "netinet/in.h",
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
  "linux/filter.h",
  "string.h",
  "linux/ethtool_netlink.h",
  "linux/devlink.h",
  "linux/nl80211.h",
  "linux/wireguard.h",
  "linux/if_team.h",
  "linux/openvswitch.h",
  "linux/mptcp.h",
  "linux/tcp_metrics.h",
  "linux/netfilter/nfnetlink.h",
  "linux/netfilter/nfnetlink_conntrack.h",
  "linux/netfilter/nf_tables.h",
  "linux/sock_diag.h",
  "linux/inet_diag.h",
  "linux/unix_diag.h",
  "linux/packet_diag.h",
  "linux/netlink_diag.h",
  // struct tcp_info, TCPI_OPT_* (specs/local/sock-diag.yaml); linux/tcp.h leaves glibc's
  // netinet/tcp.h alone (it is not included here).
  "linux/tcp.h",
  // BPF_TCP_* (sock-diag's tcp-state): the TCP states as the kernel numbers them.
  "linux/bpf.h",
  "linux/connector.h",
  "linux/cn_proc.h",
  "linux/time_types.h",
  "linux/netfilter.h",
  "linux/netfilter/nf_conntrack_common.h",
  "linux/netfilter/nf_conntrack_tcp.h",
  "linux/netfilter/nf_conntrack_sctp.h",
  "linux/netfilter/nf_conntrack_tuple_common.h",
  "linux/netfilter/nf_nat.h",
  "linux/netfilter/nf_tables_compat.h",
  "linux/audit.h",
  "linux/xfrm.h",
  "linux/cryptouser.h",
];

/**
 * Headers later kernels added, with the release that added them: included when installed; a
 * name of a family whose header is not installed cannot be compared and is accepted.
 */
const OPTIONAL_HEADERS: Record<string, string> = {
  "linux/ethtool_netlink_generated.h": "6.15",
  "linux/netkit.h": "6.7",
  "linux/dpll.h": "6.7",
  "linux/netdev.h": "6.3",
  "linux/handshake.h": "6.5",
  "linux/mptcp_pm.h": "6.7",
  "linux/net_shaper.h": "6.13",
};

interface Outcome {
  /** Value printed by the C program, by check index. */
  values: Map<number, bigint>;
  /** Compiler error, by check index, for checks that did not compile. */
  errors: Map<number, string>;
  /** LINUX_VERSION_CODE of the headers. */
  headerVersion: string;
}

/**
 * UAPI_INCLUDE=dir1:dir2 searches other uAPI headers first (e.g. a newer linux-libc-dev
 * unpacked with `dpkg-deb -x`), to see which names a later release declares and with what
 * values; the allow-list below is checked that way.
 */
const EXTRA_INCLUDES: string[] = (globalThis.process?.env?.UAPI_INCLUDE ?? "").split(":")
  .filter((d) => d !== "").flatMap((d) => ["-I", d]);

/**
 * Headers that cannot be included with the kernel's (glibc's netinet/icmp6.h redefines
 * linux/icmpv6.h's structs): their checks are compiled in a program of their own.
 */
const SEPARATE_HEADERS = new Set(["netinet/icmp6.h"]);

/**
 * The #include lines of the main program: the fixed list, and the uAPI header of every family
 * checked (a family added by one manifest line needs no edit here).
 */
function mainHead(checks: readonly Check[]): string[] {
  const tcAct = fs.existsSync("/usr/include/linux/tc_act")
    ? fs.readdirSync("/usr/include/linux/tc_act").filter((f) => f.endsWith(".h")).sort()
      .map((f) => `linux/tc_act/${f}`)
    : [];
  const head = ["#define _GNU_SOURCE", ...[...HEADERS, ...tcAct].map((h) => `#include <${h}>`)];
  const known = new Set([...HEADERS, ...tcAct, ...SEPARATE_HEADERS]);
  const families = checks.map((c) => c.header).filter((h): h is string =>
    h !== undefined && !known.has(h)
  );
  for (const h of new Set([...Object.keys(OPTIONAL_HEADERS), ...families])) {
    head.push(`#if __has_include(<${h}>)`, `#include <${h}>`, "#endif");
  }
  return head;
}

/** Compile and run the checks: those of a separate header in a program of their own. */
function run(checks: Check[]): Outcome {
  const units = new Map<string, number[]>();
  checks.forEach((c, i) => {
    const unit = c.header !== undefined && SEPARATE_HEADERS.has(c.header) ? c.header : "";
    units.set(unit, [...(units.get(unit) ?? []), i]);
  });
  const out: Outcome = { values: new Map(), errors: new Map(), headerVersion: "" };
  for (const [unit, indexes] of units) {
    const head = unit === ""
      ? mainHead(checks)
      : ["#include <stdio.h>", "#include <linux/version.h>", `#include <${unit}>`];
    const r = runUnit(indexes.map((i) => checks[i]), head);
    r.values.forEach((v, j) => out.values.set(indexes[j], v));
    r.errors.forEach((e, j) => out.errors.set(indexes[j], e));
    if (unit === "") out.headerVersion = r.headerVersion;
  }
  return out;
}

function runUnit(checks: Check[], head: string[]): Outcome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "uapi-layout-"));
  try {
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
        execFileSync(CC!, ["-std=gnu11", "-w", ...EXTRA_INCLUDES, "-o", bin, src], {
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

/** Whether header version "a.b.c" is older than release "x.y". */
function olderThan(version: string, release: string): boolean {
  const [a, b] = version.split(".").map(Number);
  const [x, y] = release.split(".").map(Number);
  return a < x || (a === x && b < y);
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
      const missing = c.header !== undefined && OPTIONAL_HEADERS[c.header] !== undefined &&
        !fs.existsSync(path.join("/usr/include", c.header));
      if (
        NEWER_THAN_HEADERS[c.key] === undefined && NOT_IN_UAPI[c.key] === undefined && !missing
      ) {
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
      const since = CHANGED_AFTER_HEADERS[c.key];
      if (since === undefined || !olderThan(r.headerVersion, since)) {
        problems.push(`MISMATCH ${c.where}: library ${c.lib}, ${c.expr} = ${v}`);
      }
    }
  });
  // UAPI_MISSING_OUT=file lists the names the headers lack (to review the allow-list).
  const out = globalThis.process?.env?.UAPI_MISSING_OUT;
  if (out) {
    const missing = checks.filter((_, i) => r.errors.has(i)).map((c) => `${c.key}\t${c.header}`);
    fs.writeFileSync(`${out}.${label}`, [...new Set(missing)].sort().join("\n") + "\n");
  }
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

test("uAPI: generated family tables match the C headers", { skip: SKIP_CC }, () => {
  verify("families", familyChecks());
});

test("uAPI: socket and epoll struct layouts match the C headers", { skip: SKIP_CC }, () => {
  verify("ffi", ffiChecks());
});
