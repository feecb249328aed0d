/**
 * `examples/ip.ts` output against iproute2's, in one namespace: `-o` and `-br` for links and
 * addresses, `-s -h`, the route selectors `from`, `via`, `src`, `metric`, `root`, `match`,
 * `exact` and a bare address, `-6 address show dev`, and `ip monitor` for every object it
 * prints (with `all`/`label` banners and `-t`/`-ts` timestamps), all compared line for line
 * (JSON parsed and deep-equal); `-j monitor` lines are JSON and mark deletions.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runtimeCommand, sh, SKIP_KERNEL, startScript, waitFor } from "./helpers.ts";
import { IP_TS, makeNs, monitorLines, sameJson, sameText } from "./ip_helpers.ts";

const pid = (globalThis as unknown as { process: { pid: number } }).process.pid;
const NS = `io${pid}`;

const SETUP = [
  "link set lo up",
  "link add va address 02:00:00:00:00:01 type veth peer name vb address 02:00:00:00:00:02",
  "link add vc address 02:00:00:00:00:03 type veth peer name vd address 02:00:00:00:00:04",
  "link add br0 address 02:00:00:00:00:05 type bridge",
  "link set vc master br0",
  "link set va up",
  "link set vb up",
  "link set vc up",
  'link set va alias "first veth"',
  "addr add 10.0.0.1/24 dev va",
  "addr add 10.0.0.2/24 dev va label va:1",
  "addr add 10.0.1.1/24 dev vb",
  "addr add 2001:db8::1/64 dev va",
  "addr add 10.9.0.1 peer 10.9.0.2/32 dev vb",
  "route add 10.1.0.0/16 via 10.0.0.9 metric 5",
  "route add 10.1.2.0/24 via 10.0.0.8",
  "route add 10.1.2.128/25 dev vb src 10.0.1.1",
  "route add 10.2.0.0/16 via 10.0.1.9 table 100",
  "route add default via 10.0.0.254",
  "route add 2001:db8:9::/48 from 2001:db8::/64 via 2001:db8::9",
];

let ready = false;
function setup(): void {
  if (ready) return;
  ready = true;
  makeNs(NS, SETUP);
  // IPv6 link-local addresses on the links that are up: wait until they are there.
  const end = Date.now() + 5000;
  while (!/fe80::ff:fe00:2/.test(sh("ip", ["-n", NS, "-6", "address", "show", "dev", "vb"]))) {
    if (Date.now() > end) throw new Error("no link-local address on vb");
    spawnSync("sleep", ["0.05"]);
  }
}

function outTest(name: string, fn: () => void | Promise<void>): void {
  test(name, { skip: SKIP_KERNEL }, () => {
    setup();
    return fn();
  });
}

const textCases: string[][] = [
  ["-o", "link"],
  ["-o", "address"],
  ["-o", "-4", "address"],
  ["-o", "address", "show", "dev", "va"],
  ["-o", "-d", "link", "show", "dev", "va"],
  ["-br", "link"],
  ["-br", "address"],
  ["-br", "-4", "address"],
  ["-br", "-6", "address"],
  ["-br", "link", "show", "master", "br0"],
  ["-6", "address", "show", "dev", "va"],
  ["-s", "-h", "link", "show", "dev", "lo"],
  ["route", "show", "via", "10.0.0.9"],
  ["route", "show", "src", "10.0.1.1"],
  ["route", "show", "metric", "5"],
  ["-6", "route", "show", "from", "2001:db8::/64"],
];
for (const args of textCases) {
  outTest(`ip ${args.join(" ")} (text)`, () => sameText("ip", NS, ...args));
}

const jsonCases: string[][] = [
  ["-o", "link"],
  ["-br", "link"],
  ["-br", "address"],
  ["-br", "-4", "address"],
  ["-6", "address", "show", "dev", "va"],
  ["route", "show", "via", "10.0.0.9"],
  ["route", "show", "via", "10.0.0.0/24"],
  ["route", "show", "src", "10.0.1.1"],
  ["route", "show", "metric", "5"],
  ["route", "show", "metric", "0"],
  ["route", "show", "root", "10.1.0.0/16"],
  ["route", "show", "match", "10.1.2.200"],
  ["route", "show", "match", "10.1.2.0/24"],
  ["route", "show", "exact", "10.1.2.0/24"],
  ["route", "show", "10.1.2.0/24"],
  ["route", "show", "10.1.2.200"],
  ["route", "show", "default"],
  ["route", "show", "table", "all", "root", "10.0.0.0/8"],
  ["-6", "route", "show", "from", "2001:db8::/64"],
  ["-6", "route", "show", "from", "2001:db8:1::/64"],
];
for (const args of jsonCases) {
  outTest(`ip -j ${args.join(" ")}`, () => sameJson("ip", NS, ...args));
}

// Address selectors: text only (ip 6.1's JSON for them is not what its text says: it prints
// the addresses filtered out as `{}` and leaves the link's own fields out).
for (
  const args of [
    ["address", "show", "label", "va:1"],
    ["address", "show", "label", "va*"],
    ["address", "show", "to", "10.0.0.0/24"],
    ["address", "show", "scope", "global"],
    ["address", "show", "scope", "link"],
    ["address", "show", "secondary"],
    ["address", "show", "dev", "va", "scope", "global"],
    ["-4", "address", "show", "permanent"],
  ]
) {
  outTest(`ip ${args.join(" ")} (text)`, () => sameText("ip", NS, ...args));
}

// -h (human) with counters past 1000: traffic of our own on a pair of its own.
outTest("ip -s -h link: counters past 1000 as ip -h prints them", () => {
  sh("ip", ["-n", NS, "link", "add", "ha", "type", "veth", "peer", "name", "hb"]);
  try {
    sh("ip", ["netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.ha.disable_ipv6=1"]);
    sh("ip", ["netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf.hb.disable_ipv6=1"]);
    sh(
      "ip",
      ["-n", NS, "-batch", "-"],
      [
        "addr add 10.88.0.1/24 dev ha",
        "neigh add 10.88.0.9 lladdr 02:00:00:00:88:09 dev ha nud permanent",
        "link set ha up",
        "link set hb up",
      ].join("\n") + "\n",
    );
    const send = "for i in $(seq 40); do echo -n " + "x".repeat(400) +
      " >/dev/udp/10.88.0.9/9; done";
    sh("ip", ["netns", "exec", NS, "bash", "-c", send]);
    const tx = JSON.parse(sh("ip", ["-n", NS, "-j", "-s", "link", "show", "dev", "ha"]))[0]
      .stats64.tx.bytes as number;
    assert.ok(tx > 10_000, `${tx} bytes sent`);
    sameText("ip", NS, "-s", "-h", "link", "show", "dev", "ha");
    sameText("ip", NS, "-s", "-s", "-h", "link", "show", "dev", "ha");
  } finally {
    spawnSync("ip", ["-n", NS, "link", "del", "ha"]);
  }
});

const ipNs = (...args: string[]) => sh("ip", ["-n", NS, ...args]);

/** Marker: an address on lo, seen by monitors of addresses (and `all`). */
const addrMark = (k: number) => ipNs("address", "add", `10.66.0.${k}/32`, "dev", "lo");
const isAddrMark = (k: number, l: string) => l.includes(` inet 10.66.0.${k}/32 `);
/** Marker: lo's MTU, seen by monitors of links. */
const linkMark = (k: number) => ipNs("link", "set", "lo", "mtu", String(60000 + k));
const isLinkMark = (k: number, l: string) =>
  l.startsWith("1: lo: ") && l.includes(` mtu ${60000 + k} `);
/** Marker: a neighbour entry, seen by monitors of neighbours. */
const neighMark = (k: number) =>
  ipNs("neigh", "replace", `10.0.0.${100 + k}`, "lladdr", "02:00:00:00:01:00", "dev", "va");
const isNeighMark = (k: number, l: string) => l.includes(`10.0.0.${100 + k} dev va`);
/** The same entry as `monitor dev va` prints it (no `dev`). */
const isNeighMarkOnVa = (k: number, l: string) => l.startsWith(`10.0.0.${100 + k} lladdr `);
/** Marker: an address on va, seen by monitors of va's addresses (and `dev va`). */
const vaMark = (k: number) => ipNs("address", "add", `10.67.0.${k}/32`, "dev", "va");
const isVaMark = (k: number, l: string) => l.includes(` inet 10.67.0.${k}/32 `);

/** Changes of every kind of object `ip monitor` prints. */
function changes(): void {
  ipNs("link", "add", "mon0", "type", "bridge");
  ipNs("link", "set", "mon0", "up");
  ipNs("address", "add", "10.77.0.1/24", "dev", "mon0");
  ipNs("route", "add", "10.78.0.0/16", "via", "10.77.0.2", "metric", "9");
  ipNs("route", "del", "10.78.0.0/16", "via", "10.77.0.2", "metric", "9");
  ipNs("neigh", "add", "10.0.0.77", "lladdr", "02:00:00:00:00:77", "dev", "va");
  ipNs("neigh", "del", "10.0.0.77", "dev", "va");
  ipNs("rule", "add", "pref", "777", "table", "77");
  ipNs("rule", "del", "pref", "777");
  sh("ip", ["netns", "exec", NS, "sysctl", "-qw", "net.ipv4.conf.mon0.forwarding=1"]);
  const other = `${NS}x`;
  sh("ip", ["netns", "add", other]);
  ipNs("netns", "set", other, "77"); // deleted afterwards: ip.ts looks its name up a moment later
  ipNs("address", "del", "10.77.0.1/24", "dev", "mon0");
  ipNs("link", "del", "mon0");
}

function cleanupMarks(): void {
  spawnSync("ip", ["netns", "del", `${NS}x`]);
  spawnSync("ip", ["-n", NS, "link", "del", "mon0"]);
  spawnSync("ip", ["-n", NS, "link", "set", "lo", "mtu", "65536"]);
  for (let i = 0; i <= 21; i++) {
    spawnSync("ip", ["-n", NS, "address", "del", `10.66.0.${i}/32`, "dev", "lo"]);
    spawnSync("ip", ["-n", NS, "neigh", "del", `10.0.0.${100 + i}`, "dev", "va"]);
    spawnSync("ip", ["-n", NS, "address", "del", `10.67.0.${i}/32`, "dev", "va"]);
  }
}

const monitorCases: [string[], (k: number) => void, (k: number, l: string) => boolean][] = [
  [[], addrMark, isAddrMark],
  [["all"], addrMark, isAddrMark],
  [["label", "link", "address"], addrMark, isAddrMark],
  [["link"], linkMark, isLinkMark],
  [["neigh", "rule", "netconf", "nsid"], neighMark, isNeighMark],
  [["label", "neigh", "rule", "netconf", "nsid"], neighMark, isNeighMark],
  [["-4", "address", "route", "neigh"], addrMark, isAddrMark],
  [["dev", "va"], vaMark, isVaMark],
  [["neigh", "route", "dev", "va"], neighMark, isNeighMarkOnVa],
];
for (const [args, mark, isMark] of monitorCases) {
  const objects = args.filter((a) => a !== "-4");
  outTest(
    `ip ${args.includes("-4") ? "-4 " : ""}monitor ${objects.join(" ")}: ip's lines`,
    async () => {
      try {
        // -4 is a global option: before "monitor".
        const family = args.includes("-4") ? ["-4"] : [];
        const run = family.length
          ? await monitorWithOptions(family, objects, mark, isMark)
          : await monitorLines(NS, objects, mark, isMark, changes);
        assert.ok(run.want.length > 2, `ip printed ${run.want.join("\n")}`);
        assert.deepEqual(run.got, run.want);
      } finally {
        cleanupMarks();
      }
    },
  );
}

/** Like `monitorLines`, with global options for both tools (ip.ts and ip take them first). */
async function monitorWithOptions(
  options: string[],
  objects: string[],
  mark: (k: number) => void,
  isMark: (k: number, l: string) => boolean,
): Promise<{ want: string[]; got: string[] }> {
  const theirs = startScript(["ip", "-n", NS, ...options, "monitor", ...objects]);
  const ours = startScript([
    ...runtimeCommand().argv,
    IP_TS,
    "-n",
    NS,
    ...options,
    "monitor",
    ...objects,
  ]);
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
    await waitFor(both(k), 5000, "the end marker");
    return {
      want: theirs.lines.slice(at(theirs.lines, start), at(theirs.lines, k)),
      got: ours.lines.slice(at(ours.lines, start), at(ours.lines, k)),
    };
  } finally {
    theirs.kill();
    ours.kill();
  }
}

outTest("ip monitor -t and -ts: ip's lines, timestamps in ip's formats", async () => {
  try {
    for (const option of ["-t", "-ts"]) {
      const run = await monitorWithOptions([option], ["address", "route"], addrMark, isAddrMark);
      // Timestamp: Sat Jan  1 00:00:00 2022 123456 usec   /   [2022-01-01T00:00:00.123456]
      const stamp = option === "-t"
        ? /^Timestamp: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d{1,6} usec$/
        : /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\] /;
      const strip = (lines: string[]) =>
        lines.map((l) => l.replace(option === "-t" ? /^Timestamp: .*$/ : stamp, "<time>"));
      assert.ok(run.got.some((l) => stamp.test(l)), run.got.join("\n"));
      assert.ok(run.got.filter((l) => stamp.test(l)).length >= 4, "a stamp per event");
      assert.deepEqual(strip(run.got), strip(run.want));
      cleanupMarks();
    }
  } finally {
    cleanupMarks();
  }
});

outTest("ip -j monitor: one JSON array per line, deletions marked", async () => {
  const ours = startScript([
    ...runtimeCommand().argv,
    IP_TS,
    "-n",
    NS,
    "-j",
    "monitor",
    "link",
    "address",
    "route",
  ]);
  try {
    let k = 0;
    for (; k < 20; k++) {
      addrMark(k);
      const seen = () => ours.lines.some((l) => l.includes(`"10.66.0.${k}"`));
      if (await waitFor(seen, 1000, `marker ${k}`).then(() => true, () => false)) break;
    }
    const from = ours.lines.length;
    changes();
    await waitFor(
      () => ours.lines.slice(from).some((l) => l.includes('"mon0"') && l.includes('"deleted"')),
      5000,
      "the deleted link",
    );
    const events = ours.lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>[]);
    assert.ok(events.every((e) => Array.isArray(e) && e.length === 1), "one object per event");
    const objects = events.map((e) => e[0]);
    const route = objects.filter((o) => o.dst === "10.78.0.0/16");
    assert.deepEqual(
      route.map((o) => o.deleted ?? false),
      [false, true],
      "route new, then deleted",
    );
    const link = objects.filter((o) => o.ifname === "mon0");
    assert.equal(link.at(-1)!.deleted, true);
    assert.ok(link.slice(0, -1).every((o) => o.deleted === undefined));
  } finally {
    ours.kill();
    cleanupMarks();
  }
});
