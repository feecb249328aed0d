// Interrupted dumps and the consistent view over a fake kernel (issue 11): a dump flagged
// NLM_F_DUMP_INTR is reported by Client.dump and every typed list, and re-read with
// `consistent` until a pass is clean or the retries run out (DumpInterruptedError, naming the
// attempts); the view's reconcile turns a re-dump after an overrun marker into the right
// change events. No kernel and no permission: this file runs in the no-permission pass.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import type { NetlinkMessage } from "../codec/message.ts";
import { buildMessage, type Operation } from "../codec/ynl/mod.ts";
import { DumpInterruptedError } from "../client/consistent.ts";
import { clientView, reconcile, type ViewEvent } from "../client/view.ts";
import { FakeKernel, type FakeMessage } from "../testing/fake_kernel.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { ROUTE_FAMILIES, Rtnl } from "../families/route/rtnl.ts";
import { listLinks } from "../families/route/link.ts";
import { listAddresses } from "../families/route/address.ts";
import { listRoutes, type Route } from "../families/route/route.ts";
import { listNeighbours } from "../families/route/neigh.ts";
import { listRules } from "../families/route/rule.ts";
import { listActions, listClasses, listFilters, listQdiscs } from "../families/route/tc/mod.ts";
import { routeKey, routeView } from "../families/route/view.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as rtAddr from "../families/generated/rt_addr.ts";
import * as rtRoute from "../families/generated/rt_route.ts";
import * as rtNeigh from "../families/generated/rt_neigh.ts";
import * as rtRule from "../families/generated/rt_rule.ts";
import * as tc from "../families/generated/tc.ts";

/** An Rtnl over `kernel` (the constructor is protected: go through a subclass). */
class TestRtnl extends Rtnl {
  static async over(kernel: FakeKernel): Promise<TestRtnl> {
    const sock = await NetlinkSocket.fromTransport(kernel.endpoint(), NETLINK_ROUTE);
    return new TestRtnl(sock, ROUTE_FAMILIES);
  }
}

/** The payload of a message of `op` (its do request's body) with these header and attributes. */
// deno-lint-ignore no-explicit-any
function body(op: Operation<any, any>, header: object, attrs: object = {}): Uint8Array {
  return buildMessage(op, { header, attrs }).slice(16);
}

const RTM_NEWLINK = 16, RTM_NEWADDR = 20, RTM_NEWROUTE = 24, RTM_DELROUTE = 25;
const RTM_NEWNEIGH = 28, RTM_NEWRULE = 32, RTM_NEWQDISC = 36, RTM_NEWTCLASS = 40;
const RTNLGRP_LINK = 1, RTNLGRP_IPV4_ROUTE = 7;

const LINKS: FakeMessage[] = [
  {
    type: RTM_NEWLINK,
    payload: body(rtLink.operations.newlink, { ifiIndex: 1 }, { ifname: "lo" }),
  },
  {
    type: RTM_NEWLINK,
    payload: body(rtLink.operations.newlink, { ifiIndex: 2 }, { ifname: "d0" }),
  },
];

/** An IPv4 unicast route 10.0.`n`.0/24 in main via device `oif`. */
function route(n: number, oif = 2, metric?: number): FakeMessage {
  const attrs: rtRoute.RouteAttrs = { dst: new Uint8Array([10, 0, n, 0]), oif, table: 254 };
  if (metric !== undefined) attrs.priority = metric;
  return {
    type: RTM_NEWROUTE,
    payload: body(rtRoute.operations.newroute, {
      rtmFamily: 2,
      rtmDstLen: 24,
      rtmTable: 254,
      rtmProtocol: 3,
      rtmType: 1,
    }, attrs),
  };
}

/** One object of each dumpable type: the reply type of each dump request type. */
const OBJECTS: Record<number, FakeMessage[]> = {
  18: LINKS,
  22: [{
    type: RTM_NEWADDR,
    payload: body(rtAddr.operations.newaddr, { ifaFamily: 2, ifaPrefixlen: 24, ifaIndex: 2 }, {
      address: new Uint8Array([192, 0, 2, 1]),
      local: new Uint8Array([192, 0, 2, 1]),
    }),
  }],
  26: [route(1), route(2)],
  30: [{
    type: RTM_NEWNEIGH,
    payload: body(rtNeigh.operations.newneigh, { ndmFamily: 2, ndmIfindex: 2, ndmState: 0x80 }, {
      dst: new Uint8Array([192, 0, 2, 2]),
    }),
  }],
  34: [{
    type: RTM_NEWRULE,
    payload: body(rtRule.operations.newrule, { family: 2, table: 254, action: 1 }, {
      priority: 32766,
      table: 254,
    }),
  }],
  38: [{
    type: RTM_NEWQDISC,
    payload: body(tc.operations.newqdisc, {
      family: 0,
      ifindex: 2,
      handle: 0x10000,
      parent: 0xffffffff,
    }, {
      kind: "pfifo",
    }),
  }],
  42: [{
    type: RTM_NEWTCLASS,
    payload: body(tc.operations.newtclass, {
      family: 0,
      ifindex: 2,
      handle: 0x10001,
      parent: 0x10000,
    }, {
      kind: "htb",
    }),
  }],
  46: [{
    type: 44, // RTM_NEWTFILTER
    payload: body(tc.operations.newtfilter, {
      family: 0,
      ifindex: 2,
      handle: 1,
      parent: 0x10000,
      info: (1 << 16) | 0x0300,
    }, { kind: "basic" }),
  }],
  50: [{
    type: 48, // RTM_NEWACTION
    payload: body(tc.operations.newaction, { family: 0 }, {
      tab: [{ kind: "gact", index: 7 }],
    }),
  }],
};

/**
 * A route kernel that dumps {@link OBJECTS}; `interrupted(type, n)` says whether the `n`-th
 * (from 1) dump of request type `type` is flagged NLM_F_DUMP_INTR.
 */
function kernel(interrupted: (type: number, n: number) => boolean): FakeKernel {
  const seen = new Map<number, number>();
  return new FakeKernel(NETLINK_ROUTE, (req: NetlinkMessage, k) => {
    const n = (seen.get(req.type) ?? 0) + 1;
    seen.set(req.type, n);
    const objects = OBJECTS[req.type];
    if (objects === undefined) return k.error(95);
    k.dump(objects, { interrupted: interrupted(req.type, n) });
  });
}

test("consistency: Client.dump reports NLM_F_DUMP_INTR, and `consistent` re-dumps until clean", async () => {
  // The first getlink dump is interrupted (and has one link less); the second is clean.
  const k = new FakeKernel(NETLINK_ROUTE, (_req, c) => {
    const first = k.requests.length === 1;
    c.dump(first ? LINKS.slice(0, 1) : LINKS, { interrupted: first });
  });
  await using rt = await TestRtnl.over(k);
  const plain = rt.dump(rtLink.operations.getlink);
  const names: unknown[] = [];
  for await (const m of plain) names.push(m.attrs.ifname);
  assert.deepEqual(names, ["lo"]);
  assert.equal(plain.interrupted, true, "the interrupted dump says so");
  assert.equal(plain.attempts, 1);

  const again = rt.dump(rtLink.operations.getlink, { consistent: true });
  const names2: unknown[] = [];
  for await (const m of again) names2.push(m.attrs.ifname);
  assert.deepEqual(names2, ["lo", "d0"], "only the clean pass is yielded");
  assert.equal(again.interrupted, false);
  assert.equal(again.attempts, 1, "the second request of the kernel was clean at once");
  assert.equal(k.requests.length, 2);
});

test("consistency: an interrupted pass is yielded by nobody, the clean retry is", async () => {
  const k = kernel((type, n) => type === 18 && n <= 2);
  await using rt = await TestRtnl.over(k);
  const d = rt.dump(rtLink.operations.getlink, { consistent: { retries: 2 } });
  const got: unknown[] = [];
  for await (const m of d) got.push(m.attrs.ifname);
  assert.deepEqual(got, ["lo", "d0"]);
  assert.equal(d.attempts, 3, "two interrupted passes, then a clean one");
  assert.equal(k.requests.length, 3);
});

test("consistency: always interrupted gives DumpInterruptedError naming the attempts", async () => {
  const k = kernel(() => true);
  await using rt = await TestRtnl.over(k);
  const d = rt.dump(rtLink.operations.getlink, { consistent: { retries: 2 } });
  await assert.rejects(
    (async () => {
      for await (const _ of d) assert.fail("nothing of an interrupted pass is yielded");
    })(),
    (e: unknown) => {
      assert.ok(e instanceof DumpInterruptedError, String(e));
      assert.equal(e.attempts, 3);
      assert.match(e.message, /interrupted \(NLM_F_DUMP_INTR\) on all 3 attempts/);
      assert.match(e.operation, /getlink dump/);
      return true;
    },
  );
  assert.equal(k.requests.length, 3);
  await assert.rejects(
    rt.dump(rtLink.operations.getlink, { consistent: { retries: -1 } }).next(),
    TypeError,
  );
});

// deno-lint-ignore no-explicit-any
type Lister = (rt: Rtnl, o: any) => Promise<unknown[] & { interrupted: boolean; attempts: number }>;
/** Name, dump request type, the list function, and its dumps of that type per pass. */
const LISTS: [string, number, Lister, number][] = [
  ["listLinks", 18, listLinks, 1],
  ["listAddresses", 22, listAddresses, 1],
  ["listRoutes", 26, (rt, o) => listRoutes(rt, { table: "all", ...o }), 1],
  ["listNeighbours", 30, listNeighbours, 1],
  ["listRules", 34, listRules, 1],
  ["listQdiscs", 38, listQdiscs, 1],
  ["listClasses", 42, listClasses, 2], // one dump per device
  ["listFilters", 46, listFilters, 2],
  ["listActions", 50, (rt, o) => listActions(rt, "gact", o), 1],
];

for (const [name, type, list, perPass] of LISTS) {
  test(`consistency: ${name} reports an interrupted dump and retries with consistent`, async () => {
    // The first dump of the list's own type is interrupted, the others are clean.
    const k = kernel((t, n) => t === type && n === 1);
    await using rt = await TestRtnl.over(k);
    const first = await list(rt, {});
    assert.equal(first.interrupted, true, `${name}: interrupted`);
    assert.equal(first.attempts, 1);
    assert.ok(first.length > 0);
    const clean = await list(rt, {});
    assert.equal(clean.interrupted, false);
    assert.deepEqual(first, clean, "not enumerable: the list is still plain data");

    const k2 = kernel((t, n) => t === type && n <= 2 * perPass);
    await using rt2 = await TestRtnl.over(k2);
    const retried = await list(rt2, { consistent: true });
    assert.equal(retried.interrupted, false);
    assert.equal(retried.attempts, 3);
    assert.deepEqual(retried, clean);
    assert.equal(k2.requests.filter((r) => r.type === type).length, 3 * perPass);

    const k3 = kernel((t) => t === type);
    await using rt3 = await TestRtnl.over(k3);
    await assert.rejects(list(rt3, { consistent: true }), (e: unknown) => {
      assert.ok(e instanceof DumpInterruptedError, String(e));
      assert.equal(e.attempts, 4, "consistent: true retries 3 times");
      assert.equal(e.operation, name);
      return true;
    });
    // A name map behind the list counts too: an interrupted link dump under listRoutes.
    if (type !== 18 && type !== 34) { // rules name no links
      const k4 = kernel((t, n) => t === 18 && n === 1);
      await using rt4 = await TestRtnl.over(k4);
      const l = await list(rt4, {});
      assert.equal(l.interrupted, true, `${name}: its link-name dump was interrupted`);
    }
  });
}

test("view: reconcile turns a fresh dump into deletes, adds and updates", () => {
  const key = (o: { k: string }) => o.k;
  const table = new Map([["a", { k: "a", v: 1 }], ["b", { k: "b", v: 2 }], ["c", {
    k: "c",
    v: 3,
  }]]);
  const changes = reconcile(table, [{ k: "b", v: 2 }, { k: "c", v: 30 }, { k: "d", v: 4 }], key);
  assert.deepEqual(changes, [
    { type: "delete", key: "a", object: { k: "a", v: 1 }, resync: true },
    {
      type: "update",
      key: "c",
      object: { k: "c", v: 30 },
      previous: { k: "c", v: 3 },
      resync: true,
    },
    { type: "add", key: "d", object: { k: "d", v: 4 }, resync: true },
  ]);
  assert.deepEqual([...table.keys()], ["b", "c", "d"]);
});

/** A route kernel whose route table is `routes` (by 10.0.n.0/24), dumped clean. */
function routeKernel(routes: Map<number, FakeMessage>): FakeKernel {
  return new FakeKernel(NETLINK_ROUTE, (req, k) => {
    if (req.type === 18) k.dump(LINKS);
    else if (req.type === 26) k.dump([...routes.values()]);
    else k.error(95);
  });
}

/** `n` events of `view` (bounded: fails after 5 s). */
async function take<T>(view: AsyncIterator<ViewEvent<T>>, n: number): Promise<ViewEvent<T>[]> {
  const out: ViewEvent<T>[] = [];
  const limit = AbortSignal.timeout(5000);
  while (out.length < n) {
    const r = await Promise.race([
      view.next(),
      new Promise<never>((_, reject) =>
        limit.addEventListener("abort", () => reject(new Error(`got ${out.length} of ${n} events`)))
      ),
    ]);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** A change event as [type, dst, dev, resync]; a sync as ["sync", initial, resyncs]. */
function brief(e: ViewEvent<Route>): unknown[] {
  return e.type === "sync"
    ? ["sync", e.initial, e.resyncs]
    : [e.type, e.object.dst, e.object.dev, e.resync];
}

test("view: routeView follows notifications, and after an overrun re-dumps and reconciles", async () => {
  const routes = new Map([[1, route(1)], [2, route(2)]]);
  const k = routeKernel(routes);
  await using rt = await TestRtnl.over(k);
  await using events = await TestRtnl.over(k);
  await using view = await routeView(rt, { subscriber: events });
  assert.ok(events.socket.memberships().includes(RTNLGRP_IPV4_ROUTE), "subscribed first");
  assert.deepEqual((await take(view, 1)).map(brief), [["sync", true, 0]]);
  assert.deepEqual([...view.table.values()].map((r) => r.dst), ["10.0.1.0/24", "10.0.2.0/24"]);

  // Notifications: a new route, a deleted one, a repeat that changes nothing (no event).
  routes.set(3, route(3));
  k.notify(RTNLGRP_IPV4_ROUTE, route(3));
  routes.delete(1);
  k.notify(RTNLGRP_IPV4_ROUTE, { ...route(1), type: RTM_DELROUTE });
  k.notify(RTNLGRP_IPV4_ROUTE, route(3));
  k.notify(RTNLGRP_LINK, LINKS[1]); // another table's: ignored
  assert.deepEqual((await take(view, 2)).map(brief), [
    ["add", "10.0.3.0/24", "d0", false],
    ["delete", "10.0.1.0/24", "d0", false],
  ]);

  // Changes whose notifications are lost: 10.0.2.0/24 goes, 10.0.3.0/24 moves to lo, 10.0.4.0/24
  // comes; then the receive buffer overflows and the view resyncs.
  routes.delete(2);
  routes.set(3, route(3, 1));
  routes.set(4, route(4));
  const sub = k.endpoints().find((e) => e.groups.has(RTNLGRP_IPV4_ROUTE))!;
  sub.overflow();
  assert.deepEqual((await take(view, 4)).map(brief), [
    ["delete", "10.0.2.0/24", "d0", true],
    ["update", "10.0.3.0/24", "lo", true],
    ["add", "10.0.4.0/24", "d0", true],
    ["sync", false, 1],
  ]);
  assert.equal(view.resyncs, 1);
  assert.equal(view.overruns, 1);
  assert.deepEqual(
    [...view.table.keys()].sort(),
    [
      routeKey({ family: "inet", tableId: 254, dst: "10.0.3.0/24", tos: 0 } as Route),
      routeKey({ family: "inet", tableId: 254, dst: "10.0.4.0/24", tos: 0 } as Route),
    ].sort(),
  );
  // After the resync, notifications are followed again.
  k.notify(RTNLGRP_IPV4_ROUTE, { ...route(4), type: RTM_DELROUTE });
  assert.deepEqual((await take(view, 1)).map(brief), [["delete", "10.0.4.0/24", "d0", false]]);
});

test("view: clientView (any family) reconciles a generic table after an overrun", async () => {
  const links = new Map([[1, LINKS[0]], [2, LINKS[1]]]);
  const k = new FakeKernel(NETLINK_ROUTE, (req, c) => {
    if (req.type === 18) c.dump([...links.values()]);
    else c.error(95);
  });
  await using rt = await TestRtnl.over(k);
  await using view = await clientView(rt, {
    dump: rtLink.operations.getlink,
    groups: ["rtnlgrp-link"],
    key: (m) => String(m.header.ifiIndex),
  });
  const name = (e: ViewEvent<{ attrs: { ifname?: string } }>) =>
    e.type === "sync" ? ["sync", e.resyncs] : [e.type, e.object.attrs.ifname, e.resync];
  assert.deepEqual((await take(view, 1)).map(name), [["sync", 0]]);
  const v3 = {
    type: RTM_NEWLINK,
    payload: body(rtLink.operations.newlink, { ifiIndex: 3 }, { ifname: "d3" }),
  };
  links.set(3, v3);
  k.notify(RTNLGRP_LINK, v3);
  k.notify(RTNLGRP_LINK, { ...LINKS[0], type: 17 }); // RTM_DELLINK of lo
  links.delete(1);
  assert.deepEqual((await take(view, 2)).map(name), [["add", "d3", false], [
    "delete",
    "lo",
    false,
  ]]);
  const renamed = {
    type: RTM_NEWLINK,
    payload: body(rtLink.operations.newlink, { ifiIndex: 2 }, { ifname: "e0" }),
  };
  links.set(2, renamed); // lost
  links.delete(3); // lost
  k.endpoints()[0].overflow();
  assert.deepEqual((await take(view, 3)).map(name), [
    ["delete", "d3", true],
    ["update", "e0", true],
    ["sync", 1],
  ]);
  assert.deepEqual([...view.table.keys()], ["2"]);
});
