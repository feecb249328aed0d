/**
 * `NETLINK_FIB_LOOKUP`: ask the kernel which route of one IPv4 routing table matches an address
 * (mark, TOS and scope of the flow included), the way the FIB looks packets up.
 *
 * The struct comes from `specs/local/fib-lookup.yaml` (generated into
 * `families/generated/fib_lookup.ts`). The protocol has no message types and no
 * acknowledgements: the kernel (`nl_fib_input`, net/ipv4/fib_frontend.c) fills in the request's
 * struct and sends the very message back, header and sequence number included. So each lookup
 * is a socket request that asks for no ACK (`ack: false`) and resolves with that echo, matched
 * by its seq: lookups on one socket may run at once. A request the kernel ignores (shorter than
 * the struct) would get no answer at all, hence the time limit.
 *
 * @example
 * ```ts
 * import { FibLookup } from "@netlink/netlink/fib-lookup";
 * await using fib = await FibLookup.open();
 * const r = await fib.lookup({ address: "192.0.2.7", table: 254 });
 * console.log(r.code ?? `${r.prefixlen} ${r.typeName} ${r.scopeName}`);
 * ```
 *
 * @module
 */
import {
  errnoName,
  NETLINK_FIB_LOOKUP,
  NetlinkDecodeError,
  NLM_F_REQUEST,
} from "../../codec/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import { NetlinkSocket } from "../../socket/socket.ts";
import * as fl from "../generated/fib_lookup.ts";
import { explainProtocolError } from "../protocols.ts";

export * from "../generated/fib_lookup.ts";

/** The message type of requests: the kernel ignores it (linux/netlink.h `NLMSG_MIN_TYPE`). */
const NLMSG_MIN_TYPE = 0x10;

/** A lookup. */
export interface FibLookupRequest {
  /** The IPv4 destination, dotted quad. */
  address: string;
  /** Routing table (`RT_TABLE_MAIN` 254, `RT_TABLE_LOCAL` 255, …; 0–255). Default 254. */
  table?: number;
  /** Packet mark of the flow. */
  mark?: number;
  /** TOS byte of the flow. */
  tos?: number;
  /** Minimum scope of the route (`RT_SCOPE_*`); 0 (universe) matches every route. */
  scope?: number;
}

/** Route types by number (`RTN_*`, linux/rtnetlink.h), as `ip route` names them. */
const TYPE_NAMES = [
  "unspec",
  "unicast",
  "local",
  "broadcast",
  "anycast",
  "multicast",
  "blackhole",
  "unreachable",
  "prohibit",
  "throw",
  "nat",
  "xresolve",
];

/** Scope names by number (`RT_SCOPE_*`, linux/rtnetlink.h), as `ip route` names them. */
function scopeName(n: number): string {
  return n === 0
    ? "global"
    : n === 200
    ? "site"
    : n === 253
    ? "link"
    : n === 254
    ? "host"
    : n === 255
    ? "nowhere"
    : String(n);
}

/** The kernel's answer: the request as sent, and the result fields. */
export interface FibLookupResult {
  /** The address looked up. */
  address: string;
  /** The table asked for. */
  tableIn: number;
  /** The table looked in (0 when the table does not exist). */
  table: number;
  /** 0 on a match, else the positive errno (`EAGAIN`: no route in this table). */
  err: number;
  /** The errno name when `err` is not 0. */
  code?: string;
  /** Prefix length of the matching route. */
  prefixlen: number;
  /** Index of the selected next hop. */
  nhSel: number;
  /** Route type (`RTN_*`). */
  type: number;
  /** Route type name (`unicast`, `local`, …). */
  typeName: string;
  /** Scope of the route (`RT_SCOPE_*`). */
  scope: number;
  /** Scope name (`global`, `link`, `host`, …). */
  scopeName: string;
  /** The struct as the kernel sent it back. */
  raw: fl.FibResultNl;
}

function ipv4ToInt(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  const parts = m?.slice(1).map(Number);
  if (!parts || parts.some((p) => p > 255)) {
    throw new TypeError(`"${s}" is not an IPv4 address (NETLINK_FIB_LOOKUP is IPv4 only)`);
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * The request message of a lookup: `NLM_F_REQUEST` only (the protocol never acknowledges), seq
 * 0 (a socket's `request` gives it its own).
 *
 * @example
 * ```ts
 * import { fibLookupRequest } from "@netlink/netlink/fib-lookup";
 * console.log(fibLookupRequest({ address: "10.0.0.1" }).length); // 36
 * ```
 */
export function fibLookupRequest(req: FibLookupRequest, portId = 0): Uint8Array {
  const table = req.table ?? 254;
  if (!Number.isInteger(table) || table < 0 || table > 255) {
    throw new RangeError(
      `NETLINK_FIB_LOOKUP can name tables 0-255 only (tb_id_in is a byte), got ${table}`,
    );
  }
  return encodeMessage({
    type: NLMSG_MIN_TYPE,
    flags: NLM_F_REQUEST,
    seq: 0,
    pid: portId,
    payload: fl.fibResultNl.encode({
      flAddr: ipv4ToInt(req.address),
      flMark: req.mark ?? 0,
      flTos: req.tos ?? 0,
      flScope: req.scope ?? 0,
      tbIdIn: table,
    }),
  });
}

/**
 * Decode the kernel's answer (the payload of the echoed message).
 *
 * @example
 * ```ts
 * import { decodeFibLookup, fibResultNl } from "@netlink/netlink/fib-lookup";
 * const r = decodeFibLookup(fibResultNl.encode({ flAddr: 0x0a000001, tbIdIn: 254, err: -11 }));
 * console.log(r.address, r.code); // "10.0.0.1" "EAGAIN"
 * ```
 */
export function decodeFibLookup(payload: Uint8Array): FibLookupResult {
  const raw = fl.fibResultNl.decode(payload);
  const err = raw.err === 0 ? 0 : -raw.err;
  return {
    address: intToIpv4(raw.flAddr),
    tableIn: raw.tbIdIn,
    table: raw.tbId,
    err,
    ...(err !== 0 ? { code: errnoName(err) } : {}),
    prefixlen: raw.prefixlen,
    nhSel: raw.nhSel,
    type: raw.type,
    typeName: TYPE_NAMES[raw.type] ?? String(raw.type),
    scope: raw.scope,
    scopeName: scopeName(raw.scope),
    raw,
  };
}

/** Options of {@link FibLookup.lookup}. */
export interface FibLookupOptions {
  /** How long to wait for the answer, in milliseconds (default 2000). */
  timeoutMs?: number;
  /** Stop waiting. */
  signal?: AbortSignal;
}

/** A `NETLINK_FIB_LOOKUP` socket. */
export class FibLookup implements AsyncDisposable {
  /** The socket. */
  readonly socket: NetlinkSocket;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  /**
   * Open a socket (in network namespace `netns`, if given).
   *
   * @throws {ProtocolUnavailableError} when the kernel has no NETLINK_FIB_LOOKUP.
   */
  static async open(options: { netns?: string | number } = {}): Promise<FibLookup> {
    try {
      return new FibLookup(await NetlinkSocket.open(NETLINK_FIB_LOOKUP, { netns: options.netns }));
    } catch (e) {
      throw explainProtocolError(NETLINK_FIB_LOOKUP, e);
    }
  }

  /** Use an open `NETLINK_FIB_LOOKUP` socket (e.g. one of `@netlink/netlink/testing`'s fake kernel). */
  static fromSocket(socket: NetlinkSocket): FibLookup {
    return new FibLookup(socket);
  }

  /**
   * Look `req.address` up in `req.table`. Resolves with the result (a miss is a result with
   * `err` set, not an exception).
   *
   * @throws {Error} when no answer comes within `timeoutMs` (default 2000); the signal's
   *   reason when it aborts.
   */
  async lookup(req: FibLookupRequest, options: FibLookupOptions = {}): Promise<FibLookupResult> {
    const bytes = fibLookupRequest(req, this.socket.portId);
    const ms = options.timeoutMs ?? 2000;
    const timer = new AbortController();
    const t = setTimeout(
      () =>
        timer.abort(new Error(`No NETLINK_FIB_LOOKUP answer for ${req.address} within ${ms} ms`)),
      ms,
    );
    let reply;
    try {
      reply = await this.socket.request(bytes, {
        ack: false,
        signal: options.signal ? AbortSignal.any([options.signal, timer.signal]) : timer.signal,
        operation: `NETLINK_FIB_LOOKUP ${req.address}`,
      });
    } finally {
      clearTimeout(t);
    }
    if (reply.payload.length < fl.fibResultNl.size) {
      throw new NetlinkDecodeError(
        `NETLINK_FIB_LOOKUP answer of ${reply.payload.length} bytes is shorter than ` +
          `struct fib_result_nl (${fl.fibResultNl.size})`,
        16,
      );
    }
    return decodeFibLookup(reply.payload);
  }

  /** Close the socket. */
  close(): void {
    this.socket.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * One lookup on a socket of its own.
 *
 * @example
 * ```ts
 * import { fibLookup } from "@netlink/netlink/fib-lookup";
 * const r = await fibLookup({ address: "127.0.0.1", table: 255 });
 * console.log(r.typeName); // "local"
 * ```
 */
export async function fibLookup(
  req: FibLookupRequest,
  options: FibLookupOptions & { netns?: string | number } = {},
): Promise<FibLookupResult> {
  await using fib = await FibLookup.open(options);
  return await fib.lookup(req, options);
}
