/**
 * Where an extended ACK points: the byte offset the kernel reports, turned into the path of
 * the attribute in the request, by the operation's tables (`.header.dev-name`).
 *
 * @module
 */
import type { AttributeSet, Operation } from "../codec/ynl/mod.ts";
import { specNameOf } from "./json_values.ts";

/**
 * The attribute at byte `offset` of a request of `op` (the whole message, `nlmsghdr` first, as
 * the kernel's extended ACK counts), as a path of spec names: `".header.dev-name"`. For an
 * offset inside the fixed header, the member's name; `undefined` when the offset is not the
 * start of an attribute the tables describe.
 *
 * @example
 * ```ts
 * import { attributePath, buildMessage } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * const op = ethtool.operations.linkinfoGet;
 * const bytes = buildMessage(op, { type: 21, attrs: { header: { devName: "nope" } } });
 * attributePath(op, bytes, 24); // ".header.dev-name"
 * ```
 */
export function attributePath<H extends object, A extends object>(
  op: Operation<H, A>,
  request: Uint8Array,
  offset: number,
): string | undefined {
  const o = op as unknown as Operation<object, object>;
  let off = 16 + (o.family.isGenetlink ? 4 : 0);
  const fixed = o.fixedHeader;
  if (fixed !== undefined) {
    if (offset < off + fixed.size) {
      // Which member: C layout, as the codec lays it out.
      let at = off;
      let found: string | undefined;
      for (const m of fixed.members) {
        const size = m.struct !== undefined
          ? o.family.struct(m.struct).size
          : m.len ?? ({ u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8 } as Record<
            string,
            number
          >)[m.type] ?? 0;
        const align = m.len !== undefined || m.struct !== undefined ? 1 : size;
        at = (at + align - 1) & ~(align - 1);
        if (offset >= at && offset < at + size && m.type !== "pad") found = specNameOf(m);
        at += size;
      }
      return found === undefined ? undefined : `.${found}`;
    }
    off += (fixed.size + 3) & ~3;
  }
  const set = o.attributeSet;
  return set === undefined ? undefined : pathIn(set, request, off, request.length, offset, "");
}

function pathIn(
  set: AttributeSet<object>,
  b: Uint8Array,
  start: number,
  end: number,
  target: number,
  prefix: string,
): string | undefined {
  let off = start;
  while (end - off >= 4) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || off + len > end) return undefined;
    const type = (b[off + 2] | (b[off + 3] << 8)) & 0x3fff;
    if (target >= off && target < off + len) {
      const a = set.attributes.find((x) => x.value === type && x.type !== "pad");
      const here = `${prefix}.${a === undefined ? String(type) : specNameOf(a)}`;
      if (target === off || a === undefined) return here;
      if (a.type === "nest" && a.nested !== undefined) {
        return pathIn(set.family.attributeSet(a.nested), b, off + 4, off + len, target, here);
      }
      if (a.type === "indexed-array" && a.subType === "nest" && a.nested !== undefined) {
        let e = off + 4;
        while (off + len - e >= 4) {
          const elen = b[e] | (b[e + 1] << 8);
          if (elen < 4) return here;
          if (target >= e && target < e + elen) {
            const item = `${here}[${((b[e + 2] | (b[e + 3] << 8)) & 0x3fff) - 1}]`;
            return target === e ? item : pathIn(
              set.family.attributeSet(a.nested),
              b,
              e + 4,
              e + elen,
              target,
              item,
            );
          }
          e += (elen + 3) & ~3;
        }
      }
      return here;
    }
    off += (len + 3) & ~3;
  }
  return undefined;
}
