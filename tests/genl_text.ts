/**
 * iproute2's `genl ctrl list` text read back into facts, for the tests that compare the
 * library and `examples/genl.ts` with it.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { GenlFamily } from "../client/mod.ts";

/** What `genl ctrl list` says about one family, read from its text. */
export interface Said {
  name: string;
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: { index: number; id: number; flags?: number }[];
  groups: { index: number; id: number; name: string }[];
}

/** Parse genl's text (iproute2 genl/ctrl.c `print_ctrl()`), family by family. */
export function parseGenl(text: string): Said[] {
  const blocks = text.split(/^Name: /m).slice(1);
  return blocks.map((b) => {
    const head =
      /^(\S+)\n\tID: 0x([0-9a-f]+) {2}Version: 0x([0-9a-f]+) {2}header size: (\d+) {2}max attribs: (\d+) \n/
        .exec(b);
    assert.ok(head, `genl block: ${JSON.stringify(b.slice(0, 120))}`);
    const [opsText, groupsText = ""] = b.split("\tmulticast groups:\n");
    const ops = [...opsText.matchAll(
      /\t\t#(\d+): {2}ID-0x([0-9a-f]+) (?:\n\t\tCapabilities \(0x([0-9a-f]+)\):\n)?/g,
    )].map((m) => ({
      index: Number(m[1]),
      id: parseInt(m[2], 16),
      ...(m[3] !== undefined ? { flags: parseInt(m[3], 16) } : {}),
    }));
    const groups = [...groupsText.matchAll(/\t\t#(\d+): {2}ID-0x([0-9a-f]+) {2}name: (\S+) \n/g)]
      .map((
        m,
      ) => ({ index: Number(m[1]), id: parseInt(m[2], 16), name: m[3] }));
    return {
      name: head[1],
      id: parseInt(head[2], 16),
      version: parseInt(head[3], 16),
      hdrsize: Number(head[4]),
      maxattr: Number(head[5]),
      ops,
      groups,
    };
  });
}

/** Our facts in the shape genl shows them (capabilities only for version ≥ 2, as genl). */
export function asSaid(f: GenlFamily): Said {
  return {
    name: f.name!,
    id: f.id!,
    version: f.version!,
    hdrsize: f.hdrsize!,
    maxattr: f.maxattr!,
    ops: (f.operations ?? []).map((o) => ({
      index: o.index,
      id: o.id!,
      ...(f.version! >= 2 && o.flags !== undefined ? { flags: o.flags } : {}),
    })),
    groups: (f.groups ?? []).map((g) => ({ index: g.index, id: g.id!, name: g.name! })),
  };
}
