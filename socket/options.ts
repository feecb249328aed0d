/**
 * The options of `NetlinkSocket` and their validation: misuse is a `TypeError` or `RangeError`
 * before any system call.
 *
 * @module
 */

const MAX_GROUP = 1024;

/** Options for `NetlinkSocket.open`. */
export interface OpenOptions {
  /** `"raw"` (default) or `"dgram"`: netlink treats both the same. */
  type?: "raw" | "dgram";
  /** Port id to bind; 0 or absent lets the kernel pick one. */
  portId?: number;
  /** Multicast groups 1–32 to join at bind time, as a bitmask (bit `g - 1` for group `g`). */
  groups?: number;
  /** Groups to join after bind by number (any group, including those above 32). */
  join?: number[];
  /** Kernel receive buffer in bytes (`SO_RCVBUFFORCE` when privileged, else `SO_RCVBUF`). */
  receiveBufferSize?: number;
  /** Kernel send buffer in bytes (`SO_SNDBUF`). */
  sendBufferSize?: number;
  /** Ask for extended ACKs (`NETLINK_EXT_ACK`). Default true. */
  extAck?: boolean;
  /** Do not echo the request payload in error messages (`NETLINK_CAP_ACK`). Default false. */
  capAck?: boolean;
  /** Strict header checking for dump requests (`NETLINK_GET_STRICT_CHK`). Default false. */
  strictCheck?: boolean;
  /** Do not report receive-buffer overruns (`NETLINK_NO_ENOBUFS`). Default false. */
  noEnobufs?: boolean;
  /** Report each notification's group, even above 32 (`NETLINK_PKTINFO`). Default false. */
  pktinfo?: boolean;
  /** Receive notifications from every peer namespace (`NETLINK_LISTEN_ALL_NSID`). */
  listenAllNsid?: boolean;
  /**
   * Whether datagrams carry `nlmsghdr` framing. Default: true, except for
   * `NETLINK_KOBJECT_UEVENT`, whose datagrams are plain uevent text.
   */
  framed?: boolean;
  /** Size of the user-space receive buffer; longer datagrams are an error. Default 64 KiB. */
  messageBufferSize?: number;
  /**
   * Open the socket inside another network namespace: a name (`/run/netns/NAME`, as made by
   * `ip netns add`), a path (`/proc/PID/ns/net`), or an open namespace fd. The rest of the
   * process stays where it is: only the socket lives in that namespace.
   */
  netns?: string | number;
}

/** Where to send: the kernel (default), another port id, and/or multicast groups. */
export interface SendOptions {
  /** Destination port id; 0 (default) is the kernel. */
  portId?: number;
  /** Destination multicast groups 1–32, as a bitmask. */
  groups?: number;
}

/** Options for `NetlinkSocket.request` and `NetlinkSocket.dump`. */
export interface RequestOptions {
  /** Port id of the peer that answers; 0 (default) is the kernel. */
  portId?: number;
  /** Cancel waiting; the reply, if it comes later, is dropped. */
  signal?: AbortSignal;
  /** Name of the operation for error messages, e.g. `"RTM_NEWLINK"`. */
  operation?: string;
}

/** Options for `NetlinkSocket.subscribe` and `NetlinkSocket.datagrams`. */
export interface SubscribeOptions {
  /** Stop the iterator. */
  signal?: AbortSignal;
}

/** Check a multicast group number (1–1024). */
export function validGroup(group: number): number {
  if (!Number.isInteger(group)) throw new TypeError(`Group must be an integer, got ${group}`);
  if (group === 0) throw new RangeError("Cannot join group 0: groups are numbered from 1");
  if (group < 0 || group > MAX_GROUP) {
    throw new RangeError(`Cannot join group ${group}: groups are numbered from 1 to ${MAX_GROUP}`);
  }
  return group;
}

/** Check an unsigned 32-bit integer option. */
export function validU32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`${name} must be an integer from 0 to 4294967295, got ${v}`);
  }
  return v;
}

/** Check `protocol` and every option of `NetlinkSocket.open`; returns them unchanged. */
export function validOptions(protocol: number, options: OpenOptions): OpenOptions {
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 31) {
    throw new RangeError(`Netlink protocol must be an integer from 0 to 31, got ${protocol}`);
  }
  if (options.type !== undefined && options.type !== "raw" && options.type !== "dgram") {
    throw new TypeError(`Socket type must be "raw" or "dgram", got ${String(options.type)}`);
  }
  validU32("portId", options.portId ?? 0);
  validU32("groups", options.groups ?? 0);
  (options.join ?? []).forEach(validGroup);
  const size = options.messageBufferSize ?? 65536;
  if (!Number.isInteger(size) || size < 4096) {
    throw new RangeError(`messageBufferSize must be at least 4096, got ${size}`);
  }
  const netns = options.netns;
  if (netns !== undefined) {
    if (typeof netns === "string" ? netns === "" : !Number.isInteger(netns) || netns < 0) {
      throw new TypeError(`netns must be a namespace name, a path or an fd, got ${String(netns)}`);
    }
  }
  return options;
}
