/**
 * A consistent view of a kernel table: dump it, follow its notifications, and when the
 * receive buffer overflowed (notifications were lost; the subscription yields an overrun
 * marker) dump it again and reconcile, yielding what changed. One implementation,
 * {@link followTable}, parameterised by a dump function, a notification filter and a key
 * function; {@link clientView} applies it to any family of a {@link Client}, and the route
 * module has typed views of links, addresses, routes, neighbours, rules and tc objects.
 *
 * The subscription is made before the first dump, so nothing that happens in between is
 * missed: notifications already reflected in the dump are applied again, which converges
 * because each notification carries the whole object. After a marker the table is read
 * again (with `consistent`, retrying interrupted dumps) and compared with what the view held:
 * the differences come as changes flagged `resync: true`, then a `sync` event.
 *
 * @example
 * ```ts
 * import { clientView, Rtnl, rtLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using links = await clientView(rt, {
 *   dump: rtLink.operations.getlink,
 *   groups: ["rtnlgrp-link"],
 *   key: (m) => String(m.header.ifiIndex),
 * });
 * for await (const e of links) {
 *   if (e.type === "sync") console.log(links.table.size, "links;", links.resyncs, "resyncs");
 *   else console.log(e.type, e.object.attrs.ifname);
 * }
 * ```
 *
 * @module
 */
import type { DecodedMessage, Operation } from "../codec/ynl/mod.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { DumpInterruptedError } from "./consistent.ts";
import type { Client, ClientEvent, DumpOptions, Notification } from "./client.ts";

/** A change of one object of a {@link TableView}'s table. */
export interface TableChange<T> {
  /** `"add"`: a new key; `"update"`: a key whose object changed; `"delete"`: a key gone. */
  type: "add" | "update" | "delete";
  /** The object's key. */
  key: string;
  /** The object now (for `"delete"`: the last one the view held). */
  object: T;
  /** For `"update"`: the object before. */
  previous?: T;
  /**
   * True when the change was found by reconciling a fresh dump after an overrun (the
   * notification that said so was lost), false when a notification said so.
   */
  resync: boolean;
}

/** The table is complete: after the first dump (`initial`), and after each resync. */
export interface TableSync<T> {
  /** `"sync"`. */
  type: "sync";
  /** True for the first dump, false after a resync. */
  initial: boolean;
  /** The current table by key (live: the view's {@link TableView.table}). */
  table: ReadonlyMap<string, T>;
  /** Resyncs so far. */
  resyncs: number;
}

/** What a {@link TableView} yields. */
export type ViewEvent<T> = TableChange<T> | TableSync<T>;

/**
 * What a notification means for the table: an object created or changed (`"new"`) or
 * deleted, the overrun marker (`"overrun"`), or `undefined` for a notification about
 * something else.
 */
export type TableNotice<T> = { action: "new" | "delete"; object: T } | "overrun" | undefined;

/** A subscription as {@link TableSource.subscribe} gives it. */
export type TableSubscription<E> = AsyncIterator<E> & AsyncDisposable;

/** What {@link followTable} is parameterised by. */
export interface TableSource<E, T> {
  /**
   * Join the notification groups; resolve once joined (so the dump that follows misses
   * nothing). The iterator yields notifications and overrun markers, and must go on after a
   * marker.
   */
  subscribe(signal: AbortSignal): Promise<TableSubscription<E>>;
  /** Read the whole table (ask for `consistent`: an interrupted dump is retried). */
  dump(signal: AbortSignal): Promise<Iterable<T>>;
  /** The notification filter: what notification `e` means for this table. */
  classify(e: E): TableNotice<T>;
  /** The key that identifies an object in the table. */
  key(object: T): string;
  /** Whether two objects of one key are the same (default: {@link sameData}). */
  equal?(a: T, b: T): boolean;
  /** Called once when the view ends (close what was opened for it). */
  close?(): void | Promise<void>;
}

/** Options of {@link followTable}. */
export interface FollowOptions {
  /** Stop the view (an already-aborted signal rejects at once). */
  signal?: AbortSignal;
  /**
   * Longest wait, in ms, between dumps that failed because the table kept changing
   * (`DumpInterruptedError`) or an overrun dropped their reply (`ENOBUFS`); the view retries
   * them for as long as it runs, waiting 10 ms, 20 ms … up to this (default 1000).
   */
  maxRetryDelay?: number;
}

/**
 * Deep equality of plain data as the list functions return it: own enumerable properties,
 * arrays, `Uint8Array`s, bigints (non-enumerable properties such as `message` are ignored).
 *
 * @example
 * ```ts
 * import { sameData } from "@netlink/netlink";
 * sameData({ a: [1, new Uint8Array([2])] }, { a: [1, new Uint8Array([2])] }); // true
 * ```
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) {
      return false;
    }
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) {
      return false;
    }
  }
  return true;
}

/**
 * The live view {@link followTable} returns: iterate it to keep it current (it reads
 * notifications only while iterated); {@link table} is the current table.
 */
export interface TableView<T> extends AsyncIterableIterator<ViewEvent<T>>, AsyncDisposable {
  /** The current table by key (updated as events are yielded). */
  readonly table: ReadonlyMap<string, T>;
  /** How many times the table was dumped again after an overrun. */
  readonly resyncs: number;
  /** Overrun markers seen (several may be handled by one resync). */
  readonly overruns: number;
  /** Dumps that failed (interrupted every time, or their reply lost) and were retried. */
  readonly failedDumps: number;
  /** Stop following and release the subscription. */
  close(): Promise<void>;
}

function isRetryable(e: unknown): boolean {
  return e instanceof DumpInterruptedError || (e instanceof NetlinkError && e.code === "ENOBUFS");
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The differences between `table` and a fresh dump `fresh` (by key), as changes flagged
 * `resync`; `table` is updated to equal the dump.
 */
export function reconcile<T>(
  table: Map<string, T>,
  fresh: Iterable<T>,
  key: (o: T) => string,
  equal: (a: T, b: T) => boolean = sameData,
): TableChange<T>[] {
  const next = new Map<string, T>();
  for (const o of fresh) next.set(key(o), o);
  const changes: TableChange<T>[] = [];
  for (const [k, old] of table) {
    if (!next.has(k)) {
      table.delete(k);
      changes.push({ type: "delete", key: k, object: old, resync: true });
    }
  }
  for (const [k, o] of next) {
    const old = table.get(k);
    if (old === undefined) changes.push({ type: "add", key: k, object: o, resync: true });
    else if (!equal(old, o)) {
      changes.push({ type: "update", key: k, object: o, previous: old, resync: true });
    }
    table.set(k, o);
  }
  return changes;
}

/**
 * Keep a consistent copy of a kernel table: subscribe (`source.subscribe`), then dump
 * (`source.dump`), then apply each notification `source.classify` accepts, by
 * `source.key`; on an overrun marker, dump again and reconcile. Resolves once subscribed
 * (the first dump runs on the first `next()`).
 *
 * Events: a `sync` after the first dump (the whole table is in {@link TableView.table}), then
 * one {@link TableChange} per notification that changes the table (a `"new"` that changes
 * nothing yields nothing), and after each resync the differences found, then a `sync`. A
 * dump that fails because the table kept changing, or because an overrun dropped its reply,
 * is retried with a growing delay for as long as the view runs; any other error ends the
 * iteration with it.
 *
 * @example
 * ```ts
 * import { followTable, listAddresses, Rtnl, toWatchEvent, type Address } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using events = await Rtnl.open({ receiveBufferSize: 1 << 20 });
 * await using view = await followTable<ReturnType<typeof toWatchEvent>, Address>({
 *   async subscribe(signal) {
 *     const sub = events.socket.subscribe({ signal });
 *     for (const g of await events.groupIds(["rtnlgrp-ipv4-ifaddr"])) events.socket.join(g);
 *     return {
 *       async next() {
 *         const r = await sub.next();
 *         return r.done ? r : { done: false, value: toWatchEvent(r.value) };
 *       },
 *       [Symbol.asyncDispose]: () => sub[Symbol.asyncDispose](),
 *     };
 *   },
 *   dump: (signal) => listAddresses(rt, { family: "inet", consistent: true, signal }),
 *   classify: (e) =>
 *     e.kind === "overrun" ? "overrun" : e.kind === "address" ? e : undefined,
 *   key: (a) => `${a.index} ${a.address}/${a.prefixlen}`,
 * });
 * for await (const e of view) if (e.type !== "sync") console.log(e.type, e.key);
 * ```
 */
export async function followTable<E, T>(
  source: TableSource<E, T>,
  options: FollowOptions = {},
): Promise<TableView<T>> {
  options.signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal!.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const signal = stop.signal;
  let sub: TableSubscription<E>;
  try {
    sub = await source.subscribe(signal);
  } catch (e) {
    options.signal?.removeEventListener("abort", onAbort);
    await source.close?.();
    throw e;
  }
  const maxDelay = options.maxRetryDelay ?? 1000;
  const equal = source.equal ?? sameData;
  const table = new Map<string, T>();
  const counts = { resyncs: 0, overruns: 0, failedDumps: 0 };
  let closed = false;

  const dump = async (): Promise<Iterable<T>> => {
    for (let wait = 10;; wait = Math.min(wait * 2, maxDelay)) {
      signal.throwIfAborted();
      try {
        return await source.dump(signal);
      } catch (e) {
        if (!isRetryable(e) || signal.aborted) throw e;
        counts.failedDumps++;
        await delay(wait, signal);
      }
    }
  };

  async function* run(): AsyncGenerator<ViewEvent<T>> {
    reconcile(table, await dump(), source.key, equal);
    yield { type: "sync", initial: true, table, resyncs: 0 };
    for (;;) {
      const r = await sub.next();
      if (r.done) return;
      const n = source.classify(r.value);
      if (n === undefined) continue;
      if (n === "overrun") {
        counts.overruns++;
        const fresh = await dump();
        counts.resyncs++;
        yield* reconcile(table, fresh, source.key, equal);
        yield { type: "sync", initial: false, table, resyncs: counts.resyncs };
        continue;
      }
      const k = source.key(n.object);
      const old = table.get(k);
      if (n.action === "delete") {
        if (old === undefined) continue;
        table.delete(k);
        yield { type: "delete", key: k, object: old, resync: false };
      } else if (old === undefined) {
        table.set(k, n.object);
        yield { type: "add", key: k, object: n.object, resync: false };
      } else if (!equal(old, n.object)) {
        table.set(k, n.object);
        yield { type: "update", key: k, object: n.object, previous: old, resync: false };
      }
    }
  }

  const gen = run();
  const close = async () => {
    if (closed) return;
    closed = true;
    options.signal?.removeEventListener("abort", onAbort);
    try {
      await sub[Symbol.asyncDispose]();
    } finally {
      await source.close?.();
    }
  };
  const view: TableView<T> = {
    table,
    get resyncs() {
      return counts.resyncs;
    },
    get overruns() {
      return counts.overruns;
    },
    get failedDumps() {
      return counts.failedDumps;
    },
    async next(): Promise<IteratorResult<ViewEvent<T>>> {
      if (closed) return { done: true, value: undefined };
      try {
        const r = await gen.next();
        if (r.done) await close();
        return r;
      } catch (e) {
        const closedHere = closed;
        await close();
        if (closedHere) return { done: true, value: undefined }; // close() while waiting
        throw e;
      }
    },
    async return(): Promise<IteratorResult<ViewEvent<T>>> {
      stop.abort(new DOMException("The view was closed", "AbortError"));
      await close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return view;
    },
    async close() {
      await view.return!();
    },
    async [Symbol.asyncDispose]() {
      await view.return!();
    },
  };
  return view;
}

/** Options of {@link clientView}. */
export interface ClientViewOptions<H extends object, A extends object> extends FollowOptions {
  /** The dump operation that reads the table. */
  dump: Operation<H, A>;
  /** Header fields, attributes and flags of the dump request (filters where supported). */
  request?: Omit<DumpOptions<H, A>, "signal" | "consistent">;
  /** Retries of an interrupted dump before the view waits and tries again (default 3). */
  retries?: number;
  /** The multicast groups to follow (YNL names, as `Client.subscribe` takes them). */
  groups: readonly string[];
  /** The key of an object (its identity in the kernel's table). */
  key(m: DecodedMessage<H, A>): string;
  /**
   * What a notification means (the notification filter): `"new"`, `"delete"` or `undefined`
   * (not about this table). Default: notifications of the dump operation's family whose
   * operation is named `del…` delete, others of that family are new. A message whose type no
   * reply of the family describes (rtnetlink's `RTM_DEL*`) is decoded as that type's request.
   */
  action?(n: Notification): "new" | "delete" | undefined;
  /** Whether two objects of one key are the same (default: header and attributes deep-equal). */
  equal?(a: DecodedMessage<H, A>, b: DecodedMessage<H, A>): boolean;
  /**
   * A second client to follow the notifications on (e.g. with a larger receive buffer),
   * keeping dumps off the socket that receives notifications; default `client` itself (a
   * dump whose reply an overrun dropped is then retried).
   */
  subscriber?: Client;
}

/**
 * {@link followTable} for any family of a {@link Client}: the table `options.dump` reads,
 * followed through `options.groups`, keyed by `options.key`. Objects are decoded messages
 * (`header`, `attrs`).
 *
 * @example
 * ```ts
 * import { clientView, Rtnl, rtNeigh } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using events = await Rtnl.open({ receiveBufferSize: 4 << 20 });
 * await using view = await clientView(rt, {
 *   dump: rtNeigh.operations.getneigh,
 *   groups: ["rtnlgrp-neigh"],
 *   key: (m) => `${m.header.ndmIfindex} ${m.attrs.dst?.join(".")}`,
 *   subscriber: events,
 * });
 * for await (const e of view) if (e.type === "sync") console.log(view.table.size, view.resyncs);
 * ```
 */
export function clientView<H extends object, A extends object>(
  client: Client,
  options: ClientViewOptions<H, A>,
): Promise<TableView<DecodedMessage<H, A>>> {
  const { dump: op, groups, key } = options;
  const events = options.subscriber ?? client;
  const family = op.family.name;
  const action = options.action ??
    ((n: Notification) =>
      n.family !== family ? undefined : n.operation.name.startsWith("del") ? "delete" : "new");
  const equal = options.equal ??
    ((a: DecodedMessage<H, A>, b: DecodedMessage<H, A>) =>
      sameData(a.header, b.header) && sameData(a.attrs, b.attrs));
  const retries = options.retries ?? 3;
  return followTable<ClientEvent, DecodedMessage<H, A>>({
    subscribe: (signal) => events.subscribe(groups, { signal }),
    async dump(signal) {
      const out: DecodedMessage<H, A>[] = [];
      const d = client.dump(op, { ...options.request, signal, consistent: { retries } });
      for await (const m of d) out.push(m);
      return out;
    },
    classify(e) {
      if (e.overrun) return "overrun";
      let n: Notification;
      if (e.family !== undefined) n = e;
      else {
        // A type no reply describes (rtnetlink's RTM_DEL*): decoded as its request.
        const m = e.message;
        let d;
        try {
          d = op.family.decodeMessage(m.type, m.payload, "request");
        } catch {
          return undefined;
        }
        if (d === undefined) return undefined;
        n = { ...d, family: op.family.name, type: m.type, group: m.group };
      }
      const a = action(n);
      if (a === undefined) return undefined;
      const object: DecodedMessage<H, A> = {
        operation: n.operation as unknown as Operation<H, A>,
        header: n.header as H,
        attrs: n.attrs as A,
      };
      if (n.cmd !== undefined) object.cmd = n.cmd;
      if (n.version !== undefined) object.version = n.version;
      return { action: a, object };
    },
    key,
    equal,
  }, options);
}
