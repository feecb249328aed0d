/**
 * Connection tracking over `NETLINK_NETFILTER` (ctnetlink): list, get, create, update, delete
 * and flush entries, filtered dumps (by family, mark, zone, status, tuple fields), the per-CPU
 * and global statistics, and typed new/update/destroy events from the `NFNLGRP_CONNTRACK_*`
 * groups — on the generic {@link Client} with the generated conntrack family (re-exported
 * here, with the typed entries of `ct_entry.ts`).
 *
 * Events and lost messages: a busy table sends events faster than a slow reader takes them;
 * the kernel then drops them and reports `ENOBUFS`. Open the socket for events with a large
 * buffer (`receiveBufferSize: 8 << 20`; `SO_RCVBUFFORCE` as root), and treat an
 * `{ type: "overrun" }` event (or an `ENOBUFS` error) as "some events were lost": dump the table
 * again to resynchronise.
 *
 * @example
 * ```ts
 * import { Conntrack } from "@netlink/netlink/conntrack";
 * await using ct = await Conntrack.open();
 * for await (const e of ct.list({ family: 2, mark: 42 })) {
 *   console.log(e.original.src, e.original.dst, e.tcp?.state, e.mark);
 * }
 * console.log(await ct.count()); // { entries: …, maxEntries: … }
 * ```
 *
 * @module
 */
import { Client, type ClientOptions } from "../../client/client.ts";
import {
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_OVERRUN,
} from "../../codec/constants.ts";
import { MessageBuilder, type NetlinkMessage } from "../../codec/message.ts";
import { buildMessage, decodeAttributeSet, decodeBody } from "../../codec/ynl/mod.ts";
import * as ct from "../generated/conntrack.ts";
import { eventStream } from "./_events.ts";
import {
  type ConntrackEntry,
  type ConntrackInput,
  type CtTuple,
  entryFromAttrs,
  entryToAttrs,
  tupleFamily,
  tupleToAttrs,
} from "./ct_entry.ts";

export * from "../generated/conntrack.ts";
export * from "./ct_entry.ts";

/** The message type of ctnetlink message `msg` (`IPCTNL_MSG_CT_*`): subsystem in the high byte. */
export function ctMessageType(msg: number): number {
  return (ct.NFNL_SUBSYS_CTNETLINK << 8) | msg;
}

/**
 * Bits of `CTA_FILTER_ORIG_FLAGS` / `CTA_FILTER_REPLY_FLAGS`: which tuple fields a filtered
 * dump or flush compares. Kernel-internal (net/netfilter/nf_internals.h `CTA_FILTER_F_*`), not
 * in a uAPI header; {@link ConntrackFilter} sets them from the fields given.
 */
export const CTA_FILTER_F: Readonly<
  Record<
    | "IP_SRC"
    | "IP_DST"
    | "TUPLE_ZONE"
    | "PROTO_NUM"
    | "PROTO_SRC_PORT"
    | "PROTO_DST_PORT"
    | "PROTO_ICMP_TYPE"
    | "PROTO_ICMP_CODE"
    | "PROTO_ICMP_ID"
    | "PROTO_ICMPV6_TYPE"
    | "PROTO_ICMPV6_CODE"
    | "PROTO_ICMPV6_ID",
    number
  >
> = Object.freeze({
  IP_SRC: 1 << 0,
  IP_DST: 1 << 1,
  TUPLE_ZONE: 1 << 2,
  PROTO_NUM: 1 << 3,
  PROTO_SRC_PORT: 1 << 4,
  PROTO_DST_PORT: 1 << 5,
  PROTO_ICMP_TYPE: 1 << 6,
  PROTO_ICMP_CODE: 1 << 7,
  PROTO_ICMP_ID: 1 << 8,
  PROTO_ICMPV6_TYPE: 1 << 9,
  PROTO_ICMPV6_CODE: 1 << 10,
  PROTO_ICMPV6_ID: 1 << 11,
});

/** What a dump (or flush) keeps; the kernel compares, only matching entries come back. */
export interface ConntrackFilter {
  /** Address family (`AF_INET` 2, `AF_INET6` 10); 0 or absent: both. Set from a tuple's addresses. */
  family?: number;
  /** Entries whose mark, masked with `markMask` (default all bits), is this. */
  mark?: number;
  /** Mask for `mark`. */
  markMask?: number;
  /** Entries in this zone. */
  zone?: number;
  /** Entries whose status, masked with `statusMask` (default: `status` itself), is this. */
  status?: number;
  /** Mask for `status`. */
  statusMask?: number;
  /** Fields of the original tuple to match (needs a family: from its addresses or `family`). */
  original?: Partial<CtTuple>;
  /** Fields of the reply tuple to match. */
  reply?: Partial<CtTuple>;
}

/** A conntrack event: an entry created, changed or destroyed (or lost events). */
export type ConntrackEvent =
  | { type: "new" | "update" | "destroy"; entry: ConntrackEntry; message: NetlinkMessage }
  | { type: "overrun" };

/** Options of {@link Conntrack.events}. */
export interface ConntrackEventOptions {
  /** Which events (default all three): `NFNLGRP_CONNTRACK_NEW`, `_UPDATE`, `_DESTROY`. */
  types?: readonly ("new" | "update" | "destroy")[];
  /** Stop the iterator. */
  signal?: AbortSignal;
}

/** Per-CPU counters of `IPCTNL_MSG_CT_GET_STATS_CPU`. */
export interface ConntrackCpuStats extends ct.ConntrackStatsAttrs {
  /** The CPU (`res_id` of the reply's nfgenmsg). */
  cpu: number;
}

function filterFlags(t: Partial<CtTuple>): number {
  const F = CTA_FILTER_F;
  const v6 = t.protocol === 58;
  let f = 0;
  if (t.src !== undefined) f |= F.IP_SRC;
  if (t.dst !== undefined) f |= F.IP_DST;
  if (t.zone !== undefined) f |= F.TUPLE_ZONE;
  if (t.protocol !== undefined) f |= F.PROTO_NUM;
  if (t.srcPort !== undefined) f |= F.PROTO_SRC_PORT;
  if (t.dstPort !== undefined) f |= F.PROTO_DST_PORT;
  if (t.icmpType !== undefined) f |= v6 ? F.PROTO_ICMPV6_TYPE : F.PROTO_ICMP_TYPE;
  if (t.icmpCode !== undefined) f |= v6 ? F.PROTO_ICMPV6_CODE : F.PROTO_ICMP_CODE;
  if (t.icmpId !== undefined) f |= v6 ? F.PROTO_ICMPV6_ID : F.PROTO_ICMP_ID;
  return f;
}

/**
 * The header and attributes of a filtered dump or flush (`ctnetlink_alloc_filter`).
 *
 * @throws {TypeError} for a tuple filter without a family, or port or ICMP fields without a
 *   protocol (the kernel refuses both with `EINVAL`/`EOPNOTSUPP`).
 * @example
 * ```ts
 * import { filterRequest } from "@netlink/netlink/conntrack";
 * filterRequest({ original: { dst: "10.0.0.2", protocol: 6, dstPort: 22 } });
 * ```
 */
export function filterRequest(f: ConntrackFilter = {}): {
  family: number;
  attrs: ct.ConntrackAttrs;
} {
  const family = f.family ?? (tupleFamily(f.original) || tupleFamily(f.reply));
  const attrs: ct.ConntrackAttrs = {};
  if (f.mark !== undefined) attrs.mark = f.mark;
  if (f.markMask !== undefined) attrs.markMask = f.markMask;
  if (f.status !== undefined) attrs.status = f.status;
  if (f.statusMask !== undefined) attrs.statusMask = f.statusMask;
  if (f.zone !== undefined) attrs.zone = f.zone;
  const orig = f.original ? filterFlags(f.original) : 0;
  const reply = f.reply ? filterFlags(f.reply) : 0;
  if (orig || reply) {
    if (family !== 2 && family !== 10) {
      throw new TypeError("A tuple filter needs a family: give addresses or `family` (2 or 10)");
    }
    for (const t of [f.original, f.reply]) {
      const portish = t && (t.srcPort ?? t.dstPort ?? t.icmpType ?? t.icmpCode ?? t.icmpId);
      if (portish !== undefined && t?.protocol === undefined) {
        throw new TypeError("Filtering on ports or ICMP fields needs the tuple's `protocol`");
      }
    }
    attrs.filter = {};
    if (orig) {
      attrs.filter.origFlags = orig;
      attrs.tupleOrig = tupleToAttrs(f.original!);
    }
    if (reply) {
      attrs.filter.replyFlags = reply;
      attrs.tupleReply = tupleToAttrs(f.reply!);
    }
  }
  return { family, attrs };
}

/**
 * A ctnetlink client: typed entries, filtered dumps, changes, statistics and events.
 *
 * @example
 * ```ts
 * import { Conntrack } from "@netlink/netlink/conntrack";
 * await using ct = await Conntrack.open({ netns: "blue" });
 * await ct.create({
 *   original: { src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 4000, dstPort: 53 },
 *   timeout: 30,
 *   mark: 7,
 * });
 * const e = await ct.get({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 4000, dstPort: 53 });
 * console.log(e.mark, e.timeout);
 * await ct.delete({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 4000, dstPort: 53 });
 * ```
 */
export class Conntrack implements AsyncDisposable {
  /** The generic client underneath (its socket is a `NETLINK_NETFILTER` one). */
  readonly client: Client;

  private constructor(client: Client) {
    this.client = client;
  }

  /**
   * Open a `NETLINK_NETFILTER` socket (in `options.netns`, if given). For events, give a large
   * `receiveBufferSize` (see the module's notes).
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open({ receiveBufferSize: 8 << 20 });
   * ```
   */
  static async open(options: ClientOptions = {}): Promise<Conntrack> {
    return new Conntrack(await Client.open(ct.family, options));
  }

  /**
   * Use a client that is already open (over a fake kernel in tests, or sharing a socket).
   *
   * @example
   * ```ts
   * import { Client } from "@netlink/netlink";
   * import { Conntrack, family } from "@netlink/netlink/conntrack";
   * const c = Conntrack.fromClient(await Client.open(family));
   * ```
   */
  static fromClient(client: Client): Conntrack {
    return new Conntrack(client);
  }

  /** A request of ctnetlink message `msg` with the conntrack attributes. */
  #message(
    msg: number,
    family: number,
    attrs: ct.ConntrackAttrs,
    flags = 0,
    version = 0,
  ): Uint8Array {
    return buildMessage(ct.operations.get, {
      type: ctMessageType(msg),
      header: { nfgenFamily: family, version, resId: 0 },
      attrs,
      flags,
    });
  }

  #entry(m: NetlinkMessage): ConntrackEntry {
    const d = decodeBody(ct.operations.get, m.payload);
    return entryFromAttrs(d.header.nfgenFamily, d.attrs);
  }

  /**
   * Dump the table (`conntrack -L`), filtered by the kernel when `filter` says so.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * for await (const e of ct.list({ original: { protocol: 6, dstPort: 22, dst: "10.0.0.2" } })) {
   *   console.log(e.original.srcPort, e.tcp?.state);
   * }
   * ```
   */
  async *list(filter: ConntrackFilter = {}, options: { signal?: AbortSignal } = {}): AsyncGenerator<
    ConntrackEntry
  > {
    const { family, attrs } = filterRequest(filter);
    const req = this.#message(ct.IPCTNL_MSG_CT_GET, family, attrs);
    const sock = this.client.socket;
    for await (
      const m of sock.dump(req, { signal: options.signal, operation: "IPCTNL_MSG_CT_GET dump" })
    ) {
      yield this.#entry(m);
    }
  }

  /**
   * The entry with this original tuple (`conntrack -G`); rejects with `ENOENT` when there is
   * none. `zone` selects the zone.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * const e = await ct.get({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 1, icmpType: 8, icmpCode: 0, icmpId: 1 });
   * ```
   */
  async get(original: CtTuple, options: { zone?: number; reply?: boolean } = {}): Promise<
    ConntrackEntry
  > {
    const t = tupleToAttrs(original);
    const attrs: ct.ConntrackAttrs = options.reply ? { tupleReply: t } : { tupleOrig: t };
    if (options.zone !== undefined) attrs.zone = options.zone;
    const req = this.#message(ct.IPCTNL_MSG_CT_GET, tupleFamily(original), attrs);
    const reply = await this.client.socket.request(req, { operation: "IPCTNL_MSG_CT_GET" });
    if (reply.type !== ctMessageType(ct.IPCTNL_MSG_CT_NEW)) {
      throw new TypeError(`IPCTNL_MSG_CT_GET was answered with message type ${reply.type}`);
    }
    return this.#entry(reply);
  }

  /**
   * Create an entry (`conntrack -I`): `timeout` is required, TCP entries want `tcpState`.
   * Rejects with `EEXIST` if it exists.
   *
   * @example
   * ```ts
   * import { Conntrack, NF_CT_TCP_STATE } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * await ct.create({
   *   original: { src: "10.0.0.1", dst: "10.0.0.2", protocol: 6, srcPort: 40000, dstPort: 80 },
   *   timeout: 120,
   *   tcpState: NF_CT_TCP_STATE.ESTABLISHED,
   * });
   * ```
   */
  async create(entry: ConntrackInput): Promise<void> {
    if (entry.timeout === undefined) throw new TypeError("Creating an entry needs a `timeout`");
    const req = this.#message(
      ct.IPCTNL_MSG_CT_NEW,
      tupleFamily(entry.original),
      entryToAttrs(entry),
      NLM_F_CREATE | NLM_F_EXCL,
    );
    await this.client.socket.request(req, { operation: "IPCTNL_MSG_CT_NEW (create)" });
  }

  /**
   * Change an existing entry (`conntrack -U`): timeout, mark (with `markMask`), status bits,
   * labels, TCP state. Rejects with `ENOENT` if it does not exist.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * await ct.update({ original: { src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 4000, dstPort: 53 }, mark: 9 });
   * ```
   */
  async update(entry: ConntrackInput): Promise<void> {
    const attrs = entryToAttrs(entry);
    if (entry.reply === undefined) delete attrs.tupleReply;
    const req = this.#message(ct.IPCTNL_MSG_CT_NEW, tupleFamily(entry.original), attrs);
    await this.client.socket.request(req, { operation: "IPCTNL_MSG_CT_NEW (update)" });
  }

  /**
   * Delete the entry with this original tuple (`conntrack -D` of one entry); `ENOENT` if none.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * await ct.delete({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 4000, dstPort: 53 });
   * ```
   */
  async delete(original: CtTuple, options: { zone?: number; id?: number } = {}): Promise<void> {
    const attrs: ct.ConntrackAttrs = { tupleOrig: tupleToAttrs(original) };
    if (options.zone !== undefined) attrs.zone = options.zone;
    if (options.id !== undefined) attrs.id = options.id;
    const req = this.#message(ct.IPCTNL_MSG_CT_DELETE, tupleFamily(original), attrs);
    await this.client.socket.request(req, { operation: "IPCTNL_MSG_CT_DELETE" });
  }

  /**
   * Delete every entry (`conntrack -F`), or those `filter` selects (family, mark, zone,
   * status, tuple fields: the kernel filters as for a dump).
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * await ct.flush({ family: 2, mark: 42 });
   * ```
   */
  async flush(filter: ConntrackFilter = {}): Promise<void> {
    const { family, attrs } = filterRequest(filter);
    // nfgenmsg.version 1 makes the kernel honour the family (ctnetlink_del_conntrack).
    const req = this.#message(ct.IPCTNL_MSG_CT_DELETE, family, attrs, 0, family ? 1 : 0);
    await this.client.socket.request(req, { operation: "IPCTNL_MSG_CT_DELETE (flush)" });
  }

  /**
   * Per-CPU statistics (`conntrack -S`, `IPCTNL_MSG_CT_GET_STATS_CPU`).
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * for (const s of await ct.stats()) console.log(s.cpu, s.found, s.insert, s.drop);
   * ```
   */
  async stats(options: { signal?: AbortSignal } = {}): Promise<ConntrackCpuStats[]> {
    const out: ConntrackCpuStats[] = [];
    for await (const m of this.client.dump(ct.operations.getStats, { signal: options.signal })) {
      out.push({ ...m.attrs, cpu: m.header.resId });
    }
    return out;
  }

  /**
   * The number of entries and the table's limit (`conntrack -C`, `IPCTNL_MSG_CT_GET_STATS`).
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * const { entries, maxEntries } = await ct.count();
   * ```
   */
  async count(): Promise<{ entries: number; maxEntries?: number }> {
    const req = new MessageBuilder(
      ctMessageType(ct.IPCTNL_MSG_CT_GET_STATS),
      NLM_F_REQUEST | NLM_F_ACK,
    ).raw(new Uint8Array(4)).finish();
    const reply = await this.client.socket.request(req, { operation: "IPCTNL_MSG_CT_GET_STATS" });
    const a = decodeAttributeSet(ct.conntrackStatsGlobalAttrs, reply.payload.subarray(4));
    return { entries: a.entries ?? 0, maxEntries: a.maxEntries };
  }

  /**
   * Typed events (`conntrack -E`): `new`, `update` and `destroy` with the entry as the kernel
   * sent it (only what changed, for updates), and `overrun` when events were lost.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open({ receiveBufferSize: 8 << 20 });
   * for await (const ev of ct.events({ types: ["new", "destroy"], signal: AbortSignal.timeout(5000) })) {
   *   if (ev.type === "overrun") console.log("events lost: dump again");
   *   else console.log(ev.type, ev.entry.original.src, ev.entry.original.dst);
   * }
   * ```
   */
  async *events(options: ConntrackEventOptions = {}): AsyncGenerator<ConntrackEvent> {
    await using sub = await this.subscribe(options);
    for await (const ev of sub) yield ev;
  }

  /**
   * Like {@link events}, but resolves once the groups are joined: every event after that is
   * in the iterator.
   *
   * @example
   * ```ts
   * import { Conntrack } from "@netlink/netlink/conntrack";
   * await using ct = await Conntrack.open();
   * await using events = await ct.subscribe({ types: ["destroy"] });
   * ```
   */
  subscribe(
    options: ConntrackEventOptions = {},
  ): Promise<AsyncIterableIterator<ConntrackEvent> & AsyncDisposable> {
    const groups: Record<string, number> = {
      new: ct.NFNLGRP_CONNTRACK_NEW,
      update: ct.NFNLGRP_CONNTRACK_UPDATE,
      destroy: ct.NFNLGRP_CONNTRACK_DESTROY,
    };
    const types = options.types ?? ["new", "update", "destroy"];
    const sock = this.client.socket;
    const stream = sock.subscribe({ signal: options.signal });
    for (const t of types) {
      const g = groups[t];
      if (g === undefined) throw new TypeError(`Unknown conntrack event type "${t}"`);
      sock.join(g);
    }
    const NEW = ctMessageType(ct.IPCTNL_MSG_CT_NEW), DEL = ctMessageType(ct.IPCTNL_MSG_CT_DELETE);
    const event = (m: NetlinkMessage): ConntrackEvent | undefined => {
      if (m.type === NLMSG_OVERRUN) return { type: "overrun" };
      if (m.type !== NEW && m.type !== DEL) return undefined;
      // ctnetlink_conntrack_event: IPCT_NEW → NLM_F_CREATE | NLM_F_EXCL.
      const type = m.type === DEL
        ? "destroy"
        : m.flags & (NLM_F_CREATE | NLM_F_EXCL)
        ? "new"
        : "update";
      return { type, entry: this.#entry(m), message: m };
    };
    return Promise.resolve(eventStream(stream, event));
  }

  /** Close the socket. */
  close(): void {
    this.client.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
