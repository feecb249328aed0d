/**
 * The route API's errors and names against the kernel, its headers and iproute2: a missing
 * device is named as the caller named it; a failed request names its message type as
 * linux/rtnetlink.h does and the attribute the extended ACK points at; iproute2's name
 * databases (`rt_tables`, `rt_tables.d`, `rt_protos`, `rt_realms`, `group`) are read both ways,
 * by the library and by ip.ts, as ip reads them; the HTB default class is written in tc's
 * notation; handles print as tc prints them.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as api from "../families/route/mod.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { runC, SKIP_CC } from "./c_truth.ts";
import { iproute2Names, runtimeCommand, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

const { Rtnl } = api;

/** A veth pair in a namespace of its own, and a route socket there. */
async function withNs(fn: (rt: api.Rtnl, ns: string) => Promise<void>): Promise<void> {
  const ns = uniqueName("err");
  sh("ip", ["netns", "add", ns]);
  try {
    sh(
      "ip",
      ["-n", ns, "-batch", "-"],
      [
        "link add ea type veth peer name eb",
        "link set ea addrgenmode none",
        "link set eb addrgenmode none",
        "link set ea up",
        "link set eb up",
        "addr add 10.0.0.1/24 dev ea",
      ].join("\n") + "\n",
    );
    await using rt = await Rtnl.open({ netns: ns });
    await fn(rt, ns);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
}

/** Rejects with a LinkNotFoundError for `link` (ENODEV, a NetlinkError). */
function notFound(link: string | number) {
  return (e: unknown) => {
    assert.ok(e instanceof api.LinkNotFoundError, String(e));
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "ENODEV");
    assert.equal(e.link, link);
    assert.equal(
      e.message,
      typeof link === "string"
        ? `Cannot find device "${link}"`
        : `Cannot find device with index ${link}`,
    );
    return true;
  };
}

test("a missing device is named as the caller named it, in every kind of call", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs(async (rt) => {
    const calls: [string, (dev: api.LinkRef) => Promise<unknown>][] = [
      ["getLink", (d) => api.getLink(rt, d)],
      ["setLink", (d) => api.setLink(rt, d, { mtu: 1400 })],
      ["deleteLink", (d) => api.deleteLink(rt, d)],
      ["linkStats", (d) => api.linkStats(rt, d)],
      ["addAddress", (d) => api.addAddress(rt, { dev: d, address: "10.9.0.1/24" })],
      ["listAddresses", (d) => api.listAddresses(rt, { dev: d })],
      ["addRoute", (d) => api.addRoute(rt, { dst: "10.8.0.0/16", dev: d })],
      ["listRoutes", (d) => api.listRoutes(rt, { dev: d })],
      ["addNeighbour", (d) => api.addNeighbour(rt, { dev: d, dst: "10.0.0.9" })],
      ["addQdisc", (d) => api.addQdisc(rt, d, { kind: "ingress" })],
      ["listFilters", (d) => api.listFilters(rt, { dev: d })],
      ["getLinkStats", (d) => api.getLinkStats(rt, d)],
      ["setNeighTable", (d) => api.setNeighTable(rt, "arp_cache", { dev: d, parms: {} })],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(call("v9"), notFound("v9"), `${what} by name`);
      await assert.rejects(call({ name: "v9" }), notFound("v9"), `${what} by { name }`);
    }
    // By index: the kernel finds none, the error still names what was given.
    for (const [what, call] of calls.slice(0, 4)) {
      await assert.rejects(call(999), notFound(999), `${what} by index`);
    }
  });
});

test("kernel errors name the message type as linux/rtnetlink.h does, and the attribute", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs(async (rt) => {
    // VXLAN ids have 24 bits: the kernel's extended ACK points at IFLA_VXLAN_ID, inside
    // IFLA_INFO_DATA (a sub-message chosen by IFLA_INFO_KIND), inside IFLA_LINKINFO.
    await assert.rejects(
      api.addLink(rt, { name: "vx9", kind: "vxlan", data: { id: 1 << 24 } }),
      (e: unknown) => {
        assert.ok(e instanceof api.RtnlError, String(e));
        assert.equal(e.operation, "RTM_NEWLINK");
        assert.equal(e.code, "ERANGE");
        assert.equal(e.attribute, "IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID");
        assert.match(e.extAck?.message ?? "", /VXLAN ID/);
        assert.match(
          e.message,
          /^RTM_NEWLINK failed: ERANGE .*\(attribute IFLA_LINKINFO\/IFLA_INFO_DATA\/IFLA_VXLAN_ID\)/,
        );
        return true;
      },
    );
    await assert.rejects(api.deleteRoute(rt, { dst: "10.7.0.0/16" }), (e: unknown) => {
      assert.ok(e instanceof api.RtnlError && e.operation === "RTM_DELROUTE" && e.code === "ESRCH");
      return true;
    });
    await assert.rejects(
      api.addRoute(rt, { dst: "10.7.0.0/16", gateway: "192.0.2.1" }),
      (e: unknown) => e instanceof api.RtnlError && e.operation === "RTM_NEWROUTE",
    );
    await assert.rejects(
      api.addQdisc(rt, "ea", { kind: "nosuchqdisc" }),
      (e: unknown) => e instanceof api.RtnlError && e.operation === "RTM_NEWQDISC",
    );
  });
});

test("message type names are linux/rtnetlink.h's RTM_* for their numbers", {
  skip: SKIP_CC,
}, () => {
  const names: [number, string][] = [];
  for (let t = 16; t < 140; t++) {
    const n = api.routeMessageName(t);
    if (n !== undefined) names.push([t, n]);
  }
  assert.ok(names.length > 40, `${names.length} names`);
  const c = runC(`#include <stdio.h>
#include <linux/rtnetlink.h>
int main(void) {
${names.map(([, n]) => `  printf("%d\\n", ${n});`).join("\n")}
  return 0;
}
`);
  assert.deepEqual(c.trim().split("\n").map(Number), names.map(([t]) => t));
});

/** iproute2's name files, as written for the test below. */
const FILES: Record<string, string> = {
  rt_tables: "255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n# a comment\n200 green\n",
  "rt_tables.d/blue.conf": "100\tblue\n0x12c orange # hex id, trailing comment\n",
  rt_protos: "2 kernel\n3 boot\n4 static\n77 myproto\n",
  rt_realms: "0\tcosmos\n3 earth\n",
  group: "0\tdefault\n5 five\n",
};

test("iproute2's name files are read both ways, by the library and by ip.ts, as ip reads them", {
  skip: SKIP_KERNEL,
}, () => {
  const ns = uniqueName("nam");
  const dir = mkdtempSync(join(tmpdir(), "names-"));
  sh("ip", ["netns", "add", ns]);
  try {
    const mk = Object.entries(FILES).map(([f, text]) =>
      `mkdir -p "$(dirname /etc/iproute2/${f})" && printf '%s' '${text}' > /etc/iproute2/${f}`
    ).join(" && ");
    const rt = runtimeCommand().argv.join(" ");
    const ipts = new URL("../examples/ip.ts", import.meta.url).pathname;
    const fixture = new URL("./fixtures/route_api_names.ts", import.meta.url).pathname;
    // In a mount namespace of its own (nothing else sees these files): the files, then ip, the
    // library and ip.ts over the same namespace.
    const script = [
      "set -e",
      "mount -t tmpfs names /etc/iproute2",
      mk,
      `ip -n ${ns} -batch - <<'B'`,
      "link add na type veth peer name nb",
      "link set na up",
      "link set na group five",
      "addr add 10.0.0.1/24 dev na",
      "route add 10.1.0.0/16 dev na table blue proto myproto realm earth",
      "route add 10.2.0.0/16 dev na table green",
      "route add 10.3.0.0/16 dev na table orange",
      "rule add pref 300 lookup blue",
      "B",
      `ip -n ${ns} -j route show table all > ${dir}/ip-routes.json`,
      `ip -n ${ns} route show table all > ${dir}/ip-routes.txt`,
      `ip -n ${ns} -j rule > ${dir}/ip-rules.json`,
      `ip -n ${ns} -j link show dev na > ${dir}/ip-link.json`,
      `${rt} ${ipts} -n ${ns} -j route show table all > ${dir}/ipts-routes.json`,
      `${rt} ${ipts} -n ${ns} route show table all > ${dir}/ipts-routes.txt`,
      `${rt} ${ipts} -n ${ns} -j rule > ${dir}/ipts-rules.json`,
      `${rt} ${ipts} -n ${ns} -j link show dev na > ${dir}/ipts-link.json`,
      `${rt} ${ipts} -n ${ns} route add 10.4.0.0/16 dev na table blue proto myproto`,
      `ip -n ${ns} -j route show table 100 > ${dir}/ip-after.json`,
      `${rt} ${fixture} ${ns} > ${dir}/lib.json`,
    ].join("\n");
    const r = spawnSync("unshare", ["-m", "bash", "-c", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    assert.deepEqual(JSON.parse(read("ipts-routes.json")), JSON.parse(read("ip-routes.json")));
    assert.equal(read("ipts-routes.txt"), read("ip-routes.txt"));
    assert.match(read("ip-routes.txt"), /table blue proto myproto .*realm earth/);
    assert.deepEqual(JSON.parse(read("ipts-rules.json")), JSON.parse(read("ip-rules.json")));
    assert.deepEqual(JSON.parse(read("ipts-link.json")), JSON.parse(read("ip-link.json")));
    // ip.ts took the names in: the route went to table 100 with protocol 77.
    const [after] = JSON.parse(read("ip-after.json")).filter((x: { dst: string }) =>
      x.dst === "10.4.0.0/16"
    );
    assert.equal(after.protocol, "myproto");
    // The library, both ways (the fixture's own checks are in what it printed).
    const lib = JSON.parse(read("lib.json"));
    assert.deepEqual(lib.tables, { blue: 100, green: 200, orange: 300, main: 254 });
    assert.deepEqual(lib.routes, [
      ["10.1.0.0/16", "blue", 100, "myproto"],
      ["10.2.0.0/16", "green", 200, "boot"],
      ["10.3.0.0/16", "orange", 300, "boot"],
      ["10.4.0.0/16", "blue", 100, "myproto"],
      ["10.5.0.0/16", "green", 200, "myproto"],
    ]);
    assert.deepEqual(lib.rule, ["blue", 100]);
    assert.equal(lib.group, "five");
    assert.equal(lib.realm, "earth");
    // Outside that mount namespace, the stock files: 100 has no name.
    assert.equal(iproute2Names("rt_tables").get(100), undefined);
    assert.equal(api.nameOf("table", 100), 100);
  } finally {
    sh("ip", ["netns", "del", ns]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("names and numbers: the library's defaults are iproute2's", () => {
  for (const [db, file] of [["table", "rt_tables"], ["protocol", "rt_protos"]] as const) {
    for (const [n, name] of iproute2Names(file)) {
      assert.equal(api.nameOf(db, n), name, `${db} ${n}`);
      assert.equal(api.numberOf(db, name), n, `${db} ${name}`);
    }
  }
  assert.equal(api.nameOf("type", 0), "none");
  assert.equal(api.nameOf("type", 6), "blackhole");
  assert.equal(api.numberOf("table", "0x64"), 100);
  assert.equal(api.numberOf("table", "100"), 100);
  assert.throws(() => api.numberOf("table", "nosuchtable"), TypeError);
  assert.throws(() => api.numberOf("protocol", 256), RangeError);
  assert.equal(api.nameOf("family", 10), "inet6");
  assert.equal(api.linkTypeName(772), "loopback");
  assert.equal(api.linkTypeName(9999), "[9999]");
});

test("HTB default class in tc's notation: what tc shows and what is listed", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs(async (rt, ns) => {
    const cases: [api.Handle, string, string | undefined][] = [
      ["1:10", "0x10", "1:10"],
      ["10", "0x10", "1:10"], // tc's `default 10`
      [":20", "0x20", "1:20"],
      [0x30, "0x30", "1:30"], // a number is the minor's value
      [10, "0xa", "1:a"], // …so 10 is 0xa, as documented
      [0, "0", undefined],
    ];
    for (const [given, tcShows, listed] of cases) {
      // (HTB has no change operation: a new qdisc each time.)
      await api.deleteQdisc(rt, "ea").catch(() => {});
      await api.addQdisc(rt, "ea", { handle: "1:", kind: "htb", defaultClass: given });
      const [q] = JSON.parse(sh("tc", ["-n", ns, "-j", "qdisc", "show", "dev", "ea"]));
      assert.equal(q.options.default, tcShows, `defaultClass ${JSON.stringify(given)}`);
      const [ours] = await api.listQdiscs(rt, { dev: "ea" });
      assert.equal((ours.config as api.HtbQdiscConfig).defaultClass, listed);
      assert.equal(ours.handle, q.handle);
    }
    await assert.rejects(
      api.addQdisc(rt, "eb", { handle: "1:", kind: "htb", defaultClass: "10000" }),
      RangeError,
    );
  });
});

test("handles as tc prints them: u32 800::800, qdiscs 1:, classes 1:10", {
  skip: SKIP_KERNEL,
}, async () => {
  assert.equal(api.formatU32Handle(0x80000800), "800::800");
  assert.equal(api.formatU32Handle(0x80000000), "800:");
  assert.equal(api.formatU32Handle(0x1), ":1");
  for (const h of ["800::800", "800:", "1:2:3", "fff:ff:fff"]) {
    assert.equal(api.formatU32Handle(api.parseU32Handle(h)), h);
  }
  assert.throws(() => api.parseU32Handle("1000::"), RangeError);
  await withNs(async (rt, ns) => {
    await api.addQdisc(rt, "ea", { handle: "1:", kind: "htb" });
    await api.addFilter(rt, "ea", {
      parent: "1:",
      priority: 3,
      protocol: "ip",
      kind: "u32",
      handle: "800::7",
      match: { ip: { dst: "10.0.0.0/8" } },
      classid: "1:10",
    });
    const text = sh("tc", ["-n", ns, "filter", "show", "dev", "ea", "parent", "1:"]);
    const theirs = [...text.matchAll(/ fh (\S+) /g)].map((m) => m[1]);
    const ours = (await api.listFilters(rt, { dev: "ea", parent: "1:" }))
      .filter((f) => f.handle !== "none").map((f) => f.handle);
    assert.deepEqual(ours, theirs);
    assert.ok(ours.includes("800::7"));
    await api.deleteFilter(rt, "ea", {
      parent: "1:",
      priority: 3,
      protocol: "ip",
      handle: "800::7",
      kind: "u32",
    });
    assert.doesNotMatch(
      sh("tc", ["-n", ns, "filter", "show", "dev", "ea", "parent", "1:"]),
      /800::7/,
    );
  });
});

test("an aborted signal rejects every list*/get* and watch() with the signal's reason", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs(async (rt) => {
    const ac = new AbortController();
    ac.abort(new Error("stop here"));
    const signal = ac.signal;
    const calls: [string, () => Promise<unknown>][] = [
      ["listLinks", () => api.listLinks(rt, { signal })],
      ["getLink", () => api.getLink(rt, "ea", { signal })],
      ["listAddresses", () => api.listAddresses(rt, { signal })],
      ["listRoutes", () => api.listRoutes(rt, { signal })],
      ["getRoute", () => api.getRoute(rt, "10.0.0.9", { signal })],
      ["listNeighbours", () => api.listNeighbours(rt, { signal })],
      ["listRules", () => api.listRules(rt, { signal })],
      ["listQdiscs", () => api.listQdiscs(rt, { signal })],
      ["listFilters", () => api.listFilters(rt, { dev: "ea", signal })],
      ["listNetconf", () => api.listNetconf(rt, { signal })],
      ["listLinkStats", () => api.listLinkStats(rt, { signal })],
      ["watch", () => api.watch(rt, { groups: ["link"], signal })],
    ];
    for (const [what, call] of calls) {
      await assert.rejects(call(), (e: unknown) => e === signal.reason, what);
    }
    // The socket is still usable afterwards.
    assert.equal((await api.getLink(rt, "ea")).name, "ea");
  });
});
