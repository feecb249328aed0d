/**
 * Netlink constants from the kernel uAPI header `linux/netlink.h`, with small
 * helpers to print message types and flags.
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Protocols (the third argument of socket(AF_NETLINK, SOCK_RAW, protocol)).
// linux/netlink.h
// ---------------------------------------------------------------------------

/** Routing and link updates, rtnetlink (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)` */
export const NETLINK_ROUTE = 0;
/** Unused number, formerly 1-wire (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_UNUSED] // "NETLINK_UNUSED"` */
export const NETLINK_UNUSED = 1;
/** Old name of protocol 1, the 1-wire subsystem (older linux/netlink.h). @example `NETLINK_W1 === NETLINK_UNUSED // true` */
export const NETLINK_W1 = 1;
/** Reserved for user-mode socket protocols (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK)` */
export const NETLINK_USERSOCK = 2;
/** Unused number, formerly ip_queue (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_FIREWALL] // "NETLINK_FIREWALL"` */
export const NETLINK_FIREWALL = 3;
/** Socket monitoring, sock_diag (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG)` */
export const NETLINK_SOCK_DIAG = 4;
/** Old name of NETLINK_SOCK_DIAG (linux/netlink.h). @example `NETLINK_INET_DIAG === NETLINK_SOCK_DIAG // true` */
export const NETLINK_INET_DIAG = 4;
/** netfilter/iptables ULOG (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_NFLOG] // "NETLINK_NFLOG"` */
export const NETLINK_NFLOG = 5;
/** IPsec (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_RAW, NETLINK_XFRM)` */
export const NETLINK_XFRM = 6;
/** SELinux event notifications (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_SELINUX] // "NETLINK_SELINUX"` */
export const NETLINK_SELINUX = 7;
/** Open-iSCSI (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_ISCSI] // "NETLINK_ISCSI"` */
export const NETLINK_ISCSI = 8;
/** Auditing (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)` */
export const NETLINK_AUDIT = 9;
/** FIB lookup (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_FIB_LOOKUP] // "NETLINK_FIB_LOOKUP"` */
export const NETLINK_FIB_LOOKUP = 10;
/** Kernel connector, e.g. process events (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR)` */
export const NETLINK_CONNECTOR = 11;
/** Netfilter subsystem (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)` */
export const NETLINK_NETFILTER = 12;
/** IPv6 firewall (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_IP6_FW] // "NETLINK_IP6_FW"` */
export const NETLINK_IP6_FW = 13;
/** DECnet routing messages, obsolete (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_DNRTMSG] // "NETLINK_DNRTMSG"` */
export const NETLINK_DNRTMSG = 14;
/** Kernel uevents to user space (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)` */
export const NETLINK_KOBJECT_UEVENT = 15;
/** Generic netlink (linux/netlink.h). @example `socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)` */
export const NETLINK_GENERIC = 16;
/** SCSI transports (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_SCSITRANSPORT] // "NETLINK_SCSITRANSPORT"` */
export const NETLINK_SCSITRANSPORT = 18;
/** eCryptfs (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_ECRYPTFS] // "NETLINK_ECRYPTFS"` */
export const NETLINK_ECRYPTFS = 19;
/** RDMA (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_RDMA] // "NETLINK_RDMA"` */
export const NETLINK_RDMA = 20;
/** Crypto layer (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_CRYPTO] // "NETLINK_CRYPTO"` */
export const NETLINK_CRYPTO = 21;
/** SMC monitoring (linux/netlink.h). @example `PROTOCOL_NAMES[NETLINK_SMC] // "NETLINK_SMC"` */
export const NETLINK_SMC = 22;

/**
 * Protocol number to its canonical `linux/netlink.h` name. Numbers 1 and 4 use today's
 * names (`NETLINK_UNUSED`, `NETLINK_SOCK_DIAG`); their old names `NETLINK_W1` and
 * `NETLINK_INET_DIAG` are exported as aliases.
 *
 * @example
 * ```ts
 * import { PROTOCOL_NAMES } from "@netlink/netlink/codec";
 * PROTOCOL_NAMES[15]; // "NETLINK_KOBJECT_UEVENT"
 * ```
 */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: "NETLINK_ROUTE",
  1: "NETLINK_UNUSED",
  2: "NETLINK_USERSOCK",
  3: "NETLINK_FIREWALL",
  4: "NETLINK_SOCK_DIAG",
  5: "NETLINK_NFLOG",
  6: "NETLINK_XFRM",
  7: "NETLINK_SELINUX",
  8: "NETLINK_ISCSI",
  9: "NETLINK_AUDIT",
  10: "NETLINK_FIB_LOOKUP",
  11: "NETLINK_CONNECTOR",
  12: "NETLINK_NETFILTER",
  13: "NETLINK_IP6_FW",
  14: "NETLINK_DNRTMSG",
  15: "NETLINK_KOBJECT_UEVENT",
  16: "NETLINK_GENERIC",
  18: "NETLINK_SCSITRANSPORT",
  19: "NETLINK_ECRYPTFS",
  20: "NETLINK_RDMA",
  21: "NETLINK_CRYPTO",
  22: "NETLINK_SMC",
});

// ---------------------------------------------------------------------------
// Control message types (nlmsg_type). linux/netlink.h
// ---------------------------------------------------------------------------

/** Nothing; ignore (linux/netlink.h). @example `messageTypeName(NLMSG_NOOP) // "NOOP"` */
export const NLMSG_NOOP = 0x1;
/** Error or ACK; payload is struct nlmsgerr (linux/netlink.h). @example `if (msg.type === NLMSG_ERROR) decodeErrorMessage(msg.payload, msg.flags)` */
export const NLMSG_ERROR = 0x2;
/** End of a multipart dump (linux/netlink.h). @example `if (msg.type === NLMSG_DONE) break;` */
export const NLMSG_DONE = 0x3;
/** Data lost (linux/netlink.h). @example `messageTypeName(NLMSG_OVERRUN) // "OVERRUN"` */
export const NLMSG_OVERRUN = 0x4;
/** Types below this are reserved control messages (linux/netlink.h). @example `const isControl = type < NLMSG_MIN_TYPE;` */
export const NLMSG_MIN_TYPE = 0x10;

// ---------------------------------------------------------------------------
// nlmsg_flags. linux/netlink.h
// ---------------------------------------------------------------------------

/** It is a request message (linux/netlink.h). @example `new MessageBuilder(type, NLM_F_REQUEST | NLM_F_ACK)` */
export const NLM_F_REQUEST = 0x01;
/** Multipart message, terminated by NLMSG_DONE (linux/netlink.h). @example `const more = (flags & NLM_F_MULTI) !== 0;` */
export const NLM_F_MULTI = 0x02;
/** Reply with an ACK, with zero or an error code (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_ACK` */
export const NLM_F_ACK = 0x04;
/** Receive resulting notifications (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_ECHO` */
export const NLM_F_ECHO = 0x08;
/** Dump was inconsistent due to a sequence change (linux/netlink.h). @example `if (flags & NLM_F_DUMP_INTR) retry();` */
export const NLM_F_DUMP_INTR = 0x10;
/** Dump was filtered as requested (linux/netlink.h). @example `const filtered = (flags & NLM_F_DUMP_FILTERED) !== 0;` */
export const NLM_F_DUMP_FILTERED = 0x20;

/** GET modifier: specify tree root (linux/netlink.h). @example `flagNames(NLM_F_ROOT, "get") // ["ROOT"]` */
export const NLM_F_ROOT = 0x100;
/** GET modifier: return all matching (linux/netlink.h). @example `flagNames(NLM_F_MATCH, "get") // ["MATCH"]` */
export const NLM_F_MATCH = 0x200;
/** GET modifier: atomic GET (linux/netlink.h). @example `flagNames(NLM_F_ATOMIC, "get") // ["ATOMIC"]` */
export const NLM_F_ATOMIC = 0x400;
/** GET modifier: dump, NLM_F_ROOT | NLM_F_MATCH (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_DUMP` */
export const NLM_F_DUMP = 0x300;

/** NEW modifier: override existing (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE` */
export const NLM_F_REPLACE = 0x100;
/** NEW modifier: do not touch, if it exists (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL` */
export const NLM_F_EXCL = 0x200;
/** NEW modifier: create, if it does not exist (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_CREATE` */
export const NLM_F_CREATE = 0x400;
/** NEW modifier: add to end of list (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND` */
export const NLM_F_APPEND = 0x800;

/** DELETE modifier: do not delete recursively (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_NONREC` */
export const NLM_F_NONREC = 0x100;
/** DELETE modifier: delete multiple objects (linux/netlink.h). @example `NLM_F_REQUEST | NLM_F_BULK` */
export const NLM_F_BULK = 0x200;

/** ACK flag: request was capped, its payload is not echoed (linux/netlink.h). @example `const capped = (flags & NLM_F_CAPPED) !== 0;` */
export const NLM_F_CAPPED = 0x100;
/** ACK flag: extended ACK TLVs are included (linux/netlink.h). @example `const hasTlvs = (flags & NLM_F_ACK_TLVS) !== 0;` */
export const NLM_F_ACK_TLVS = 0x200;

/**
 * Which request kind gives meaning to the modifier bits 0x100–0x800 of `nlmsg_flags`.
 *
 * @example
 * ```ts
 * import { flagNames, type FlagContext } from "@netlink/netlink/codec";
 * const ctx: FlagContext = "new";
 * flagNames(0x605, ctx); // ["REQUEST", "ACK", "EXCL", "CREATE"]
 * ```
 */
export type FlagContext = "get" | "new" | "delete" | "ack";

const COMMON_FLAG_NAMES = ["REQUEST", "MULTI", "ACK", "ECHO", "DUMP_INTR", "DUMP_FILTERED"];
const MODIFIER_NAMES: Readonly<Record<FlagContext, readonly string[]>> = {
  get: ["ROOT", "MATCH", "ATOMIC"],
  new: ["REPLACE", "EXCL", "CREATE", "APPEND"],
  delete: ["NONREC", "BULK"],
  ack: ["CAPPED", "ACK_TLVS"],
};

/**
 * Names of the bits set in `nlmsg_flags`, without the `NLM_F_` prefix, in bit order.
 * The modifier bits from 0x100 up depend on the request kind, so they are named only
 * when `context` is given; in the "get" context ROOT and MATCH together print as "DUMP".
 * Bits without a name print as hex, e.g. "0x40".
 *
 * @example
 * ```ts
 * import { flagNames } from "@netlink/netlink/codec";
 * flagNames(0x305, "get"); // ["REQUEST", "ACK", "DUMP"]
 * flagNames(0x305); // ["REQUEST", "ACK", "0x100", "0x200"]
 * ```
 */
export function flagNames(flags: number, context?: FlagContext): string[] {
  const out: string[] = [];
  const modifiers = context === undefined ? undefined : MODIFIER_NAMES[context];
  const f = flags >>> 0;
  const dump = context === "get" && (f & NLM_F_DUMP) === NLM_F_DUMP;
  for (let bit = 0; bit < 32; bit++) {
    if (((f >>> bit) & 1) === 0) continue;
    if (bit < COMMON_FLAG_NAMES.length) out.push(COMMON_FLAG_NAMES[bit]);
    else if (dump && bit === 8) out.push("DUMP");
    else if (dump && bit === 9) continue;
    else if (modifiers !== undefined && bit >= 8 && bit - 8 < modifiers.length) {
      out.push(modifiers[bit - 8]);
    } else out.push("0x" + (2 ** bit).toString(16));
  }
  return out;
}

/**
 * Name of a control message type ("NOOP", "ERROR", "DONE", "OVERRUN"); any other type
 * is family-specific and prints as its decimal number.
 *
 * @example
 * ```ts
 * import { messageTypeName } from "@netlink/netlink/codec";
 * messageTypeName(2); // "ERROR"
 * messageTypeName(16); // "16"
 * ```
 */
export function messageTypeName(type: number): string {
  switch (type) {
    case NLMSG_NOOP:
      return "NOOP";
    case NLMSG_ERROR:
      return "ERROR";
    case NLMSG_DONE:
      return "DONE";
    case NLMSG_OVERRUN:
      return "OVERRUN";
    default:
      return String(type);
  }
}

// ---------------------------------------------------------------------------
// Attributes (struct nlattr). linux/netlink.h
// ---------------------------------------------------------------------------

/** nla_type bit: the payload holds nested attributes (linux/netlink.h). @example `w.attr(IFLA_LINKINFO | NLA_F_NESTED, inner)` */
export const NLA_F_NESTED = 0x8000;
/** nla_type bit: the payload is in network byte order (linux/netlink.h). @example `const be = (rawType & NLA_F_NET_BYTEORDER) !== 0;` */
export const NLA_F_NET_BYTEORDER = 0x4000;
/** nla_type mask that drops the two flag bits (linux/netlink.h). @example `const type = rawType & NLA_TYPE_MASK;` */
export const NLA_TYPE_MASK = 0x3fff;
/** Size of struct nlattr (linux/netlink.h). @example `const dataLen = nlaLen - NLA_HDRLEN;` */
export const NLA_HDRLEN = 4;
/** Attribute alignment (linux/netlink.h). @example `const next = off + ((len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1));` */
export const NLA_ALIGNTO = 4;

// ---------------------------------------------------------------------------
// Socket options at level SOL_NETLINK. linux/netlink.h (SOL_NETLINK: linux/socket.h)
// ---------------------------------------------------------------------------

/** setsockopt level for netlink options (linux/socket.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4)` */
export const SOL_NETLINK = 270;
/** Join a multicast group (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group, 4)` */
export const NETLINK_ADD_MEMBERSHIP = 1;
/** Leave a multicast group (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group, 4)` */
export const NETLINK_DROP_MEMBERSHIP = 2;
/** Receive struct nl_pktinfo (the group) as a control message (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, one, 4)` */
export const NETLINK_PKTINFO = 3;
/** Report broadcast delivery errors to the sender (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_BROADCAST_ERROR, one, 4)` */
export const NETLINK_BROADCAST_ERROR = 4;
/** Do not report ENOBUFS on receive-buffer overrun (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, one, 4)` */
export const NETLINK_NO_ENOBUFS = 5;
/** Receive notifications from all network namespaces with an nsid (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, one, 4)` */
export const NETLINK_LISTEN_ALL_NSID = 8;
/** getsockopt: bitmask of joined groups (linux/netlink.h). @example `getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, buf, len)` */
export const NETLINK_LIST_MEMBERSHIPS = 9;
/** Do not echo the request payload in error messages (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 4)` */
export const NETLINK_CAP_ACK = 10;
/** Ask for extended ACK TLVs (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4)` */
export const NETLINK_EXT_ACK = 11;
/** Strict checking of dump requests (linux/netlink.h). @example `setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, one, 4)` */
export const NETLINK_GET_STRICT_CHK = 12;

// ---------------------------------------------------------------------------
// Extended ACK attributes (enum nlmsgerr_attrs). linux/netlink.h
// ---------------------------------------------------------------------------

/** Extended ACK: error message string (linux/netlink.h). @example `attrs.get(NLMSGERR_ATTR_MSG)` */
export const NLMSGERR_ATTR_MSG = 1;
/** Extended ACK: u32 offset of the invalid attribute in the request, from its nlmsghdr (linux/netlink.h). @example `attrs.get(NLMSGERR_ATTR_OFFS)` */
export const NLMSGERR_ATTR_OFFS = 2;
/** Extended ACK: binary cookie identifying a created object (linux/netlink.h). @example `attrs.get(NLMSGERR_ATTR_COOKIE)` */
export const NLMSGERR_ATTR_COOKIE = 3;
/** Extended ACK: nested policy of the rejected attribute (linux/netlink.h). @example `attrs.get(NLMSGERR_ATTR_POLICY)` */
export const NLMSGERR_ATTR_POLICY = 4;
/** Extended ACK: u32 type of a missing required attribute (linux/netlink.h). @example `attrs.get(NLMSGERR_ATTR_MISS_TYPE)` */
export const NLMSGERR_ATTR_MISS_TYPE = 5;
/** Extended ACK: u32 offset of the nest where the attribute was missing (linux/netlink.h). @example `attrs.get(NLMSGERR_ATTR_MISS_NEST)` */
export const NLMSGERR_ATTR_MISS_NEST = 6;

// ---------------------------------------------------------------------------
// Policy descriptions (enum netlink_policy_type_attr). linux/netlink.h
// ---------------------------------------------------------------------------

/** Policy: u32 attribute type, an NL_ATTR_TYPE_* value (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_TYPE)` */
export const NL_POLICY_TYPE_ATTR_TYPE = 1;
/** Policy: s64 minimum for signed integers (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_MIN_VALUE_S)` */
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_S = 2;
/** Policy: s64 maximum for signed integers (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_MAX_VALUE_S)` */
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_S = 3;
/** Policy: u64 minimum for unsigned integers (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_MIN_VALUE_U)` */
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4;
/** Policy: u64 maximum for unsigned integers (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_MAX_VALUE_U)` */
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5;
/** Policy: u32 minimum length of binary attributes (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_MIN_LENGTH)` */
export const NL_POLICY_TYPE_ATTR_MIN_LENGTH = 6;
/** Policy: u32 maximum length of binary attributes (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_MAX_LENGTH)` */
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7;
/** Policy: u32 sub-policy index for nested types (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_POLICY_IDX)` */
export const NL_POLICY_TYPE_ATTR_POLICY_IDX = 8;
/** Policy: u32 maximum attribute of the sub-policy (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE)` */
export const NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE = 9;
/** Policy: u32 valid mask of a bitfield32 (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_BITFIELD32_MASK)` */
export const NL_POLICY_TYPE_ATTR_BITFIELD32_MASK = 10;
/** Policy: pad attribute for 64-bit alignment (linux/netlink.h). @example `if (type === NL_POLICY_TYPE_ATTR_PAD) continue;` */
export const NL_POLICY_TYPE_ATTR_PAD = 11;
/** Policy: u64 mask of valid bits for unsigned integers (linux/netlink.h). @example `policy.get(NL_POLICY_TYPE_ATTR_MASK)` */
export const NL_POLICY_TYPE_ATTR_MASK = 12;

// ---------------------------------------------------------------------------
// Attribute types in policy dumps (enum netlink_attribute_type). linux/netlink.h
// ---------------------------------------------------------------------------

/** Attribute type: unused (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_INVALID) return;` */
export const NL_ATTR_TYPE_INVALID = 0;
/** Attribute type: flag, present or not (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_FLAG) readFlag(data)` */
export const NL_ATTR_TYPE_FLAG = 1;
/** Attribute type: u8 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_U8) readU8(data)` */
export const NL_ATTR_TYPE_U8 = 2;
/** Attribute type: u16 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_U16) readU16(data)` */
export const NL_ATTR_TYPE_U16 = 3;
/** Attribute type: u32 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_U32) readU32(data)` */
export const NL_ATTR_TYPE_U32 = 4;
/** Attribute type: u64 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_U64) readU64(data)` */
export const NL_ATTR_TYPE_U64 = 5;
/** Attribute type: s8 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_S8) readS8(data)` */
export const NL_ATTR_TYPE_S8 = 6;
/** Attribute type: s16 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_S16) readS16(data)` */
export const NL_ATTR_TYPE_S16 = 7;
/** Attribute type: s32 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_S32) readS32(data)` */
export const NL_ATTR_TYPE_S32 = 8;
/** Attribute type: s64 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_S64) readS64(data)` */
export const NL_ATTR_TYPE_S64 = 9;
/** Attribute type: binary (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_BINARY) data.slice()` */
export const NL_ATTR_TYPE_BINARY = 10;
/** Attribute type: string (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_STRING) readString(data)` */
export const NL_ATTR_TYPE_STRING = 11;
/** Attribute type: NUL-terminated string (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_NUL_STRING) readString(data)` */
export const NL_ATTR_TYPE_NUL_STRING = 12;
/** Attribute type: nested attributes (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_NESTED) readNested(data)` */
export const NL_ATTR_TYPE_NESTED = 13;
/** Attribute type: array of nests (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_NESTED_ARRAY) readIndexedArray(data)` */
export const NL_ATTR_TYPE_NESTED_ARRAY = 14;
/** Attribute type: struct nla_bitfield32 (linux/netlink.h). @example `if (t === NL_ATTR_TYPE_BITFIELD32) readU32(data.subarray(0, 4))` */
export const NL_ATTR_TYPE_BITFIELD32 = 15;
/** Attribute type: variable-size signed integer, 4 or 8 bytes (linux/netlink.h, Linux 6.7+). @example `if (t === NL_ATTR_TYPE_SINT) readSint(data)` */
export const NL_ATTR_TYPE_SINT = 16;
/** Attribute type: variable-size unsigned integer, 4 or 8 bytes (linux/netlink.h, Linux 6.7+). @example `if (t === NL_ATTR_TYPE_UINT) readUint(data)` */
export const NL_ATTR_TYPE_UINT = 17;
