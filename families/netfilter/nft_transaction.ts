/**
 * nf_tables transactions: a list of changes (add or delete tables, chains, rules, sets,
 * elements, objects) committed as one nfnetlink batch, all or nothing. Each change knows how to
 * describe itself, so a failure names the change that caused it; created objects come back
 * with their handles (the kernel echoes them: `NLM_F_ECHO`).
 *
 * @example
 * ```ts
 * import { Nftables, Transaction } from "@netlink/netlink/nftables";
 * await using nft = await Nftables.open();
 * const tx = new Transaction()
 *   .addTable({ family: "inet", name: "demo" })
 *   .addChain({ family: "inet", table: "demo", name: "in", type: "filter", hook: "input", priority: 0, policy: "accept" })
 *   .addRule({ family: "inet", table: "demo", chain: "in", statements: [{ counter: null }, { accept: null }] });
 * const result = await nft.commit(tx);
 * console.log(result.handles[2]); // the new rule's handle
 * ```
 *
 * @module
 */
import {
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_ECHO,
  NLM_F_EXCL,
  NLM_F_REPLACE,
} from "../../codec/constants.ts";
import { buildMessage, decodeBody } from "../../codec/ynl/mod.ts";
import type { BatchEntry } from "../../client/batch.ts";
import * as nft from "../generated/nftables.ts";
import {
  chainToAttrs,
  elementToAttrs,
  type NftChain,
  type NftElement,
  type NftExpression,
  type NftObject,
  type NftRule,
  type NftSet,
  type NftTable,
  objectToAttrs,
  ruleToAttrs,
  setToAttrs,
  tableToAttrs,
} from "./nft_objects.ts";
import { familyNumber } from "./nft_types.ts";
import { type CompileContext, compileRule, type NftStatement } from "./nft_compile.ts";

/** One change of a transaction, as it is reported back. */
export interface NftChange {
  /** `add` (create, or keep if it exists), `create` (fail if it exists), `delete`, `replace`. */
  action: "add" | "create" | "delete" | "replace" | "insert";
  /** What it changes. */
  object: "table" | "chain" | "rule" | "set" | "element" | "object";
  /** nft-style text of the change, for messages: `"add rule inet t c"`. */
  text: string;
}

/** A rule to add: raw expressions, or nft JSON statements compiled by the library. */
export type RuleInput =
  & Omit<NftRule, "expressions" | "handle">
  & ({ expressions: NftExpression[]; statements?: undefined } | {
    statements: NftStatement[];
    expressions?: undefined;
  });

/** What identifies an object to delete. */
export interface NftRef {
  /** Family name or number. */
  family: string | number;
  /** Table name. */
  table: string;
  /** Name (chains, sets, objects), if not by handle. */
  name?: string;
  /** Handle. */
  handle?: number;
}

interface Pending {
  change: NftChange;
  build: (ctx: BuildContext) => Uint8Array[];
}

/** What building a transaction's messages needs: ids for anonymous sets, the set key types. */
export interface BuildContext extends Partial<CompileContext> {
  /** The next transaction-unique id (for `NFTA_SET_ID`, `NFTA_RULE_ID`). */
  nextId(): number;
}

function msg(
  op: nft.Operations[keyof nft.Operations],
  family: string | number,
  attrs: object,
  flags = 0,
): Uint8Array {
  return buildMessage(op as never, {
    header: { nfgenFamily: familyNumber(family), version: 0, resId: 0 } as never,
    attrs: attrs as never,
    flags,
  });
}

const famText = (f: string | number) => (typeof f === "number" ? String(f) : f);

/**
 * A list of changes to commit together with `Nftables.commit`. Methods return the
 * transaction, so calls chain.
 */
export class Transaction {
  #pending: Pending[] = [];
  /** Ask the kernel to echo created objects (their handles). Default true. */
  echo = true;

  /** The changes so far, in order. */
  get changes(): NftChange[] {
    return this.#pending.map((p) => p.change);
  }

  #push(change: NftChange, build: (ctx: BuildContext) => Uint8Array[]): this {
    this.#pending.push({ change, build });
    return this;
  }

  #echo(): number {
    return this.echo ? NLM_F_ECHO : 0;
  }

  /** Add a table (`nft add table`; with `{ exclusive: true }`, `nft create table`). */
  addTable(t: NftTable, options: { exclusive?: boolean } = {}): this {
    const action = options.exclusive ? "create" : "add";
    return this.#push(
      { action, object: "table", text: `${action} table ${t.family} ${t.name}` },
      () => [
        msg(
          nft.operations.newtable,
          t.family,
          tableToAttrs(t),
          NLM_F_CREATE | (options.exclusive ? NLM_F_EXCL : 0) | this.#echo(),
        ),
      ],
    );
  }

  /** Delete a table and everything in it (`nft delete table`). */
  deleteTable(ref: NftRef): this {
    return this.#push(
      {
        action: "delete",
        object: "table",
        text: `delete table ${famText(ref.family)} ${ref.table}`,
      },
      () => [
        msg(
          nft.operations.deltable,
          ref.family,
          ref.handle !== undefined ? { handle: BigInt(ref.handle) } : { name: ref.table },
        ),
      ],
    );
  }

  /** Add a chain (a base chain with `type`, `hook`, `priority`). */
  addChain(c: NftChain, options: { exclusive?: boolean } = {}): this {
    const action = options.exclusive ? "create" : "add";
    return this.#push(
      { action, object: "chain", text: `${action} chain ${c.family} ${c.table} ${c.name}` },
      () => [
        msg(
          nft.operations.newchain,
          c.family,
          chainToAttrs(c),
          NLM_F_CREATE | (options.exclusive ? NLM_F_EXCL : 0) | this.#echo(),
        ),
      ],
    );
  }

  /** Delete a chain (it must have no rules and no references). */
  deleteChain(ref: NftRef): this {
    return this.#push(
      {
        action: "delete",
        object: "chain",
        text: `delete chain ${famText(ref.family)} ${ref.table} ${
          ref.name ?? `handle ${ref.handle}`
        }`,
      },
      () => [
        msg(nft.operations.delchain, ref.family, {
          table: ref.table,
          ...(ref.handle !== undefined ? { handle: BigInt(ref.handle) } : { name: ref.name }),
        }),
      ],
    );
  }

  /** Delete every rule of a chain (`nft flush chain`), or of a table without `chain`. */
  flushRules(family: string | number, table: string, chain?: string): this {
    return this.#push(
      {
        action: "delete",
        object: "rule",
        text: `flush ${
          chain ? `chain ${famText(family)} ${table} ${chain}` : `table ${famText(family)} ${table}`
        }`,
      },
      () => [msg(nft.operations.delrule, family, chain ? { table, chain } : { table })],
    );
  }

  /**
   * Append a rule to its chain (`nft add rule`), or with `{ insert: true }` put it first
   * (`nft insert rule`); `position` (a rule's handle) adds it after (insert: before) that rule.
   * Rules given as nft JSON statements are compiled here; an anonymous set in them
   * (`{ "set": [80, 443] }`) is created in the same transaction.
   */
  addRule(r: RuleInput, options: { insert?: boolean; replace?: number } = {}): this {
    const action = options.replace !== undefined ? "replace" : options.insert ? "insert" : "add";
    const text = `${action} rule ${r.family} ${r.table} ${r.chain}`;
    return this.#push({ action, object: "rule", text }, (ctx) => {
      const out: Uint8Array[] = [];
      let expressions = r.expressions;
      if (r.statements !== undefined) {
        const compiled = compileRule(r.statements, {
          family: familyNumber(r.family),
          table: r.table,
          sets: ctx.sets ?? new Map(),
          ifindex: ctx.ifindex,
          nextId: ctx.nextId,
        });
        for (const anon of compiled.sets) {
          out.push(
            msg(nft.operations.newset, r.family, setToAttrs(anon.set), NLM_F_CREATE),
            msg(nft.operations.newsetelem, r.family, {
              table: r.table,
              set: anon.set.name,
              setId: anon.set.id,
              elements: { elem: anon.elements.map(elementToAttrs) },
            }, NLM_F_CREATE),
          );
        }
        expressions = compiled.expressions;
      }
      const attrs = ruleToAttrs({ ...r, expressions: expressions! });
      let flags = NLM_F_CREATE | this.#echo();
      if (options.replace !== undefined) {
        attrs.handle = BigInt(options.replace);
        flags |= NLM_F_REPLACE;
      } else if (!options.insert) flags |= NLM_F_APPEND;
      out.push(msg(nft.operations.newrule, r.family, attrs, flags));
      return out;
    });
  }

  /** Delete the rule with this handle (`nft delete rule … handle N`). */
  deleteRule(family: string | number, table: string, chain: string, handle: number): this {
    return this.#push(
      {
        action: "delete",
        object: "rule",
        text: `delete rule ${famText(family)} ${table} ${chain} handle ${handle}`,
      },
      () => [msg(nft.operations.delrule, family, { table, chain, handle: BigInt(handle) })],
    );
  }

  /** Add a named set or map, with elements if given. */
  addSet(s: NftSet, elements: NftElement[] = []): this {
    const text = `add ${s.flags & 8 ? "map" : "set"} ${s.family} ${s.table} ${s.name}`;
    return this.#push({ action: "add", object: "set", text }, (ctx) => {
      const id = s.id ?? ctx.nextId();
      const out = [
        msg(nft.operations.newset, s.family, setToAttrs({ ...s, id }), NLM_F_CREATE | this.#echo()),
      ];
      if (elements.length > 0) {
        out.push(msg(nft.operations.newsetelem, s.family, {
          table: s.table,
          set: s.name,
          setId: id,
          elements: { elem: elements.map(elementToAttrs) },
        }, NLM_F_CREATE));
      }
      return out;
    });
  }

  /** Delete a set or map. */
  deleteSet(ref: NftRef): this {
    return this.#push(
      {
        action: "delete",
        object: "set",
        text: `delete set ${famText(ref.family)} ${ref.table} ${
          ref.name ?? `handle ${ref.handle}`
        }`,
      },
      () => [
        msg(nft.operations.delset, ref.family, {
          table: ref.table,
          ...(ref.handle !== undefined ? { handle: BigInt(ref.handle) } : { name: ref.name }),
        }),
      ],
    );
  }

  /** Add elements to a set or map (`nft add element`). */
  addElements(family: string | number, table: string, set: string, elements: NftElement[]): this {
    return this.#push(
      { action: "add", object: "element", text: `add element ${famText(family)} ${table} ${set}` },
      () => [
        msg(nft.operations.newsetelem, family, {
          table,
          set,
          elements: { elem: elements.map(elementToAttrs) },
        }, NLM_F_CREATE),
      ],
    );
  }

  /** Delete elements from a set or map (`nft delete element`). */
  deleteElements(
    family: string | number,
    table: string,
    set: string,
    elements: NftElement[],
  ): this {
    return this.#push(
      {
        action: "delete",
        object: "element",
        text: `delete element ${famText(family)} ${table} ${set}`,
      },
      () => [
        msg(nft.operations.delsetelem, family, {
          table,
          set,
          elements: { elem: elements.map(elementToAttrs) },
        }),
      ],
    );
  }

  /** Add a stateful object (counter, quota, limit…). */
  addObject(o: NftObject): this {
    return this.#push(
      { action: "add", object: "object", text: `add object ${o.family} ${o.table} ${o.name}` },
      () => [msg(nft.operations.newobj, o.family, objectToAttrs(o), NLM_F_CREATE | this.#echo())],
    );
  }

  /** Delete a stateful object of `type` (`NFT_OBJECT_*`). */
  deleteObject(ref: NftRef & { type: number }): this {
    return this.#push(
      {
        action: "delete",
        object: "object",
        text: `delete object ${famText(ref.family)} ${ref.table} ${
          ref.name ?? `handle ${ref.handle}`
        }`,
      },
      () => [
        msg(nft.operations.delobj, ref.family, {
          table: ref.table,
          type: ref.type,
          ...(ref.handle !== undefined ? { handle: BigInt(ref.handle) } : { name: ref.name }),
        }),
      ],
    );
  }

  /**
   * The batch entries of the transaction: each message with the change it belongs to (one
   * change may send several messages: an anonymous set with its rule).
   */
  entries(ctx: BuildContext): BatchEntry<{ index: number; change: NftChange }>[] {
    const out: BatchEntry<{ index: number; change: NftChange }>[] = [];
    this.#pending.forEach((p, index) => {
      for (const message of p.build(ctx)) {
        out.push({ message, change: { index, change: p.change } });
      }
    });
    return out;
  }
}

/** The handle in an echoed message of a transaction (new table, chain, rule, set or object). */
export function echoedHandle(type: number, payload: Uint8Array): number | undefined {
  const ops = [
    nft.operations.gettable,
    nft.operations.getchain,
    nft.operations.getrule,
    nft.operations.getset,
    nft.operations.getobj,
  ];
  for (const op of ops) {
    if (op.replyValue !== type) continue;
    const h = (decodeBody(op as never, payload).attrs as { handle?: bigint }).handle;
    return h === undefined ? undefined : Number(h);
  }
  return undefined;
}
