/**
 * nft JSON statements (the `expr` of a rule as `nft -j` prints it) compiled to nf_tables
 * expressions, as `nft` compiles them: protocol dependencies first (`meta nfproto`,
 * `meta l4proto`), registers, byte orders, anonymous sets for `{ "set": [...] }`. The
 * statements this compiles are those `nft_json.ts` derives back (see there and the README for
 * the list), so a rule written from JSON reads back as the same JSON with `nft -j`.
 *
 * @example
 * ```ts
 * import { compileRule } from "@netlink/netlink/nftables";
 * const { expressions } = compileRule(
 *   [{ match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 22 } }, { accept: null }],
 *   { family: 1, table: "t", sets: new Map(), nextId: () => 1 },
 * );
 * expressions.map((e) => e.name); // ["meta", "cmp", "payload", "cmp", "immediate"]
 * ```
 *
 * @module
 */
import type * as nft from "../generated/nftables.ts";
import { type NftElement, type NftExpression, type NftSet, verdictData } from "./nft_objects.ts";
import { SET_FLAGS } from "../generated/nftables.ts";
import {
  bigToBytes,
  type Datatype,
  datatypeById,
  integerType,
  type JsonValue,
  parseValue,
  regSize,
} from "./nft_types.ts";
import { limitExpr, logExpr, quotaExpr } from "./nft_compile_stmt.ts";
import {
  E,
  mangleExprs,
  masqueradeExprs,
  natExprs,
  rejectExprs,
  tproxyExprs,
} from "./nft_compile_action.ts";
import {
  CT_KEY_INFO,
  ctKeyNumber,
  META_KEY_INFO,
  metaKeyNumber,
  PAYLOAD_PROTOCOLS,
  type PayloadProtocol,
  payloadProtocol,
} from "./nft_templates.ts";

/** A statement of nft's JSON rule syntax (`{ "match": … }`, `{ "accept": null }`…). */
export type NftStatement = Record<string, unknown>;

/** A named set as a rule refers to it: its key type and length. */
export interface SetInfo {
  /** Key type (`TYPE_*`). */
  keyType: number;
  /** Key length. */
  keyLen: number;
  /** Map data type. */
  dataType?: number;
}

/** What compiling a rule needs to know. */
export interface CompileContext {
  /** The table's family number. */
  family: number;
  /** The table's name (for anonymous sets). */
  table: string;
  /** Named sets of the table, by name. */
  sets: Map<string, SetInfo>;
  /** Interface indexes by name (for `meta iif`, `fib … oif`). */
  ifindex?: (name: string) => number | undefined;
  /** The next transaction-unique id, for anonymous sets. */
  nextId(): number;
}

/** A compiled rule: its expressions and the anonymous sets they look up. */
export interface CompiledRule {
  /** The expressions. */
  expressions: NftExpression[];
  /** Anonymous sets to create in the same transaction, before the rule. */
  sets: { set: NftSet; elements: NftElement[] }[];
}

/** The register number of 32-bit word `w` (reg 1–4 are 16-byte registers: words 0, 4, 8, 12). */
export function registerOf(word: number): number {
  return word % 4 === 0 ? 1 + word / 4 : 8 + word;
}

const NFPROTO = { ip: 2, ip6: 10 } as const;
const CMP_OPS: Record<string, number> = { "==": 0, "!=": 1, "<": 2, "<=": 3, ">": 4, ">=": 5 };

/** A loaded value: the expressions loading it, its type and length. */
interface Load {
  exprs: NftExpression[];
  type: Datatype;
  len: number;
  /** The payload field, for prefixes shortening the load. */
  payload?: { base: number; offset: number };
}

class Compiler {
  out: NftExpression[] = [];
  sets: { set: NftSet; elements: NftElement[] }[] = [];
  /** Protocol context established so far (nft emits each dependency once per rule). */
  network?: string;
  transport?: string;
  link = false;

  constructor(readonly ctx: CompileContext) {}

  /** The dependency matches a payload of `proto` needs in this family. */
  depend(proto: PayloadProtocol): void {
    const fam = this.ctx.family;
    if (proto.base === 0 && !this.link && fam !== 7 && fam !== 5) {
      this.link = true;
      this.cmpMeta("iiftype", new Uint8Array([1, 0]));
    }
    if (proto.base === 1 && fam === 1 && this.network !== proto.name) {
      this.network = proto.name;
      this.cmpMeta("nfproto", new Uint8Array([proto.number!]));
    }
    if (proto.base === 2 && proto.number !== undefined && this.transport !== proto.name) {
      if (fam === 1 && (proto.name === "icmp" || proto.name === "icmpv6")) {
        const net = proto.name === "icmp" ? "ip" : "ip6";
        if (this.network !== net) {
          this.network = net;
          this.cmpMeta("nfproto", new Uint8Array([NFPROTO[net]]));
        }
      }
      this.transport = proto.name;
      this.cmpMeta("l4proto", new Uint8Array([proto.number]));
    }
  }

  cmpMeta(key: string, value: Uint8Array): void {
    this.out.push(E("meta", { key: metaKeyNumber(key), dreg: 1 }));
    this.out.push(E("cmp", { sreg: 1, op: 0, data: { value } }));
  }

  /** Load the value of a JSON expression into the register at word `word`. */
  load(j: unknown, word = 0): Load {
    const reg = registerOf(word);
    if (typeof j !== "object" || j === null) {
      throw new TypeError(`Cannot load ${JSON.stringify(j)}`);
    }
    const o = j as Record<string, Record<string, unknown>>;
    if (o.payload) {
      const p = o.payload as {
        protocol?: string;
        field?: string;
        base?: string;
        offset?: number;
        len?: number;
      };
      if (p.protocol !== undefined) {
        const proto = payloadProtocol(p.protocol);
        const f = proto?.fields.find((x) => x.name === p.field);
        if (!proto || !f) throw new TypeError(`Unknown payload field ${p.protocol} ${p.field}`);
        this.depend(proto);
        return {
          exprs: [E("payload", { dreg: reg, base: proto.base, offset: f.offset, len: f.len })],
          type: datatypeById(f.type)!,
          len: f.len,
          payload: { base: proto.base, offset: f.offset },
        };
      }
      const base = ["ll", "nh", "th", "ih"].indexOf(p.base ?? "");
      const len = (p.len ?? 0) / 8;
      return {
        exprs: [E("payload", { dreg: reg, base, offset: (p.offset ?? 0) / 8, len })],
        type: integerType(len),
        len,
        payload: { base, offset: (p.offset ?? 0) / 8 },
      };
    }
    if (o.meta) {
      const key = metaKeyNumber(String(o.meta.key));
      const k = META_KEY_INFO[key]!;
      return { exprs: [E("meta", { key, dreg: reg })], type: datatypeById(k.type)!, len: k.size };
    }
    if (o.ct) {
      const key = ctKeyNumber(String(o.ct.key));
      const k = CT_KEY_INFO[key]!;
      const data: nft.ExprCtAttrs = { key, dreg: reg };
      if (o.ct.dir !== undefined) data.direction = o.ct.dir === "reply" ? 1 : 0;
      return { exprs: [E("ct", data)], type: datatypeById(k.type)!, len: k.size };
    }
    if (o.fib) {
      const f = o.fib as { result: string; flags?: string | string[] };
      const names = ["saddr", "daddr", "mark", "iif", "oif"];
      let flags = 0;
      for (const n of [f.flags ?? []].flat()) flags |= 1 << names.indexOf(n);
      const result = { oif: 1, oifname: 2, type: 3, check: 1 }[f.result];
      if (result === undefined) throw new TypeError(`Unknown fib result "${f.result}"`);
      const type = f.result === "type" ? 38 : f.result === "oifname" ? 41 : 20;
      return {
        exprs: [E("fib", { dreg: reg, result, flags })],
        type: datatypeById(type)!,
        len: f.result === "oifname" ? 16 : 4,
      };
    }
    if (o.socket) {
      const keys = ["transparent", "mark", "wildcard", "cgroupv2"];
      const key = keys.indexOf(String(o.socket.key));
      if (key < 0) throw new TypeError(`Unknown socket key "${String(o.socket.key)}"`);
      const len = [1, 4, 1, 8][key];
      return { exprs: [E("socket", { key, dreg: reg })], type: integerType(len, "host"), len };
    }
    const and = (o as Record<string, unknown>)["&"];
    if (Array.isArray(and) && and.length === 2) {
      const l = this.load(and[0], word);
      const mask = this.value(l.type, and[1], l.len);
      l.exprs.push(E("bitwise", {
        sreg: reg,
        dreg: reg,
        len: l.len,
        mask: { value: mask },
        xor: { value: new Uint8Array(l.len) },
      }));
      return { ...l, payload: undefined };
    }
    if (Array.isArray((o as Record<string, unknown>).concat)) {
      const parts = (o as unknown as Record<string, unknown[]>).concat;
      const exprs: NftExpression[] = [];
      let w = word, len = 0;
      const types: Datatype[] = [];
      for (const part of parts) {
        const l = this.load(part, w);
        exprs.push(...l.exprs);
        types.push(l.type);
        w += regSize(l.len) / 4;
        len += regSize(l.len);
      }
      return {
        exprs,
        type: { ...integerType(len), name: "concat", id: 0, symbols: undefined },
        len,
      };
    }
    throw new TypeError(`Cannot compile expression ${JSON.stringify(j)}`);
  }

  value(t: Datatype, v: unknown, len: number): Uint8Array {
    return parseValue(t, v, len, this.ctx.ifindex);
  }

  match(m: { op?: string; left: unknown; right: unknown }): void {
    const op = m.op ?? "==";
    const right = m.right as Record<string, unknown> | JsonValue;
    // A fib check: `fib … oif exists|missing` compares a boolean.
    if (typeof right === "boolean" && (m.left as Record<string, unknown>)?.fib) {
      const l = this.load(m.left);
      (l.exprs[0].data as nft.ExprFibAttrs).flags! |= 1 << 5; // NFTA_FIB_F_PRESENT
      this.out.push(...l.exprs);
      this.out.push(
        E("cmp", { sreg: 1, op: 0, data: { value: new Uint8Array([right ? 1 : 0, 0, 0, 0]) } }),
      );
      return;
    }
    const l = this.load(m.left);
    const isRef = typeof right === "string" && right.startsWith("@");
    const obj = typeof right === "object" && right !== null && !Array.isArray(right)
      ? right as Record<string, unknown>
      : undefined;
    if (isRef || obj?.set !== undefined) {
      this.out.push(...l.exprs);
      const lookup: nft.ExprLookupAttrs = { sreg: 1 };
      if (isRef) lookup.set = (right as string).slice(1);
      else {
        const anon = this.anonymousSet(l, obj!.set as unknown[]);
        lookup.set = anon.name;
        lookup["set id"] = anon.id;
      }
      if (op === "!=") lookup.flags = 1;
      this.out.push(E("lookup", lookup));
      return;
    }
    if (obj?.prefix !== undefined) {
      const p = obj.prefix as { addr: unknown; len: number };
      const addr = this.value(l.type, p.addr, l.len);
      if (p.len % 8 === 0 && l.payload) {
        const bytes = p.len / 8;
        (l.exprs[0].data as nft.ExprPayloadAttrs).len = bytes;
        this.out.push(...l.exprs);
        this.out.push(
          E("cmp", { sreg: 1, op: CMP_OPS[op], data: { value: addr.subarray(0, bytes) } }),
        );
        return;
      }
      // The mask's leading ones, in the value's byte order (host order for marks).
      const bits = BigInt(l.len * 8);
      const ones = ((1n << BigInt(p.len)) - 1n) << (bits - BigInt(p.len));
      const mask = bigToBytes(ones, l.len, l.type.byteorder);
      this.out.push(...l.exprs);
      this.out.push(E("bitwise", {
        sreg: 1,
        dreg: 1,
        len: l.len,
        mask: { value: mask },
        xor: { value: new Uint8Array(l.len) },
      }));
      const masked = addr.map((b, i) => b & mask[i]);
      this.out.push(E("cmp", { sreg: 1, op: CMP_OPS[op], data: { value: masked } }));
      return;
    }
    if (obj?.range !== undefined) {
      const [a, b] = obj.range as unknown[];
      this.out.push(...l.exprs);
      const from = this.value(l.type, a, l.len), to = this.value(l.type, b, l.len);
      if (op === "!=") {
        this.out.push(
          E("range", { sreg: 1, op: 1, fromData: { value: from }, toData: { value: to } }),
        );
      } else {
        this.out.push(E("cmp", { sreg: 1, op: 5, data: { value: from } }));
        this.out.push(E("cmp", { sreg: 1, op: 3, data: { value: to } }));
      }
      return;
    }
    this.out.push(...l.exprs);
    if (op === "in" || (l.type.kind === "bitmask" && Array.isArray(right))) {
      const mask = this.value(l.type, right, l.len);
      this.out.push(E("bitwise", {
        sreg: 1,
        dreg: 1,
        len: l.len,
        mask: { value: mask },
        xor: { value: new Uint8Array(l.len) },
      }));
      this.out.push(E("cmp", { sreg: 1, op: 1, data: { value: new Uint8Array(l.len) } }));
      return;
    }
    const code = CMP_OPS[op];
    if (code === undefined) throw new TypeError(`Unknown match operator "${op}"`);
    // An explicit `meta l4proto tcp` (or `nfproto ipv4`) is the context nft's dependencies give.
    const key = (m.left as { meta?: { key?: string } }).meta?.key;
    if (op === "==" && key === "l4proto") {
      const n = this.value(l.type, right, l.len)[0];
      this.transport = PAYLOAD_PROTOCOLS.find((p) => p.base === 2 && p.number === n)?.name;
    } else if (op === "==" && key === "nfproto") {
      const n = this.value(l.type, right, l.len)[0];
      this.network = n === 2 ? "ip" : n === 10 ? "ip6" : undefined;
    }
    this.out.push(
      E("cmp", { sreg: 1, op: code, data: { value: this.value(l.type, right, l.len) } }),
    );
  }

  anonymousSet(l: Load, items: unknown[]): { name: string; id: number } {
    const id = this.ctx.nextId();
    const name = `__set%d`;
    const interval = items.some((i) => typeof i === "object" && i !== null && !Array.isArray(i));
    const elements: NftElement[] = [];
    if (interval) {
      // Intervals as the kernel's rbtree wants them: a start and an end (exclusive) each.
      for (const it of items) {
        const [from, to] = this.bounds(l, it);
        elements.push({ key: from });
        if (to.some((b) => b !== 0)) elements.push({ key: to, flags: 1 });
      }
      if (elements[0]?.key.some((b) => b !== 0)) {
        elements.unshift({ key: new Uint8Array(l.len), flags: 1 });
      }
    } else {
      for (const it of items) elements.push({ key: this.value(l.type, it, l.len) });
    }
    const set: NftSet = {
      family: "",
      table: this.ctx.table,
      name,
      flags: SET_FLAGS.ANONYMOUS | SET_FLAGS.CONSTANT | (interval ? SET_FLAGS.INTERVAL : 0),
      keyType: l.type.id,
      keyLen: l.len,
      id,
      keyByteorder: l.type.byteorder === "host" ? 1 : 2,
    };
    this.sets.push({ set, elements });
    return { name, id };
  }

  /** Start and exclusive end of an interval element (a range, a prefix, or one value). */
  bounds(l: Load, it: unknown): [Uint8Array, Uint8Array] {
    const o = it as Record<string, unknown>;
    let from: Uint8Array, last: Uint8Array;
    if (o?.range) {
      const [a, b] = o.range as unknown[];
      from = this.value(l.type, a, l.len);
      last = this.value(l.type, b, l.len);
    } else if (o?.prefix) {
      const p = o.prefix as { addr: unknown; len: number };
      from = this.value(l.type, p.addr, l.len);
      last = from.slice();
      for (let i = p.len; i < l.len * 8; i++) last[i >> 3] |= 0x80 >> (i & 7);
    } else {
      from = this.value(l.type, it, l.len);
      last = from;
    }
    const end = last.slice();
    for (let i = end.length - 1; i >= 0; i--) {
      end[i] = (end[i] + 1) & 0xff;
      if (end[i] !== 0) break;
    }
    return [from, end];
  }

  verdict(code: string, chain?: string): void {
    this.out.push(E("immediate", { dreg: 0, data: verdictData({ code, chain }) }));
  }

  immediate(word: number, value: Uint8Array): number {
    const reg = registerOf(word);
    this.out.push(E("immediate", { dreg: reg, data: { value } }));
    return reg;
  }

  statement(s: NftStatement): void {
    const [key, v] = Object.entries(s)[0] ?? [];
    const o = (v ?? {}) as Record<string, unknown>;
    switch (key) {
      case "match":
        return this.match(v as { op: string; left: unknown; right: unknown });
      case "accept":
      case "drop":
      case "continue":
      case "return":
        return this.verdict(key);
      case "jump":
      case "goto":
        return this.verdict(key, String(o.target));
      case "counter":
        if (typeof v === "string") {
          this.out.push(E("objref", { immType: 1, immName: v }));
        } else {
          this.out.push(E("counter", {
            packets: BigInt((o.packets as number | undefined) ?? 0),
            bytes: BigInt((o.bytes as number | undefined) ?? 0),
          }));
        }
        return;
      case "quota":
        this.out.push(
          typeof v === "string"
            ? E("objref", { immType: 2, immName: v })
            : E("quota", quotaExpr(o)),
        );
        return;
      case "limit":
        this.out.push(
          typeof v === "string"
            ? E("objref", { immType: 4, immName: v })
            : E("limit", limitExpr(o)),
        );
        return;
      case "log":
        this.out.push(E("log", logExpr(o)));
        return;
      case "notrack":
        this.out.push(E("notrack", {} as never));
        return;
      case "mangle":
        return mangleExprs(this, o.key as Record<string, Record<string, unknown>>, o.value);
      case "snat":
      case "dnat":
        return natExprs(this, key, o);
      case "masquerade":
      case "redirect":
        return masqueradeExprs(this, key, o);
      case "reject":
        return rejectExprs(this, o);
      case "tproxy":
        return tproxyExprs(this, o);
      case "vmap": {
        const l = this.load(o.key);
        this.out.push(...l.exprs);
        const data = o.data;
        if (typeof data !== "string" || !data.startsWith("@")) {
          throw new TypeError('Only named verdict maps ("@name") are compiled');
        }
        this.out.push(E("lookup", { set: data.slice(1), sreg: 1, dreg: 0 }));
        return;
      }
      default:
        throw new TypeError(`Statement ${JSON.stringify(s)} is not compiled by this library`);
    }
  }
}

/**
 * Compile a rule's nft JSON statements into expressions.
 *
 * @throws {TypeError} for a statement or expression outside the compiled set, or a value its
 *   type does not take.
 */
export function compileRule(
  statements: readonly NftStatement[],
  ctx: CompileContext,
): CompiledRule {
  const c = new Compiler(ctx);
  for (const s of statements) c.statement(s);
  return { expressions: c.out, sets: c.sets };
}
