/**
 * A fake generic netlink kernel: a controller (nlctrl) that resolves the families it is given,
 * and per-family handlers that see requests decoded by the family's spec and answer with typed
 * replies. For families the running kernel lacks (devlink, nl80211, wireguard, …).
 *
 * @example
 * ```ts
 * import { FakeGenl } from "@netlink/netlink/testing";
 * import * as wireguard from "@netlink/netlink/wireguard";
 * const kernel = new FakeGenl([{ family: wireguard.family, id: 30, handler: (_req, k) => k.ack() }]);
 * await using sock = await kernel.open();
 * ```
 *
 * @module
 */
import { NETLINK_GENERIC } from "../codec/constants.ts";
import type { NetlinkMessage } from "../codec/message.ts";
import { AttributeWriter } from "../codec/attr_writer.ts";
import {
  type AttrValues,
  type DecodedMessage,
  encodeAttributeSet,
  encodeStruct,
  type Family,
  type Operation,
} from "../codec/ynl/mod.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import { FakeKernel, type RequestContext } from "./fake_kernel.ts";

/** `GENL_ID_CTRL` (linux/genetlink.h). */
const GENL_ID_CTRL = 0x10;
const ENOENT = 2, EOPNOTSUPP = 95;

/**
 * The payload of a message of `op` as the kernel sends it: `genlmsghdr` (the reply's command),
 * the fixed header, the attributes.
 */
export function replyPayload<H extends object, A extends object>(
  op: Operation<H, A>,
  value: { header?: Partial<H>; attrs?: A },
  command: number | undefined = op.replyValue ?? op.requestValue,
): Uint8Array {
  const w = new AttributeWriter();
  if (op.family.isGenetlink) {
    w.raw(new Uint8Array([command ?? 0, op.family.spec.version ?? 1, 0, 0]));
  }
  if (op.fixedHeader !== undefined) w.raw(encodeStruct(op.fixedHeader, value.header ?? {}));
  if (value.attrs !== undefined && op.attributeSet !== undefined) {
    encodeAttributeSet(op.attributeSet, w, value.attrs);
  }
  return w.bytes();
}

/** How a family handler answers: the raw context plus typed replies. */
export interface GenlContext extends RequestContext {
  /** Reply with a message of `op` (its reply command). */
  replyWith<H extends object, A extends object>(
    op: Operation<H, A>,
    value: { header?: Partial<H>; attrs?: A },
  ): void;
  /** A dump of messages of `op`. */
  dumpWith<H extends object, A extends object>(
    op: Operation<H, A>,
    values: { header?: Partial<H>; attrs?: A }[],
  ): void;
}

/** One family the fake kernel has. */
export interface FakeFamily {
  /** The family's generated tables. */
  family: Family;
  /** Its id in this fake kernel (≥ 0x11). */
  id: number;
  /** Multicast group ids by name (default: numbered from `id * 16`). */
  groups?: Record<string, number>;
  /** Answers requests, decoded by the family's spec (`undefined` for unknown commands). */
  handler: (
    request: DecodedMessage<Record<string, unknown>, AttrValues> | undefined,
    k: GenlContext,
    raw: NetlinkMessage,
  ) => void | Promise<void>;
}

/** A {@link FakeKernel} for `NETLINK_GENERIC` with a controller and the given families. */
export class FakeGenl extends FakeKernel {
  /** The families, by name. */
  readonly families: ReadonlyMap<string, FakeFamily & { groups: Record<string, number> }>;

  /** A fake kernel with exactly `families` (nlctrl answers ENOENT for any other name). */
  constructor(families: FakeFamily[]) {
    const byName = new Map<string, FakeFamily & { groups: Record<string, number> }>();
    for (const f of families) {
      let next = f.id * 16;
      const groups = f.groups ?? Object.fromEntries(
        Object.keys(f.family.spec.mcastGroups ?? {}).map((g) => [g, next++]),
      );
      byName.set(f.family.name, { ...f, groups });
    }
    super(NETLINK_GENERIC, (req, k) => {
      if (req.type === GENL_ID_CTRL) return controller(byName, req, k);
      const f = [...byName.values()].find((x) => x.id === req.type);
      if (f === undefined) return k.error(EOPNOTSUPP, { message: "Unknown family id" });
      const decoded = f.family.decodeMessage(req.type, req.payload, "request");
      return f.handler(decoded, genlContext(k, f.id), req);
    });
    this.families = byName;
  }
}

function genlContext(k: RequestContext, id: number): GenlContext {
  return {
    ...k,
    replyWith: (op, value) => k.reply({ type: id, payload: replyPayload(op, value) }),
    dumpWith: (op, values) =>
      k.dump(values.map((v) => ({ type: id, payload: replyPayload(op, v) }))),
  };
}

function describe(f: FakeFamily & { groups: Record<string, number> }): nlctrl.CtrlAttrs {
  return {
    familyId: f.id,
    familyName: f.family.name,
    version: f.family.spec.version ?? 1,
    hdrsize: 0,
    maxattr: 0,
    mcastGroups: Object.entries(f.groups).map(([name, id]) => ({ name, id })),
  };
}

function controller(
  families: Map<string, FakeFamily & { groups: Record<string, number> }>,
  req: NetlinkMessage,
  k: RequestContext,
): void {
  const op = nlctrl.operations.getfamily;
  const decoded = nlctrl.family.decodeMessage(req.type, req.payload, "request");
  const ctx = genlContext(k, GENL_ID_CTRL);
  if (decoded?.operation !== op) return k.error(EOPNOTSUPP);
  if (req.flags & 0x300) {
    return ctx.dumpWith(op, [...families.values()].map((f) => ({ attrs: describe(f) })));
  }
  const name = (decoded.attrs as nlctrl.CtrlAttrs).familyName;
  const f = name === undefined ? undefined : families.get(name);
  if (f === undefined) return k.error(ENOENT);
  ctx.replyWith(op, { attrs: describe(f) });
  k.ack();
}
