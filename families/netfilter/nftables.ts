/**
 * nf_tables over `NETLINK_NETFILTER` (`NFNL_SUBSYS_NFTABLES`): read the ruleset — tables,
 * chains, rules with their expressions, sets and maps with their elements, stateful objects,
 * flowtables —, change it with all-or-nothing transactions (nfnetlink batches with generation
 * checks, each failure mapped to its change, handles of created objects echoed back), and
 * monitor its changes (`NFNLGRP_NFTABLES`). Rules read back as `nft -j` prints them
 * (`rulesetJson`), and can be written from the same JSON (`Transaction.addRule` with
 * `statements`). Built on the generic {@link Client} with the generated nftables family
 * (re-exported here).
 *
 * @example
 * ```ts
 * import { Nftables, Transaction, rulesetJson } from "@netlink/netlink/nftables";
 * await using nft = await Nftables.open();
 * await nft.commit(new Transaction()
 *   .addTable({ family: "inet", name: "demo" })
 *   .addChain({ family: "inet", table: "demo", name: "in", type: "filter", hook: "input", priority: 0 })
 *   .addRule({ family: "inet", table: "demo", chain: "in", statements: [
 *     { match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 22 } },
 *     { counter: null },
 *     { accept: null },
 *   ] }));
 * console.log(JSON.stringify(rulesetJson(await nft.ruleset())));
 * ```
 *
 * @module
 */
import { Client, type ClientOptions } from "../../client/client.ts";
import { BatchError, type BatchResult, nfnetlinkBatch } from "../../client/batch.ts";
import { NLMSG_OVERRUN } from "../../codec/constants.ts";
import type { NetlinkMessage } from "../../codec/message.ts";
import { buildMessage, decodeBody, type Operation } from "../../codec/ynl/mod.ts";
import * as nft from "../generated/nftables.ts";
import * as rtLink from "../generated/rt_link.ts";
import type { SetWithElements } from "./nft_json_rule.ts";
import {
  chainFromAttrs,
  elementFromAttrs,
  flowtableFromAttrs,
  type NftChain,
  type NftElement,
  type NftFlowtable,
  type NftObject,
  type NftRule,
  type NftSet,
  type NftTable,
  objectFromAttrs,
  ruleFromAttrs,
  setFromAttrs,
  tableFromAttrs,
} from "./nft_objects.ts";
import { echoedHandle, type NftChange, type Transaction } from "./nft_transaction.ts";
import { familyNumber } from "./nft_types.ts";
import { eventStream } from "./_events.ts";

export * from "../generated/nftables.ts";
export * from "../../client/batch.ts";
export * from "./nft_types.ts";
export * from "./nft_symbols.ts";
export * from "./nft_templates.ts";
export * from "./nft_objects.ts";
export * from "./nft_transaction.ts";
export * from "./nft_compile.ts";
export * from "./nft_compile_stmt.ts";
export * from "./nft_json_rule.ts";
export * from "./nft_json_stmt.ts";
export * from "./nft_json.ts";
export * from "./nft_json_load.ts";

/** The whole ruleset (or one family's), as read by {@link Nftables.ruleset}. */
export interface NftRuleset {
  /** Tables. */
  tables: NftTable[];
  /** Chains. */
  chains: NftChain[];
  /** Rules, in chain order. */
  rules: NftRule[];
  /** Sets and maps (anonymous ones too), with their elements. */
  sets: SetWithElements[];
  /** Stateful objects. */
  objects: NftObject[];
  /** Flowtables. */
  flowtables: NftFlowtable[];
  /** The generation the dumps were taken in (every dump of one read saw it). */
  genid?: number;
}

/** What {@link Nftables.commit} returns. */
export interface CommitResult {
  /** The handle of each change that created something (by change index), as echoed. */
  handles: (number | undefined)[];
  /** The generation id after the commit (the kernel's `NFT_MSG_NEWGEN`). */
  genid?: number;
  /** The batch's answers, message by message. */
  batch: BatchResult<{ index: number; change: NftChange }>;
}

/** Options of {@link Nftables.commit}. */
export interface CommitOptions {
  /** Fail with `ERESTART` (a {@link BatchError}) if the ruleset changed since this generation. */
  genid?: number;
  /**
   * Interface indexes by name, for rules that match `meta iif` or `fib … oif` by name
   * (default: the links of the socket's namespace, read once through rtnetlink).
   */
  ifindex?: (name: string) => number | undefined;
  /** Stop waiting (the transaction may still be applied). */
  signal?: AbortSignal;
}

/** A ruleset change, as the monitor reports it. */
export interface NftEvent {
  /** `new` or `delete` (`NFT_MSG_NEW*`, `NFT_MSG_DEL*`), `overrun` when events were lost. */
  type: "new" | "delete" | "overrun";
  /** What changed. */
  object?: "table" | "chain" | "rule" | "set" | "element" | "object" | "flowtable" | "generation";
  /** The object (for elements: the set's table, name, and its elements). */
  value?:
    | NftTable
    | NftChain
    | NftRule
    | NftSet
    | NftObject
    | NftFlowtable
    | { family: string; table: string; set: string; elements: NftElement[] }
    | { id: number; procPid?: number; procName?: string };
  /** The message as received. */
  message?: NetlinkMessage;
}

const MSG = (n: number) => (nft.NFNL_SUBSYS_NFTABLES << 8) | n;

/**
 * An nf_tables client.
 *
 * @example
 * ```ts
 * import { Nftables } from "@netlink/netlink/nftables";
 * await using nft = await Nftables.open({ netns: "blue" });
 * for (const t of await nft.tables()) console.log(t.family, t.name, t.handle);
 * ```
 */
export class Nftables implements AsyncDisposable {
  /** The generic client underneath (a `NETLINK_NETFILTER` socket). */
  readonly client: Client;
  #ids = 0;
  #links: Promise<Map<number, string>> | undefined;

  private constructor(client: Client) {
    this.client = client;
  }

  /**
   * The interfaces of the socket's network namespace, index → name (read once through
   * rtnetlink; `refresh` reads again). nft prints `meta iif` and `fib … oif` by name.
   *
   * @example
   * ```ts
   * import { Nftables, rulesetJson } from "@netlink/netlink/nftables";
   * await using nft = await Nftables.open();
   * const names = await nft.interfaceNames();
   * rulesetJson(await nft.ruleset(), { ifname: (i) => names.get(i) });
   * ```
   */
  interfaceNames(refresh = false): Promise<Map<number, string>> {
    if (this.#links === undefined || refresh) {
      this.#links = (async () => {
        const names = new Map<number, string>();
        await using rt = await Client.open(rtLink.family, { netns: this.client.socket.netns });
        for await (const l of rt.dump(rtLink.operations.getlink)) {
          if (l.attrs.ifname !== undefined) names.set(l.header.ifiIndex, l.attrs.ifname);
        }
        return names;
      })();
    }
    return this.#links;
  }

  /**
   * Open a `NETLINK_NETFILTER` socket (in `options.netns`, if given). Large transactions get
   * one answer per message: give a larger `receiveBufferSize` for thousands of changes.
   *
   * @example
   * ```ts
   * import { Nftables } from "@netlink/netlink/nftables";
   * await using nft = await Nftables.open();
   * ```
   */
  static async open(options: ClientOptions = {}): Promise<Nftables> {
    return new Nftables(await Client.open(nft.family, options));
  }

  /**
   * Use a client that is already open (over a fake kernel in tests).
   *
   * @example
   * ```ts
   * import { Client } from "@netlink/netlink";
   * import { Nftables, family } from "@netlink/netlink/nftables";
   * const n = Nftables.fromClient(await Client.open(family));
   * ```
   */
  static fromClient(client: Client): Nftables {
    return new Nftables(client);
  }

  async *#dump<A extends object>(
    op: Operation<nft.Nfgenmsg, A>,
    family: number,
    attrs?: A,
  ): AsyncGenerator<{ family: number; attrs: A }> {
    for await (const m of this.client.dump(op, { header: { nfgenFamily: family }, attrs })) {
      yield { family: m.header.nfgenFamily, attrs: m.attrs };
    }
  }

  /**
   * The ruleset generation (`NFT_MSG_GETGEN`): bumped by every committed transaction.
   *
   * @example
   * ```ts
   * import { Nftables } from "@netlink/netlink/nftables";
   * await using nft = await Nftables.open();
   * const { id } = await nft.generation();
   * ```
   */
  async generation(): Promise<{ id: number; procPid?: number; procName?: string }> {
    const reply = await this.client.get(nft.operations.getgen, { header: { nfgenFamily: 0 } });
    return {
      id: reply.attrs.id ?? 0,
      procPid: reply.attrs.procPid,
      procName: reply.attrs.procName,
    };
  }

  /** Tables (of `family`, default all). */
  async tables(family: string | number = 0): Promise<NftTable[]> {
    const out: NftTable[] = [];
    for await (const m of this.#dump(nft.operations.gettable, familyNumber(family))) {
      out.push(tableFromAttrs(m.family, m.attrs));
    }
    return out;
  }

  /** Chains (of `family`, of `table` if given). */
  async chains(family: string | number = 0, table?: string): Promise<NftChain[]> {
    const out: NftChain[] = [];
    const attrs = table === undefined ? undefined : { table };
    for await (const m of this.#dump(nft.operations.getchain, familyNumber(family), attrs)) {
      out.push(chainFromAttrs(m.family, m.attrs));
    }
    return out;
  }

  /** Rules (of `family`, `table`, `chain` as given), with their expressions. */
  async rules(family: string | number = 0, table?: string, chain?: string): Promise<NftRule[]> {
    const out: NftRule[] = [];
    const attrs: nft.RuleAttrs = {};
    if (table !== undefined) attrs.table = table;
    if (chain !== undefined) attrs.chain = chain;
    for await (const m of this.#dump(nft.operations.getrule, familyNumber(family), attrs)) {
      out.push(ruleFromAttrs(m.family, m.attrs));
    }
    return out;
  }

  /** Sets and maps (anonymous ones included), without their elements. */
  async sets(family: string | number = 0, table?: string): Promise<NftSet[]> {
    const out: NftSet[] = [];
    const attrs = table === undefined ? undefined : { table };
    for await (const m of this.#dump(nft.operations.getset, familyNumber(family), attrs)) {
      out.push(setFromAttrs(m.family, m.attrs));
    }
    return out;
  }

  /** The elements of one set or map. */
  async elements(family: string | number, table: string, set: string): Promise<NftElement[]> {
    const out: NftElement[] = [];
    const f = familyNumber(family);
    for await (const m of this.#dump(nft.operations.getsetelem, f, { table, set })) {
      for (const e of m.attrs.elements?.elem ?? []) out.push(elementFromAttrs(e));
    }
    return out;
  }

  /** Stateful objects (counters, quotas, limits…). */
  async objects(family: string | number = 0, table?: string): Promise<NftObject[]> {
    const out: NftObject[] = [];
    const attrs = table === undefined ? undefined : { table };
    for await (const m of this.#dump(nft.operations.getobj, familyNumber(family), attrs)) {
      out.push(objectFromAttrs(m.family, m.attrs));
    }
    return out;
  }

  /** Flowtables. */
  async flowtables(family: string | number = 0, table?: string): Promise<NftFlowtable[]> {
    const out: NftFlowtable[] = [];
    const attrs = table === undefined ? undefined : { table };
    for await (const m of this.#dump(nft.operations.getflowtable, familyNumber(family), attrs)) {
      out.push(flowtableFromAttrs(m.family, m.attrs));
    }
    return out;
  }

  /**
   * The whole ruleset (of `family`): every table, chain, rule, set with its elements, object
   * and flowtable, read as one generation (retried, up to 5 times, when a transaction commits
   * in between, as nft does).
   *
   * @example
   * ```ts
   * import { Nftables } from "@netlink/netlink/nftables";
   * await using nft = await Nftables.open();
   * const rs = await nft.ruleset("inet");
   * console.log(rs.rules.length, "rules in generation", rs.genid);
   * ```
   */
  async ruleset(family: string | number = 0): Promise<NftRuleset> {
    for (let attempt = 0;; attempt++) {
      const before = (await this.generation()).id;
      const tables = await this.tables(family);
      const sets: SetWithElements[] = [];
      for (const s of await this.sets(family)) {
        sets.push({ set: s, elements: await this.elements(s.family, s.table, s.name) });
      }
      const rs: NftRuleset = {
        tables,
        chains: await this.chains(family),
        rules: await this.rules(family),
        sets,
        objects: await this.objects(family),
        flowtables: await this.flowtables(family).catch((e) => {
          // A kernel without flowtables answers their dump with EOPNOTSUPP.
          if ((e as { code?: string }).code === "EOPNOTSUPP") return [];
          throw e;
        }),
        genid: before,
      };
      if ((await this.generation()).id === before || attempt >= 4) return rs;
    }
  }

  /**
   * Commit a transaction: every change or none. A refused transaction throws a
   * {@link BatchError} whose failures name their changes (`failure.change.change.text`), with
   * the kernel's errno and extended ACK.
   *
   * @example
   * ```ts
   * import { BatchError, Nftables, Transaction } from "@netlink/netlink/nftables";
   * await using nft = await Nftables.open();
   * try {
   *   await nft.commit(new Transaction().deleteTable({ family: "inet", table: "nope" }));
   * } catch (e) {
   *   if (e instanceof BatchError) console.log(e.failures[0].change, e.failures[0].error.code); // ENOENT
   * }
   * ```
   */
  async commit(tx: Transaction, options: CommitOptions = {}): Promise<CommitResult> {
    const sets = new Map<string, { keyType: number; keyLen: number }>();
    let ifindex = options.ifindex;
    if (ifindex === undefined) {
      const byName = new Map([...(await this.interfaceNames(true))].map(([i, n]) => [n, i]));
      ifindex = (name) => byName.get(name);
    }
    const entries = tx.entries({ nextId: () => ++this.#ids, sets, ifindex });
    const batch = await nfnetlinkBatch(this.client.socket, nft.NFNL_SUBSYS_NFTABLES, entries, {
      genid: options.genid,
      subsystemName: "nftables",
      signal: options.signal,
      describe: (e) => (e.change as { change: NftChange }).change.text,
    });
    const handles: (number | undefined)[] = tx.changes.map(() => undefined);
    for (const r of batch.replies) {
      if (r.echo === undefined || r.change === undefined) continue;
      const h = echoedHandle(r.echo.type, r.echo.payload);
      if (h !== undefined) handles[r.change.index] = h;
    }
    let genid: number | undefined;
    for (const m of batch.unclaimed) {
      if (m.type === MSG(nft.NFT_MSG_NEWGEN)) {
        genid = decodeBody(nft.operations.getgen, m.payload).attrs.id;
      }
    }
    return { handles, genid, batch };
  }

  /** Decode a ruleset change notification. */
  decodeEvent(m: NetlinkMessage): NftEvent | undefined {
    if (m.type === NLMSG_OVERRUN) return { type: "overrun" };
    const msg = m.type & 0xff;
    if (m.type >> 8 !== nft.NFNL_SUBSYS_NFTABLES) return undefined;
    const op = nft.family.operationFor(m.type, "reply") ??
      nft.family.operationFor(m.type, "request");
    if (op === undefined) return undefined;
    const d = decodeBody(op as Operation<nft.Nfgenmsg, Record<string, unknown>>, m.payload);
    const fam = d.header.nfgenFamily;
    const del = [
      nft.NFT_MSG_DELTABLE,
      nft.NFT_MSG_DELCHAIN,
      nft.NFT_MSG_DELRULE,
      nft.NFT_MSG_DELSET,
      nft.NFT_MSG_DELSETELEM,
      nft.NFT_MSG_DELOBJ,
      nft.NFT_MSG_DELFLOWTABLE,
    ].includes(msg);
    const type = del ? "delete" : "new";
    const a = d.attrs as never;
    switch (op.name) {
      case "gettable":
      case "deltable":
        return { type, object: "table", value: tableFromAttrs(fam, a), message: m };
      case "getchain":
      case "delchain":
        return { type, object: "chain", value: chainFromAttrs(fam, a), message: m };
      case "getrule":
      case "delrule":
        return { type, object: "rule", value: ruleFromAttrs(fam, a), message: m };
      case "getset":
      case "delset":
        return { type, object: "set", value: setFromAttrs(fam, a), message: m };
      case "getsetelem":
      case "delsetelem": {
        const l = a as nft.SetelemListAttrs;
        return {
          type,
          object: "element",
          value: {
            family: tableFromAttrs(fam, {}).family,
            table: l.table ?? "",
            set: l.set ?? "",
            elements: (l.elements?.elem ?? []).map(elementFromAttrs),
          },
          message: m,
        };
      }
      case "getobj":
      case "delobj":
        return { type, object: "object", value: objectFromAttrs(fam, a), message: m };
      case "getflowtable":
      case "delflowtable":
        return { type, object: "flowtable", value: flowtableFromAttrs(fam, a), message: m };
      case "getgen": {
        const g = a as nft.GenAttrs;
        return {
          type: "new",
          object: "generation",
          value: { id: g.id ?? 0, procPid: g.procPid, procName: g.procName },
          message: m,
        };
      }
    }
    return undefined;
  }

  /**
   * Ruleset changes as they are committed (`nft monitor`): each new or deleted table,
   * chain, rule, set, element, object and flowtable, then the new generation. Resolves once
   * the group is joined. Changes this client commits itself arrive once, as their echoes (the
   * kernel leaves the committing socket out of the multicast).
   *
   * @example
   * ```ts
   * import { Nftables } from "@netlink/netlink/nftables";
   * await using nft = await Nftables.open();
   * await using events = await nft.monitor({ signal: AbortSignal.timeout(5000) });
   * for await (const ev of events) console.log(ev.type, ev.object, ev.value);
   * ```
   */
  monitor(
    options: { signal?: AbortSignal } = {},
  ): Promise<AsyncIterableIterator<NftEvent> & AsyncDisposable> {
    const sock = this.client.socket;
    const stream = sock.subscribe({ signal: options.signal });
    sock.join(nft.NFNLGRP_NFTABLES);
    return Promise.resolve(eventStream(stream, (m) => this.decodeEvent(m)));
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

/** Build a raw nf_tables request of `op` for `family` (e.g. for a fake kernel). */
export function nftMessage<A extends object>(
  op: Operation<nft.Nfgenmsg, A>,
  family: string | number,
  attrs: A,
  flags = 0,
): Uint8Array {
  return buildMessage(op, { header: { nfgenFamily: familyNumber(family) }, attrs, flags });
}

export { BatchError };
