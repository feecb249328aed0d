// Real-kernel tests of families/route/neigh.ts; every change is read back with `ip -j` /
// `bridge -j`.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { Rtnl } from "../families/route/rtnl.ts";
import {
  addFdb,
  addNeighbour,
  deleteFdb,
  deleteNeighbour,
  listFdb,
  listNeighbours,
} from "../families/route/neigh.ts";
import { ipJson, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

type IpNeigh = { dst: string; dev: string; lladdr?: string; state: string[]; router?: null };
type Fdb = {
  mac: string;
  ifname: string;
  master?: string;
  vlan?: number;
  flags: string[];
  state: string;
};
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const neighs = (dev: string) => ipJson<IpNeigh[]>("neigh", "show", "nud", "all", "dev", dev);
const fdb = (dev: string) =>
  JSON.parse(sh("bridge", ["-j", "fdb", "show", "dev", dev]) || "[]") as Fdb[];

function veth(): [string, () => void] {
  const a = uniqueName("na"), b = uniqueName("nb");
  sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
  sh("ip", ["link", "set", a, "up"]);
  return [a, () => sh("ip", ["link", "del", a])];
}

test(
  "add / replace / delete IPv4 and IPv6 neighbours, read back by ip",
  { skip: SKIP_KERNEL },
  async () => {
    const [a, done] = veth();
    await using rt = await Rtnl.open();
    try {
      await addNeighbour(rt, { dev: a, dst: "192.0.2.7", lladdr: "02:00:00:00:00:07" });
      await addNeighbour(rt, {
        dev: a,
        dst: "2001:db8::7",
        lladdr: "02:00:00:00:00:08",
        router: true,
      });
      let n = neighs(a);
      const v4 = n.find((x) => x.dst === "192.0.2.7")!;
      assert.equal(v4.lladdr, "02:00:00:00:00:07");
      assert.deepEqual(v4.state, ["PERMANENT"]);
      const v6 = n.find((x) => x.dst === "2001:db8::7")!;
      assert.equal(v6.lladdr, "02:00:00:00:00:08");
      assert.ok("router" in v6);
      await assert.rejects(
        addNeighbour(rt, { dev: a, dst: "192.0.2.7", lladdr: "02:00:00:00:00:07" }),
        code("EEXIST"),
      );
      await addNeighbour(rt, {
        dev: a,
        dst: "192.0.2.7",
        lladdr: "02:00:00:00:00:09",
        state: "stale",
      }, {
        replace: true,
      });
      n = neighs(a);
      assert.equal(n.find((x) => x.dst === "192.0.2.7")!.lladdr, "02:00:00:00:00:09");
      assert.deepEqual(n.find((x) => x.dst === "192.0.2.7")!.state, ["STALE"]);
      await addNeighbour(rt, {
        dev: a,
        dst: "192.0.2.8",
        lladdr: "02:00:00:00:00:0a",
        state: "noarp",
      });
      assert.deepEqual(neighs(a).find((x) => x.dst === "192.0.2.8")!.state, ["NOARP"]);
      // listNeighbours matches ip -j neigh show.
      const theirs = ipJson<IpNeigh[]>("neigh", "show", "nud", "all");
      const ours = await listNeighbours(rt);
      assert.equal(ours.length, theirs.length);
      const index = (dev: string) => ipJson<{ ifindex: number }[]>("link", "show", dev)[0].ifindex;
      for (const t of theirs) {
        const o = ours.find((x) => x.dst === t.dst && x.ifindex === index(t.dev))!;
        assert.equal(o.dev, t.dev);
        assert.ok(o, `${t.dst} dev ${t.dev} listed`);
        assert.equal(o.lladdr, t.lladdr);
        assert.deepEqual(o.state.map((x) => x.toUpperCase()), t.state);
      }
      assert.equal((await listNeighbours(rt, { family: "inet6", dev: a })).length, 1);
      await deleteNeighbour(rt, { dev: a, dst: "192.0.2.7" });
      await deleteNeighbour(rt, { dev: a, dst: "192.0.2.8" });
      await deleteNeighbour(rt, { dev: a, dst: "2001:db8::7" });
      assert.equal(neighs(a).length, 0);
      await assert.rejects(deleteNeighbour(rt, { dev: a, dst: "192.0.2.7" }), code("ENOENT"));
      await assert.rejects(
        addNeighbour(rt, { dev: a, dst: "192.0.2.1", state: "bad" as "stale" }),
        TypeError,
      );
      await assert.rejects(addNeighbour(rt, { dev: a, dst: "192.0.2" }), TypeError);
    } finally {
      done();
    }
  },
);

test("bridge FDB: add master entries, list, delete — read back by bridge", {
  skip: SKIP_KERNEL,
}, async () => {
  const br = uniqueName("fb"), [a, done] = veth();
  sh("ip", ["link", "add", br, "type", "bridge"]);
  sh("ip", ["link", "set", a, "master", br]);
  await using rt = await Rtnl.open();
  try {
    await addFdb(rt, { dev: a, mac: "02:00:00:00:01:01", master: true });
    await addFdb(rt, { dev: a, mac: "02:00:00:00:01:02", master: true, state: "static" });
    let entries = fdb(a);
    const e1 = entries.find((e) => e.mac === "02:00:00:00:01:01")!;
    assert.equal(e1.master, br);
    assert.equal(e1.state, "permanent");
    assert.equal(entries.find((e) => e.mac === "02:00:00:00:01:02")!.state, "static");
    await assert.rejects(
      addFdb(rt, { dev: a, mac: "02:00:00:00:01:01", master: true }),
      code("EEXIST"),
    );
    const ours = await listFdb(rt, { dev: a });
    assert.equal(ours.length, entries.length);
    for (const t of entries) {
      assert.ok(ours.some((o) => o.lladdr === t.mac && (o.vlan ?? 0) === (t.vlan ?? 0)), t.mac);
    }
    assert.ok((await listFdb(rt, { br })).some((o) => o.lladdr === "02:00:00:00:01:01"));
    await deleteFdb(rt, { dev: a, mac: "02:00:00:00:01:01", master: true });
    await deleteFdb(rt, { dev: a, mac: "02:00:00:00:01:02", master: true });
    entries = fdb(a);
    assert.equal(entries.some((e) => e.mac.startsWith("02:00:00:00:01:0")), false);
    await assert.rejects(
      deleteFdb(rt, { dev: a, mac: "02:00:00:00:01:02", master: true }),
      code("ENOENT"),
    );
    await assert.rejects(addFdb(rt, { dev: a, mac: "02:00:00:00:01", master: true }), TypeError);
    await assert.rejects(addFdb(rt, { dev: a, mac: "02:00:00:00:01:03", vlan: 5000 }), RangeError);
  } finally {
    done();
    sh("ip", ["link", "del", br]);
  }
});
