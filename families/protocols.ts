/**
 * Every netlink protocol number (0–31, `MAX_LINKS` in linux/netlink.h): its name, what the
 * kernel does with it, what this library offers for it, and — when opening it fails — why.
 *
 * A protocol either has a kernel socket (built in, or only with a kernel option), has none by
 * design (`NETLINK_USERSOCK`, numbers reserved or never assigned), or had one that was removed
 * from Linux. {@link openProtocol} opens a socket like `NetlinkSocket.open` and turns a bare
 * `EPROTONOSUPPORT` into a {@link ProtocolUnavailableError} that says which of these it is.
 *
 * @example
 * ```ts
 * import { openProtocol, PROTOCOLS, ProtocolUnavailableError } from "@netlink/netlink/protocols";
 * console.log(PROTOCOLS[3].removedIn); // "3.5"
 * try {
 *   await using sock = await openProtocol("NETLINK_FIREWALL");
 * } catch (e) {
 *   if (e instanceof ProtocolUnavailableError) console.log(e.reason);
 *   // "NETLINK_FIREWALL (3) was removed from Linux in 3.5: …"
 * }
 * ```
 *
 * @module
 */
import { NetlinkError } from "../codec/netlink_error.ts";
import { NetlinkSocket, type OpenOptions } from "../socket/socket.ts";

/**
 * What the kernel does with a protocol number:
 *
 * - `kernel`: a kernel subsystem registers it; built into every kernel that has the subsystem
 *   (`config` names the options, if any);
 * - `user`: no kernel socket by design, for user-space peers (`NETLINK_USERSOCK`);
 * - `removed`: it had a kernel user that Linux removed (`removedIn`);
 * - `reserved`: defined or reserved in linux/netlink.h but registered by no kernel code;
 * - `unassigned`: no name in linux/netlink.h.
 */
export type ProtocolStatus = "kernel" | "user" | "removed" | "reserved" | "unassigned";

/** One protocol number. */
export interface ProtocolInfo {
  /** The number (`socket(AF_NETLINK, SOCK_RAW, number)`). */
  readonly number: number;
  /** Today's `linux/netlink.h` name, or `PROTOCOL_<n>` for an unassigned number. */
  readonly name: string;
  /** Older names of the same number (`NETLINK_W1`, `NETLINK_INET_DIAG`, …). */
  readonly aliases: readonly string[];
  /** What it is for. */
  readonly description: string;
  /** See {@link ProtocolStatus}. */
  readonly status: ProtocolStatus;
  /** Kernel version that added it, when known. */
  readonly since?: string;
  /** Last kernel version that had it, for `removed` protocols. */
  readonly lastIn?: string;
  /** First kernel version without it, for `removed` protocols. */
  readonly removedIn?: string;
  /** Kernel options that register it (any one of them), for optional subsystems. */
  readonly config?: readonly string[];
  /** The loadable module that registers it, when the option is `=m`. */
  readonly module?: string;
  /**
   * The kernel socket exists in the initial network namespace only: elsewhere the socket opens
   * but sending to the kernel fails with `ECONNREFUSED`, and nothing is received.
   */
  readonly initialNamespaceOnly?: boolean;
  /** What the number meant in older kernels, under the names of {@link aliases}. */
  readonly history?: string;
  /** What this library offers for it. */
  readonly offers: string;
  /** Where the facts come from. */
  readonly source: string;
}

const MAN = "netlink(7) (man-pages 6.03)";
const HDR = "linux/netlink.h";

function p(
  number: number,
  name: string,
  status: ProtocolStatus,
  description: string,
  offers: string,
  source: string,
  more: Partial<ProtocolInfo> = {},
): ProtocolInfo {
  return Object.freeze({
    number,
    name,
    aliases: Object.freeze([...(more.aliases ?? [])]),
    description,
    status,
    offers,
    source,
    ...more,
  }) as ProtocolInfo;
}

const KNOWN: ProtocolInfo[] = [
  p(
    0,
    "NETLINK_ROUTE",
    "kernel",
    "Routing and link configuration (rtnetlink)",
    "Rtnl and the rt-* and tc families; examples/ip.ts",
    `${HDR}; ${MAN}`,
  ),
  p(
    1,
    "NETLINK_UNUSED",
    "reserved",
    "Formerly the 1-wire subsystem (NETLINK_W1), which moved to the connector (CN_W1_IDX)",
    "nothing: no kernel socket",
    `${HDR} ("Unused number"); ${MAN}: "NETLINK_W1 (Linux 2.6.13 to Linux 2.16.17)"`,
    {
      aliases: ["NETLINK_W1", "NETLINK_SKIP"],
      lastIn: "2.6.17",
      history:
        "NETLINK_SKIP (reserved for ENskip) in Linux 2.2/2.4; NETLINK_W1 (1-wire) until 2.6.17",
    },
  ),
  p(
    2,
    "NETLINK_USERSOCK",
    "user",
    "Reserved for user-mode socket protocols: peers are user-space sockets, the kernel answers nothing",
    "NetlinkSocket between user-space peers (send to a port id or group, subscribe, ack)",
    `${HDR}; ${MAN}`,
  ),
  p(
    3,
    "NETLINK_FIREWALL",
    "removed",
    "ip_queue: IPv4 packets from netfilter to user space",
    "nothing: use NETLINK_NETFILTER's nfnetlink_queue",
    `${HDR} ("formerly ip_queue"); ${MAN}: "up to and including Linux 3.4", removed by commit d16cf20e2f2f`,
    { lastIn: "3.4", removedIn: "3.5" },
  ),
  p(
    4,
    "NETLINK_SOCK_DIAG",
    "kernel",
    "Socket monitoring (inet_diag, unix_diag, packet_diag, netlink_diag, …)",
    "SockDiag (@netlink/netlink/sock-diag) on the sock_diag family; examples/ss.ts",
    `${HDR}; ${MAN}: "since Linux 3.3" (NETLINK_INET_DIAG since 2.6.14)`,
    { aliases: ["NETLINK_INET_DIAG", "NETLINK_TCPDIAG"], since: "2.6.14" },
  ),
  p(
    5,
    "NETLINK_NFLOG",
    "removed",
    "ipt_ULOG: netfilter/iptables packet logging",
    "nothing: use NETLINK_NETFILTER's nfnetlink_log",
    `${HDR}; ${MAN}: "up to and including Linux 3.16"`,
    { lastIn: "3.16", removedIn: "3.17" },
  ),
  p(
    6,
    "NETLINK_XFRM",
    "kernel",
    "IPsec: security associations and policies (xfrm)",
    "the xfrm family and Xfrm (@netlink/netlink/xfrm); `ip.ts xfrm state|policy`",
    `${HDR}; linux/xfrm.h`,
    { config: ["CONFIG_XFRM_USER"], module: "xfrm_user" },
  ),
  p(
    7,
    "NETLINK_SELINUX",
    "kernel",
    "SELinux notifications (SELNL_MSG_SETENFORCE, SELNL_MSG_POLICYLOAD on group SELNLGRP_AVC)",
    "NetlinkSocket: the kernel only multicasts; sending to it fails with ECONNREFUSED",
    `${HDR}; linux/selinux_netlink.h; ${MAN}: "since Linux 2.6.4"`,
    { since: "2.6.4", config: ["CONFIG_SECURITY_SELINUX"], initialNamespaceOnly: true },
  ),
  p(
    8,
    "NETLINK_ISCSI",
    "kernel",
    "Open-iSCSI transport (scsi_transport_iscsi)",
    "NetlinkSocket (raw messages)",
    `${HDR}; ${MAN}: "since Linux 2.6.15"`,
    {
      since: "2.6.15",
      config: ["CONFIG_SCSI_ISCSI_ATTRS"],
      module: "scsi_transport_iscsi",
      aliases: ["NETLINK_ARPD"],
      history: "NETLINK_ARPD (the ARP daemon for big switched networks) in Linux 2.2/2.4",
    },
  ),
  p(
    9,
    "NETLINK_AUDIT",
    "kernel",
    "The audit subsystem: status, features, rules, the audit log",
    "the audit family, Audit and AuditLog (@netlink/netlink/audit), read-only",
    `${HDR}; linux/audit.h; ${MAN}: "since Linux 2.6.6"`,
    { since: "2.6.6", config: ["CONFIG_AUDIT"] },
  ),
  p(
    10,
    "NETLINK_FIB_LOOKUP",
    "kernel",
    "IPv4 FIB lookup from user space (struct fib_result_nl)",
    "the fib-lookup family and FibLookup (@netlink/netlink/fib-lookup)",
    `${HDR}; net/ipv4/fib_frontend.c nl_fib_input; ${MAN}: "since Linux 2.6.13"`,
    { since: "2.6.13" },
  ),
  p(
    11,
    "NETLINK_CONNECTOR",
    "kernel",
    "Kernel connector: process events (cn_proc) and other connector users",
    "the connector family and ProcEvents (@netlink/netlink/connector); examples/proc_events.ts",
    `${HDR}; linux/connector.h; drivers/connector/connector.c (init_net only); ${MAN}: "since Linux 2.6.14"`,
    {
      since: "2.6.14",
      config: ["CONFIG_CONNECTOR"],
      initialNamespaceOnly: true,
      aliases: ["NETLINK_ROUTE6"],
      history: "NETLINK_ROUTE6 (the IPv6 routing channel) in Linux 2.2/2.4",
    },
  ),
  p(
    12,
    "NETLINK_NETFILTER",
    "kernel",
    "Netfilter (nfnetlink): conntrack, nftables, queue, log, …",
    "Conntrack (@netlink/netlink/conntrack) and Nftables (@netlink/netlink/nftables) on the conntrack and nftables families; examples/conntrack.ts, examples/nft.ts",
    `${HDR}; ${MAN}: "since Linux 2.6.14"`,
    { since: "2.6.14", config: ["CONFIG_NETFILTER_NETLINK"], module: "nfnetlink" },
  ),
  p(
    13,
    "NETLINK_IP6_FW",
    "removed",
    "ip6_queue: IPv6 packets from netfilter to user space",
    "nothing: use NETLINK_NETFILTER's nfnetlink_queue",
    `${HDR}; ${MAN}: "up to and including Linux 3.4"`,
    { lastIn: "3.4", removedIn: "3.5" },
  ),
  p(
    14,
    "NETLINK_DNRTMSG",
    "removed",
    "DECnet routing messages",
    "nothing",
    `${HDR} ("DECnet routing messages (obsolete)"); DECnet was removed in Linux 6.1 (commit 1202cdd66531)`,
    { lastIn: "6.0", removedIn: "6.1" },
  ),
  p(
    15,
    "NETLINK_KOBJECT_UEVENT",
    "kernel",
    "Kernel uevents (device add/remove/change) to user space",
    "UeventMonitor (kernel and udev events, forged ones dropped); examples/uevent_monitor.ts",
    `${HDR}; ${MAN}: "since Linux 2.6.10"`,
    { since: "2.6.10" },
  ),
  p(
    16,
    "NETLINK_GENERIC",
    "kernel",
    "Generic netlink: families resolved by name (nlctrl)",
    "Client with every generic netlink family of specs/ (ethtool, netdev, devlink, …)",
    `${HDR}; ${MAN}: "since Linux 2.6.15"`,
    { since: "2.6.15" },
  ),
  p(
    17,
    "NETLINK_DM",
    "reserved",
    "Left free for device-mapper events, which never used it",
    "nothing: no kernel socket",
    `${HDR}: "leave room for NETLINK_DM (DM Events)"`,
  ),
  p(
    18,
    "NETLINK_SCSITRANSPORT",
    "kernel",
    "SCSI transport events (scsi_netlink)",
    "NetlinkSocket (raw messages)",
    `${HDR}; drivers/scsi/scsi_netlink.c; ${MAN}: "since Linux 2.6.19"`,
    {
      since: "2.6.19",
      config: ["CONFIG_SCSI_NETLINK"],
      module: "scsi_mod",
      initialNamespaceOnly: true,
    },
  ),
  p(
    19,
    "NETLINK_ECRYPTFS",
    "removed",
    "eCryptfs's user-space key daemon transport",
    "nothing: eCryptfs talks to ecryptfsd through /dev/ecryptfs since its netlink transport was removed",
    `${HDR}; commit 624ae5284516 "eCryptfs: Remove netlink transport" (Linux 2.6.32)`,
    { lastIn: "2.6.31", removedIn: "2.6.32" },
  ),
  p(
    20,
    "NETLINK_RDMA",
    "kernel",
    "RDMA / InfiniBand (rdma netlink: `rdma` tool)",
    "NetlinkSocket (raw messages)",
    `${HDR}; drivers/infiniband/core/netlink.c; ${MAN}: "since Linux 3.0"`,
    { since: "3.0", config: ["CONFIG_INFINIBAND"], module: "ib_core" },
  ),
  p(
    21,
    "NETLINK_CRYPTO",
    "kernel",
    "Crypto API: the kernel's algorithms, their drivers and priorities (crypto_user)",
    "the crypto family and cryptoAlgorithms() (@netlink/netlink/crypto)",
    `${HDR}; linux/cryptouser.h; crypto/crypto_user.c; ${MAN}: "since Linux 3.2"`,
    { since: "3.2", config: ["CONFIG_CRYPTO_USER"], module: "crypto_user" },
  ),
  p(
    22,
    "NETLINK_SMC",
    "reserved",
    "Reserved for SMC monitoring; no kernel code registers it (SMC is monitored through NETLINK_SOCK_DIAG's smc_diag and the SMC_GEN_NETLINK generic netlink family)",
    "nothing: no kernel socket",
    `${HDR} ("SMC monitoring")`,
    { since: "4.11" },
  ),
];

/**
 * Every protocol number from 0 to 31 (`MAX_LINKS`), indexed by number.
 *
 * @example
 * ```ts
 * import { PROTOCOLS } from "@netlink/netlink/protocols";
 * for (const p of PROTOCOLS) console.log(p.number, p.name, p.status);
 * ```
 */
export const PROTOCOLS: readonly ProtocolInfo[] = Object.freeze(
  Array.from({ length: 32 }, (_, n) => {
    const known = KNOWN[n] ?? p(
      n,
      `PROTOCOL_${n}`,
      "unassigned",
      "No name in linux/netlink.h",
      "nothing: no kernel socket",
      `${HDR} (MAX_LINKS 32)`,
    );
    if (n < 16) return known;
    // Linux 2.2/2.4's linux/netlink.h: "#define NETLINK_TAPBASE 16 /* 16 to 31 are ethertap */".
    return Object.freeze({
      ...known,
      aliases: Object.freeze(n === 16 ? [...known.aliases, "NETLINK_TAPBASE"] : known.aliases),
      history: `NETLINK_TAPBASE + ${n - 16}: ethertap device ${n - 16} in Linux 2.2/2.4`,
    });
  }),
);

/**
 * The entry of a protocol, by number or by a `NETLINK_*` name (today's or an older alias).
 *
 * @throws {RangeError} for a number outside 0–31 or an unknown name.
 * @example
 * ```ts
 * import { protocolInfo } from "@netlink/netlink/protocols";
 * protocolInfo("NETLINK_W1").number; // 1
 * protocolInfo(21).config; // ["CONFIG_CRYPTO_USER"]
 * ```
 */
export function protocolInfo(protocol: number | string): ProtocolInfo {
  if (typeof protocol === "number") {
    const info = Number.isInteger(protocol) ? PROTOCOLS[protocol] : undefined;
    if (info === undefined) {
      throw new RangeError(`Netlink protocol must be an integer from 0 to 31, got ${protocol}`);
    }
    return info;
  }
  const name = protocol.toUpperCase();
  const info = PROTOCOLS.find((p) => p.name === name || p.aliases.includes(name));
  if (info === undefined) throw new RangeError(`Unknown netlink protocol "${protocol}"`);
  return info;
}

/**
 * Why a protocol cannot be opened (`EPROTONOSUPPORT`), in words: removed from Linux in which
 * version, not built into this kernel (which option), or used by no kernel code.
 *
 * @example
 * ```ts
 * import { unavailableReason } from "@netlink/netlink/protocols";
 * console.log(unavailableReason(14));
 * // "NETLINK_DNRTMSG (14) was removed from Linux in 6.1: DECnet routing messages"
 * ```
 */
export function unavailableReason(protocol: number | string): string {
  const p = protocolInfo(protocol);
  const why = reasonOf(p);
  return p.history ? `${why} (in older kernels: ${p.history})` : why;
}

function reasonOf(p: ProtocolInfo): string {
  const id = `${p.name} (${p.number})`;
  switch (p.status) {
    case "removed":
      return `${id} was removed from Linux in ${p.removedIn}: ${p.description}`;
    case "reserved":
      return `${id} is reserved and no kernel code registers it: ${p.description}`;
    case "unassigned":
      return `${id} is not assigned to any kernel subsystem`;
    case "user":
      return `${id} has no kernel socket: it is for user-space peers`;
    case "kernel": {
      const opts = p.config?.join(" or ");
      const mod = p.module ? ` (module ${p.module})` : "";
      return opts
        ? `${id} is not built into this kernel: it needs ${opts}${mod}`
        : `${id} is not available in this kernel`;
    }
  }
}

/**
 * Opening a netlink protocol failed with `EPROTONOSUPPORT`: {@link reason} says why (removed
 * from Linux, not built into this kernel, never used by the kernel).
 *
 * @example
 * ```ts
 * import { ProtocolUnavailableError, protocolInfo } from "@netlink/netlink/protocols";
 * const e = new ProtocolUnavailableError(protocolInfo(21));
 * console.log(e.code, e.reason); // "EPROTONOSUPPORT" "NETLINK_CRYPTO (21) is not built into…"
 * ```
 */
export class ProtocolUnavailableError extends NetlinkError {
  /** The protocol. */
  readonly protocol: ProtocolInfo;
  /** Why it is unavailable (see {@link unavailableReason}). */
  readonly reason: string;

  /** An `EPROTONOSUPPORT` error for `protocol`, with the reason in its message. */
  constructor(protocol: ProtocolInfo) {
    super(93, /* EPROTONOSUPPORT, asm-generic/errno.h */ {
      operation: `socket(AF_NETLINK, SOCK_RAW, ${protocol.name})`,
    });
    this.name = "ProtocolUnavailableError";
    this.protocol = protocol;
    this.reason = unavailableReason(protocol.number);
    this.message = `${this.message}: ${this.reason}`;
  }
}

/**
 * A protocol with a kernel socket in the initial network namespace only was used from
 * another namespace: the kernel refused the message (`ECONNREFUSED`).
 *
 * @example
 * ```ts
 * import { InitialNamespaceOnlyError, protocolInfo } from "@netlink/netlink/protocols";
 * const e = new InitialNamespaceOnlyError(protocolInfo("NETLINK_CONNECTOR"), "send");
 * console.log(e.code); // "ECONNREFUSED"
 * ```
 */
export class InitialNamespaceOnlyError extends NetlinkError {
  /** The protocol. */
  readonly protocol: ProtocolInfo;

  /** An `ECONNREFUSED` error for `operation` on `protocol`. */
  constructor(protocol: ProtocolInfo, operation: string) {
    super(111, /* ECONNREFUSED, asm-generic/errno.h */ { operation });
    this.name = "InitialNamespaceOnlyError";
    this.protocol = protocol;
    this.message = `${this.message}: ${protocol.name} (${protocol.number}) has a kernel ` +
      `socket in the initial network namespace only; open the socket there ` +
      `(netns: "/proc/1/ns/net", or the net namespace of a process that lives there)`;
  }
}

/**
 * Rewrap an error of an operation on `protocol` so that it says why, where the library
 * knows: `EPROTONOSUPPORT` becomes a {@link ProtocolUnavailableError}, `ECONNREFUSED` on a
 * protocol whose kernel socket lives in the initial namespace only becomes an
 * {@link InitialNamespaceOnlyError}. Anything else is returned as is.
 *
 * @example
 * ```ts
 * import { NetlinkError } from "@netlink/netlink";
 * import { explainProtocolError } from "@netlink/netlink/protocols";
 * const e = explainProtocolError(21, new NetlinkError(93, { operation: "socket" }));
 * console.log(String(e));
 * ```
 */
export function explainProtocolError(protocol: number | string, error: unknown): unknown {
  if (!(error instanceof NetlinkError)) return error;
  if (error instanceof ProtocolUnavailableError || error instanceof InitialNamespaceOnlyError) {
    return error;
  }
  const info = protocolInfo(protocol);
  if (error.code === "EPROTONOSUPPORT") return new ProtocolUnavailableError(info);
  if (error.code === "ECONNREFUSED" && info.initialNamespaceOnly) {
    return new InitialNamespaceOnlyError(info, error.operation);
  }
  return error;
}

/**
 * `NetlinkSocket.open` for a protocol given by number or name, with errors that say why a
 * protocol is unavailable ({@link ProtocolUnavailableError}).
 *
 * @example
 * ```ts
 * import { openProtocol } from "@netlink/netlink/protocols";
 * await using sock = await openProtocol("NETLINK_XFRM");
 * console.log(sock.protocol); // 6
 * ```
 */
export async function openProtocol(
  protocol: number | string,
  options: OpenOptions = {},
): Promise<NetlinkSocket> {
  const info = protocolInfo(protocol);
  try {
    return await NetlinkSocket.open(info.number, options);
  } catch (e) {
    throw explainProtocolError(info.number, e);
  }
}
