/**
 * `ip xfrm state …` and `ip xfrm policy …` of `ip.ts`: list (with iproute2 6.1's filters), get,
 * add, update, delete, deleteall, flush, count, and the policy default actions and hash
 * thresholds, printing the text `ip xfrm` prints (ip/ipxfrm.c, ip/xfrm_state.c,
 * ip/xfrm_policy.c). Requests are built like iproute2's, on the library's xfrm family.
 *
 * @module
 */
import { Client } from "../../client/client.ts";
import * as x from "../../families/generated/xfrm.ts";
import { type Context, matches, UsageError } from "./cli.ts";
import { state } from "./xfrm_state.ts";
import { policy } from "./xfrm_policy.ts";

async function open(ctx: Context): Promise<Client> {
  return await Client.open(x.family, ctx.opts.netns !== undefined ? { netns: ctx.opts.netns } : {});
}

/** `ip.ts xfrm OBJECT …`: `state` (or `sa`) and `policy`. */
export async function xfrm(ctx: Context, args: string[]): Promise<void> {
  const object = args[0];
  if (object === undefined) {
    throw new UsageError(
      "Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\nwhere  XFRM-OBJECT := state | policy | monitor",
      255,
    );
  }
  const c = await open(ctx);
  try {
    if (matches(object, "state") || matches(object, "sa")) await state(ctx, c, args.slice(1));
    else if (matches(object, "policy")) await policy(ctx, c, args.slice(1));
    else {
      throw new UsageError(
        "Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\nwhere  XFRM-OBJECT := state | policy | monitor",
        255,
      );
    }
  } finally {
    c.close();
  }
}
