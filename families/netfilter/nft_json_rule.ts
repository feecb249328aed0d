/**
 * A rule's expressions as the statements `nft -j` prints: the high-level `match`, `counter`,
 * verdict, `mangle`, NAT, `reject`, `limit`, `log`, `quota`, `vmap` forms nft derives from the
 * raw expressions (nftables' netlink_delinearize.c), including the removal of the protocol
 * dependencies nft adds itself (`meta nfproto`, `meta l4proto` before an `ip`/`tcp` field).
 * An expression this does not derive becomes `{ "unknown": { "expression": NAME } }`.
 *
 * @example
 * ```ts
 * import { ruleStatements } from "@netlink/netlink/nftables";
 * declare const rule: import("@netlink/netlink/nftables").NftRule;
 * console.log(JSON.stringify(ruleStatements(rule, { family: 1, sets: new Map() })));
 * ```
 *
 * @module
 */
import type * as nft from "../generated/nftables.ts";
import type { NftElement, NftExpression, NftRule, NftSet } from "./nft_objects.ts";
import { verdictName } from "./nft_objects.ts";
import {
  type Datatype,
  datatypeById,
  formatValue,
  type IfnameResolver,
  integerType,
} from "./nft_types.ts";
import { INET_PROTOCOLS } from "./nft_symbols.ts";
import { limitJson, logJson, quotaJson } from "./nft_json_stmt.ts";
import {
  CT_KEY_INFO,
  META_KEY_INFO,
  PAYLOAD_BASES,
  PAYLOAD_PROTOCOLS,
  type PayloadField,
} from "./nft_templates.ts";

/** A statement or expression of nft's JSON. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A named or anonymous set as rules see it: the set and its elements. */
export interface SetWithElements {
  /** The set. */
  set: NftSet;
  /** Its elements. */
  elements: NftElement[];
}

/** What deriving a rule's statements needs. */
export interface RuleJsonContext {
  /** The table's family number. */
  family: number;
  /** The table's sets (anonymous ones included), by name. */
  sets: Map<string, SetWithElements>;
  /** Interface names by index (`meta iif`, `fib … oif`). */
  ifname?: IfnameResolver;
  /** Set elements as JSON (from nft_json.ts; anonymous sets print inline). */
  elementsJson?: (s: SetWithElements) => Json[];
}

type RegVal =
  | { k: "payload"; base: number; offset: number; len: number }
  | { k: "meta"; key: number }
  | { k: "ct"; key: number; dir?: number }
  | { k: "fib"; result: number; flags: number }
  | { k: "socket"; key: number }
  | { k: "imm"; bytes: Uint8Array }
  | { k: "other"; name: string };

interface Reg {
  v: RegVal;
  mask?: Uint8Array;
  xor?: Uint8Array;
}

/** A loaded value described: its JSON, its type, and what protocol layer it reads. */
interface Left {
  json: Json;
  type: Datatype;
  len: number;
  /** Set for payload fields: the layer and protocol, for dependency removal. */
  layer?: number;
  proto?: string;
  /** A shortened load of an address field: a prefix of `bits`. */
  prefixOf?: { type: Datatype; len: number };
}

const CMP = ["==", "!=", "<", "<=", ">", ">="];
const L4_NAMES: Record<number, string> = {
  1: "icmp",
  6: "tcp",
  17: "udp",
  33: "dccp",
  58: "icmpv6",
  132: "sctp",
  136: "udplite",
};

const wordOf = (reg: number) => (reg >= 8 ? reg - 8 : (reg - 1) * 4);

function one(names: (string | number)[]): Json {
  return names.length === 1 ? names[0] : names;
}

class Decompiler {
  out: (Json | undefined)[] = [];
  regs = new Map<number, Reg>();
  network?: string;
  transport?: string;
  link?: string;
  /** Dependency statements that a later payload of their protocol removes. */
  deps: { layer: number; proto: string; index: number }[] = [];

  constructor(readonly ctx: RuleJsonContext) {
    const f = ctx.family;
    if (f === 2) this.network = "ip";
    if (f === 10) this.network = "ip6";
    if (f === 7 || f === 5) this.link = "ether";
  }

  reg(n: number | undefined): Reg | undefined {
    return n === undefined ? undefined : this.regs.get(wordOf(n));
  }

  field(base: number, offset: number, len: number): Left {
    const protoName = base === 0
      ? this.link
      : base === 1
      ? this.network
      : base === 2
      ? this.transport ?? "th"
      : undefined;
    const proto = PAYLOAD_PROTOCOLS.find((p) => p.name === protoName && p.base === base);
    let f: PayloadField | undefined = proto?.fields.find((x) =>
      x.offset === offset && x.len === len
    );
    let prefixOf: Left["prefixOf"];
    if (!f && proto) {
      // A shortened load of an address: `ip daddr 10.0.0.0/24` loads 3 bytes.
      f = proto.fields.find((x) =>
        x.offset === offset && x.len > len && [7, 8, 9].includes(x.type)
      );
      if (f) prefixOf = { type: datatypeById(f.type)!, len: f.len };
    }
    if (!proto || !f) {
      return {
        json: {
          payload: { base: PAYLOAD_BASES[base] ?? String(base), offset: offset * 8, len: len * 8 },
        },
        type: integerType(len),
        len,
      };
    }
    return {
      json: { payload: { protocol: proto.name, field: f.name } },
      type: datatypeById(f.type)!,
      len,
      layer: base,
      proto: proto.name,
      prefixOf,
    };
  }

  left(r: Reg, len?: number): Left {
    const v = r.v;
    switch (v.k) {
      case "payload":
        return this.field(v.base, v.offset, v.len);
      case "meta": {
        const k = META_KEY_INFO[v.key];
        const t = k ? datatypeById(k.type)! : integerType(4, "host");
        return { json: { meta: { key: k?.token ?? String(v.key) } }, type: t, len: k?.size ?? 4 };
      }
      case "ct": {
        const k = CT_KEY_INFO[v.key];
        let t = k ? datatypeById(k.type)! : integerType(4, "host");
        if ((v.key === 8 || v.key === 9) && len === 16) t = datatypeById(8)!;
        const ct: Record<string, Json> = { key: k?.token ?? String(v.key) };
        if (v.dir !== undefined) ct.dir = v.dir === 1 ? "reply" : "original";
        return { json: { ct }, type: t, len: len ?? k?.size ?? 4 };
      }
      case "fib": {
        const names = ["saddr", "daddr", "mark", "iif", "oif"];
        const flags = names.filter((_, i) => v.flags & (1 << i));
        const result = ["unspec", "oif", "oifname", "type"][v.result] ?? "unknown";
        const fib: Record<string, Json> = { result };
        if (flags.length > 0) fib.flags = flags;
        const present = (v.flags & 32) !== 0;
        const t = present
          ? datatypeById(39)!
          : datatypeById(v.result === 3 ? 38 : v.result === 2 ? 41 : 20)!;
        return { json: { fib }, type: t, len: v.result === 2 ? 16 : 4 };
      }
      case "socket": {
        const keys = ["transparent", "mark", "wildcard", "cgroupv2"];
        return {
          json: { socket: { key: keys[v.key] ?? String(v.key) } },
          type: integerType(4, "host"),
          len: 4,
        };
      }
      default:
        return { json: null, type: integerType(len ?? 4), len: len ?? 4 };
    }
  }

  value(t: Datatype, bytes: Uint8Array): Json {
    return formatValue(t, bytes, this.ctx.ifname) as Json;
  }

  push(j: Json): number {
    this.out.push(j);
    return this.out.length - 1;
  }

  /** A payload of `l` was used: drop the dependency statement that established its protocol. */
  consume(l: Left): void {
    if (l.layer === undefined || l.proto === "th") return;
    this.drop(l.layer, l.proto!);
    // ICMP implies its network protocol: `icmp type` in an inet table depends on both.
    if (l.proto === "icmp") this.drop(1, "ip");
    if (l.proto === "icmpv6") this.drop(1, "ip6");
  }

  drop(layer: number, proto: string): void {
    const i = this.deps.findIndex((d) => d.layer === layer && d.proto === proto);
    if (i >= 0) {
      this.out[this.deps[i].index] = undefined;
      this.deps.splice(i, 1);
    }
  }

  /** A `==` match that sets protocol context: remember it as a dependency candidate. */
  context(l: Left, data: Uint8Array, index: number): void {
    const j = l.json as Record<string, Record<string, string>>;
    const key = j.meta?.key;
    const field = j.payload ? `${j.payload.protocol} ${j.payload.field}` : undefined;
    if (key === "nfproto") {
      const net = data[0] === 2 ? "ip" : data[0] === 10 ? "ip6" : undefined;
      if (net) {
        this.network = net;
        this.deps.push({ layer: 1, proto: net, index });
      }
    } else if (key === "l4proto" || field === "ip protocol" || field === "ip6 nexthdr") {
      const name = L4_NAMES[data[0]];
      if (name) {
        this.transport = name;
        this.deps.push({ layer: 2, proto: name, index });
      }
    } else if (key === "iiftype" && data[0] === 1 && data[1] === 0) {
      this.link = "ether";
      this.deps.push({ layer: 0, proto: "ether", index });
    } else if (key === "protocol" || field === "ether type") {
      const et = (data[0] << 8) | data[1];
      const net = et === 0x0800 ? "ip" : et === 0x86dd ? "ip6" : undefined;
      if (net) {
        this.network = net;
        this.deps.push({ layer: 1, proto: net, index });
      }
    }
  }

  match(op: string, l: Left, right: Json): number {
    return this.push({ match: { op, left: l.json, right } });
  }

  cmp(d: nft.ExprCmpAttrs, next: NftExpression | undefined): boolean {
    const r = this.reg(d.sreg);
    const data = d.data?.value ?? new Uint8Array(0);
    if (!r) return false;
    const l = this.left(r, data.length);
    const op = CMP[d.op ?? 0];
    if (r.v.k === "payload") this.consume(l);
    // cmp >= a, cmp <= b: a range.
    if (d.op === 5 && next?.name === "cmp" && next.data?.op === 3 && next.data.sreg === d.sreg) {
      const to = next.data.data?.value ?? new Uint8Array(0);
      this.match("==", l, { range: [this.value(l.type, data), this.value(l.type, to)] });
      return true;
    }
    if (r.mask) {
      const zero = r.xor?.every((b) => b === 0) ?? true;
      if (zero && d.op === 1 && data.every((b) => b === 0) && l.type.symbols) {
        const names = formatValue(l.type, r.mask);
        this.match("in", l, Array.isArray(names) ? names : names as Json);
        return false;
      }
      const prefix = prefixLen(r.mask, l.type.byteorder);
      if (zero && prefix !== undefined) {
        this.match(op, l, { prefix: { addr: this.value(l.type, data), len: prefix } });
        return false;
      }
      this.match(
        op,
        { ...l, json: { "&": [l.json, this.value(l.type, r.mask)] } },
        this.value(l.type, data),
      );
      return false;
    }
    if (l.prefixOf) {
      const full = new Uint8Array(l.prefixOf.len);
      full.set(data);
      this.match(op, l, {
        prefix: { addr: this.value(l.prefixOf.type, full), len: data.length * 8 },
      });
      return false;
    }
    if (r.v.k === "fib" && (r.v.flags & 32) !== 0) {
      this.match(op, l, data.some((b) => b !== 0));
      return false;
    }
    const index = this.match(op, l, this.value(l.type, data));
    if (d.op === 0) this.context(l, data, index);
    return false;
  }

  lookup(d: nft.ExprLookupAttrs): void {
    const name = d.set ?? "";
    const s = this.ctx.sets.get(name);
    const keyLen = s?.set.keyLen ?? 4;
    const first = this.reg(d.sreg);
    if (!first) return this.unknown("lookup");
    // A concatenated key spans consecutive 32-bit registers.
    let left: Left;
    const w0 = wordOf(d.sreg ?? 1);
    const own = first.v.k === "payload" ? first.v.len : this.left(first).len;
    if (keyLen > ((own + 3) & ~3)) {
      const parts: Json[] = [];
      for (let w = w0, used = 0; used < keyLen;) {
        const r = this.regs.get(w);
        if (!r) break;
        const l = this.left(r);
        if (r.v.k === "payload") this.consume(l);
        parts.push(l.json);
        const size = (l.len + 3) & ~3;
        used += size;
        w += size / 4;
      }
      left = { json: { concat: parts }, type: integerType(keyLen), len: keyLen };
    } else {
      left = this.left(first);
      if (first.v.k === "payload") this.consume(left);
    }
    const anonymous = s !== undefined && (s.set.flags & 1) !== 0;
    const setJson: Json = anonymous && this.ctx.elementsJson
      ? { set: this.ctx.elementsJson(s!) }
      : `@${name}`;
    if (d.dreg !== undefined) {
      if (d.dreg === 0) {
        this.push({ vmap: { key: left.json, data: setJson } });
        return;
      }
      return this.unknown("lookup (map)");
    }
    this.match(d.flags ? "!=" : "==", left, setJson);
  }

  unknown(name: string): void {
    this.push({ unknown: { expression: name } });
  }

  immediateValue(reg: number | undefined): Uint8Array | undefined {
    const r = this.reg(reg);
    return r?.v.k === "imm" ? r.v.bytes : undefined;
  }

  nat(kind: string, d: nft.ExprNatAttrs | nft.ExprMasqAttrs, family?: number): void {
    const o: Record<string, Json> = {};
    const fam = family ?? (this.network === "ip6" ? 10 : 2);
    if (kind === "snat" || kind === "dnat") {
      const n = d as nft.ExprNatAttrs;
      if (this.ctx.family === 1) o.family = fam === 10 ? "ip6" : "ip";
      const addr = this.immediateValue(n.regAddrMin);
      if (addr) o.addr = this.value(datatypeById(fam === 10 ? 8 : 7)!, addr);
    }
    const port = this.immediateValue(d.regProtoMin);
    if (port) o.port = this.value(datatypeById(13)!, port);
    const names: string[] = [];
    const flags = d.flags ?? 0;
    if (flags & 4) names.push("random");
    if (flags & 16) names.push("fully-random");
    if (flags & 8) names.push("persistent");
    if (flags & 64) names.push("netmap");
    if (names.length > 0) o.flags = one(names);
    this.push({ [kind]: Object.keys(o).length > 0 ? o : null });
  }

  expr(e: NftExpression, next: NftExpression | undefined): boolean {
    // An expression without its NFTA_EXPR_DATA (hostile bytes) reads as one with no members.
    const d = (e.data ?? {}) as Record<string, unknown>;
    switch (e.name) {
      case "payload": {
        const p = d as nft.ExprPayloadAttrs;
        if (p.sreg !== undefined) {
          const l = this.field(p.base ?? 0, p.offset ?? 0, p.len ?? 0);
          this.consume(l);
          const v = this.immediateValue(p.sreg);
          this.push({ mangle: { key: l.json, value: v ? this.value(l.type, v) : null } });
          return false;
        }
        this.regs.set(wordOf(p.dreg ?? 1), {
          v: { k: "payload", base: p.base ?? 0, offset: p.offset ?? 0, len: p.len ?? 0 },
        });
        return false;
      }
      case "meta":
      case "ct": {
        const m = d as nft.ExprMetaAttrs & nft.ExprCtAttrs;
        if (m.sreg !== undefined) {
          const info = (e.name === "meta" ? META_KEY_INFO : CT_KEY_INFO)[m.key ?? 0];
          const v = this.immediateValue(m.sreg);
          const key: Record<string, Json> = { key: info?.token ?? String(m.key) };
          if (m.direction !== undefined) key.dir = m.direction ? "reply" : "original";
          const t = info ? datatypeById(info.type)! : integerType(4, "host");
          this.push({ mangle: { key: { [e.name]: key }, value: v ? this.value(t, v) : null } });
          return false;
        }
        const v: RegVal = e.name === "meta"
          ? { k: "meta", key: m.key ?? 0 }
          : { k: "ct", key: m.key ?? 0, dir: m.direction };
        this.regs.set(wordOf(m.dreg ?? 1), { v });
        return false;
      }
      case "fib": {
        const f = d as nft.ExprFibAttrs;
        this.regs.set(wordOf(f.dreg ?? 1), {
          v: { k: "fib", result: f.result ?? 0, flags: f.flags ?? 0 },
        });
        return false;
      }
      case "socket": {
        const s = d as nft.ExprSocketAttrs;
        this.regs.set(wordOf(s.dreg ?? 1), { v: { k: "socket", key: s.key ?? 0 } });
        return false;
      }
      case "bitwise": {
        const b = d as nft.ExprBitwiseAttrs;
        const r = this.reg(b.sreg);
        if (!r || (b.op ?? 0) !== 0) return this.unknown("bitwise"), false;
        this.regs.set(wordOf(b.dreg ?? 1), { v: r.v, mask: b.mask?.value, xor: b.xor?.value });
        return false;
      }
      case "cmp":
        return this.cmp(d as nft.ExprCmpAttrs, next);
      case "range": {
        const g = d as nft.ExprRangeAttrs;
        const r = this.reg(g.sreg);
        if (!r) return this.unknown("range"), false;
        const l = this.left(r);
        if (r.v.k === "payload") this.consume(l);
        const from = g.fromData?.value ?? new Uint8Array(0),
          to = g.toData?.value ?? new Uint8Array(0);
        this.match(g.op === 1 ? "!=" : "==", l, {
          range: [this.value(l.type, from), this.value(l.type, to)],
        });
        return false;
      }
      case "lookup":
        this.lookup(d as nft.ExprLookupAttrs);
        return false;
      case "immediate": {
        const im = d as nft.ExprImmediateAttrs;
        if (im.dreg === 0 && im.data?.verdict) {
          const v = im.data.verdict;
          const name = verdictName(v.code ?? 0);
          this.push(v.chain !== undefined ? { [name]: { target: v.chain } } : { [name]: null });
        } else if (im.data?.value) {
          this.regs.set(wordOf(im.dreg ?? 1), { v: { k: "imm", bytes: im.data.value } });
        }
        return false;
      }
      case "counter": {
        const c = d as nft.ExprCounterAttrs;
        this.push({ counter: { packets: Number(c.packets ?? 0n), bytes: Number(c.bytes ?? 0n) } });
        return false;
      }
      case "objref": {
        const o = d as nft.ExprObjrefAttrs;
        const kinds: Record<number, string> = {
          1: "counter",
          2: "quota",
          3: "ct helper",
          4: "limit",
          8: "secmark",
          10: "synproxy",
        };
        if (o.immName === undefined) return this.unknown("objref (map)"), false;
        this.push({ [kinds[o.immType ?? 0] ?? "unknown"]: o.immName });
        return false;
      }
      case "limit":
        this.push({ limit: limitJson(d as nft.ExprLimitAttrs) });
        return false;
      case "log":
        this.push({ log: logJson(d as nft.ExprLogAttrs) });
        return false;
      case "quota":
        this.push({ quota: quotaJson(d as nft.QuotaAttrs) });
        return false;
      case "nat": {
        const n = d as nft.ExprNatAttrs;
        this.nat(n.type === 0 ? "snat" : "dnat", n, n.family);
        return false;
      }
      case "masq":
        this.nat("masquerade", d as nft.ExprMasqAttrs);
        return false;
      case "redir":
        this.nat("redirect", d as nft.ExprRedirAttrs);
        return false;
      case "reject": {
        const r = d as nft.ExprRejectAttrs;
        if (r.type === 1) this.push({ reject: { type: "tcp reset" } });
        else if (r.type === 2) {
          this.push({
            reject: {
              type: "icmpx",
              expr: this.value(datatypeById(34)!, new Uint8Array([r.icmpCode ?? 0])),
            },
          });
        } else if (this.network === undefined) {
          // No network protocol known (an inet table without `meta nfproto`): nft prints
          // the ICMP reject without its type (reject_stmt_json: family unspecified).
          this.push({ reject: null });
        } else {
          const v6 = this.network === "ip6";
          const t = datatypeById(v6 ? 33 : 32)!;
          this.push({
            reject: {
              type: v6 ? "icmpv6" : "icmp",
              expr: this.value(t, new Uint8Array([r.icmpCode ?? 0])),
            },
          });
        }
        return false;
      }
      case "notrack":
        this.push({ notrack: null });
        return false;
      case "tproxy": {
        const t = d as nft.ExprTproxyAttrs;
        const o: Record<string, Json> = {};
        if (this.ctx.family === 1 && t.family) o.family = t.family === 10 ? "ip6" : "ip";
        const addr = this.immediateValue(t.regAddr);
        if (addr) o.addr = this.value(datatypeById(addr.length === 16 ? 8 : 7)!, addr);
        const port = this.immediateValue(t.regPort);
        if (port) o.port = this.value(datatypeById(13)!, port);
        this.push({ tproxy: o });
        return false;
      }
      default:
        void d;
        this.unknown(e.name ?? "?");
        return false;
    }
  }
}

/** The length of a prefix mask (leading ones of the value in `order`), if it is one. */
function prefixLen(mask: Uint8Array, order: "host" | "big"): number | undefined {
  let n = 0;
  let ended = false;
  const bytes = order === "big" ? mask : mask.slice().reverse();
  for (const b of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const on = (b >> bit) & 1;
      if (on && ended) return undefined;
      if (on) n++;
      else ended = true;
    }
  }
  return n;
}

/** Whether a protocol number has an nft name (for callers printing `meta l4proto`). */
export function protocolName(n: number): string | number {
  return INET_PROTOCOLS[n] ?? n;
}

/**
 * The statements `nft -j` prints for `rule`: the `expr` array of its JSON.
 *
 * @example
 * ```ts
 * import { ruleStatements, type NftRule } from "@netlink/netlink/nftables";
 * const rule: NftRule = {
 *   family: "inet", table: "t", chain: "c",
 *   expressions: [{ name: "immediate", data: { dreg: 0, data: { verdict: { code: 1 } } } }],
 * };
 * ruleStatements(rule, { family: 1, sets: new Map() }); // [{ accept: null }]
 * ```
 */
export function ruleStatements(rule: NftRule, ctx: RuleJsonContext): Json[] {
  const d = new Decompiler(ctx);
  const ex = rule.expressions;
  for (let i = 0; i < ex.length; i++) {
    if (d.expr(ex[i], ex[i + 1])) i++;
  }
  return d.out.filter((s): s is Json => s !== undefined);
}
