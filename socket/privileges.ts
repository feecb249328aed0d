/**
 * Which capability a refused operation needed. `EPERM`/`EACCES` from the kernel say only "not
 * permitted"; the library knows what was attempted (a request of some protocol and type,
 * joining a group, sending to another port, forcing a buffer size, entering a namespace) and
 * names the capability in the error, as a {@link CapabilityError}.
 *
 * The table follows the kernel's checks (v6.x): `rtnetlink_rcv_msg` (every rtnetlink request
 * but a `GET` needs `CAP_NET_ADMIN`), `genl_family_rcv_msg` (`GENL_ADMIN_PERM`,
 * `GENL_UNS_ADMIN_PERM`: `CAP_NET_ADMIN`), `xfrm_user_rcv_msg`, `nfnetlink_rcv_msg`,
 * `crypto_user_rcv_msg`, `sock_diag` destroy (`CAP_NET_ADMIN`), `audit_netlink_ok`
 * (`CAP_AUDIT_CONTROL`, `CAP_AUDIT_WRITE` for user messages), `audit_multicast_bind`
 * (`CAP_AUDIT_READ`), `uevent_net_rcv_skb` and the SCSI transports (`CAP_SYS_ADMIN`),
 * `netlink_bind`/`netlink_sendmsg` without `NL_CFG_F_NONROOT_RECV`/`_SEND` (`CAP_NET_ADMIN`),
 * `sock_setsockopt` (`SO_RCVBUFFORCE`, `SO_SNDBUFFORCE`: `CAP_NET_ADMIN`) and `setns(2)`
 * (`CAP_SYS_ADMIN`).
 *
 * @module
 */
import {
  NETLINK_AUDIT,
  NETLINK_ISCSI,
  NETLINK_KOBJECT_UEVENT,
  NETLINK_SCSITRANSPORT,
} from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { withDetail } from "./errors.ts";

/** `EPERM`, `EACCES` (asm-generic/errno-base.h). */
const EPERM = 1, EACCES = 13;
/** linux/audit.h: user-space message ranges and the read-only log group. */
const AUDIT_USER = 1005, AUDIT_FIRST_USER_MSG = 1100, AUDIT_LAST_USER_MSG = 1199;
const AUDIT_FIRST_USER_MSG2 = 2100, AUDIT_LAST_USER_MSG2 = 2999, AUDIT_NLGRP_READLOG = 1;

/** What was attempted, for {@link requiredCapability}. */
export type PrivilegedAction =
  /** A request of message type `type` to the kernel. */
  | { kind: "request"; protocol: number; type: number }
  /** Joining multicast group `group` (at bind time or later). */
  | { kind: "join"; protocol: number; group: number }
  /** Sending to another port id or to multicast groups. */
  | { kind: "send"; protocol: number }
  /** `SO_RCVBUFFORCE` or `SO_SNDBUFFORCE`. */
  | { kind: "force-buffer" }
  /** Entering another network namespace (`setns`). */
  | { kind: "netns" };

/**
 * The capability `action` needs, as the kernel checks it.
 *
 * @example
 * ```ts
 * import { NETLINK_ROUTE, requiredCapability } from "@netlink/netlink";
 * requiredCapability({ kind: "request", protocol: NETLINK_ROUTE, type: 16 }); // "CAP_NET_ADMIN"
 * ```
 */
export function requiredCapability(action: PrivilegedAction): string {
  switch (action.kind) {
    case "netns":
      return "CAP_SYS_ADMIN";
    case "force-buffer":
    case "send":
      return "CAP_NET_ADMIN";
    case "join":
      return action.protocol === NETLINK_AUDIT && action.group === AUDIT_NLGRP_READLOG
        ? "CAP_AUDIT_READ"
        : "CAP_NET_ADMIN";
    case "request": {
      const t = action.type;
      switch (action.protocol) {
        case NETLINK_AUDIT:
          return t === AUDIT_USER ||
              (t >= AUDIT_FIRST_USER_MSG && t <= AUDIT_LAST_USER_MSG) ||
              (t >= AUDIT_FIRST_USER_MSG2 && t <= AUDIT_LAST_USER_MSG2)
            ? "CAP_AUDIT_WRITE"
            : "CAP_AUDIT_CONTROL";
        case NETLINK_KOBJECT_UEVENT:
        case NETLINK_ISCSI:
        case NETLINK_SCSITRANSPORT:
          return "CAP_SYS_ADMIN";
        default:
          return "CAP_NET_ADMIN";
      }
    }
  }
}

/**
 * A permission error (`EPERM` or `EACCES`) that names the capability the operation needed.
 *
 * @example
 * ```ts
 * import { CapabilityError, NetlinkError } from "@netlink/netlink";
 * const e = new CapabilityError(new NetlinkError(1, { operation: "RTM_NEWLINK", seq: 3 }), "CAP_NET_ADMIN");
 * console.log(e.message);
 * // RTM_NEWLINK failed: EPERM (Operation not permitted): needs CAP_NET_ADMIN [seq 3]
 * ```
 */
export class CapabilityError extends NetlinkError {
  /** The capability that was missing, e.g. `"CAP_NET_ADMIN"`. */
  readonly capability: string;

  /** Wrap the kernel's `error` (same errno, operation, seq and extended ACK). */
  constructor(error: NetlinkError, capability: string) {
    super(error.errno, {
      operation: error.operation,
      seq: error.seq,
      request: error.request,
      extAck: error.extAck,
    });
    this.capability = capability;
    withDetail(this, `needs ${capability}`);
  }
}

/**
 * If `e` is an `EPERM`/`EACCES` {@link NetlinkError}, the same error naming the capability
 * `action` needs; anything else unchanged.
 */
export function explainPermission(e: unknown, action: PrivilegedAction): unknown {
  if (!(e instanceof NetlinkError) || e instanceof CapabilityError) return e;
  if (e.errno !== EPERM && e.errno !== EACCES) return e;
  return new CapabilityError(e, requiredCapability(action));
}
