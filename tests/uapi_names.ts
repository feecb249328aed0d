// The C names of a YNL spec's definitions, attributes, operations, constants and multicast
// groups, as the kernel's tools/net/ynl/pyynl/ynl_gen_c.py renders a uAPI header from it
// (render_uapi, EnumSet, AttrSet, Type.resolve, Operation.resolve, Family.resolve):
//
// - an enum/flags entry is c_upper(name-prefix + entry), name-prefix defaulting to
//   "<family>-<enum>-";
// - an attribute is c_upper(prefix + attr): the attribute's own name-prefix, else its set's,
//   else "<family>-a-<set>-" ("<family>-a-" for the set named like the family); a subset
//   takes its main set's (tools/ynl/c_names.ts, shared with the generator, which writes them
//   into the tables);
// - an operation is c_upper(operations.name-prefix, default "<family>-cmd-", + name), or with
//   operations.async-prefix for notifications; the directional model numbers replies apart and
//   names them "<request>_REPLY" (notifications keep their own name);
// - a constant is c_upper(name-prefix + name), or its own name when it comes from a header,
//   else "<family>-<name>";
// - a genetlink multicast group is the string define c-define-name, default
//   "<family>-mcgrp-<group>"; a raw protocol's group is its number, named as the group.
//
// Where a spec's names are not the C names (a spec written before C was generated from it),
// the differences are listed below, each with the reason.
import type { EnumDefinition, Spec } from "../tools/ynl/model.ts";
import { attrCName, cUpper, setPrefix } from "../tools/ynl/c_names.ts";

export { attrCName, cUpper, setPrefix };

/** Entry names of an enum or flags definition. */
export function entryNames(d: EnumDefinition): string[] {
  return (d.entries ?? []).map((e) => typeof e === "string" ? e : e.name);
}

/** C name of each entry of enum `d` of `spec`, by YNL entry name. */
export function enumEntryCNames(spec: Spec, d: EnumDefinition): Map<string, string> {
  const prefix = PREFIX_C[`${spec.name} ${d.name}`] ?? d["name-prefix"] ??
    `${spec.name}-${d.name}-`;
  const fix = ENTRY_C[`${spec.name} ${d.name}`] ?? {};
  return new Map(entryNames(d).map((e) => [e, fix[e] ?? cUpper(prefix + e)]));
}

/** C names of an operation's messages: the request, the reply, the notification. */
export interface OpCNames {
  request?: string;
  reply?: string;
  notification?: string;
}

/**
 * C names of the operations of a genetlink spec, by YNL name (raw protocols number their
 * messages with their own headers' names: see {@link rawOpCNames}).
 */
export function genlOpCNames(spec: Spec): Map<string, OpCNames> {
  const ops = spec.operations;
  const prefix = ops["name-prefix"] ?? `${spec.name}-cmd-`;
  const asyncPrefix = ops["async-prefix"] ?? prefix;
  const directional = ops["enum-model"] === "directional";
  const out = new Map<string, OpCNames>();
  for (const o of ops.list ?? []) {
    const ntf = o.notify !== undefined || o.event !== undefined;
    if (ntf) {
      out.set(o.name, { notification: cUpper(asyncPrefix + o.name) });
      continue;
    }
    const name = cUpper(prefix + o.name);
    let reply = name;
    if (directional) {
      // Numbered by ynl_gen_c.py: a second enum of replies, "<request>_REPLY". Numbered by
      // hand (a legacy header the spec describes): the reply is a message of the same enum,
      // the request's own or its "new" counterpart (CTRL_CMD_GETFAMILY → CTRL_CMD_NEWFAMILY).
      const request = o.do?.request?.value ?? o.dump?.request?.value;
      const replied = o.do?.reply?.value ?? o.dump?.reply?.value;
      if (replied === undefined) reply = `${name}_REPLY`;
      else if (replied !== request) reply = cUpper(prefix + o.name.replace(/(^|-)get/, "$1new"));
    }
    out.set(o.name, { request: name, reply });
  }
  return out;
}

/**
 * C names of the messages of a raw protocol's operations: the request is c_upper(name-prefix +
 * name) as in ynl_gen_c.py; rtnetlink answers a get with the matching new (RTM_GETLINK →
 * RTM_NEWLINK) except where the kernel replies with the request's type; a notification is the
 * message type it carries.
 */
export function rawOpCNames(spec: Spec): Map<string, OpCNames> {
  const ops = spec.operations;
  const prefix = ops["name-prefix"] ?? "";
  const out = new Map<string, OpCNames>();
  for (const o of ops.list ?? []) {
    const fix = RAW_OP_C[`${spec.name} ${o.name}`];
    if (fix !== undefined) {
      out.set(o.name, fix);
      continue;
    }
    const base = o.name.replace(/-ntf$/, "");
    if (o.notify !== undefined || o.event !== undefined) {
      out.set(o.name, { notification: cUpper(prefix + base) });
      continue;
    }
    const same = SAME_TYPE_REPLY.has(`${spec.name} ${o.name}`);
    out.set(o.name, {
      request: cUpper(prefix + base),
      reply: cUpper(prefix + (same ? base : base.replace(/^get/, "new"))),
    });
  }
  return out;
}

/** C name of constant `name` (with its definition's `name-prefix` and `header`). */
export function constCName(
  spec: Spec,
  d: { name: string; "name-prefix"?: string; header?: string },
): string {
  if (d["name-prefix"] !== undefined) return cUpper(d["name-prefix"] + d.name);
  if (d.header !== undefined) return cUpper(d.name);
  return CONST_C[`${spec.name} ${d.name}`] ?? cUpper(`${spec.name}-${d.name}`);
}

/** C define of a genetlink multicast group's name. */
export function groupDefine(spec: Spec, g: { name: string; "c-define-name"?: string }): string {
  return cUpper(g["c-define-name"] ?? `${spec.name}-mcgrp-${g.name}`);
}

/** C defines of a genetlink family's name and version (c-family-name, c-version-name). */
export function familyDefines(spec: Spec): { name: string; version: string } {
  return {
    name: cUpper(spec["c-family-name"] ?? `${spec.name}_FAMILY_NAME`),
    version: cUpper(spec["c-version-name"] ?? `${spec.name}_FAMILY_VERSION`),
  };
}

// ---------------------------------------------------------------------------
// Where the specs' names are not the C names
// ---------------------------------------------------------------------------

/**
 * Enums whose entries' C prefix only later headers than the installed ones declare (so an
 * overlay could not cite it against them), by "<family> <enum>".
 */
const PREFIX_C: Record<string, string> = {
  // linux/if_link.h@6.7: enum netkit_action { NETKIT_NEXT = -1, NETKIT_PASS, NETKIT_DROP, … },
  // enum netkit_mode { NETKIT_L2, NETKIT_L3 }; @6.11 enum netkit_scrub { NETKIT_SCRUB_NONE, … }.
  "rt-link netkit-policy": "netkit-",
  "rt-link netkit-mode": "netkit-",
  "rt-link netkit-scrub": "netkit-scrub-",
  // rt-link.yaml's name-prefix "ovpn-mode" lacks its dash: linux/if_link.h@6.16 OVPN_MODE_P2P.
  "rt-link ovpn-mode": "ovpn-mode-",
  // linux/ethtool.h@6.13: enum phy_upstream { PHY_UPSTREAM_MAC, PHY_UPSTREAM_PHY }.
  "ethtool phy-upstream-type": "phy-upstream-",
};

/**
 * Enum entries whose C name is not c_upper(prefix + entry), by "<family> <enum>": the specs
 * spell these entries differently from the headers (the values are right).
 */
const ENTRY_C: Record<string, Record<string, string>> = {
  // rt-link.yaml ifinfo-flags: linux/if.h net_device_flags spells these in one word.
  "rt-link ifinfo-flags": {
    "point-to-point": "IFF_POINTOPOINT",
    "no-trailers": "IFF_NOTRAILERS",
    "no-arp": "IFF_NOARP",
    "all-multi": "IFF_ALLMULTI",
    "auto-media": "IFF_AUTOMEDIA",
  },
  // rt-link.yaml ifla-inet6-stats: linux/snmp.h writes IPSTATS_MIB_ECT1PKTS.
  "rt-link ifla-inet6-stats": {
    "ect1-pkts": "IPSTATS_MIB_ECT1PKTS",
    "ect0-pkts": "IPSTATS_MIB_ECT0PKTS",
  },
  // rt-link.yaml netkit-policy: linux/if_link.h names them NETKIT_PASS and NETKIT_DROP.
  "rt-link netkit-policy": { forward: "NETKIT_PASS", blackhole: "NETKIT_DROP" },
  // tc.yaml spells TCA_CLS_FLAGS_NOT_IN_HW "not-in-nw".
  "tc cls-flags": { "not-in-nw": "TCA_CLS_FLAGS_NOT_IN_HW" },
  // tc.yaml's flower-key-ctrl-flags are short names of linux/pkt_cls.h's.
  "tc flower-key-ctrl-flags": {
    frag: "TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT",
    firstfrag: "TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST",
    tuncsum: "TCA_FLOWER_KEY_FLAGS_TUNNEL_CSUM",
    tundf: "TCA_FLOWER_KEY_FLAGS_TUNNEL_DONT_FRAGMENT",
    tunoam: "TCA_FLOWER_KEY_FLAGS_TUNNEL_OAM",
    tuncrit: "TCA_FLOWER_KEY_FLAGS_TUNNEL_CRIT_OPT",
  },
  // conntrack.yaml against linux/netfilter/nf_conntrack_tcp.h's IP_CT_* flags.
  "conntrack nf-ct-tcp-flags": {
    "challenge-ack": "IP_CT_EXP_CHALLENGE_ACK",
    maxack: "IP_CT_TCP_FLAG_MAXACK_SET",
    "simultaneous-open": "IP_CT_TCP_SIMULTANEOUS_OPEN",
    unacked: "IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED",
  },
  // conntrack.yaml against linux/netfilter/nf_conntrack_sctp.h ("cloned" is CLOSED).
  "conntrack nf-ct-sctp-state": {
    cloned: "SCTP_CONNTRACK_CLOSED",
    "shutdown-heartbeat-sent": "SCTP_CONNTRACK_HEARTBEAT_SENT",
    "shutdown-received": "SCTP_CONNTRACK_SHUTDOWN_RECD",
  },
  // "nat-clash" is the bit of IPS_UNTRACKED (the kernel reuses it; IPS_NAT_CLASH is not uAPI).
  "conntrack nf-ct-status": { "nat-clash": "IPS_UNTRACKED", "seq-adj": "IPS_SEQ_ADJUST" },
  // nftables.yaml against linux/netfilter/nf_tables.h.
  "nftables ct-keys": { "ct-id": "NFT_CT_ID" },
  "nftables meta-keys": { "l4-proto": "NFT_META_L4PROTO" },
  "nftables lookup-flags": { invert: "NFT_LOOKUP_F_INV" },
  "nftables quota-flags": { invert: "NFT_QUOTA_F_INV" },
  // The nf_tables verdicts of enum nft_verdicts, next to linux/netfilter.h's NF_*.
  // (the spec writes their u32 bit patterns: NFTA_VERDICT_CODE is a u32 holding an int)
  "nftables verdict-code": {
    continue: "(__u32)NFT_CONTINUE",
    break: "(__u32)NFT_BREAK",
    jump: "(__u32)NFT_JUMP",
    goto: "(__u32)NFT_GOTO",
    return: "(__u32)NFT_RETURN",
  },
  // nl80211.yaml against linux/nl80211.h.
  "nl80211 commands": { "unexpected-4-addr-frame": "NL80211_CMD_UNEXPECTED_4ADDR_FRAME" },
  "nl80211 feature-flags": { "no-random-mac-addr": "NL80211_FEATURE_ND_RANDOM_MAC_ADDR" },
};

/** rtnetlink gets whose replies carry the request's own message type. */
const SAME_TYPE_REPLY = new Set([
  // net/ipv6/addrconf.c inet6_dump_ifmcaddr / inet6_dump_ifacaddr
  "rt-addr getmulticast",
  "rt-addr getanycast",
  // net/sched/act_api.c: tc_dump_action and tcf_get_notify answer with RTM_GETACTION
  "tc getaction",
  // kernel/audit.c: audit_receive_msg answers AUDIT_GET and AUDIT_GET_FEATURE in kind
  "audit get",
  "audit get-feature",
  // crypto/crypto_user.c crypto_report_alg: replies are CRYPTO_MSG_GETALG
  "crypto getalg",
  // net/xfrm/xfrm_user.c xfrm_get_default: the reply is XFRM_MSG_GETDEFAULT
  "xfrm getdefault",
]);

/**
 * Raw-protocol operations whose C names the rules above do not give, by "<family> <op>":
 * nfnetlink message types are (subsystem << 8) | message, and its batch messages belong to no
 * subsystem (linux/netfilter/nfnetlink.h).
 */
const RAW_OP_C: Record<string, OpCNames> = {
  "conntrack get": {
    request: "(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET)",
    reply: "(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW)",
  },
  // The per-CPU statistics dump (net/netfilter/nf_conntrack_netlink.c ctnetlink_stat_ct_cpu).
  "conntrack get-stats": {
    request: "(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET_STATS_CPU)",
    reply: "(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET_STATS_CPU)",
  },
  // The conntrack events (specs/overlays/conntrack.messages.yaml).
  "conntrack new-ntf": { notification: "(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW)" },
  "conntrack delete-ntf": { notification: "(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE)" },
  "nftables batch-begin": { request: "NFNL_MSG_BATCH_BEGIN", reply: "NFNL_MSG_BATCH_BEGIN" },
  "nftables batch-end": { request: "NFNL_MSG_BATCH_END", reply: "NFNL_MSG_BATCH_END" },
};

// sock_diag: one message type, SOCK_DIAG_BY_FAMILY (linux/sock_diag.h), carries the requests and
// replies of every address family (the struct after the header tells them apart); only the
// inet family's request is named after it.
for (const family of ["unix", "packet", "netlink"]) {
  RAW_OP_C[`sock-diag ${family}-diag-by-family`] = {
    request: "SOCK_DIAG_BY_FAMILY",
    reply: "SOCK_DIAG_BY_FAMILY",
  };
}
for (const family of ["inet", "unix", "packet", "netlink"]) {
  RAW_OP_C[`sock-diag ${family}-diag-msg`] = { notification: "SOCK_DIAG_BY_FAMILY" };
}

/** nftables messages: (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_<OP> (linux/netfilter/nf_tables.h). */
export function nftablesOpCNames(spec: Spec): Map<string, OpCNames> {
  const out = new Map<string, OpCNames>();
  for (const o of spec.operations.list ?? []) {
    const fix = RAW_OP_C[`${spec.name} ${o.name}`];
    if (fix !== undefined) {
      out.set(o.name, fix);
      continue;
    }
    const c = (n: string) => `(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_${cUpper(n)})`;
    const reply = o.name.replace(/^get/, "new").replace(/-reset$/, "");
    out.set(o.name, { request: c(o.name), reply: c(reply) });
  }
  return out;
}

/** Constants whose C name is not "<family>-<name>", by "<family> <name>". */
const CONST_C: Record<string, string> = {};
