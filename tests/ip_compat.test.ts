/**
 * `examples/ip.ts` against iproute2: the same namespace shown by both tools, compared whole
 * (`ip -j …` and `ip.ts -j …` parsed and deep-equal; text outputs equal line for line), with
 * the `show` filters the README lists and with traffic counters that are not zero; `ip monitor`
 * line for line; the mutating commands checked with `ip -j`, and each `link add`, `link set` and
 * `route add` option the README lists made by both tools and read back with `ip -j -d`; the
 * error path, kernel errors and command-line errors.
 */
import { lacksConfig, test, type TestOptions } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runtimeCommand, sh, SKIP_KERNEL, startScript, waitFor } from "./helpers.ts";

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
  "neigh add proxy 10.0.0.50 dev vb",
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
  statsTraffic();
  settle();
}

/**
 * Wait until the links that are up have their IPv6 link-local addresses (added when a veth's
 * carrier comes up, a moment after `link set up`), so the routes those add do not appear
 * between the two tools' runs of a test.
 */
function settle(): void {
  const end = Date.now() + 5000;
  const ready = () => {
    const links = parse(tool("ip", "-j", "-6", "address", "show", "up").out) as {
      ifname: string;
      addr_info: { scope: string; tentative?: boolean }[];
    }[];
    const want = ["va", "vb", "vc", "vd", "mv0"];
    return want.every((n) =>
      links.find((l) => l.ifname === n)?.addr_info.some((a) => a.scope === "link" && !a.tentative)
    );
  };
  while (!ready()) {
    if (Date.now() > end) throw new Error("no IPv6 link-local addresses after 5 s");
    spawnSync("sleep", ["0.05"]);
  }
}

/** Datagrams sent from `sa` by {@link statsTraffic}. */
const SENT = 5;

/**
 * A veth pair `sa`/`sb` that carries exactly {@link SENT} datagrams and nothing else (no IPv6,
 * so no router solicitations or MLD reports; a permanent neighbour, so no ARP), so the `-s`
 * cases compare counters that are not zero and do not move between the two tools' runs.
 */
function statsTraffic(): void {
  sh("ip", ["-n", NS, "link", "add", "sa", "type", "veth", "peer", "name", "sb"]);
  sh("ip", [
    ..."netns exec".split(" "),
    NS,
    ..."sysctl -qw net.ipv6.conf.sa.disable_ipv6=1 net.ipv6.conf.sb.disable_ipv6=1".split(" "),
  ]);
  const batch = [
    "addr add 10.8.0.1/24 dev sa",
    "neigh add 10.8.0.9 lladdr 02:00:00:00:08:09 dev sa nud permanent",
    "link set sa up",
    "link set sb up",
  ];
  sh("ip", ["-n", NS, "-batch", "-"], batch.join("\n") + "\n");
  const send = `for i in $(seq ${SENT}); do echo -n netlink >/dev/udp/10.8.0.9/9; done`;
  sh("ip", ["netns", "exec", NS, "bash", "-c", send]);
  // sb receives through the backlog: wait until all arrived (synchronously: setup is sync).
  const end = Date.now() + 5000;
  while (rxPackets("sb") < SENT) {
    if (Date.now() > end) throw new Error(`sb received ${rxPackets("sb")} of ${SENT} datagrams`);
    spawnSync("sleep", ["0.05"]);
  }
}

function rxPackets(dev: string): number {
  const [l] = parse(tool("ip", "-j", "-s", "link", "show", "dev", dev).out) as {
    stats64: { rx: { packets: number } };
  }[];
  return l.stats64.rx.packets;
}

/** A test of this file: the shared namespace is built before the first one runs. */
function ipTest(
  name: string,
  fn: () => void | Promise<void>,
  options: TestOptions = {},
): void {
  test(name, { ...options, skip: SKIP_KERNEL || options.skip }, () => {
    setup();
    return fn();
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
  // Counters that are not zero (statsTraffic).
  ["ip", ["-s", "link", "show", "dev", "sa"]],
  ["ip", ["-s", "-s", "link", "show", "dev", "sa"]],
  ["ip", ["-s", "link", "show", "dev", "sb"]],
  ["ip", ["-s", "address", "show", "dev", "sa"]],
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
  ["tc", ["-d", "qdisc", "show", "dev", "vb"]],
  ["tc", ["filter", "show", "dev", "vb"]],
  // The filters of `show` the README lists as supported.
  ["ip", ["link", "show", "type", "veth"]],
  ["ip", ["link", "show", "master", "br0"]],
  ["ip", ["address", "show", "type", "veth"]],
  ["ip", ["address", "show", "master", "br0"]],
  ["ip", ["route", "show", "dev", "vb"]],
  ["ip", ["route", "show", "table", "all", "dev", "vb"]],
  ["ip", ["-6", "route", "show", "dev", "vb"]],
  ["ip", ["route", "show", "proto", "kernel"]],
  ["ip", ["-6", "route", "show", "table", "all", "proto", "kernel"]],
  ["ip", ["route", "show", "scope", "link"]],
  ["ip", ["route", "show", "scope", "global"]],
  ["ip", ["route", "show", "proto", "kernel", "scope", "link", "dev", "vb"]],
  ["ip", ["route", "show", "type", "blackhole"]],
  ["ip", ["route", "show", "table", "all", "type", "unreachable"]],
  ["ip", ["route", "show", "table", "100", "type", "prohibit"]],
  ["ip", ["route", "show", "match", "10.0.0.5"]],
  ["ip", ["route", "show", "table", "all", "match", "10.0.0.5"]],
  ["ip", ["route", "show", "exact", "10.0.0.0/24"]],
  ["ip", ["route", "show", "table", "all", "exact", "10.0.0.1"]],
  ["ip", ["route", "show", "table", "all", "10.0.0.0/24"]],
  ["ip", ["-6", "route", "show", "match", "2001:db8::5"]],
  ["ip", ["-6", "route", "show", "exact", "2001:db8::/64"]],
  ["ip", ["neigh", "show", "nud", "permanent"]],
  ["ip", ["-6", "neigh", "show", "nud", "permanent"]],
  ["ip", ["neigh", "show", "dev", "vd", "nud", "noarp"]],
  ["ip", ["neigh", "show", "10.0.0.9"]],
  ["ip", ["neigh", "show", "proxy"]],
];
for (const [cmd, args] of jsonCases) {
  ipTest(`${cmd} -j ${args.join(" ")}`, () => {
    // A qdisc's counters (HTB's direct_packets_stat) move when a router solicitation or MLD
    // report leaves between the two tools' runs: compare again, a few times, before failing.
    for (let i = 0; cmd === "tc" && i < 3; i++) {
      try {
        return sameJson(cmd, ...args);
      } catch {
        spawnSync("sleep", ["0.2"]);
      }
    }
    sameJson(cmd, ...args);
  });
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

ipTest("the -s cases compare counters that are not zero", () => {
  const [sa] = parse(tool("ip", "-j", "-s", "link", "show", "dev", "sa").out) as {
    stats64: { tx: { packets: number; bytes: number } };
  }[];
  assert.equal(sa.stats64.tx.packets, SENT);
  assert.ok(sa.stats64.tx.bytes >= SENT * 42, `${sa.stats64.tx.bytes} bytes`);
  assert.equal(rxPackets("sb"), SENT);
});

/** Without the empty objects ip 6.1 prints for each link its `up`/`type` filter drops. */
function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.filter((x) => !(x && typeof x === "object" && Object.keys(x).length === 0))
      .map(dropEmpty);
  }
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dropEmpty(x)]));
  }
  return v;
}

// ip 6.1 opens a JSON object for every link before it applies `up` (and `type` with an
// address family) and prints it empty when the link is filtered out; ip.ts prints nothing.
for (
  const args of [
    ["link", "show", "up"],
    ["address", "show", "up"],
    ["link", "show", "type", "veth", "up"],
    ["-4", "address", "show", "type", "veth"],
  ]
) {
  ipTest(`ip -j ${args.join(" ")} (ip's empty objects dropped)`, () => {
    const want = tool("ip", "-j", ...args);
    const got = ipts("-j", ...args);
    assert.equal(got.code, want.code, got.err);
    const theirs = parse(want.out) as unknown[];
    const ours = parse(got.out) as unknown[];
    assert.deepEqual(dropEmpty(ours), ours, "ip.ts prints no empty objects");
    assert.ok(ours.length > 0, "the filter leaves something to compare");
    assert.deepEqual(ours, dropEmpty(theirs));
  });
}

/**
 * `ip monitor OBJECTS` and `ip.ts monitor OBJECTS` side by side: both are listening once both
 * print the marker that `mark(k)` makes (`isMark(k, line)`; made again until they do); then
 * `changes()`, then an end marker. Returns the lines each printed from the first marker to the
 * end one.
 */
async function monitorLines(
  objects: string[],
  mark: (k: number) => void,
  isMark: (k: number, line: string) => boolean,
  changes: () => void,
): Promise<{ want: string[]; got: string[] }> {
  const theirs = startScript(["ip", "-n", NS, "monitor", ...objects]);
  const ours = startScript([...runtimeCommand().argv, IP_TS, "-n", NS, "monitor", ...objects]);
  try {
    const at = (lines: string[], k: number) => lines.findIndex((l) => isMark(k, l));
    const both = (k: number) => () => at(theirs.lines, k) >= 0 && at(ours.lines, k) >= 0;
    let k = 0;
    for (; k < 20; k++) {
      mark(k);
      if (await waitFor(both(k), 1000, `marker ${k}`).then(() => true, () => false)) break;
    }
    assert.ok(k < 20, `no marker seen; ip.ts stderr: ${ours.stderr()}`);
    const start = k;
    changes();
    mark(++k);
    await waitFor(both(k), 5000, `the end marker`);
    return {
      want: theirs.lines.slice(at(theirs.lines, start), at(theirs.lines, k)),
      got: ours.lines.slice(at(ours.lines, start), at(ours.lines, k)),
    };
  } finally {
    theirs.kill();
    ours.kill();
  }
}

const ipNs = (...args: string[]) => sh("ip", ["-n", NS, ...args]);

ipTest("ip monitor address route: the same lines as ip monitor", async () => {
  try {
    const { want, got } = await monitorLines(
      ["address", "route"],
      (k) => ipNs("address", "add", `10.66.0.${k}/32`, "dev", "lo"),
      (k, l) => l.includes(` inet 10.66.0.${k}/32 `),
      () => {
        // A link made after the monitors started: named all the same (not "ifN").
        ipNs("link", "add", "mon0", "type", "bridge");
        ipNs("link", "set", "mon0", "up");
        ipNs("address", "add", "10.77.0.1/24", "dev", "mon0");
        ipNs("address", "add", "2001:db8:77::1/64", "dev", "mon0", "nodad");
        ipNs("route", "add", "10.78.0.0/16", "via", "10.77.0.2", "metric", "9");
        ipNs("route", "del", "10.78.0.0/16", "via", "10.77.0.2", "metric", "9");
        ipNs("address", "del", "10.77.0.1/24", "dev", "mon0");
        ipNs("link", "set", "mon0", "down");
      },
    );
    assert.ok(want.some((l) => l.startsWith("Deleted 10.78.0.0/16 via 10.77.0.2")), `${want}`);
    assert.ok(want.some((l) => l.includes("inet6 2001:db8:77::1/64")), `${want}`);
    assert.ok(want.some((l) => l.includes(": mon0    inet 10.77.0.1/24")), `${want}`);
    assert.deepEqual(got, want);
  } finally {
    spawnSync("ip", ["-n", NS, "link", "del", "mon0"]);
    for (let i = 0; i <= 20; i++) {
      spawnSync("ip", ["-n", NS, "address", "del", `10.66.0.${i}/32`, "dev", "lo"]);
    }
  }
});

ipTest("ip monitor link: the same lines as ip monitor", async () => {
  try {
    const { want, got } = await monitorLines(
      ["link"],
      (k) => ipNs("link", "set", "lo", "mtu", String(60000 + k)),
      (k, l) => l.startsWith("1: lo: ") && l.includes(` mtu ${60000 + k} `),
      () => {
        ipNs("link", "add", "mon1", "type", "bridge");
        ipNs("link", "set", "mon1", "up");
        ipNs("link", "set", "mon1", "mtu", "1400");
        ipNs("link", "set", "mon1", "alias", "an alias");
        ipNs("link", "del", "mon1");
      },
    );
    assert.ok(want.some((l) => l.startsWith("Deleted ") && l.includes(": mon1: ")), `${want}`);
    // ip's monitor prints links as `ip address` does: no mode, qlen or alias.
    assert.ok(!want.some((l) => / mode | qlen |alias /.test(l)), `${want}`);
    assert.deepEqual(got, want);
  } finally {
    spawnSync("ip", ["-n", NS, "link", "del", "mon1"]);
    spawnSync("ip", ["-n", NS, "link", "set", "lo", "mtu", "65536"]);
  }
});

/** What `ip -j -d link show dev NAME` prints, without what differs between two creations. */
function linkSnapshot(names: string[], keepAddress = false, ns = NS): unknown[] {
  return names.map((n) => {
    const r = spawnSync("ip", ["-n", ns, "-j", "-d", "link", "show", "dev", n], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `${n}: ${r.stderr}`);
    const [l] = JSON.parse(r.stdout) as Record<string, unknown>[];
    delete l.ifindex; // a new link gets a new index
    delete l.link_index; // and so may its peer (in another namespace)
    if (!keepAddress) delete l.address; // and a random MAC
    return l;
  });
}

/** Delete links by name (missing ones are fine). */
function deleteLinks(names: string[], ns = NS): void {
  for (const n of names) spawnSync("ip", ["-n", ns, "link", "del", "dev", n]);
}

// `link add`, each kind and option the README lists: made by ip, read back, deleted; made by
// ip.ts, read back, deleted; both readings equal. [ARGS, names created, options]
const linkAddCases: [string[], string[], TestOptions][] = [
  [["tv0", "type", "veth", "peer", "name", "tv1"], ["tv0", "tv1"], {}],
  [["tbr0", "type", "bridge"], ["tbr0"], {}],
  [
    "tvx0 type vxlan id 77 dstport 4790 dev vb local 10.0.0.1 remote 10.0.0.50 ttl 9 nolearning"
      .split(" "),
    ["tvx0"],
    {},
  ],
  [["tvx1", "type", "vxlan", "id", "78", "dstport", "4791", "dev", "vb", "group", "239.1.1.1"], [
    "tvx1",
  ], {}],
  [["tmv0", "link", "vd", "type", "macvlan", "mode", "private"], ["tmv0"], {}],
  [["tmv1", "link", "vd", "type", "macvlan", "mode", "bridge"], ["tmv1"], {}],
  [["tmt0", "link", "vd", "type", "macvtap", "mode", "vepa"], ["tmt0"], {
    skip: lacksConfig(["CONFIG_MACVTAP"]),
  }],
  [["tvl0", "link", "vb", "type", "vlan", "id", "42"], ["tvl0"], {
    skip: lacksConfig(["CONFIG_VLAN_8021Q"]),
  }],
  // A kind without options.
  [["tifb0", "type", "ifb"], ["tifb0"], { skip: lacksConfig(["CONFIG_IFB"]) }],
];
for (const [args, names, options] of linkAddCases) {
  ipTest(`ip.ts link add ${args.join(" ")}: what ip makes, read back by ip -j -d`, () => {
    deleteLinks(names);
    let r = tool("ip", "link", "add", ...args);
    assert.equal(r.code, 0, `ip: ${r.err}`);
    const want = linkSnapshot(names);
    deleteLinks(names);
    r = ipts("link", "add", ...args);
    assert.equal(r.code, 0, `ip.ts: ${r.err}`);
    const got = linkSnapshot(names);
    // …and ip.ts prints the new links' details as ip does.
    for (const n of names) sameJson("ip", "-d", "link", "show", "dev", n);
    deleteLinks(names);
    assert.deepEqual(got, want);
  }, options);
}

ipTest("tc -j qdisc show: fq_codel options", () => {
  deleteLinks(["fq0"]);
  sh("ip", ["-n", NS, "link", "add", "fq0", "type", "veth", "peer", "name", "fq1"]);
  try {
    sh("tc", ["-n", NS, "qdisc", "add", "dev", "fq0", "root", "fq_codel", "limit", "1000"]);
    sameJson("tc", "qdisc", "show", "dev", "fq0");
    sameJson("tc", "-d", "qdisc", "show", "dev", "fq0");
  } finally {
    deleteLinks(["fq0"]);
  }
}, { skip: lacksConfig(["CONFIG_NET_SCH_FQ_CODEL"]) });

// `link set`, each option the README lists, on a fresh veth ls0/ls1: by ip, then by ip.ts.
const NS2 = `${NS}b`;
const linkSetCases: string[][][] = [
  [["up"]],
  [["up"], ["down"]],
  [["mtu", "1400"]],
  [["name", "ls9"]],
  [["address", "02:12:34:56:78:9a"]],
  [["master", "br0"]],
  [["master", "br0"], ["nomaster"]],
  [["alias", "a link alias"]],
  [["txqueuelen", "500"]],
  [["netns", NS2]],
  [["up", "mtu", "1300", "txqueuelen", "100", "alias", "x"]],
];
for (const sets of linkSetCases) {
  const label = sets.map((s) => s.join(" ")).join("; ").replace(NS2, "OTHER-NETNS");
  ipTest(`ip.ts link set ${label}: what ip does, read back by ip -j -d`, () => {
    const renamed = sets.flat().includes("name") ? "ls9" : "ls0";
    const moved = sets.flat().includes("netns");
    if (moved) spawnSync("ip", ["netns", "add", NS2]);
    try {
      const reading = (run: (...a: string[]) => { code: number; err: string }) => {
        deleteLinks(["ls0", "ls9"]);
        deleteLinks(["ls0"], NS2);
        // Fixed MACs: a bridge's id comes from its ports' addresses.
        const veth = "link add ls0 address 02:00:00:00:10:00 type veth peer name ls1" +
          " address 02:00:00:00:10:01";
        let r: { code: number; err: string } = tool("ip", ...veth.split(" "));
        assert.equal(r.code, 0, r.err);
        for (const s of sets) {
          r = run("link", "set", "dev", "ls0", ...s);
          assert.equal(r.code, 0, `${s.join(" ")}: ${r.err}`);
        }
        const snap = linkSnapshot([renamed], true, moved ? NS2 : NS);
        deleteLinks(["ls0", "ls9"]);
        deleteLinks(["ls0"], NS2);
        return snap;
      };
      const want = reading((...a) => tool("ip", ...a));
      const got = reading(ipts);
      assert.deepEqual(got, want);
    } finally {
      if (moved) spawnSync("ip", ["netns", "del", NS2]);
    }
  });
}

// `route add`, each option the README lists: added by ip, all routes read back with
// `ip -j -d`, deleted; the same by ip.ts; both readings equal. [global options, ADD, DEL]
const routeAddCases: [string[], string[], string[]][] = [
  [[], "10.60.0.0/16 via 10.0.0.2 dev vb src 10.0.0.1 table 120 metric 7 proto static".split(" "), [
    "10.60.0.0/16",
    "table",
    "120",
    "metric",
    "7",
  ]],
  [
    [],
    "10.61.0.0/16 dev vb scope link mtu 1300 advmss 1200 hoplimit 9 initcwnd 10 window 5000"
      .split(" "),
    ["10.61.0.0/16"],
  ],
  [[], "10.62.0.0/16 via 10.99.0.1 dev vb onlink".split(" "), ["10.62.0.0/16"]],
  [[], "10.63.0.0/16 via 10.0.0.2 proto 99 scope global".split(" "), ["10.63.0.0/16"]],
  [
    [],
    "10.64.0.0/16 nexthop via 10.0.0.3 dev vb weight 4 nexthop via 10.9.0.3 dev vd".split(" "),
    ["10.64.0.0/16"],
  ],
  [["-6"], "2001:db8:60::/48 via 2001:db8::2 dev vb pref low metric 1".split(" "), [
    "2001:db8:60::/48",
    "metric",
    "1",
  ]],
  [["-6"], "2001:db8:61::/48 dev vb pref high mtu 1280 hoplimit 3".split(" "), [
    "2001:db8:61::/48",
  ]],
];
for (const [flags, add, del] of routeAddCases) {
  ipTest(`ip.ts ${[...flags, "route", "add", ...add].join(" ")}: what ip adds`, () => {
    const all = () => [
      parse(tool("ip", "-j", "-d", "route", "show", "table", "all").out),
      parse(tool("ip", "-j", "-d", "-6", "route", "show", "table", "all").out),
    ];
    const before = all();
    const reading = (run: (...a: string[]) => { code: number; err: string }) => {
      const r = run(...flags, "route", "add", ...add);
      assert.equal(r.code, 0, r.err);
      const snap = all();
      assert.notDeepEqual(snap, before, "the route was added");
      const d = tool("ip", ...flags, "route", "del", ...del);
      assert.equal(d.code, 0, d.err);
      assert.deepEqual(all(), before);
      return snap;
    };
    const want = reading((...a) => tool("ip", ...a));
    const got = reading(ipts);
    assert.deepEqual(got, want);
  });
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

ipTest("kernel errors print like ip and exit with 2", () => {
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

// Command-line errors: the common ones print ip's text and exit with ip's status.
const usageErrors: string[][] = [
  ["link", "show", "dev", "nosuch"],
  ["link", "show", "nosuch"],
  ["address", "show", "dev", "nosuch"],
  ["link", "set", "dev", "nosuch", "up"],
  ["link", "del", "nosuch"],
  ["address", "add", "10.1.1.1/24"],
  ["address", "add", "10.1.1.1/24", "dev", "nosuch"],
  ["route", "add", "10.50.0.0/16", "via"],
  ["route", "add", "10.50.0.0/16", "dev", "nosuch"],
  ["route", "show", "table", "nosuchtable"],
  ["route", "add", "10.50.0.0/16", "dev", "vb", "proto", "nosuchproto"],
  ["route", "add", "10.50.0.0/16", "dev", "vb", "scope", "nosuch"],
  ["neigh", "add", "10.0.0.1", "lladdr", "02:00:00:00:00:01"],
  ["neigh", "show", "nud", "bogus"],
  ["rule", "add", "pref", "abc", "table", "100"],
  ["rule", "add", "from", "10.0.0.0/8", "table", "nosuchtable"],
  ["bogus"],
  ["-z", "link"],
];
ipTest("command-line errors print like ip, with ip's exit status", () => {
  for (const args of usageErrors) {
    const want = tool("ip", ...args);
    const got = ipts(...args);
    assert.notEqual(want.code, 0, `ip ${args.join(" ")} fails`);
    assert.equal(got.err, want.err, args.join(" "));
    assert.equal(got.code, want.code, `exit status of ${args.join(" ")}`);
    assert.equal(got.out, want.out);
  }
});
