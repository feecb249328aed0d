/**
 * One client for every family the generator knows: `call`, `get`, `dump` and typed `events`
 * over a {@link NetlinkSocket}. The family decides the protocol:
 *
 * - netlink-raw families (rtnetlink, netfilter, …) use their protocol number, and their message
 *   types and multicast group numbers straight from the spec;
 * - generic netlink families share `NETLINK_GENERIC`: the family id and multicast group ids
 *   are resolved by name through the controller (nlctrl) and cached per network namespace.
 *
 * @example
 * ```ts
 * import { Client } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * await using eth = await Client.open(ethtool.family);
 * const info = await eth.get(ethtool.operations.linkinfoGet, {
 *   attrs: { header: { devName: "lo" } },
 * });
 * console.log(info.attrs.port);
 * ```
 *
 * @module
 */
import { NETLINK_GENERIC, NLMSG_ERROR } from "../codec/constants.ts";
import {
  buildMessage,
  type DecodedMessage,
  type Family,
  type Operation,
} from "../codec/ynl/mod.ts";
import { isOverrun, NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { type GenlFamilyInfo, resolveFamily } from "./genl.ts";
import type { NetlinkMessage } from "../codec/message.ts";
import { DumpInterruptedError, retriesOf } from "./consistent.ts";
export type {
  CallOptions,
  ClientEvent,
  ClientOptions,
  DumpGenerator,
  DumpOptions,
  EventOptions,
  Notification,
  OverrunNotification,
  ReplyOptions,
  UnknownNotification,
} from "./client_types.ts";
export { operationName } from "./client_reply.ts";
import type {
  CallOptions,
  ClientEvent,
  ClientOptions,
  DumpGenerator,
  DumpOptions,
  EventOptions,
  ReplyOptions,
} from "./client_types.ts";
import { decodeReply, located, operationName } from "./client_reply.ts";
import { arraySource, type Batch, type BatchSource, DumpReader } from "./dump_reader.ts";
import { MessageRun, type RawMessage } from "./kept_message.ts";
export { RawMessage } from "./kept_message.ts";

/** The protocol a family speaks: its netlink protocol number. */
export function protocolOf(family: Family): number {
  if (family.isGenetlink) return NETLINK_GENERIC;
  const n = family.spec.protonum;
  if (n === undefined) throw new TypeError(`Family "${family.name}" has no protocol number`);
  return n;
}

/**
 * A netlink socket that speaks in typed, spec-generated operations of one protocol: any family
 * with the same protocol number can be used on it (for generic netlink: any genetlink family).
 */
export class Client implements AsyncDisposable {
  /** The underlying socket. */
  readonly socket: NetlinkSocket;
  #families = new Map<string, Family>();
  #genl = new Map<string, Promise<GenlFamilyInfo>>();
  #byId = new Map<number, Family>();

  /** Wrap an open socket; the families listed are those {@link events} decodes. */
  protected constructor(socket: NetlinkSocket, families: readonly Family[]) {
    this.socket = socket;
    for (const f of families) this.#adopt(f);
  }

  /**
   * Open a socket for `families` (one family or several of the same protocol) and return a
   * client over it.
   *
   * @throws {TypeError} when the families speak different protocols.
   * @example
   * ```ts
   * import { Client, rtLink, rtAddr } from "@netlink/netlink";
   * await using rt = await Client.open([rtLink.family, rtAddr.family], { netns: "blue" });
   * ```
   */
  static async open(
    families: Family | readonly Family[],
    options: ClientOptions = {},
  ): Promise<Client> {
    const list = Array.isArray(families) ? families : [families as Family];
    return new Client(await Client.socketFor(list, options), list);
  }

  /**
   * A client over a socket opened elsewhere (with options `open` does not take, or over a
   * fake kernel's transport in tests). The client does not own more than `close()`: closing
   * it closes the socket.
   *
   * @throws {TypeError} when a family does not speak the socket's protocol.
   * @example
   * ```ts
   * import { Client, NETLINK_GENERIC, NetlinkSocket } from "@netlink/netlink";
   * import * as ethtool from "@netlink/netlink/ethtool";
   * const sock = await NetlinkSocket.open(NETLINK_GENERIC, { receiveBufferSize: 1 << 22 });
   * await using eth = Client.fromSocket(sock, [ethtool.family]);
   * ```
   */
  static fromSocket(socket: NetlinkSocket, families: Family | readonly Family[]): Client {
    return new Client(socket, Array.isArray(families) ? families : [families as Family]);
  }

  /** Open the socket that `families` share; used by {@link open} and specialisations. */
  protected static socketFor(
    families: readonly Family[],
    options: ClientOptions,
  ): Promise<NetlinkSocket> {
    if (families.length === 0) throw new TypeError("Client.open needs at least one family");
    const protocol = protocolOf(families[0]);
    for (const f of families) {
      if (protocolOf(f) !== protocol) {
        throw new TypeError(
          `Families "${families[0].name}" and "${f.name}" speak different netlink protocols`,
        );
      }
    }
    return NetlinkSocket.open(protocol, options);
  }

  #adopt(family: Family): void {
    if (this.#families.get(family.name) === family) return;
    if (protocolOf(family) !== this.socket.protocol) {
      throw new TypeError(
        `Family "${family.name}" speaks netlink protocol ${
          protocolOf(family)
        }, not this socket's ${this.socket.protocol}`,
      );
    }
    this.#families.set(family.name, family);
  }

  /**
   * The generic netlink facts of `family` (id, version, groups), resolved once per namespace.
   *
   * @throws {FamilyNotFoundError} when this kernel has no such family.
   */
  genlFamily(family: Family, signal?: AbortSignal): Promise<GenlFamilyInfo> {
    if (!family.isGenetlink) {
      throw new TypeError(`Family "${family.name}" is not a generic netlink family`);
    }
    this.#adopt(family);
    let p = this.#genl.get(family.name);
    if (p === undefined) {
      p = resolveFamily(this.socket, family.name, signal);
      this.#genl.set(family.name, p);
      p.then((info) => this.#byId.set(info.id, family), () => this.#genl.delete(family.name));
    }
    return p;
  }

  async #typeOf(op: Operation<object, object>, signal?: AbortSignal): Promise<number | undefined> {
    this.#adopt(op.family);
    return op.family.isGenetlink ? (await this.genlFamily(op.family, signal)).id : undefined;
  }

  /**
   * Send one request of `op` and wait: resolves with the decoded reply, or `undefined` when the
   * kernel only acknowledged it. Kernel errors reject with a `NetlinkError` naming the
   * operation. The reply is decoded as {@link ReplyOptions} says.
   */
  call<H extends object, A extends object>(
    op: Operation<H, A>,
    options?: CallOptions<H, A>,
  ): Promise<DecodedMessage<H, A> | undefined>;
  /** Like the above, decoding the reply as a message of `options.reply`. */
  call<H extends object, A extends object, RH extends object, RA extends object>(
    op: Operation<H, A>,
    options: CallOptions<H, A> & { reply: Operation<RH, RA> },
  ): Promise<DecodedMessage<RH, RA> | undefined>;
  async call<H extends object, A extends object>(
    op: Operation<H, A>,
    options: CallOptions<H, A> & ReplyOptions<object, object> = {},
  ): Promise<DecodedMessage<object, object> | undefined> {
    options.signal?.throwIfAborted();
    const type = await this.#typeOf(op as Operation<object, object>, options.signal);
    const bytes = buildMessage(op, {
      type,
      header: options.header,
      attrs: options.attrs,
      flags: options.flags,
    });
    let reply: NetlinkMessage;
    try {
      reply = await this.socket.request(bytes, {
        signal: options.signal,
        operation: operationName(op, false),
        ack: options.ack,
      });
    } catch (e) {
      throw located(e, op as Operation<object, object>, bytes);
    }
    if (reply.type === NLMSG_ERROR) return undefined; // the ACK
    return decodeReply(op as Operation<object, object>, reply, options.reply);
  }

  /**
   * Like {@link call}, for operations that answer with an object: rejects when the kernel only
   * acknowledged.
   */
  get<H extends object, A extends object>(
    op: Operation<H, A>,
    options?: CallOptions<H, A>,
  ): Promise<DecodedMessage<H, A>>;
  /** Like the above, decoding the reply as a message of `options.reply`. */
  get<H extends object, A extends object, RH extends object, RA extends object>(
    op: Operation<H, A>,
    options: CallOptions<H, A> & { reply: Operation<RH, RA> },
  ): Promise<DecodedMessage<RH, RA>>;
  async get<H extends object, A extends object>(
    op: Operation<H, A>,
    options: CallOptions<H, A> & ReplyOptions<object, object> = {},
  ): Promise<DecodedMessage<object, object>> {
    const reply = await this.call(op, options as CallOptions<H, A>);
    if (reply === undefined) {
      throw new TypeError(`${operationName(op, false)} was acknowledged without a reply`);
    }
    return reply;
  }

  /**
   * Dump all objects of `op`, decoded as they arrive (each by its own message type, as
   * {@link ReplyOptions} says). Header fields and attributes filter the dump where the kernel
   * supports it. Aborting stops the iteration at once.
   *
   * The generator's `interrupted` says, once iterated, whether the kernel flagged the dump
   * `NLM_F_DUMP_INTR` (the table changed meanwhile). With `consistent` (see
   * {@link ConsistencyOptions}) each pass is collected first, and an interrupted one is read
   * again: only a clean pass is yielded, or a {@link DumpInterruptedError} is thrown after the
   * retries allowed.
   *
   * @example
   * ```ts
   * import { Client, rtLink } from "@netlink/netlink";
   * await using rt = await Client.open(rtLink.family);
   * const links = rt.dump(rtLink.operations.getlink, { consistent: { retries: 5 } });
   * for await (const l of links) console.log(l.attrs.ifname);
   * console.log(links.attempts, "passes");
   * ```
   */
  dump<H extends object, A extends object>(
    op: Operation<H, A>,
    options?: DumpOptions<H, A>,
  ): DumpGenerator<DecodedMessage<H, A>>;
  /** Like the above, decoding each message as one of `options.reply`. */
  dump<H extends object, A extends object, RH extends object, RA extends object>(
    op: Operation<H, A>,
    options: DumpOptions<H, A> & { reply: Operation<RH, RA> },
  ): DumpGenerator<DecodedMessage<RH, RA>>;
  dump<H extends object, A extends object>(
    op: Operation<H, A>,
    options: DumpOptions<H, A> & ReplyOptions<object, object> = {},
  ): DumpGenerator<DecodedMessage<object, object>> {
    return this.#dumpReader(op as Operation<object, object>, options, undefined);
  }

  /**
   * Like {@link dump}, with each message handed to `map` as it is decoded; what `map` returns
   * is iterated (`undefined` skips the message). `raw` is the message where it lies in its
   * datagram's copy, valid during the call; `raw.keep()` gives the message to hold on to at the
   * cost of one object (it shares that copy and is decoded again on first access) — what
   * {@link dump}'s messages cost to keep is several objects each. Typed lists (`listRoutes`)
   * are built on it.
   *
   * @example
   * ```ts
   * import { Client, rtLink } from "@netlink/netlink";
   * await using rt = await Client.open(rtLink.family);
   * const up = rt.dumpMapped(
   *   rtLink.operations.getlink,
   *   (m, raw) => (m.header.ifiFlags & 1) ? { name: m.attrs.ifname, message: raw.keep() } : undefined,
   * );
   * for await (const l of up) console.log(l.name, l.message.attrs.mtu);
   * ```
   */
  dumpMapped<H extends object, A extends object, T>(
    op: Operation<H, A>,
    map: (m: DecodedMessage<H, A>, raw: RawMessage<H, A>) => T | undefined,
    options: DumpOptions<H, A> = {},
  ): DumpGenerator<T> {
    if (typeof map !== "function") throw new TypeError("dumpMapped() takes a map function");
    return this.#dumpReader(
      op as Operation<object, object>,
      options as DumpOptions<object, object>,
      map as (m: DecodedMessage<object, object>, raw: RawMessage) => T | undefined,
    );
  }

  #dumpReader<T>(
    op: Operation<object, object>,
    options: DumpOptions<object, object> & ReplyOptions<object, object>,
    map: ((m: DecodedMessage<object, object>, raw: RawMessage) => T | undefined) | undefined,
  ): DumpGenerator<T> {
    const state = { attempts: 0 };
    let sent: Uint8Array = new Uint8Array(0);
    const explicit = options.reply;
    // Each datagram's messages are copied out of the receive buffer once, and decoded (and
    // mapped) one at a time as the consumer takes them.
    const visit = (
      data: Uint8Array,
      start: number,
      end: number,
      emit: (b: Batch<T>) => void,
    ) => emit(new MessageRun(data.slice(start, end), op, explicit, map));
    const open = async (): Promise<BatchSource<T>> => {
      options.signal?.throwIfAborted();
      const retries = retriesOf(options.consistent);
      const type = await this.#typeOf(op, options.signal);
      const name = operationName(op, true);
      const send = () => {
        state.attempts++;
        sent = buildMessage(op, {
          dump: true,
          type,
          header: options.header,
          attrs: options.attrs,
          flags: options.flags,
        });
        return this.socket.dumpVisited(sent, visit, { signal: options.signal, operation: name });
      };
      if (retries === undefined) return send();
      for (;;) {
        const it = send();
        const pass: Batch<T>[] = [];
        for await (const b of it) pass.push(b);
        if (!it.interrupted) return arraySource(pass);
        if (state.attempts > retries) throw new DumpInterruptedError(name, state.attempts);
      }
    };
    return new DumpReader(
      open,
      (e) => this.dumpError(located(e, op, sent), op),
      state,
      options.signal,
    );
  }

  /**
   * The error a failed {@link dump} of `op` rejects with: `e` itself here; a family's client
   * may name kernel errors its own way (as `Rtnl` does with `RtnlError`).
   */
  protected dumpError(e: unknown, _op: Operation<object, object>): unknown {
    return e;
  }

  /**
   * Join multicast groups (YNL names, e.g. `"rtnlgrp-link"` or ethtool's `"monitor"`) of this
   * client's families and iterate their notifications, decoded by the family they belong to.
   * Messages no family describes come as {@link UnknownNotification}; a receive-buffer overrun
   * as an {@link OverrunNotification} (`overrun: true`), after which the iteration goes on.
   *
   * @throws {TypeError} for a group none of the client's families has.
   */
  async *events(
    groups: readonly string[],
    options: EventOptions = {},
  ): AsyncGenerator<ClientEvent> {
    await using sub = await this.subscribe(groups, options);
    for await (const n of sub) yield n;
  }

  /**
   * Like {@link events}, but resolves once the groups are joined: every notification sent
   * after that is in the returned iterator (with {@link events}, the join happens on the
   * first `next()`, some time later).
   *
   * @throws {TypeError} for a group none of the client's families has.
   * @example
   * ```ts
   * import { Client } from "@netlink/netlink";
   * import * as ethtool from "@netlink/netlink/ethtool";
   * await using eth = await Client.open(ethtool.family);
   * await using events = await eth.subscribe(["monitor"], { signal: AbortSignal.timeout(5000) });
   * // … change a feature with `ethtool -K` here …
   * for await (const n of events) {
   *   if (n.overrun) console.log("notifications were lost");
   *   else if (n.family) console.log(n.operation.name, n.attrs);
   * }
   * ```
   */
  async subscribe(
    groups: readonly string[],
    options: EventOptions = {},
  ): Promise<AsyncIterableIterator<ClientEvent> & AsyncDisposable> {
    options.signal?.throwIfAborted();
    const ids = await this.groupIds(groups, options.signal);
    options.signal?.throwIfAborted();
    const stream = this.socket.subscribe({
      signal: options.signal,
      overrun: options.overrun,
      acceptFrom: options.acceptFrom,
    });
    for (const id of ids) this.socket.join(id);
    const decode = (m: ReceivedMessage) => this.decodeNotification(m);
    const it: AsyncIterableIterator<ClientEvent> & AsyncDisposable = {
      async next() {
        const r = await stream.next();
        return r.done ? r : { done: false, value: decode(r.value) };
      },
      async return() {
        await stream.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
      async [Symbol.asyncDispose]() {
        await stream.return?.();
      },
    };
    return it;
  }

  /** The ids of multicast groups named as in the specs of this client's families. */
  async groupIds(groups: readonly string[], signal?: AbortSignal): Promise<number[]> {
    const ids: number[] = [];
    for (const name of groups) {
      let id: number | undefined;
      for (const f of this.#families.values()) {
        if (f.isGenetlink) {
          if (!(name in (f.spec.mcastGroups ?? {}))) continue;
          id = (await this.genlFamily(f, signal)).groups.get(name);
          if (id === undefined) {
            throw new TypeError(`This kernel's ${f.name} has no multicast group "${name}"`);
          }
        } else id = f.spec.mcastGroups?.[name] ?? undefined;
        if (id !== undefined) break;
      }
      if (id === undefined) {
        const known = [...this.#families.values()].flatMap((f) =>
          Object.keys(f.spec.mcastGroups ?? {})
        );
        throw new TypeError(`Unknown multicast group "${name}"; known: ${known.join(", ")}`);
      }
      ids.push(id);
    }
    return ids;
  }

  /** Decode a received message with the family of this client that describes it. */
  decodeNotification(m: ReceivedMessage): ClientEvent {
    if (isOverrun(m)) return { family: undefined, overrun: true, message: m };
    if (this.socket.protocol === NETLINK_GENERIC) {
      const family = this.#byId.get(m.type);
      const d = family?.decodeMessage(m.type, m.payload);
      if (family && d) {
        return { ...d, family: family.name, type: m.type, group: m.group, nsid: m.nsid };
      }
    } else {
      for (const family of this.#families.values()) {
        const d = family.decodeMessage(m.type, m.payload);
        if (d) return { ...d, family: family.name, type: m.type, group: m.group, nsid: m.nsid };
      }
    }
    return { family: undefined, message: m };
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
