/**
 * `examples/ip.ts` against iproute2: the same namespace shown by both tools, compared whole
 * (`ip -j …` and `ip.ts -j …` parsed and deep-equal; text outputs equal line for line), plus
 * the mutating commands checked with `ip -j`, and the error path.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runtimeCommand, sh, SKIP_KERNEL } from "./helpers.ts";

const pid = (globalThis as unknown as { process: { pid: number } }).process.pid;
const NS = `ipc${pid}`;
const IP_TS = new URL("../examples/ip.ts", import.meta.url).pathname;

/** Run ip.ts under the current runtime. */
function ipts(...args: string[]): { out: string; err: string; code: number } {
  const rt = runtimeCommand();
  const r = spawnSync(rt.argv[0], [...rt.argv.slice(1), IP_TS, "-n", NS, ...args], {
    encoding: "utf8",
  });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

/** Run a tool (`ip` or `tc`) in the namespace. */
function tool(cmd: string, ...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(cmd, ["-n", NS, ...args], { encoding: "utf8" });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

function parse(s: string): unknown {
  return s.trim() === "" ? [] : JSON.parse(s);
}

/** Both tools, back to back, JSON parsed and compared whole. */
function sameJson(cmd: "ip" | "tc", ...args: string[]): void {
  const want = tool(cmd, "-j", ...args);
  const got = ipts("-j", ...args);
  assert.equal(got.code, want.code, `exit code of ${args.join(" ")}: ${got.err}`);
  assert.deepEqual(parse(got.out), parse(want.out), `${cmd} -j ${args.join(" ")}`);
}

/** Both tools' text, line for line. */
function sameText(cmd: "ip" | "tc", ...args: string[]): void {
  const want = tool(cmd, ...args);
  const got = ipts(...args);
  assert.equal(got.err, want.err);
  assert.deepEqual(got.out.split("\n"), want.out.split("\n"), `${cmd} ${args.join(" ")}`);
}

const SETUP = [
  "link set lo up",
  "link add br0 type bridge",
  "link add va type veth peer name vb",
  "link add vc type veth peer name vd",
  "link set va master br0",
  "link set vc master br0",
  "link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1 dev vb",
  "link add mv0 link vd type macvlan mode bridge",
  "link set va up",
  "link set vb up",
  "link set vc up",
  "link set vd up",
  "link set mv0 up",
  "addr add 10.0.0.1/24 dev vb",
  "addr add 10.0.0.2/24 dev vb label vb:1",
  "addr add 10.9.0.1/16 brd + dev vd",
  "addr add 2001:db8::1/64 dev vb nodad",
  "addr add 2001:db8:1::1/64 dev vd nodad noprefixroute",
  "route add 10.1.0.0/16 via 10.0.0.2 dev vb table 100 metric 5",
  "route add 10.3.0.0/16 dev vb mtu 1400 advmss 1300",
  "route add blackhole 10.2.0.0/16",
  "route add unreachable 10.4.0.0/16",
  "route add prohibit 10.6.0.0/16 table 100",
  "route add 10.5.0.0/16 nexthop via 10.0.0.3 dev vb weight 2 nexthop via 10.9.0.3 dev vd",
  "route add 2001:db8:5::/48 via 2001:db8::2 dev vb pref high",
  "route add 2001:db8:6::/48 dev vb metric 77 table 100",
  "neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev vb nud permanent",
  "neigh add 2001:db8::9 lladdr 02:00:00:00:00:0a dev vb nud permanent",
  "neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev vd nud noarp",
  "rule add from 10.0.0.0/8 table 100 pref 1000",
  "rule add to 192.0.2.0/24 fwmark 0x10/0xff lookup 100 pref 1002",
];

let ready = false;
/** Build the namespace once, on first use; it is deleted when the process exits. */
function setup(): void {
  if (ready) return;
  ready = true;
  sh("ip", ["netns", "add", NS]);
  (globalThis as unknown as { process: { on(e: string, f: () => void): void } }).process.on(
    "exit",
    () => sh("ip", ["netns", "del", NS]),
  );
  // No duplicate address detection: link-local addresses are final at once, not tentative.
  sh("ip", ["netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"]);
  sh("ip", ["-n", NS, "-batch", "-"], SETUP.join("\n") + "\n");
  sh("ip", ["-n", NS, "-6", "rule", "add", "from", "2001:db8::/32", "table", "7", "pref", "1001"]);
  const tc = [
    "qdisc add dev vb root handle 1: htb default 10",
    "class add dev vb parent 1: classid 1:10 htb rate 1mbit",
    "class add dev vb parent 1:10 classid 1:20 htb rate 2500kbit ceil 10mbit burst 10k",
    "filter add dev vb parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.0/8 flowid 1:10",
  ];
  sh("tc", ["-n", NS, "-batch", "-"], tc.join("\n") + "\n");
}

/** A test of this file: the shared namespace is built before the first one runs. */
function ipTest(name: string, fn: () => void): void {
  test(name, { skip: SKIP_KERNEL }, () => {
    setup();
    fn();
  });
}

const jsonCases: ["ip" | "tc", string[]][] = [
  ["ip", ["link"]],
  ["ip", ["link", "show", "dev", "vb"]],
  ["ip", ["-6", "link"]],
  ["ip", ["-d", "link"]],
  ["ip", ["-d", "link", "show", "vx0"]],
  ["ip", ["-s", "link", "show", "dev", "vx0"]],
  ["ip", ["-s", "-s", "link", "show", "dev", "vx0"]],
  ["ip", ["address"]],
  ["ip", ["address", "show", "dev", "vb"]],
  ["ip", ["-4", "address"]],
  ["ip", ["-6", "address"]],
  ["ip", ["-d", "address"]],
  ["ip", ["route"]],
  ["ip", ["route", "show", "table", "all"]],
  ["ip", ["route", "show", "table", "100"]],
  ["ip", ["-6", "route"]],
  ["ip", ["-6", "route", "show", "table", "all"]],
  ["ip", ["-d", "route"]],
  ["ip", ["route", "show", "10.1.0.0/16", "table", "100"]],
  ["ip", ["route", "get", "10.1.2.3"]],
  ["ip", ["route", "get", "2001:db8::77"]],
  ["ip", ["neigh"]],
  ["ip", ["-6", "neigh"]],
  ["ip", ["neigh", "show", "nud", "all"]],
  ["ip", ["neigh", "show", "dev", "vb"]],
  ["ip", ["rule"]],
  ["ip", ["-6", "rule"]],
  ["tc", ["qdisc", "show"]],
  ["tc", ["qdisc", "show", "dev", "vb"]],
  ["tc", ["filter", "show", "dev", "vb"]],
];
for (const [cmd, args] of jsonCases) {
  ipTest(`${cmd} -j ${args.join(" ")}`, () => sameJson(cmd, ...args));
}

const textCases: ["ip" | "tc", string[]][] = [
  ["ip", ["-j", "-p", "link"]],
  ["ip", ["-j", "-p", "route"]],
  ["ip", ["address"]],
  ["ip", ["link"]],
  ["ip", ["-d", "link", "show", "dev", "va"]],
  ["ip", ["-s", "link", "show", "dev", "vx0"]],
  ["ip", ["route"]],
  ["ip", ["route", "show", "table", "all"]],
  ["ip", ["-6", "route"]],
  ["ip", ["neigh"]],
  ["ip", ["rule"]],
  ["tc", ["qdisc", "show"]],
  ["tc", ["filter", "show", "dev", "vb"]],
  // tc 6.1 prints classes as text, with or without -j.
  ["tc", ["class", "show", "dev", "vb"]],
  ["tc", ["-j", "class", "show", "dev", "vb"]],
  ["tc", ["-d", "class", "show", "dev", "vb"]],
];
for (const [cmd, args] of textCases) {
  ipTest(`${cmd} ${args.join(" ")} (text)`, () => sameText(cmd, ...args));
}

ipTest("link add/set/del", () => {
  let r = ipts("link", "add", "tx0", "type", "veth", "peer", "name", "tx1");
  assert.equal(r.code, 0, r.err);
  r = ipts("link", "add", "tbr", "type", "bridge");
  assert.equal(r.code, 0, r.err);
  r = ipts(
    "link",
    "set",
    "tx0",
    "up",
    "mtu",
    "1400",
    "master",
    "tbr",
    "address",
    "02:11:22:33:44:55",
  );
  assert.equal(r.code, 0, r.err);
  const [l] = parse(tool("ip", "-j", "link", "show", "tx0").out) as Record<string, unknown>[];
  assert.equal(l.mtu, 1400);
  assert.equal(l.master, "tbr");
  assert.equal(l.address, "02:11:22:33:44:55");
  assert.ok((l.flags as string[]).includes("UP"));
  assert.equal(l.link, "tx1");
  r = ipts("link", "set", "dev", "tx1", "name", "tx2");
  assert.equal(r.code, 0, r.err);
  assert.equal(tool("ip", "link", "show", "tx2").code, 0);
  sameJson("ip", "-d", "link", "show", "tx0");
  r = ipts("link", "del", "tx0");
  assert.equal(r.code, 0, r.err);
  r = ipts("link", "del", "dev", "tbr");
  assert.equal(r.code, 0, r.err);
  assert.notEqual(tool("ip", "link", "show", "tx2").code, 0);
});

ipTest("address add/del", () => {
  let r = ipts("address", "add", "10.44.0.1/24", "brd", "+", "dev", "vc", "label", "vc:x");
  assert.equal(r.code, 0, r.err);
  r = ipts("address", "add", "2001:db8:44::1/64", "dev", "vc", "nodad");
  assert.equal(r.code, 0, r.err);
  const [l] = parse(tool("ip", "-j", "address", "show", "dev", "vc").out) as {
    addr_info: Record<string, unknown>[];
  }[];
  const v4 = l.addr_info.find((a) => a.local === "10.44.0.1")!;
  assert.equal(v4.prefixlen, 24);
  assert.equal(v4.broadcast, "10.44.0.255");
  assert.equal(v4.label, "vc:x");
  const v6 = l.addr_info.find((a) => a.local === "2001:db8:44::1")!;
  assert.equal(v6.nodad, true);
  sameJson("ip", "address", "show", "dev", "vc");
  assert.equal(ipts("address", "del", "10.44.0.1/24", "dev", "vc").code, 0);
  assert.equal(ipts("address", "del", "2001:db8:44::1/64", "dev", "vc").code, 0);
  const [m] = parse(tool("ip", "-j", "address", "show", "dev", "vc").out) as {
    addr_info: Record<string, unknown>[];
  }[];
  assert.deepEqual(m.addr_info.filter((a) => a.family === "inet"), []);
});

ipTest("route add/replace/get/del", () => {
  let r = ipts(
    "route",
    "add",
    "10.71.0.0/16",
    "via",
    "10.0.0.2",
    "dev",
    "vb",
    "table",
    "200",
    "metric",
    "5",
  );
  assert.equal(r.code, 0, r.err);
  r = ipts("route", "add", "blackhole", "10.72.0.0/16");
  assert.equal(r.code, 0, r.err);
  r = ipts(
    "route",
    "add",
    "10.73.0.0/16",
    "nexthop",
    "via",
    "10.0.0.3",
    "dev",
    "vb",
    "weight",
    "3",
    "nexthop",
    "via",
    "10.9.0.3",
    "dev",
    "vd",
  );
  assert.equal(r.code, 0, r.err);
  r = ipts("route", "add", "10.74.0.0/16", "dev", "vb", "mtu", "1300", "proto", "static");
  assert.equal(r.code, 0, r.err);
  r = ipts("-6", "route", "add", "2001:db8:77::/48", "via", "2001:db8::2", "pref", "low");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(parse(tool("ip", "-j", "route", "show", "table", "200").out), [
    { dst: "10.71.0.0/16", gateway: "10.0.0.2", dev: "vb", metric: 5, flags: [] },
  ]);
  sameJson("ip", "route", "show", "table", "all");
  r = ipts(
    "route",
    "replace",
    "10.71.0.0/16",
    "via",
    "10.0.0.3",
    "dev",
    "vb",
    "table",
    "200",
    "metric",
    "5",
  );
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(parse(tool("ip", "-j", "route", "show", "table", "200").out), [
    { dst: "10.71.0.0/16", gateway: "10.0.0.3", dev: "vb", metric: 5, flags: [] },
  ]);
  sameJson("ip", "route", "get", "10.73.1.1");
  for (
    const args of [
      ["10.71.0.0/16", "table", "200", "metric", "5"],
      ["blackhole", "10.72.0.0/16"],
      ["10.73.0.0/16"],
      ["10.74.0.0/16"],
    ]
  ) {
    r = ipts("route", "del", ...args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
  }
  assert.equal(ipts("-6", "route", "del", "2001:db8:77::/48").code, 0);
  const left = parse(tool("ip", "-j", "route", "show", "table", "all").out) as { dst: string }[];
  assert.deepEqual(left.filter((x) => /^10\.7[1-4]\.|2001:db8:77:/.test(x.dst)), []);
});

ipTest("neigh add/del", () => {
  let r = ipts(
    "neigh",
    "add",
    "10.0.0.99",
    "lladdr",
    "02:00:00:00:00:99",
    "dev",
    "vb",
    "nud",
    "permanent",
  );
  assert.equal(r.code, 0, r.err);
  r = ipts("neigh", "add", "2001:db8::99", "lladdr", "02:00:00:00:00:9a", "dev", "vb");
  assert.equal(r.code, 0, r.err);
  const all = parse(tool("ip", "-j", "neigh", "show", "dev", "vb").out) as Record<
    string,
    unknown
  >[];
  assert.deepEqual(all.find((n) => n.dst === "10.0.0.99"), {
    dst: "10.0.0.99",
    lladdr: "02:00:00:00:00:99",
    state: ["PERMANENT"],
  });
  assert.ok(all.some((n) => n.dst === "2001:db8::99"));
  assert.equal(ipts("neigh", "del", "10.0.0.99", "dev", "vb").code, 0);
  assert.equal(ipts("neigh", "del", "2001:db8::99", "dev", "vb").code, 0);
  const left = parse(tool("ip", "-j", "neigh", "show", "dev", "vb").out) as { dst: string }[];
  assert.ok(!left.some((n) => n.dst === "10.0.0.99" || n.dst === "2001:db8::99"));
});

ipTest("rule add/del", () => {
  let r = ipts("rule", "add", "from", "10.55.0.0/16", "table", "100", "pref", "2000");
  assert.equal(r.code, 0, r.err);
  r = ipts("-6", "rule", "add", "to", "2001:db8:55::/48", "table", "100", "pref", "2001");
  assert.equal(r.code, 0, r.err);
  r = ipts("rule", "add", "iif", "vb", "lookup", "main", "pref", "2002");
  assert.equal(r.code, 0, r.err);
  const rules = parse(tool("ip", "-j", "rule").out) as Record<string, unknown>[];
  assert.deepEqual(rules.find((x) => x.priority === 2000), {
    priority: 2000,
    src: "10.55.0.0",
    srclen: 16,
    table: "100",
  });
  assert.deepEqual(rules.find((x) => x.priority === 2002), {
    priority: 2002,
    src: "all",
    iif: "vb",
    table: "main",
  });
  sameJson("ip", "-6", "rule");
  assert.equal(ipts("rule", "del", "pref", "2000").code, 0);
  assert.equal(ipts("rule", "del", "pref", "2002").code, 0);
  assert.equal(ipts("-6", "rule", "del", "pref", "2001").code, 0);
  const left = parse(tool("ip", "-j", "rule").out) as { priority: number }[];
  assert.ok(!left.some((x) => x.priority === 2000 || x.priority === 2002));
});

ipTest("errors print like ip and exit with 2", () => {
  for (
    const args of [
      ["link", "add", "va", "type", "veth", "peer", "name", "vzz"],
      ["route", "add", "10.77.0.0/16", "via", "192.0.2.1"],
      ["address", "del", "10.99.0.1/24", "dev", "vb"],
      ["route", "del", "10.88.0.0/16"],
      ["neigh", "del", "10.0.0.123", "dev", "vb"],
    ]
  ) {
    const want = tool("ip", ...args);
    const got = ipts(...args);
    assert.equal(want.code, 2, `ip ${args.join(" ")}`);
    assert.equal(got.code, 2, `ip.ts ${args.join(" ")}: ${got.err}`);
    assert.equal(got.err, want.err, args.join(" "));
    assert.equal(got.out, "");
  }
});
