/**
 * `examples/ip.ts` commands against iproute2: each `flush`, `netns`, and `tc` command made by
 * `ip`/`tc` in one namespace and by ip.ts in a twin built the same way, the state afterwards
 * read back by `ip -j`/`tc` in both and compared; words ip.ts does not know exit as `ip` does
 * (same status, same message, nothing printed: never a `show`).
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { SKIP_KERNEL } from "./helpers.ts";
import { canonical, deleteNs, ipts, makeNs, parse, type Run, tool } from "./ip_helpers.ts";

const pid = (globalThis as unknown as { process: { pid: number } }).process.pid;
let serial = 0;
const name = (tag: string) => `ic${pid}${tag}${serial++}`;

/** A pair of veths with fixed addresses, addresses, routes, neighbours and rules. */
const SETUP = [
  "link set lo up",
  "link add va address 02:00:00:00:00:01 type veth peer name vb address 02:00:00:00:00:02",
  "link set va up",
  "link set vb up",
  "addr add 10.0.0.1/24 dev va",
  "addr add 10.0.0.2/24 dev va",
  "addr add 10.0.1.1/24 dev vb label vb:x",
  "addr add 2001:db8::1/64 dev va",
  "route add 10.1.0.0/16 via 10.0.0.9 proto static",
  "route add 10.2.0.0/16 via 10.0.0.9 table 100",
  "route add 10.1.5.0/24 dev vb metric 7",
  "route add blackhole 10.3.0.0/16",
  "neigh add 10.0.0.20 lladdr 02:00:00:00:00:20 dev va",
  "neigh add 10.0.0.21 lladdr 02:00:00:00:00:21 dev va nud reachable",
  "neigh add 10.0.0.22 lladdr 02:00:00:00:00:22 dev va nud stale",
  "neigh add 10.0.1.23 lladdr 02:00:00:00:00:23 dev vb nud stale",
  "rule add from 10.9.0.0/16 table 100 pref 100",
  "rule add to 10.8.0.0/16 table 100 pref 101 proto static",
];

/** What a namespace looks like to `ip -j` after a command: the listing, as a set. */
function state(ns: string, show: string[]): unknown {
  const r = tool("ip", ns, "-j", ...show);
  assert.equal(r.code, 0, r.err);
  // IPv6 multicast neighbours come and go with MLD: not part of what a flush leaves.
  const v = parse(r.out) as Record<string, unknown>[];
  return canonical(v.filter((x) => !String(x.dst ?? "").startsWith("ff02::")));
}

/**
 * Two namespaces built from SETUP; `ip ARGS` in one, `ip.ts ARGS` in the other; the same exit
 * status and messages, and the same state read with `ip -j SHOW` in both.
 */
function twins(args: string[], show: string[], setup = SETUP): void {
  const a = name("a"), b = name("b");
  makeNs(a, setup);
  makeNs(b, setup);
  try {
    const before = state(a, show);
    const want = tool("ip", a, ...args);
    const got = ipts(b, ...args);
    assert.equal(got.code, want.code, `exit status; ip.ts said ${got.err}`);
    assert.equal(got.err, want.err);
    assert.equal(got.out, want.out);
    const after = state(a, show);
    if (want.code === 0) assert.notDeepEqual(after, before, `ip ${args.join(" ")} changed nothing`);
    assert.deepEqual(state(b, show), after, `after ${args.join(" ")}`);
  } finally {
    deleteNs(a);
    deleteNs(b);
  }
}

const flushCases: [string[], string[]][] = [
  [["address", "flush", "dev", "va"], ["address"]],
  [["-4", "address", "flush", "dev", "va"], ["address"]],
  [["address", "flush", "to", "10.0.0.0/24"], ["address"]],
  [["address", "flush", "label", "vb:x"], ["address"]],
  [["-6", "address", "flush", "dev", "va", "scope", "global"], ["address"]],
  [["route", "flush", "table", "main"], ["route", "show", "table", "all"]],
  [["route", "flush", "root", "10.1.0.0/16"], ["route", "show", "table", "all"]],
  [["route", "flush", "dev", "vb"], ["route", "show", "table", "all"]],
  [["route", "flush", "proto", "static"], ["route", "show", "table", "all"]],
  [["route", "flush", "table", "100"], ["route", "show", "table", "all"]],
  [["route", "flush", "type", "blackhole"], ["route", "show", "table", "all"]],
  [["-6", "route", "flush", "dev", "va"], ["-6", "route", "show", "table", "all"]],
  [["neigh", "flush", "dev", "va"], ["neigh", "show", "nud", "all"]],
  [["neigh", "flush", "all"], ["neigh", "show", "nud", "all"]],
  [["neigh", "flush", "dev", "va", "nud", "stale"], ["neigh", "show", "nud", "all"]],
  [["neigh", "flush", "to", "10.0.1.0/24"], ["neigh", "show", "nud", "all"]],
  [["rule", "flush"], ["rule"]],
  [["-6", "rule", "flush"], ["-6", "rule"]],
  [["rule", "flush", "protocol", "static"], ["rule"]],
  [["rule", "flush", "table", "100"], ["rule"]],
  [["rule", "flush", "from", "10.0.0.0/8"], ["rule"]],
  [["rule", "flush", "pref", "101"], ["rule"]],
];
for (const [args, show] of flushCases) {
  test(`ip.ts ${args.join(" ")}: the state ip ${args.join(" ")} leaves`, {
    skip: SKIP_KERNEL,
  }, () => twins(args, show));
}

// Words ip does not know, and incomplete or wrong commands: the same message and status as
// ip, and no output at all (ip.ts once showed the objects instead).
const errorCases: string[][] = [
  ["foo"],
  ["link", "foo"],
  ["link", "dev", "va"],
  ["link", "help"],
  ["address", "foo"],
  ["route", "foo"],
  ["neigh", "foo"],
  ["rule", "foo"],
  ["monitor", "foo"],
  ["monitor", "dev", "nosuch"],
  ["monitor", "link", "dev"],
  ["netns", "foo"],
  ["address", "flush"],
  ["route", "flush"],
  ["neigh", "flush"],
  ["link", "set"],
  ["link", "del"],
  ["link", "set", "dev", "va", "txqueuelen", "abc"],
  ["link", "set", "dev", "va", "mtu", "abc"],
  ["link", "set", "dev", "va", "bogus"],
  ["link", "add", "v9", "type", "vxlan", "id", "abc"],
  ["link", "add", "v9", "link", "va", "type", "macvlan", "mode", "bogus"],
  ["link", "add", "x0", "type", "veth", "peer", "name"],
  ["link", "add", "v9"],
  ["address", "add", "10.0.0.9/24", "dev", "va", "bogus"],
  ["address", "flush", "dev", "nosuch"],
  ["route", "add", "10.0.0.0/8", "dev", "va", "bogus"],
  ["route", "add", "10.0.0.0/8", "dev", "va", "metric", "abc"],
  ["route", "add", "1.2.3.0/24", "dev", "va", "table", "abc"],
  ["route", "show", "bogus"],
  ["route", "get"],
  ["route", "get", "10.0.0.1", "bogus"],
  ["route", "get", "10.0.0.1", "2001:db8::1"],
  ["route", "add", "blackhole"],
  ["neigh", "add", "10.0.0.1", "dev", "va", "lladdr", "zz"],
  ["neigh", "flush", "dev", "nosuch"],
  ["rule", "add", "bogus"],
  ["rule", "del"],
  ["rule", "delete"],
  ["route", "add"],
  ["route", "del"],
  ["route", "add", "via", "10.0.0.9"],
  ["route", "replace", "dev", "va"],
  ["help"],
  ["netns", "add"],
  ["netns", "exec"],
  ["netns", "del", "nosuch"],
  ["netns", "exec", "nosuch", "true"],
  ["-x", "link"],
];
test("words ip does not know: ip's message and exit status, nothing shown", {
  skip: SKIP_KERNEL,
}, () => {
  const ns = name("e");
  makeNs(ns, SETUP);
  try {
    for (const args of errorCases) {
      const want = tool("ip", ns, ...args);
      const got = ipts(ns, ...args);
      const what = `ip ${args.join(" ")}`;
      assert.notEqual(want.code, 0, `${what} fails`);
      assert.equal(got.code, want.code, `exit status of ${what}: ${got.err}`);
      assert.equal(got.out, "", `${what} prints nothing on stdout`);
      // ip's usage text is its own: its first line is ip's (ip.ts names the man page after
      // it); every other message is ip's whole message.
      if (want.err.startsWith("Usage: ")) {
        const first = want.err.split("\n")[0];
        if (args.at(-1) !== "help") {
          assert.ok(got.err.startsWith(`${first} `) || got.err.startsWith(`${first}\n`), what);
        } else assert.ok(got.err.startsWith("Usage: "), `${what}: ${got.err}`);
        continue;
      }
      assert.equal(got.err, want.err, what);
    }
  } finally {
    deleteNs(ns);
  }
});

/** Rules for the selectors of `ip rule show`. */
const RULES = [
  ...SETUP,
  "rule add from 10.9.1.1 iif va table 101 pref 102",
  "rule add not from 10.7.0.0/16 oif vb fwmark 0x10/0xff table 102 pref 103",
  "rule add tos 0x10 table main pref 104",
  "rule add to 10.8.1.0/24 lookup 100 pref 105",
];

// `ip rule show SELECTOR` (ip 6.1 parses `protocol` there but does not filter by it: left out).
const ruleShowCases: string[][] = [
  ["from", "10.9.0.0/16"],
  ["from", "10.0.0.0/8"],
  ["from", "10.9.1.1"],
  ["src", "10.9.0.0/17"],
  ["to", "10.8.0.0/16"],
  ["10.8.0.0/15"],
  ["dst", "10.8.1.0/24"],
  ["all"],
  ["from", "all"],
  ["table", "100"],
  ["lookup", "main"],
  ["pref", "101"],
  ["order", "32766"],
  ["iif", "va"],
  ["dev", "va"],
  ["oif", "vb"],
  ["fwmark", "0x10"],
  ["fwmark", "0x10/0xff"],
  ["fwmark", "0x10/0xf"],
  ["not"],
  ["tos", "0x10"],
  ["to", "10.8.0.0/16", "table", "100"],
  ["from", "10.9.1.0/24", "iif", "va"],
  ["from", "bogus"],
  ["table", "bogus"],
  ["pref", "abc"],
  ["fwmark", "abc"],
  ["tos"],
];
test("rule show with selectors: what ip rule show prints, text and JSON", {
  skip: SKIP_KERNEL,
}, () => {
  const ns = name("r");
  makeNs(ns, RULES);
  try {
    const six = "-6 rule add from 2001:db8::/32 table 7 pref 1001".split(" ");
    assert.equal(tool("ip", ns, ...six).code, 0);
    const cases = [
      ...ruleShowCases.map((c) => ["rule", "show", ...c]),
      ["-6", "rule", "show", "from", "2001:db8::/32"],
      ["-6", "rule", "show", "table", "7"],
      ["-6", "rule", "show", "from", "10.0.0.0/8"],
    ];
    let selected = 0;
    for (const args of cases) {
      const what = `ip ${args.join(" ")}`;
      for (const json of [[], ["-j"]]) {
        const want = tool("ip", ns, ...json, ...args);
        const got = ipts(ns, ...json, ...args);
        assert.equal(got.code, want.code, `exit status of ${what}: ${got.err}`);
        assert.equal(got.err, want.err, what);
        if (json.length) assert.deepEqual(parse(got.out), parse(want.out), `-j ${what}`);
        else assert.equal(got.out, want.out, what);
      }
      const all = tool("ip", ns, ...(args[0] === "-6" ? ["-6"] : []), "rule").out;
      const lines = tool("ip", ns, ...args).out;
      if (lines !== "" && lines !== all) selected++;
    }
    assert.ok(selected >= 15, `${selected} selectors chose some rules but not all`);
  } finally {
    deleteNs(ns);
  }
});

test("netns add/list/exec/set/list-id/del like ip netns", { skip: SKIP_KERNEL }, () => {
  const a = name("n"), b = name("n"), c = name("n");
  try {
    let r: Run = ipts("", "netns", "add", a);
    assert.equal(r.code, 0, r.err);
    assert.equal(spawnSync("ip", ["netns", "add", b]).status, 0);
    assert.equal(ipts("", "netns", "add", c).code, 0);
    // ip sees ours as its own; both list the same, in the same order.
    const list = (run: (...x: string[]) => Run) => run("netns", "list").out;
    const viaIp = (...x: string[]) => {
      const s = spawnSync("ip", x, { encoding: "utf8" });
      return { out: s.stdout, err: s.stderr, code: s.status ?? -1 };
    };
    const ours = (...x: string[]) => ipts("", ...x);
    assert.equal(list(ours), list(viaIp));
    assert.ok(list(ours).includes(`${a}\n`) && list(ours).includes(`${c}\n`));
    assert.deepEqual(
      parse(ours("-j", "netns", "list").out),
      parse(viaIp("-j", "netns", "list").out),
    );
    // A namespace of ours is one ip can enter, and ours runs commands in ip's.
    assert.deepEqual(
      parse(tool("ip", a, "-j", "link").out),
      parse(ours("-n", a, "-j", "link").out),
    );
    r = ours("netns", "exec", b, "ip", "-j", "link");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(parse(r.out), parse(tool("ip", b, "-j", "link").out));
    assert.equal(ours("netns", "exec", b, "sh", "-c", "exit 7").code, 7, "the command's status");
    // ids
    assert.equal(ours("netns", "set", a, "17").code, 0);
    assert.equal(list(ours), list(viaIp));
    assert.ok(list(ours).includes(`${a} (id: 17)`));
    assert.equal(ours("netns", "list-id").out, viaIp("netns", "list-id").out);
    // the same errors as ip
    for (const args of [["netns", "add", a], ["netns", "del", `${a}x`]]) {
      const want = viaIp(...args), got = ours(...args);
      assert.equal(got.code, want.code, args.join(" "));
      assert.equal(got.err, want.err, args.join(" "));
    }
    r = ours("netns", "del", a);
    assert.equal(r.code, 0, r.err);
    assert.ok(!list(viaIp).includes(`${a}\n`), "ip no longer lists it");
  } finally {
    for (const n of [a, b, c]) deleteNs(n);
  }
});

/** tc state: qdiscs, classes and filters of va as tc prints them. */
function tcState(ns: string): string[] {
  const run = (...a: string[]) => {
    const r = tool("tc", ns, ...a);
    assert.equal(r.code, 0, r.err);
    return r.out;
  };
  return [
    run("qdisc", "show", "dev", "va"),
    run("-d", "class", "show", "dev", "va"),
    run("filter", "show", "dev", "va"),
    run("filter", "show", "dev", "vb", "egress"),
  ];
}

/** A veth pair without IPv6 (no router solicitations or MLD through the qdiscs). */
const TC_SETUP = [
  "link add va address 02:00:00:00:00:01 type veth peer name vb address 02:00:00:00:00:02",
  "link set va addrgenmode none",
  "link set vb addrgenmode none",
  "link set va up",
  "link set vb up",
];

/** tc commands by tc in one twin and by ip.ts in the other; tc reads both the same. */
function tcTwins(commands: string[][]): void {
  const a = name("t"), b = name("t");
  makeNs(a, TC_SETUP);
  makeNs(b, TC_SETUP);
  try {
    for (const c of commands) {
      const want = tool("tc", a, ...c);
      const got = ipts(b, ...c);
      assert.equal(want.code, 0, `tc ${c.join(" ")}: ${want.err}`);
      assert.equal(got.code, 0, `ip.ts ${c.join(" ")}: ${got.err}`);
      assert.deepEqual(tcState(b), tcState(a), `after ${c.join(" ")}`);
    }
  } finally {
    deleteNs(a);
    deleteNs(b);
  }
}

test("qdisc/class/filter add, change, replace, del: what tc makes", {
  skip: SKIP_KERNEL,
}, () => {
  tcTwins([
    "qdisc add dev va root handle 1: htb default 10 r2q 5".split(" "),
    "class add dev va parent 1: classid 1:10 htb rate 1mbit ceil 2mbit prio 2".split(" "),
    "class add dev va parent 1: classid 1:20 htb rate 500kbit burst 10k".split(" "),
    ("filter add dev va parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.0/8 " +
      "match ip dport 80 0xffff flowid 1:10").split(" "),
    ("filter add dev va parent 1: protocol ip prio 2 u32 match ip src 10.1.0.0/16 " +
      "flowid 1:20 action mirred egress redirect dev vb").split(" "),
    "class change dev va parent 1: classid 1:20 htb rate 700kbit".split(" "),
    "class replace dev va parent 1: classid 1:10 htb rate 3mbit".split(" "),
    "filter del dev va parent 1: prio 2 protocol ip".split(" "),
    "class del dev va classid 1:20".split(" "),
    "qdisc add dev vb clsact".split(" "),
    ["filter", "add", "dev", "vb", "egress", "prio", "1", "bpf", "bytecode", "1,6 0 0 0", "da"],
    "qdisc del dev vb clsact".split(" "),
    "qdisc replace dev va root handle 2: tbf rate 1mbit burst 10k latency 50ms".split(" "),
    "qdisc change dev va root handle 2: tbf rate 2mbit burst 20k limit 30000".split(" "),
    "qdisc del dev va root".split(" "),
  ]);
});
