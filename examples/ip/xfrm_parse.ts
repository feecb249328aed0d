/**
 * The arguments of `ip xfrm state`/`policy` parsed as iproute2 parses them (ip/ipxfrm.c,
 * ip/xfrm_state.c, ip/xfrm_policy.c) for `ip.ts xfrm`.
 *
 * @module
 */
import type * as x from "../../families/generated/xfrm.ts";
import { XFRM_INF, XFRM_MODES } from "../../families/xfrm/mod.ts";
import { parseIp } from "../../families/route/addr_text.ts";
import { type Context, invarg, matches, UsageError } from "./cli.ts";
import { INET, INET6, xfrmprotoByName } from "./xfrm_print.ts";
import { inetProtocolNumber } from "../../families/route/ip_protocols.ts";

// ---------------------------------------------------------------------------
// Parsing (ip/ipxfrm.c, ip/xfrm_state.c, ip/xfrm_policy.c)
// ---------------------------------------------------------------------------

/** `get_u32(…, 0)`: decimal, `0x` hex or `0` octal. */
export function getU32(s: string, what: string): number {
  const n = /^0x[0-9a-f]+$/i.test(s)
    ? parseInt(s, 16)
    : /^0[0-7]+$/.test(s)
    ? parseInt(s, 8)
    : /^\d+$/.test(s)
    ? Number(s)
    : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) invarg(what, s);
  return n;
}

function getU64(s: string, what: string): bigint {
  try {
    const v = BigInt(s);
    if (v < 0n || v > XFRM_INF) throw new RangeError();
    return v;
  } catch {
    return invarg(what, s);
  }
}

/** `get_prefix`: `ADDR[/PLEN]` (or `default`/`any`/`all`), into 16 bytes. */
export function getPrefix(
  s: string,
  preferred: number,
): { family: number; data: Uint8Array; bitlen: number } {
  const data = new Uint8Array(16);
  if (s === "default" || s === "any" || s === "all") {
    return { family: preferred || INET, data, bitlen: 0 };
  }
  const [a, l] = s.split("/");
  let bytes: Uint8Array;
  try {
    bytes = parseIp(a);
  } catch {
    throw new UsageError(`Error: an inet prefix is expected rather than "${s}".`, 1);
  }
  const family = bytes.length === 4 ? INET : INET6;
  if (preferred && preferred !== family) {
    throw new UsageError(
      `Error: ${preferred === INET ? "inet" : "inet6"} prefix is expected rather than "${s}".`,
      1,
    );
  }
  data.set(bytes);
  const max = bytes.length * 8;
  const bitlen = l === undefined ? max : Number(l);
  if (!Number.isInteger(bitlen) || bitlen < 0 || bitlen > max) {
    throw new UsageError(`Error: an inet prefix is expected rather than "${s}".`, 1);
  }
  return { family: bytes.length === 4 ? INET : INET6, data, bitlen };
}

/** The words of a command, read one at a time (`NEXT_ARG` of iproute2). */
export class Argv {
  i = 0;
  constructor(readonly a: string[]) {}
  get more(): boolean {
    return this.i < this.a.length;
  }
  get cur(): string {
    return this.a[this.i];
  }
  /** NEXT_ARG(). */
  next(): string {
    this.i++;
    if (this.i >= this.a.length) {
      throw new UsageError(`Command line is not complete. Try option "help"`, 255);
    }
    return this.a[this.i];
  }
  /** NEXT_ARG_OK(). */
  get nextOk(): boolean {
    return this.i + 1 < this.a.length;
  }
}

/** `mark MARK [mask MASK]`. */
export function parseMark(av: Argv): x.XfrmMark {
  const v = getU32(av.next(), "MARK value is invalid\n");
  if (!av.nextOk) return { v, m: 0xffffffff };
  if (av.a[av.i + 1] === "mask") {
    av.next();
    return { v, m: getU32(av.next(), "MASK value is invalid\n") };
  }
  return { v, m: 0xffffffff };
}

/** `xfrm_selector_upspec_parse` + `xfrm_selector_parse` (the part at `av.cur`). */
export function parseSelector(
  av: Argv,
  sel: x.XfrmSelector,
  ctx: Context,
  links: Map<string, number>,
  preferred = 0,
): void {
  let upspec = false;
  const start = av.i;
  for (;;) {
    const w = av.cur;
    if (w === "src" || w === "dst") {
      const p = getPrefix(av.next(), preferred);
      sel.family = p.family;
      if (w === "src") (sel.saddr = p.data), (sel.prefixlenS = p.bitlen);
      else (sel.daddr = p.data), (sel.prefixlenD = p.bitlen);
    } else if (w === "dev") {
      const n = av.next();
      sel.ifindex = n === "none" ? 0 : links.get(n) ?? invarg("DEV value is invalid", n);
    } else if (!upspec && ["proto", "sport", "dport", "type", "code", "key"].includes(w)) {
      upspec = true;
      for (;;) {
        const u = av.cur;
        if (u === "proto") {
          const v = av.next();
          const named = inetProtocolNumber(v);
          sel.proto = v === "any" ? 0 : named ?? getU32(v, "PROTO value is invalid");
        } else if (u === "sport") {
          sel.sport = getU32(av.next(), 'value after "sport" is invalid') & 0xffff;
          if (sel.sport) sel.sportMask = 0xffff;
        } else if (u === "dport") {
          sel.dport = getU32(av.next(), 'value after "dport" is invalid') & 0xffff;
          if (sel.dport) sel.dportMask = 0xffff;
        } else if (u === "type") {
          sel.sport = getU32(av.next(), 'value after "type" is invalid');
          sel.sportMask = 0xffff;
        } else if (u === "code") {
          sel.dport = getU32(av.next(), 'value after "code" is invalid');
          sel.dportMask = 0xffff;
        } else if (u === "key") {
          const v = av.next();
          const k = v.includes(".")
            ? parseIp(v).reduce((n, b) => n * 256 + b, 0)
            : getU32(v, 'value after "key" is invalid');
          sel.sport = k >>> 16;
          sel.dport = k & 0xffff;
          sel.sportMask = sel.dportMask = 0xffff;
        } else {
          av.i--;
          break;
        }
        if (!av.nextOk) break;
        av.next();
      }
    } else {
      av.i--;
      break;
    }
    if (!av.nextOk) break;
    av.next();
  }
  if (av.i < start) throw new UsageError('"SELECTOR" is required.', 255);
  void ctx;
}

/** A selector that matches everything. */
export function emptySelector(): x.XfrmSelector {
  return {
    daddr: new Uint8Array(16),
    saddr: new Uint8Array(16),
    dport: 0,
    dportMask: 0,
    sport: 0,
    sportMask: 0,
    family: 0,
    prefixlenD: 0,
    prefixlenS: 0,
    proto: 0,
    ifindex: 0,
    user: 0,
  };
}

/** Lifetime limits all `XFRM_INF`, as iproute2 starts them. */
export function infLifetime(): x.XfrmLifetimeCfg {
  return {
    softByteLimit: XFRM_INF,
    hardByteLimit: XFRM_INF,
    softPacketLimit: XFRM_INF,
    hardPacketLimit: XFRM_INF,
    softAddExpiresSeconds: 0n,
    hardAddExpiresSeconds: 0n,
    softUseExpiresSeconds: 0n,
    hardUseExpiresSeconds: 0n,
  };
}

/** One `limit` clause into `lft`. */
export function parseLimit(av: Argv, lft: x.XfrmLifetimeCfg): void {
  const k = av.cur;
  const map: Record<string, string> = {
    "time-soft": "softAddExpiresSeconds",
    "time-hard": "hardAddExpiresSeconds",
    "time-use-soft": "softUseExpiresSeconds",
    "time-use-hard": "hardUseExpiresSeconds",
    "byte-soft": "softByteLimit",
    "byte-hard": "hardByteLimit",
    "packet-soft": "softPacketLimit",
    "packet-hard": "hardPacketLimit",
  };
  const field = map[k];
  if (!field) invarg("LIMIT value is invalid", k);
  (lft as unknown as Record<string, bigint>)[field as string] = getU64(
    av.next(),
    `value after "${k}" is invalid`,
  );
}

/** `xfrm_id_parse` at `av.cur`. */
export function parseId(
  av: Argv,
  out: { saddr: Uint8Array; id: x.XfrmId; family: number },
  preferred: number,
): void {
  const start = av.i;
  for (;;) {
    const w = av.cur;
    if (w === "src" || w === "dst") {
      const p = getPrefix(av.next(), preferred);
      out.family = p.family;
      if (w === "src") out.saddr = p.data;
      else out.id.daddr = p.data;
    } else if (w === "proto") {
      const v = av.next();
      const p = xfrmprotoByName(v);
      if (p === undefined) invarg("XFRM-PROTO value is invalid", v);
      out.id.proto = p;
    } else if (w === "spi") {
      out.id.spi = getU32(av.next(), "SPI value is invalid");
    } else {
      av.i--;
      break;
    }
    if (!av.nextOk) break;
    av.next();
  }
  if (out.id.proto === 0) throw new UsageError('"XFRM-PROTO" is required.', 255);
  if (av.i < start) throw new UsageError('"ID" is required.', 255);
}

/** A mode by (abbreviated) name, from the library's `XFRM_MODES`. */
export function parseMode(s: string): number {
  const m = Object.entries(XFRM_MODES).find(([n]) => matches(s, n));
  if (m === undefined) invarg("MODE value is invalid", s);
  return m[1];
}

/** `xfrm_algo_parse`: a `0x…` key in hex, anything else as its characters. */
export function parseKey(s: string): Uint8Array {
  if (s.startsWith("0x")) {
    const h = s.slice(2);
    if (h.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(h)) invarg("ALGO-KEYMAT value is invalid", s);
    return Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
  }
  return new TextEncoder().encode(s);
}

/** Link indexes by name, for `dev NAME`. */
export async function linkMap(ctx: Context): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const [i, l] of await ctx.links()) m.set(l.name, i);
  return m;
}
