/**
 * The nf_tables expressions of nft JSON's statements that act on the packet — `mangle`,
 * `snat`/`dnat`, `masquerade`/`redirect`, `reject`, `tproxy` — as nft compiles them: values
 * loaded into registers by `immediate`, NAT range flags, protocol dependencies (a
 * `tcp reset` first matches TCP), checksum fix-ups of a payload write. Used by
 * nft_compile.ts's rule compiler.
 *
 * @module
 */
import type * as nft from "../generated/nftables.ts";
import type { NftExpression } from "./nft_objects.ts";
import { datatypeById, parseValue } from "./nft_types.ts";
import { symbolValue } from "./nft_symbols.ts";
import {
  CT_KEY_INFO,
  ctKeyNumber,
  META_KEY_INFO,
  metaKeyNumber,
  type PayloadProtocol,
  payloadProtocol,
} from "./nft_templates.ts";

/** The nf_tables expression `name` with attributes `data`. */
export const E = <K extends keyof nft.ExprOps>(name: K, data: nft.ExprOps[K]): NftExpression =>
  ({ name, data }) as NftExpression;

/** What an action statement needs of the rule compiler (nft_compile.ts). */
export interface ActionCompiler {
  /** The table's family number. */
  readonly ctx: { readonly family: number };
  /** The rule's expressions so far; actions append to it. */
  readonly out: NftExpression[];
  /** Emit the dependency matches a payload of `proto` needs (once per rule). */
  depend(proto: PayloadProtocol): void;
  /** Load `value` into the register of 32-bit word `word`; its register number. */
  immediate(word: number, value: Uint8Array): number;
}

/** `{ "mangle": { key, value } }`: set a meta or ct key, or write a payload field. */
export function mangleExprs(
  c: ActionCompiler,
  key: Record<string, Record<string, unknown>>,
  value: unknown,
): void {
  if (key.meta || key.ct) {
    const isMeta = key.meta !== undefined;
    const k = isMeta ? metaKeyNumber(String(key.meta.key)) : ctKeyNumber(String(key.ct.key));
    const info = (isMeta ? META_KEY_INFO : CT_KEY_INFO)[k]!;
    const reg = c.immediate(0, parseValue(datatypeById(info.type)!, value, info.size));
    c.out.push(isMeta ? E("meta", { key: k, sreg: reg }) : E("ct", { key: k, sreg: reg }));
    return;
  }
  if (key.payload) {
    const p = key.payload as { protocol: string; field: string };
    const proto = payloadProtocol(p.protocol);
    const f = proto?.fields.find((x) => x.name === p.field);
    if (!proto || !f) throw new TypeError(`Unknown payload field ${p.protocol} ${p.field}`);
    c.depend(proto);
    const reg = c.immediate(0, parseValue(datatypeById(f.type)!, value, f.len));
    const d: nft.ExprPayloadAttrs = { sreg: reg, base: proto.base, offset: f.offset, len: f.len };
    // Checksums nft fixes (payload_gen_csum): the IPv4 header's, or the L4 one with the
    // pseudo-header for addresses.
    if (proto.name === "ip") {
      d.csumType = 1;
      d.csumOffset = 10;
      if (f.name === "saddr" || f.name === "daddr") d.csumFlags = 1;
    } else if (proto.name === "tcp" || proto.name === "udp") {
      d.csumType = 1;
      d.csumOffset = proto.name === "tcp" ? 16 : 6;
    }
    c.out.push(E("payload", d));
    return;
  }
  throw new TypeError(`Cannot set ${JSON.stringify(key)}`);
}

/** `{ "snat": o }` / `{ "dnat": o }`. */
export function natExprs(c: ActionCompiler, type: string, o: Record<string, unknown>): void {
  const d: nft.ExprNatAttrs = { type: type === "snat" ? 0 : 1 };
  const fam = o.family === "ip6" ? 10 : o.family === "ip" ? 2 : c.ctx.family === 10 ? 10 : 2;
  d.family = fam;
  let flags = natFlags(o.flags);
  if (o.addr !== undefined) {
    const t = datatypeById(fam === 10 ? 8 : 7)!;
    const reg = c.immediate(0, parseValue(t, o.addr));
    d.regAddrMin = reg;
    d.regAddrMax = reg;
    flags |= 1; // NF_NAT_RANGE_MAP_IPS
  }
  if (o.port !== undefined) {
    const reg = c.immediate(4, parseValue(datatypeById(13)!, o.port));
    d.regProtoMin = reg;
    d.regProtoMax = reg;
    flags |= 2;
  }
  d.flags = flags;
  c.out.push(E("nat", d));
}

/** `{ "masquerade": o }` / `{ "redirect": o }`. */
export function masqueradeExprs(
  c: ActionCompiler,
  key: "masquerade" | "redirect",
  o: Record<string, unknown>,
): void {
  const d: nft.ExprMasqAttrs = {};
  let flags = natFlags(o.flags);
  if (o.port !== undefined) {
    const reg = c.immediate(0, parseValue(datatypeById(13)!, o.port));
    d.regProtoMin = reg;
    d.regProtoMax = reg;
    flags |= 2; // NF_NAT_RANGE_PROTO_SPECIFIED
  }
  if (flags) d.flags = flags;
  c.out.push(E(key === "masquerade" ? "masq" : "redir", d));
}

/** `{ "reject": o }`: a TCP reset, or an ICMP / ICMPv6 / icmpx unreachable code. */
export function rejectExprs(c: ActionCompiler, o: Record<string, unknown>): void {
  const fam = c.ctx.family;
  const type = o.type as string | undefined;
  if (type === "tcp reset") {
    // nft makes sure the packet is TCP first (a `meta l4proto tcp` it adds itself).
    c.depend(payloadProtocol("tcp")!);
    c.out.push(E("reject", { type: 1, icmpCode: 0 }));
    return;
  }
  if (type === "icmpx" || (type === undefined && (fam === 1 || fam === 7 || fam === 5))) {
    const code = symbolValue(datatypeById(34)!.symbols!, String(o.expr ?? "port-unreachable"));
    c.out.push(E("reject", { type: 2, icmpCode: code ?? 1 }));
    return;
  }
  const v6 = type === "icmpv6" || (type === undefined && fam === 10);
  const table = datatypeById(v6 ? 33 : 32)!.symbols!;
  const code = symbolValue(table, String(o.expr ?? "port-unreachable"));
  c.out.push(E("reject", { type: 0, icmpCode: code ?? (v6 ? 4 : 3) }));
}

/** `{ "tproxy": o }`. */
export function tproxyExprs(c: ActionCompiler, o: Record<string, unknown>): void {
  const fam = o.family === "ip6" ? 10 : o.family === "ip" ? 2 : c.ctx.family === 10 ? 10 : 2;
  const d: nft.ExprTproxyAttrs = {
    family: c.ctx.family === 1 && o.family === undefined ? 0 : fam,
  };
  if (o.addr !== undefined) {
    d.regAddr = c.immediate(0, parseValue(datatypeById(fam === 10 ? 8 : 7)!, o.addr));
  }
  if (o.port !== undefined) {
    d.regPort = c.immediate(4, parseValue(datatypeById(13)!, o.port));
  }
  c.out.push(E("tproxy", d));
}

/** NAT range flags (`NF_NAT_RANGE_*`) of nft's flag names. */
function natFlags(f: unknown): number {
  const bits: Record<string, number> = {
    random: 4,
    persistent: 8,
    "fully-random": 16,
    netmap: 64,
  };
  let n = 0;
  for (const x of [f ?? []].flat()) n |= bits[String(x)] ?? 0;
  return n;
}
