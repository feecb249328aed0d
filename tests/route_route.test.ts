// Real-kernel tests of families/route/route.ts; every change is read back with `ip -j`.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { Rtnl } from "../families/route/rtnl.ts";
import {
  addRoute,
  deleteRoute,
  getRoute,
  listRoutes,
  replaceRoute,
  toRoute,
} from "../families/route/route.ts";
import { ipJson, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

type IpRoute = {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  prefsrc?: string;
  type?: string;
  table?: string;
  pref?: string;
  metrics?: Record<string, number>[];
  nexthops?: { gateway: string; dev: string; weight: number }[];
};
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const routes = (...args: string[]) => ipJson<IpRoute[]>("route", "show", ...args);
const routes6 = (...args: string[]) => ipJson<IpRoute[]>("-6", "route", "show", ...args);
/** ip prints host routes without "/32" or "/128". */
const norm = (dst: string) => dst.replace(/\/(32|128)$/, "");

function setup(): [string, () => void] {
  const a = uniqueName("ra"), b = uniqueName("rb");
  sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
  sh("ip", ["link", "set", a, "up"]);
  sh("ip", ["link", "set", b, "up"]);
  sh("ip", ["addr", "add", "192.0.2.1/24", "dev", a]);
  sh("ip", ["addr", "add", "2001:db8:1::1/64", "dev", a, "nodad"]);
  return [a, () => sh("ip", ["link", "del", a])];
}

test(
  "add / replace / append / delete IPv4 routes, read back by ip",
  { skip: SKIP_KERNEL },
  async () => {
    const [a, done] = setup();
    await using rt = await Rtnl.open();
    try {
      await addRoute(rt, {
        dst: "198.51.100.0/24",
        gateway: "192.0.2.254",
        metric: 50,
        prefsrc: "192.0.2.1",
        protocol: "static",
        metrics: { mtu: 1400, advmss: 1300 },
      });
      let r = routes("198.51.100.0/24")[0];
      assert.equal(r.gateway, "192.0.2.254");
      assert.equal(r.dev, a);
      assert.equal(r.metric, 50);
      assert.equal(r.prefsrc, "192.0.2.1");
      assert.equal(r.protocol, "static");
      assert.deepEqual(Object.assign({}, ...r.metrics!), { mtu: 1400, advmss: 1300 });
      await assert.rejects(
        addRoute(rt, { dst: "198.51.100.0/24", gateway: "192.0.2.254", metric: 50 }),
        code("EEXIST"),
      );
      await replaceRoute(rt, { dst: "198.51.100.0/24", gateway: "192.0.2.253", metric: 50 });
      r = routes("198.51.100.0/24")[0];
      assert.equal(r.gateway, "192.0.2.253");
      // A direct route gets scope link, like ip route add.
      await addRoute(rt, { dst: "203.0.113.0/24", dev: a });
      assert.equal(routes("203.0.113.0/24")[0].scope, "link");
      // append: a second route with the same key (different TOS keys are not needed).
      await addRoute(rt, { dst: "203.0.113.0/24", gateway: "192.0.2.9", metric: 7 }, {
        append: true,
      });
      assert.equal(routes("203.0.113.0/24").length, 2);
      await deleteRoute(rt, { dst: "198.51.100.0/24" });
      await deleteRoute(rt, { dst: "203.0.113.0/24", metric: 7 });
      await deleteRoute(rt, { dst: "203.0.113.0/24" });
      assert.equal(routes("198.51.100.0/24").length, 0);
      assert.equal(routes("203.0.113.0/24").length, 0);
      await assert.rejects(deleteRoute(rt, { dst: "198.51.100.0/24" }), code("ESRCH"));
    } finally {
      done();
    }
  },
);

test("route types, big tables, default route, multipath", { skip: SKIP_KERNEL }, async () => {
  const [a, done] = setup();
  await using rt = await Rtnl.open();
  try {
    for (const type of ["blackhole", "unreachable", "prohibit"] as const) {
      await addRoute(rt, { dst: "10.66.0.0/16", type, table: 100000 });
      const r = routes("table", "100000")[0];
      assert.equal(r.type, type);
      assert.equal(r.dst, "10.66.0.0/16");
      const ours = await listRoutes(rt, { table: 100000 });
      assert.equal(ours.length, 1);
      assert.equal(ours[0].type, type);
      await deleteRoute(rt, { dst: "10.66.0.0/16", table: 100000 });
      assert.equal(routes("table", "100000").length, 0);
    }
    await addRoute(rt, { dst: "default", gateway: "192.0.2.254" });
    assert.equal(routes("default")[0].gateway, "192.0.2.254");
    await deleteRoute(rt, { dst: "default" });
    assert.equal(routes("default").length, 0);
    await addRoute(rt, {
      dst: "198.18.0.0/15",
      nexthops: [{ gateway: "192.0.2.10", dev: a, weight: 3 }, { gateway: "192.0.2.11" }],
    });
    const r = routes("198.18.0.0/15")[0];
    assert.deepEqual(
      r.nexthops!.map((n) => [n.gateway, n.dev, n.weight]),
      [["192.0.2.10", a, 3], ["192.0.2.11", a, 1]],
    );
    const ours = (await listRoutes(rt)).find((x) => x.dst === "198.18.0.0/15")!;
    assert.deepEqual(ours.nexthops!.map((n) => [n.gateway, n.weight]), [
      ["192.0.2.10", 3],
      ["192.0.2.11", 1],
    ]);
    await deleteRoute(rt, { dst: "198.18.0.0/15" });
  } finally {
    done();
  }
});

test(
  "IPv6 routes with pref, and listRoutes matches ip -j route show",
  { skip: SKIP_KERNEL },
  async () => {
    const [, done] = setup();
    await using rt = await Rtnl.open();
    try {
      await addRoute(rt, {
        dst: "2001:db8:99::/48",
        gateway: "2001:db8:1::2",
        pref: "high",
        metric: 9,
      });
      const r = routes6("2001:db8:99::/48")[0];
      assert.equal(r.gateway, "2001:db8:1::2");
      assert.equal(r.pref, "high");
      assert.equal(r.metric, 9);
      for (
        const [ours, theirs] of [
          [await listRoutes(rt, { family: "inet" }), routes()],
          [await listRoutes(rt, { family: "inet6" }), routes6()],
        ] as const
      ) {
        assert.equal(ours.length, theirs.length);
        const devs = new Map(
          ipJson<{ ifindex: number; ifname: string }[]>("link", "show").map((l) => [
            l.ifindex,
            l.ifname,
          ]),
        );
        for (const t of theirs) {
          const o = ours.find((x) =>
            norm(x.dst) === t.dst && (x.metric ?? 0) === (t.metric ?? 0) && x.dev === t.dev
          );
          assert.ok(o, `route ${t.dst} dev ${t.dev} listed`);
          assert.equal(o.dev === undefined ? undefined : devs.get(o.ifindex!), t.dev);
          assert.equal(o.gateway, t.gateway);
          assert.equal(o.prefsrc, t.prefsrc);
          // ip leaves out the defaults: boot protocol, global scope, unicast type, main table.
          assert.equal(o.protocol, t.protocol ?? "boot");
          assert.equal(o.scope, t.scope ?? "global");
          assert.equal(o.type, t.type ?? "unicast");
          assert.equal(o.table, "main");
          assert.equal(o.tableId, 254);
          if (o.family === "inet6") assert.equal(o.pref, t.pref);
        }
      }
      // "all" includes the local table.
      const all = await listRoutes(rt, { table: "all" });
      const local = ipJson<IpRoute[]>("route", "show", "table", "local");
      assert.equal(
        all.filter((x) => x.family === "inet" && x.table === "local" && x.tableId === 255).length,
        local.length,
      );
      await deleteRoute(rt, { dst: "2001:db8:99::/48" });
      assert.equal(routes6("2001:db8:99::/48").length, 0);
    } finally {
      done();
    }
  },
);

test(
  "listRoutes of 3000 routes: each route's kept message decodes to it after the whole dump",
  { skip: SKIP_KERNEL },
  async () => {
    const [a, done] = setup();
    await using rt = await Rtnl.open();
    try {
      const lines = Array.from(
        { length: 3000 },
        (_, i) => `route add 10.77.${i >> 8}.${i & 255}/32 dev ${a} metric ${i} table 3077`,
      );
      sh("ip", ["-batch", "-"], lines.join("\n") + "\n");
      const want = routes("table", "3077");
      assert.equal(want.length, 3000);
      const ours = await listRoutes(rt, { table: 3077 });
      // Many datagrams: the receive buffer was overwritten many times before this is read.
      assert.deepEqual(
        ours.map((r) => [norm(r.dst), r.dev, r.metric]),
        want.map((r) => [r.dst, r.dev, r.metric]),
      );
      const fromMessages = ours.map((r) => toRoute(r.message, new Map([[r.ifindex!, r.dev!]])));
      assert.deepEqual(fromMessages, ours);
      assert.deepEqual(ours.map((r) => r.message.attrs.priority), ours.map((r) => r.metric));
    } finally {
      done(); // its routes go with the device
    }
  },
);

test("getRoute equals ip route get", { skip: SKIP_KERNEL }, async () => {
  const [a, done] = setup();
  await using rt = await Rtnl.open();
  try {
    sh("ip", ["route", "add", "198.51.100.0/24", "via", "192.0.2.254"]);
    const t = ipJson<IpRoute[]>("route", "get", "198.51.100.7")[0];
    const o = await getRoute(rt, "198.51.100.7");
    assert.equal(o.dst, "198.51.100.7/32");
    assert.equal(o.gateway, t.gateway);
    assert.equal(o.prefsrc, t.prefsrc);
    assert.equal(o.ifindex, (ipJson<{ ifindex: number }[]>("link", "show", a))[0].ifindex);
    assert.equal(o.dev, a);
    const l = await getRoute(rt, "192.0.2.1");
    assert.equal(l.type, "local");
    const six = await getRoute(rt, "2001:db8:1::5", { from: "2001:db8:1::1" });
    assert.equal(six.dev, o.dev);
    await assert.rejects(getRoute(rt, "not-an-ip"), TypeError);
  } finally {
    done();
  }
});

test("misuse throws before any syscall", { skip: SKIP_KERNEL }, async () => {
  await using rt = await Rtnl.open();
  await assert.rejects(addRoute(rt, { dst: "10.0.0.0/40" }), RangeError);
  await assert.rejects(addRoute(rt, { dst: "10.0.0.0/8", gateway: "2001:db8::1" }), TypeError);
  await assert.rejects(addRoute(rt, { dst: "10.0.0.0/8", type: "bogus" as "local" }), TypeError);
  await assert.rejects(addRoute(rt, { dst: "10.0.0.0/8", nexthops: [] }), TypeError);
  await assert.rejects(
    addRoute(rt, { dst: "10.0.0.0/8", nexthops: [{ gateway: "10.0.0.1", weight: 0 }] }),
    RangeError,
  );
});
