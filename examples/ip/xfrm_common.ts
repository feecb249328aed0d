/**
 * Helpers shared by the `ip xfrm state` and `ip xfrm policy` commands of `ip.ts`: the print
 * context, a raw dump of one XFRM message type, iproute2's verb matching and its address
 * prefix match.
 *
 * @module
 */
import type { Client } from "../../client/client.ts";
import { NLM_F_DUMP, NLM_F_REQUEST } from "../../codec/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import { type Context, matches } from "./cli.ts";
import type { PrintCtx } from "./xfrm_print.ts";

/** What `messageText` needs: stats flag, family filter and interface names. */
export async function printCtx(ctx: Context): Promise<PrintCtx> {
  const links = await ctx.links();
  return {
    stats: ctx.opts.stats,
    family: ctx.opts.family === 17 ? 0 : ctx.opts.family,
    name: (i) => links.get(i)?.name ?? `if${i}`,
  };
}

/** Every message of one XFRM dump request, raw. */
export async function dumpMessages(
  c: Client,
  type: number,
): Promise<{ type: number; payload: Uint8Array }[]> {
  const out = [];
  const req = encodeMessage({ type, flags: NLM_F_REQUEST | NLM_F_DUMP });
  for await (const m of c.socket.dump(req, { operation: `XFRM dump (type ${type})` })) out.push(m);
  return out;
}

/** The command a word names, tried in iproute2's order (`matches`: a prefix of the word). */
export function verbOf(cmd: string, order: string[]): string | undefined {
  for (const v of order) if (v.split("|").some((w) => matches(cmd, w))) return v.split("|")[0];
  return undefined;
}

/** `xfrm_addr_match`: the first `bits` bits equal. */
export function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const m = 0x80 >> (i & 7);
    if ((a[i >> 3] & m) !== (b[i >> 3] & m)) return false;
  }
  return true;
}
