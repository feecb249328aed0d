/**
 * `examples/genl.ts ctrl …` against iproute2's `genl ctrl …`: the same text byte for byte for
 * `list` and for `get name X` / `get id N` of every family the kernel has, the same error
 * output and exit status for a family it lacks; and the facts of `-j` (and of the library's
 * `listGenlFamilies`) equal to what `genl` prints, read back from its text by a parser here.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runtimeCommand, SKIP_KERNEL } from "./helpers.ts";
import { Client, type GenlFamily, listGenlFamilies } from "../client/mod.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import { asSaid, parseGenl } from "./genl_text.ts";

const GENL_TS = new URL("../examples/genl.ts", import.meta.url).pathname;

function run(cmd: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8" });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

/** genl.ts under the runtime running the tests. */
function ours(...args: string[]) {
  const rt = runtimeCommand();
  return run([...rt.argv, GENL_TS, ...args]);
}

/** iproute2's genl. */
function theirs(...args: string[]) {
  return run(["genl", ...args]);
}

const skip = { skip: SKIP_KERNEL };

test(
  "genl ctrl: `genl.ts ctrl list` prints what `genl ctrl list` prints, byte for byte",
  skip,
  () => {
    const want = theirs("ctrl", "list");
    const got = ours("ctrl", "list");
    assert.equal(want.code, 0, want.err);
    assert.equal(got.err, "");
    assert.equal(got.code, 0);
    assert.ok(want.out.includes("\nName: nlctrl\n"), "genl lists nlctrl");
    assert.equal(got.out, want.out);
  },
);

test(
  "genl ctrl: `ctrl get name X` and `ctrl get id N` print what genl prints, for every family",
  skip,
  () => {
    const families = parseGenl(theirs("ctrl", "list").out);
    assert.ok(families.length >= 3, `families: ${families.map((f) => f.name)}`);
    for (const f of families) {
      const want = theirs("ctrl", "get", "name", f.name);
      assert.equal(want.code, 0, want.err);
      const byName = ours("ctrl", "get", "name", f.name);
      assert.equal(byName.out, want.out, `ctrl get name ${f.name}`);
      assert.equal(byName.code, 0);
      const hex = `0x${f.id.toString(16)}`;
      assert.equal(ours("ctrl", "get", "id", hex).out, theirs("ctrl", "get", "id", hex).out, hex);
    }
  },
);

test("genl ctrl: a family the kernel lacks fails as genl fails (message, status)", skip, () => {
  const want = theirs("ctrl", "get", "name", "nosuchfamily");
  const got = ours("ctrl", "get", "name", "nosuchfamily");
  assert.notEqual(want.code, 0);
  assert.deepEqual([got.out, got.err, got.code], [want.out, want.err, want.code]);
  assert.match(got.err, /No such file or directory/);
});

test(
  "genl ctrl: the facts of `genl.ts -j ctrl list` and of listGenlFamilies are genl's",
  skip,
  async () => {
    const said = parseGenl(theirs("ctrl", "list").out);
    const json = ours("-j", "ctrl", "list");
    assert.equal(json.code, 0, json.err);
    const printed = JSON.parse(json.out) as GenlFamily[];
    assert.deepEqual(printed.map(asSaid), said);
    await using ctrl = await Client.open(nlctrl.family);
    const listed: GenlFamily[] = [];
    for await (const f of listGenlFamilies(ctrl)) listed.push(f);
    assert.deepEqual(listed.map(asSaid), said);
    // The capabilities are the flags by name, for every family (genl shows them for nlctrl).
    const nl = printed.find((f) => f.name === "nlctrl")!;
    const getfamily = nl.operations!.find((o) => o.id === nlctrl.CTRL_CMD_GETFAMILY)!;
    // linux/genetlink.h: GENL_CMD_CAP_DO 0x02, GENL_CMD_CAP_DUMP 0x04, GENL_CMD_CAP_HASPOL 0x08
    assert.equal(getfamily.flags! & 0xe, 0xe);
    assert.deepEqual(
      getfamily.capabilities.filter((c) => String(c).startsWith("cmd-cap")),
      ["cmd-cap-do", "cmd-cap-dump", "cmd-cap-haspol"],
    );
    for (const f of printed) {
      for (const op of f.operations ?? []) {
        const bits = [1, 2, 4, 8, 16].filter((b) => (op.flags ?? 0) & b);
        assert.equal(
          op.capabilities.length,
          bits.length,
          `${f.name} op ${op.id}: ${op.capabilities}`,
        );
      }
    }
  },
);
