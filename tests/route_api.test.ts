/**
 * The route API's one vocabulary, against the kernel and iproute2, in a namespace of its own:
 * every object of every `list*()`/`get*()` and every `watch()` event is plain JSON (it
 * survives `JSON.stringify` unchanged, counters included); `watch()` gives the objects the
 * `list*()` functions give for the same state; a link can be named four ways in every function
 * that takes one, with the same result; errors name the device as given, the message type as
 * the kernel's headers name it and the attribute the extended ACK points at.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as api from "../families/route/mod.ts";
import { sh, SKIP_KERNEL, sleep, uniqueName, waitFor, withTimeout } from "./helpers.ts";

const { Rtnl } = api;
type Rtnl = api.Rtnl;

/** A namespace of its own, built from `ip -batch` lines; deleted after `fn`. */
async function withNs(lines: string[], fn: (rt: Rtnl, ns: string) => Promise<void>) {
  const ns = uniqueName("api");
  sh("ip", ["netns", "add", ns]);
  try {
    sh("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"]);
    if (lines.length) sh("ip", ["-n", ns, "-batch", "-"], lines.join("\n") + "\n");
    await using rt = await Rtnl.open({ netns: ns });
    await fn(rt, ns);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
}

/** `o` as JSON and back is `o` itself: no bigint, bytes, undefined field or cycle. */
function plainJson(o: unknown, what: string): void {
  let text: string;
  try {
    text = JSON.stringify(o);
  } catch (e) {
    throw new Error(`${what}: JSON.stringify threw ${e}`);
  }
  assert.deepEqual(JSON.parse(text), o, `${what} survives JSON.stringify`);
}

const STATE = [
  "link set lo up",
  "link add ja address 02:00:00:00:0a:01 type veth peer name jb address 02:00:00:00:0a:02",
  "link add jbr type bridge",
  "link set jb master jbr",
  "link add jvx type vxlan id 42 dstport 4789 local 10.0.0.1 dev ja",
  "link set ja up",
  "link set jb up",
  "link set jbr up",
  "addr add 10.0.0.1/24 dev ja",
  "addr add 10.0.0.2/24 dev ja label ja:1",
  "addr add 10.0.9.1 peer 10.0.9.2/32 dev ja",
  "addr add 2001:db8::1/64 dev ja",
  "route add 10.1.0.0/16 via 10.0.0.9 metric 5 mtu 1400",
  "route add 10.2.0.0/16 nexthop via 10.0.0.8 weight 2 nexthop via 10.0.0.9",
  "route add blackhole 10.3.0.0/16 table 100",
  "route add 2001:db8:1::/48 via 2001:db8::9 pref high",
  "neigh add 10.0.0.20 lladdr 02:00:00:00:00:20 dev ja",
  "neigh add proxy 10.0.0.21 dev ja",
  "rule add from 10.9.0.0/16 table 100 pref 100",
];

test("every list*/get* object and every watch() event is plain JSON", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs(STATE, async (rt, ns) => {
    const events = await api.watch({ netns: ns }, { groups: ["link", "ipv4-addr", "tc"] });
    try {
      // tc objects (with a mirred action naming a device) and traffic for the counters.
      await api.addQdisc(rt, "ja", { handle: "1:", kind: "htb", defaultClass: "1:10" });
      await api.addClass(rt, "ja", { parent: "1:", classid: "1:10", kind: "htb", rate: "1mbit" });
      await api.addFilter(rt, "ja", {
        parent: "1:",
        protocol: "ip",
        priority: 1,
        kind: "u32",
        match: { ip: { dst: "10.0.0.0/8" } },
        classid: "1:10",
        actions: [{ kind: "mirred", action: "mirror", dev: "jb" }],
      });
      await api.setNsid(rt, "/proc/self/ns/net", { nsid: 5 }); // this process's, seen from there
      // Forwarding: the subnet-router anycast address of 2001:db8::/64.
      sh("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
      const send = "for i in 1 2 3; do echo -n netlink >/dev/udp/10.0.0.20/9; done";
      sh("ip", ["netns", "exec", ns, "bash", "-c", send]);
      const listed: [string, unknown][] = [
        ["listLinks", await api.listLinks(rt, { stats: true })],
        ["getLink", await api.getLink(rt, "jvx")],
        ["linkStats", await api.linkStats(rt, "ja")],
        ["listAddresses", await api.listAddresses(rt)],
        ["listRoutes", await api.listRoutes(rt, { table: "all" })],
        ["getRoute", await api.getRoute(rt, "10.2.3.4")],
        ["listNeighbours", await api.listNeighbours(rt)],
        ["listNeighbours proxy", await api.listNeighbours(rt, { proxy: true })],
        ["listFdb", await api.listFdb(rt, { br: "jbr" })],
        ["listRules", await api.listRules(rt)],
        ["listQdiscs", await api.listQdiscs(rt)],
        ["listClasses", await api.listClasses(rt, { dev: "ja" })],
        ["listFilters", await api.listFilters(rt, { dev: "ja", parent: "1:" })],
        ["listActions", await api.listActions(rt, "mirred")],
        ["listNeighTables", await api.listNeighTables(rt)],
        ["listNetconf", await api.listNetconf(rt)],
        ["getNetconf", await api.getNetconf(rt, "inet", { dev: "all" })],
        ["listNsids", await api.listNsids(rt)],
        ["listLinkStats", await api.listLinkStats(rt)],
        ["getLinkStats", await api.getLinkStats(rt, "ja")],
        ["listMulticast", await api.listMulticast(rt)],
        ["listAnycast", await api.listAnycast(rt)],
      ];
      for (const [what, v] of listed) {
        const list = Array.isArray(v) ? v : [v];
        assert.ok(list.length > 0, `${what} gave something to check`);
        list.forEach((o, i) => plainJson(o, `${what}[${i}]`));
      }
      // The counters moved, and are numbers.
      const ja = (listed[0][1] as api.Link[]).find((l) => l.name === "ja")!;
      assert.ok(typeof ja.stats?.txPackets === "number" && ja.stats.txPackets >= 3);
      const [q] = listed[10][1] as api.Qdisc[];
      assert.ok(q !== undefined && typeof q.stats?.bytes === "number");
      // Counters past 2^53 are decimal strings, exact, and still JSON.
      const big = api.toCounters({ ...({} as api.rtLink.RtnlLinkStats64), rxBytes: 2n ** 60n });
      assert.equal(big.rxBytes, "1152921504606846976");
      plainJson(big, "counters past 2^53");
      // The decoded message rides along, out of JSON.
      assert.equal(ja.message.attrs.ifname, "ja");
      assert.ok(!("message" in JSON.parse(JSON.stringify(ja))));
      // Events: changes made now arrive, each plain JSON too.
      sh("ip", ["-n", ns, "link", "set", "jvx", "mtu", "1400"]);
      sh("ip", ["-n", ns, "addr", "add", "10.0.5.1/24", "dev", "jb"]);
      await api.changeClass(rt, "ja", {
        parent: "1:",
        classid: "1:10",
        kind: "htb",
        rate: "2mbit",
      });
      const seen: api.WatchEvent[] = [];
      await withTimeout(
        (async () => {
          for await (const e of events) {
            seen.push(e);
            if (seen.some((x) => x.kind === "class") && seen.some((x) => x.kind === "address")) {
              return;
            }
          }
        })(),
        5000,
        "link, address and class events",
      );
      for (const [i, e] of seen.entries()) plainJson(e, `event ${i} (${e.kind})`);
      assert.ok(seen.some((e) => e.kind === "link" && e.object.name === "jvx"));
    } finally {
      events.close();
    }
  });
});

/** The last object of each key from `events` of `kind` that were not deletions. */
function lastOf<T>(
  events: api.WatchEvent[],
  kind: api.WatchEventKind,
  key: (o: T) => string,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const e of events) {
    if (e.kind !== kind) continue;
    const o = e.object as T;
    if (e.action === "delete") out.delete(key(o));
    else out.set(key(o), o);
  }
  return out;
}

test("watch() events deep-equal what list*() gives for the same state", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs(["link set lo up"], async (rt, ns) => {
    const groups: api.WatchGroup[] = [
      "link",
      "ipv4-addr",
      "ipv6-addr",
      "ipv4-route",
      "ipv6-route",
      "neigh",
      "ipv4-rule",
      "ipv6-rule",
      "tc",
      "nsid",
    ];
    await using events = await api.watch({ netns: ns }, { groups });
    const seen: api.WatchEvent[] = [];
    const reading = (async () => {
      for await (const e of events) seen.push(e);
    })();
    // Links and tc first; then up (the notifications carry the qdisc and carrier); then the
    // rest, so no later change goes unannounced (a route's linkdown flag would).
    sh(
      "ip",
      ["-n", ns, "-batch", "-"],
      [
        "link add wa address 02:00:00:00:0b:01 type veth peer name wb address 02:00:00:00:0b:02",
        "link add wbr type bridge",
        "link set wb master wbr",
      ].join("\n") + "\n",
    );
    await api.addQdisc(rt, "wa", { handle: "1:", kind: "htb", defaultClass: "1:10" });
    await api.addClass(rt, "wa", { parent: "1:", classid: "1:10", kind: "htb", rate: "1mbit" });
    await api.addFilter(rt, "wa", {
      parent: "1:",
      protocol: "ip",
      priority: 1,
      kind: "u32",
      match: { ip: { dst: "10.0.0.0/8" } },
      classid: "1:10",
    });
    await api.setNsid(rt, "/proc/self/ns/net", { nsid: 7 }); // this process's, seen from there
    sh(
      "ip",
      ["-n", ns, "-batch", "-"],
      [
        "link set wa addrgenmode none",
        "link set wb addrgenmode none",
        "link set wa up",
        "link set wb up",
        "link set wbr up",
      ].join("\n") + "\n",
    );
    await sleep(300); // carrier
    sh(
      "ip",
      ["-n", ns, "-batch", "-"],
      [
        "addr add 10.0.0.1/24 dev wa",
        "addr add 2001:db8::1/64 dev wa nodad",
        "route add 10.1.0.0/16 via 10.0.0.9 metric 5",
        "route add 10.2.0.0/16 via 10.0.0.8 table 100",
        "route add 2001:db8:1::/48 via 2001:db8::9",
        "neigh add 10.0.0.20 lladdr 02:00:00:00:00:20 dev wa",
        "rule add from 10.9.0.0/16 table 100 pref 100",
      ].join("\n") + "\n",
    );
    // Quiet for a while: every change announced.
    let count = -1;
    await waitFor(
      () => {
        const quiet = seen.length === count;
        count = seen.length;
        return quiet && count > 0;
      },
      5000,
      "the events to settle",
    ).catch(() => {});
    await sleep(300);
    // tc objects' statistics and reference counts change without a notification (a class
    // added holds its qdisc): not part of the state compared.
    const strip = <T>(o: T): T => {
      const { stats: _s, refcnt: _r, ...rest } = o as Record<string, unknown>;
      return rest as T;
    };
    const check = <T>(kind: api.WatchEventKind, list: T[], key: (o: T) => string, min: number) => {
      const last = lastOf<T>(seen, kind, key);
      const mine = list.filter((o) => last.has(key(o)));
      assert.ok(mine.length >= min, `${kind}: ${mine.length} objects announced and listed`);
      for (const o of mine) {
        assert.deepEqual(strip(last.get(key(o))), strip(o), `${kind} ${key(o)}`);
      }
    };
    // A bridge port's own notifications (family "bridge", as `bridge link` shows them) are
    // another view of the port than RTM_GETLINK's: left out.
    const links = seen.filter((e) => e.kind !== "link" || e.object.family === undefined);
    assert.ok(seen.some((e) => e.kind === "link" && e.object.family === "bridge"));
    seen.length = 0;
    seen.push(...links);
    check<api.Link>("link", await api.listLinks(rt), (l) => l.name, 3);
    check<api.Address>("address", await api.listAddresses(rt), (a) => `${a.dev} ${a.address}`, 2);
    check<api.Route>(
      "route",
      await api.listRoutes(rt, { table: "all" }),
      (r) => `${r.tableId} ${r.dst} ${r.dev} ${r.metric}`,
      5,
    );
    check<api.Neighbour>("neighbour", await api.listNeighbours(rt), (n) => `${n.dev} ${n.dst}`, 1);
    check<api.Rule>("rule", await api.listRules(rt), (r) => `${r.family} ${r.priority}`, 1);
    check<api.Qdisc>("qdisc", await api.listQdiscs(rt, { dev: "wa" }), (q) => q.handle, 1);
    check<api.TcClass>("class", await api.listClasses(rt, { dev: "wa" }), (c) => c.handle, 1);
    check<api.Filter>(
      "filter",
      await api.listFilters(rt, { dev: "wa", parent: "1:" }),
      (f) => `${f.handle} ${f.priority}`,
      1,
    );
    check<api.NsidEntry>("nsid", await api.listNsids(rt), (n) => String(n.nsid), 1);
    events.close();
    await reading;
  });
});

/** The four ways to name a link. */
function fourWays(name: string, index: number): api.LinkRef[] {
  return [name, index, { name }, { index }];
}

test("a link named four ways: the same result in every function", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs([
    "link set lo up",
    "link add fa address 02:00:00:00:0c:01 type veth peer name fb address 02:00:00:00:0c:02",
    "link add fbr type bridge",
    "link set fa addrgenmode none",
    "link set fb addrgenmode none",
    "link set fb master fbr",
    "link set fa up",
    "link set fb up",
    "addr add 10.0.0.1/24 dev fa",
  ], async (rt, ns) => {
    const ix = (n: string) => JSON.parse(sh("ip", ["-n", ns, "-j", "link", "show", n]))[0].ifindex;
    const fa = fourWays("fa", ix("fa")), fbr = fourWays("fbr", ix("fbr"));
    const fb = fourWays("fb", ix("fb"));
    const same = async <T>(
      what: string,
      refs: api.LinkRef[],
      fn: (r: api.LinkRef) => Promise<T>,
    ) => {
      const got: T[] = [];
      for (const r of refs) got.push(await fn(r));
      for (const g of got.slice(1)) assert.deepEqual(g, got[0], `${what}: ${JSON.stringify(refs)}`);
      return got[0];
    };
    await same("linkIndex", fa, (r) => api.linkIndex(rt, r));
    await same("getLink", fa, (r) => api.getLink(rt, r));
    await same("linkStats", fa, (r) => api.linkStats(rt, r));
    await same("getLinkStats", fa, async (r) => (await api.getLinkStats(rt, r)).ifindex);
    await same("listLinks master", fbr, (r) => api.listLinks(rt, { master: r }));
    await same("listAddresses", fa, (r) => api.listAddresses(rt, { dev: r }));
    await same("listRoutes", fa, (r) => api.listRoutes(rt, { dev: r }));
    await same("getRoute oif", fa, (r) => api.getRoute(rt, "10.0.0.9", { oif: r }));
    await same("listNeighTables", fa, (r) => api.listNeighTables(rt, { dev: r }));
    await same("getNetconf", fa, (r) => api.getNetconf(rt, "inet", { dev: r }));
    await same("listMulticast", fa, (r) => api.listMulticast(rt, { dev: r }));
    await same("listFdb", fbr, (r) => api.listFdb(rt, { br: r }));
    await same("listFdb dev", fb, (r) => api.listFdb(rt, { dev: r }));
    await same("listNeighbours", fa, (r) => api.listNeighbours(rt, { dev: r }));
    await same("listAnycast", fa, (r) => api.listAnycast(rt, { dev: r }));
    await same("listQdiscs", fa, (r) => api.listQdiscs(rt, { dev: r }));
    await same("listClasses", fa, (r) => api.listClasses(rt, { dev: r }));
    // Changes: each made four times, once per way, read back by ip each time.
    const ipLink = (n: string) =>
      JSON.parse(sh("ip", ["-n", ns, "-j", "-d", "link", "show", n]))[0];
    for (const [i, r] of fa.entries()) {
      await api.setLink(rt, r, { mtu: 1400 + i });
      assert.equal(ipLink("fa").mtu, 1400 + i);
      await api.addAltNames(rt, r, [`fa-alt-${i}`]);
      await api.deleteAltNames(rt, r, [`fa-alt-${i}`]);
      await api.addAddress(rt, { dev: r, address: `10.0.${i + 1}.1/24` });
      await api.addRoute(rt, { dst: `10.9.${i}.0/24`, dev: r });
      await api.addNeighbour(rt, { dev: r, dst: `10.0.0.${50 + i}`, lladdr: "02:00:00:00:00:55" });
      await api.addRule(rt, { priority: 500 + i, iif: r, table: 100 });
      // replace creates when there is none (HTB takes no change of its own options).
      await api.replaceQdisc(rt, r, { handle: `${i + 1}:`, kind: "htb", defaultClass: "1" });
      await api.addClass(rt, r, {
        parent: `${i + 1}:`,
        classid: `${i + 1}:1`,
        kind: "htb",
        rate: 1e6,
      });
      await api.changeClass(rt, r, {
        parent: `${i + 1}:`,
        classid: `${i + 1}:1`,
        kind: "htb",
        rate: 2e6 + 8 * i,
      });
      const [cls] = await api.listClasses(rt, { dev: r });
      assert.equal((cls.config as api.HtbClassConfig).rate, 2e6 + 8 * i, "the class changed");
      const [qd] = await api.listQdiscs(rt, { dev: r });
      assert.equal((qd.config as api.HtbQdiscConfig).defaultClass, `${i + 1}:1`);
      await api.addFilter(rt, r, {
        parent: `${i + 1}:`,
        priority: 1,
        kind: "u32",
        classid: `${i + 1}:1`,
        actions: [{ kind: "mirred", action: "mirror", dev: fb[i] }],
      });
      const [filter] = (await api.listFilters(rt, { dev: r, parent: `${i + 1}:` }))
        .filter((f) => f.handle === "800::800");
      const action = (filter.config as api.U32FilterConfig).actions?.[0] as api.MirredActionConfig;
      assert.equal(action.dev, "fb");
      await api.deleteFilter(rt, r, { parent: `${i + 1}:` });
      await api.deleteClass(rt, r, `${i + 1}:1`);
      await api.deleteQdisc(rt, r, { parent: "root" });
      await api.setNeighTable(rt, "arp_cache", { dev: r, parms: { gcStaletime: 61000 + i } });
    }
    const rules = JSON.parse(sh("ip", ["-n", ns, "-j", "rule"])) as Record<string, unknown>[];
    assert.deepEqual(
      rules.filter((x) => (x.priority as number) >= 500 && (x.priority as number) < 504).map((x) =>
        x.iif
      ),
      ["fa", "fa", "fa", "fa"],
    );
    const routes = await api.listRoutes(rt, { root: "10.9.0.0/16" });
    assert.deepEqual(routes.map((x) => x.dev), ["fa", "fa", "fa", "fa"]);
    assert.equal(
      (await api.flushRoutes(rt, { dev: fa[3] })).filter((x) => x.dst.startsWith("10.9.")).length,
      4,
    );
    assert.equal((await api.flushNeighbours(rt, { dev: fa[2], state: "all" })).length, 4);
    assert.equal((await api.flushAddresses(rt, { dev: fa[1], family: "inet" })).length, 5);
    for (const [i, r] of fa.entries()) {
      await api.addAddress(rt, { dev: r, address: `10.0.${i + 1}.1/24` });
      await api.deleteAddress(rt, { dev: r, address: `10.0.${i + 1}.1/24` });
      await api.addNeighbour(rt, { dev: r, dst: `10.0.0.${60 + i}`, lladdr: "02:00:00:00:00:66" });
      await api.deleteNeighbour(rt, { dev: r, dst: `10.0.0.${60 + i}` });
      await api.addFdb(rt, { dev: fb[i], mac: `02:00:00:00:0d:0${i}`, master: true });
      await api.deleteFdb(rt, { dev: fb[i], mac: `02:00:00:00:0d:0${i}`, master: true });
    }
    // Links made with a master, a parent, a vxlan device and a next hop named four ways.
    for (const [i, r] of fbr.entries()) {
      const l = await api.addLink(rt, { name: `fp${i}`, kind: "veth", peer: `fq${i}`, master: r });
      assert.equal(l.master, "fbr");
      const m = await api.addLink(rt, { name: `fm${i}`, kind: "macvlan", link: fa[i] });
      assert.equal(m.link, "fa");
      const v = await api.addLink(rt, {
        name: `fv${i}`,
        kind: "vxlan",
        data: { id: 10 + i, dev: fa[i] },
      });
      assert.equal(ipLink(`fv${i}`).linkinfo.info_data.link, "fa");
      await api.addRoute(rt, { dst: `10.8.${i}.0/24`, nexthops: [{ dev: fa[i] }, { dev: fb[i] }] });
      for (const x of [l, m, v]) await api.deleteLink(rt, x.index);
    }
    const mp = await api.listRoutes(rt, { root: "10.8.0.0/16" });
    assert.deepEqual(mp.map((x) => x.nexthops?.map((n) => n.dev)), Array(4).fill(["fa", "fb"]));
    for (const [i, r] of fa.entries()) {
      await api.deleteRoute(rt, { dst: `10.8.${i}.0/24` });
      void r;
    }
    for (const r of fa) await api.setLink(rt, r, { up: false });
    assert.ok(!ipLink("fa").flags.includes("UP"));
    // Deleting: one link per way.
    for (let i = 0; i < 4; i++) sh("ip", ["-n", ns, "link", "add", `fd${i}`, "type", "bridge"]);
    for (const [i, r] of [`fd0`, ix("fd1"), { name: "fd2" }, { index: ix("fd3") }].entries()) {
      await api.deleteLink(rt, r as api.LinkRef);
      assert.equal(spawnSync("ip", ["-n", ns, "link", "show", `fd${i}`]).status, 1, `fd${i} gone`);
    }
  });
});
