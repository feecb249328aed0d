/**
 * `NETLINK_FIB_LOOKUP`: ask the kernel which route of one IPv4 routing table matches an address
 * (mark, TOS and scope of the flow included), the way the FIB looks packets up.
 *
 * The struct comes from `specs/local/fib-lookup.yaml` (generated into
 * `families/generated/fib_lookup.ts`). The protocol has no message types and no
 * acknowledgements: the kernel fills in the request's struct and sends the very message back,
 * so this module sends each lookup with sequence number 0 (a netlink socket delivers seq-0
 * messages from the kernel to its subscribers, while a late reply with a non-zero seq would be
 * dropped) and takes the echo, one lookup at a time per socket.
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
import { errnoName, NETLINK_FIB_LOOKUP, NLM_F_REQUEST } from "../../codec/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import { NetlinkSocket } from "../../socket/socket.ts";
import * as fl from "../generated/fib_lookup.ts";
import { explainProtocolError } from "../protocols.ts";
import { Puller } from "../_pull.ts";

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
 * The request message of a lookup (sequence number 0: see the module documentation).
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

/** A `NETLINK_FIB_LOOKUP` socket. */
export class FibLookup implements AsyncDisposable {
  /** The socket. */
  readonly socket: NetlinkSocket;
  #replies: Puller;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
    this.#replies = new Puller(socket.subscribe());
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

  /**
   * Look `req.address` up in `req.table`. Resolves with the result (a miss is a result with
   * `err` set, not an exception).
   *
   * @throws {Error} when no answer comes within `timeoutMs` (default 2000).
   */
  lookup(req: FibLookupRequest, options: { timeoutMs?: number } = {}): Promise<FibLookupResult> {
    const bytes = fibLookupRequest(req, this.socket.portId);
    const run = async () => {
      this.socket.send(bytes);
      const ms = options.timeoutMs ?? 2000;
      const deadline = Date.now() + ms;
      for (;;) {
        const r = await this.#replies.next(Math.max(0, deadline - Date.now()));
        if (r === "timeout") {
          throw new Error(`No NETLINK_FIB_LOOKUP answer for ${req.address} within ${ms} ms`);
        }
        if (r.done) throw new TypeError("The netlink socket is closed");
        if (r.value.sender !== 0 || r.value.payload.length < fl.fibResultNl.size) continue;
        const result = decodeFibLookup(r.value.payload);
        if (result.address === req.address) return result;
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => {});
    return p;
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
  options: { netns?: string | number; timeoutMs?: number } = {},
): Promise<FibLookupResult> {
  await using fib = await FibLookup.open(options);
  return await fib.lookup(req, options);
}
