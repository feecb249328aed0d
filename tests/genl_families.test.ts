/**
 * Generic netlink families on this kernel through the generic `Client`, each compared with the
 * kernel's own tool, in a network namespace of this file's own (inside the private namespace
 * of tests/run.sh):
 *
 * - nlctrl: the getfamily dump equals `genl ctrl list`;
 * - ethtool on a veth: link info and link modes equal `ethtool v0`; features equal
 *   `ethtool --json -k v0`, set by the client and read back with `ethtool -k`, set with
 *   `ethtool -K` and read back by the client; rings (veth has none: the same EOPNOTSUPP as
 *   `ethtool -g`); channels get and set against `ethtool -l` / `ethtool -L`; a feature changed
 *   with `ethtool -K` arriving as a typed notification on the `monitor` group;
 * - netdev: the dev-get dump lists the ifindexes of `ip -j link`;
 * - tcp_metrics: after TCP connections between two non-loopback addresses, the dump equals
 *   `ip -j tcp_metrics show`;
 * - mptcp_pm: endpoints added, listed and deleted, and limits set and read, against
 *   `ip mptcp endpoint show` / `ip mptcp limits show`, in both directions;
 * - a family this kernel lacks fails with a FamilyNotFoundError that names it.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { runtimeCommand, sh, SKIP_KERNEL, waitFor, withTimeout } from "./helpers.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { Client, FamilyNotFoundError, type GenlFamily, listGenlFamilies } from "../client/mod.ts";
import * as ethtool from "../families/generated/ethtool.ts";
import * as mptcpPm from "../families/generated/mptcp_pm.ts";
import * as netdev from "../families/generated/netdev.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import * as tcpMetrics from "../families/generated/tcp_metrics.ts";
import * as devlink from "../families/generated/devlink.ts";
import * as wireguard from "../families/generated/wireguard.ts";
import * as team from "../families/generated/team.ts";
import { asSaid, parseGenl } from "./genl_text.ts";

const proc = (globalThis as unknown as {
  process: { pid: number; on(e: string, f: () => void): void };
}).process;
const NS = `gf${proc.pid}`;

/** A command inside this file's namespace. */
function inNs(cmd: string, ...args: string[]): string {
  return sh("ip", ["netns", "exec", NS, cmd, ...args]);
}

/** A command inside the namespace that may fail: its output and status. */
function tryInNs(cmd: string, ...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync("ip", ["netns", "exec", NS, cmd, ...args], { encoding: "utf8" });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

function hasTool(cmd: string, ...args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

/** ethtool, installed with apt-get when missing (tests/run.sh's namespace may lack a network). */
function ethtoolMissing(): string | false {
  if (SKIP_KERNEL) return SKIP_KERNEL;
  if (hasTool("ethtool", "--version")) return false;
  try {
    execFileSync("apt-get", ["install", "-y", "ethtool"], { stdio: "ignore", timeout: 120_000 });
  } catch { /* reported below */ }
  return hasTool("ethtool", "--version")
    ? false
    : "ethtool is not installed and `apt-get install -y ethtool` failed";
}

const NO_ETHTOOL = ethtoolMissing();
const KERNEL_FAMILIES = SKIP_KERNEL
  ? []
  : parseGenl(sh("genl", ["ctrl", "list"])).map((f) => f.name);

let ready = false;
/** The namespace, once: a veth pair v0/v1 up, with 10.77.0.1 and 10.77.0.2. */
function setup(): void {
  if (ready) return;
  ready = true;
  sh("ip", ["netns", "add", NS]);
  proc.on("exit", () => spawnSync("ip", ["netns", "del", NS]));
  const lines = [
    "link set lo up",
    "link add v0 type veth peer name v1",
    "link set v0 up",
    "link set v1 up",
    "address add 10.77.0.1/24 dev v0",
    "address add 10.77.0.2/24 dev v1",
  ];
  sh("ip", ["-n", NS, "-batch", "-"], lines.join("\n") + "\n");
}

/** A client of `family` in the namespace. */
function open(family: typeof ethtool.family): Promise<Client> {
  setup();
  return Client.open(family, { netns: NS });
}

const dev = { header: { devName: "v0" } };

// ---------------------------------------------------------------------------
// nlctrl
// ---------------------------------------------------------------------------

test(
  "genl families: the nlctrl getfamily dump equals `genl ctrl list`",
  { skip: SKIP_KERNEL },
  async () => {
    await using ctrl = await open(nlctrl.family);
    const ours: GenlFamily[] = [];
    for await (const f of listGenlFamilies(ctrl)) ours.push(f);
    const theirs = parseGenl(inNs("genl", "ctrl", "list"));
    assert.ok(theirs.some((f) => f.name === "ethtool"), "genl lists ethtool");
    assert.deepEqual(ours.map(asSaid), theirs);
  },
);

// ---------------------------------------------------------------------------
// ethtool
// ---------------------------------------------------------------------------

/** `ethtool v0`'s "Key: value" lines. */
function ethtoolSettings(): Map<string, string> {
  const out = inNs("ethtool", "v0");
  return new Map(
    [...out.matchAll(/^\t([^:\n]+):\s*(.*?)\s*$/gm)].map((m) => [m[1], m[2]] as [string, string]),
  );
}

// linux/ethtool.h PORT_*, XCVR_*, ETH_TP_MDI*, DUPLEX_*; the words are ethtool's.
const PORT: Record<number, string> = {
  0x00: "Twisted Pair",
  0x01: "AUI",
  0x02: "MII",
  0x03: "FIBRE",
  0x04: "BNC",
  0x05: "Direct Attach Copper",
  0xef: "None",
  0xff: "Other",
};
const TRANSCEIVER: Record<number, string> = { 0: "internal", 1: "external" };
const MDIX: Record<number, string> = { 0: "Unknown", 1: "off", 2: "on" };
const DUPLEX: Record<number, string> = { 0: "Half", 1: "Full", 0xff: "Unknown! (255)" };

test("genl families: ethtool link info, link modes and link state equal `ethtool v0`", {
  skip: NO_ETHTOOL,
}, async () => {
  await using eth = await open(ethtool.family);
  const info = (await eth.get(ethtool.operations.linkinfoGet, { attrs: dev })).attrs;
  const modes = (await eth.get(ethtool.operations.linkmodesGet, { attrs: dev })).attrs;
  const state = (await eth.get(ethtool.operations.linkstateGet, { attrs: dev })).attrs;
  const said = ethtoolSettings();
  assert.equal(info.header?.devName, "v0");
  assert.equal(PORT[info.port!], said.get("Port"));
  assert.equal(String(info.phyaddr), said.get("PHYAD"));
  assert.equal(TRANSCEIVER[info.transceiver!], said.get("Transceiver"));
  assert.equal(MDIX[info.tpMdix!], said.get("MDI-X"));
  assert.equal(`${modes.speed}Mb/s`, said.get("Speed"));
  assert.equal(DUPLEX[modes.duplex!], said.get("Duplex"));
  assert.equal(modes.autoneg ? "on" : "off", said.get("Auto-negotiation"));
  const supported = modes.ours?.bits?.bit ?? [];
  assert.equal(
    supported.length === 0 ? "Not reported" : "reported",
    said.get("Supported link modes"),
  );
  assert.equal(state.link ? "yes" : "no", said.get("Link detected"));
});

/** Features by name from a verbose (non-compact) features-get. */
async function features(eth: Client) {
  const f = (await eth.get(ethtool.operations.featuresGet, { attrs: dev })).attrs;
  const on = (set: ethtool.Bitset | undefined, name: string) =>
    set?.bits?.bit?.some((b) => b.name === name && (set.nomask || b.value === true)) ?? false;
  const names = (f.hw?.bits?.bit ?? []).map((b) => b.name!).filter((n) => n !== "");
  const index = new Map((f.hw?.bits?.bit ?? []).map((b) => [b.name!, b.index!]));
  return {
    names,
    index,
    active: (n: string) => on(f.active, n),
    wanted: (n: string) => on(f.wanted, n),
    fixed: (n: string) => !on(f.hw, n) || on(f.nochange, n),
  };
}

type FeatureJson = Record<string, { active: boolean; fixed?: boolean; requested?: boolean }>;

function ethtoolK(): FeatureJson {
  return (JSON.parse(inNs("ethtool", "--json", "-k", "v0")) as FeatureJson[])[0];
}

test(
  "genl families: ethtool features equal `ethtool --json -k v0`",
  { skip: NO_ETHTOOL },
  async () => {
    await using eth = await open(ethtool.family);
    const ours = await features(eth);
    const theirs = ethtoolK();
    // ethtool shows a feature under its own name unless a legacy group name stands for it alone.
    const shown = ours.names.filter((n) => n in theirs);
    assert.ok(shown.length >= 20, `features shown by both: ${shown}`);
    for (const n of shown) {
      assert.deepEqual(
        { active: ours.active(n), fixed: ours.fixed(n), requested: ours.wanted(n) },
        theirs[n],
        n,
      );
    }
  },
);

const TSO = "tx-tcp-segmentation";

test(
  "genl families: ethtool features set by the client read back with `ethtool -k`, and the reverse",
  { skip: NO_ETHTOOL },
  async () => {
    await using eth = await open(ethtool.family);
    const before = await features(eth);
    assert.equal(before.fixed(TSO), false, `${TSO} can change on a veth`);
    for (const value of [!before.active(TSO), before.active(TSO)]) {
      // A verbose bitset: the bits listed are the mask, `value` says which are set.
      await eth.call(ethtool.operations.featuresSet, {
        attrs: { ...dev, wanted: { bits: { bit: [{ name: TSO, ...(value ? { value } : {}) }] } } },
      });
      assert.equal(ethtoolK()[TSO].active, value, `ethtool -k after the client set ${value}`);
      assert.equal((await features(eth)).active(TSO), value);
    }
    for (const value of [false, true]) {
      inNs("ethtool", "-K", "v0", TSO, value ? "on" : "off");
      const now = await features(eth);
      assert.equal(now.active(TSO), value, `client after ethtool -K ${TSO} ${value}`);
      assert.equal(now.wanted(TSO), value);
    }
  },
);

test("genl families: ethtool rings: veth has none, EOPNOTSUPP as `ethtool -g` says", {
  skip: NO_ETHTOOL,
}, async () => {
  await using eth = await open(ethtool.family);
  const theirs = tryInNs("ethtool", "-g", "v0");
  const ours = await eth.get(ethtool.operations.ringsGet, { attrs: dev }).then(
    (r) => r.attrs,
    (e) => e,
  );
  if (theirs.code === 0) {
    // A kernel whose veth reports rings: the numbers must match.
    const rx = /Current hardware settings:[\s\S]*?\nRX:\s+(\d+)/.exec(theirs.out)?.[1];
    assert.equal(String((ours as ethtool.Rings).rx), rx);
  } else {
    assert.match(theirs.err, /Operation not supported/);
    assert.ok(ours instanceof NetlinkError, String(ours));
    assert.equal(ours.code, "EOPNOTSUPP");
  }
});

/** `ethtool -l v0`: [maximums, current] by "RX", "TX", "Other", "Combined". */
function ethtoolL(): Record<string, string>[] {
  const out = inNs("ethtool", "-l", "v0");
  const [max, cur] = out.split("Current hardware settings:");
  const read = (s: string) =>
    Object.fromEntries(
      [...s.matchAll(/^(RX|TX|Other|Combined):\s+(\S+)$/gm)].map((m) => [m[1], m[2]]),
    );
  return [read(max), read(cur)];
}

test("genl families: ethtool channels get and set equal `ethtool -l` / `ethtool -L`", {
  skip: NO_ETHTOOL,
}, async () => {
  await using eth = await open(ethtool.family);
  const show = (n: number | undefined) => (n === undefined || n === 0 ? "n/a" : String(n));
  const check = async () => {
    const c = (await eth.get(ethtool.operations.channelsGet, { attrs: dev })).attrs;
    const [max, cur] = ethtoolL();
    assert.deepEqual(
      [max.RX, max.TX, max.Other, max.Combined],
      [show(c.rxMax), show(c.txMax), show(c.otherMax), show(c.combinedMax)],
    );
    assert.deepEqual(
      [cur.RX, cur.TX, cur.Other, cur.Combined],
      [show(c.rxCount), show(c.txCount), show(c.otherCount), show(c.combinedCount)],
    );
    return c;
  };
  const c = await check();
  assert.ok((c.rxMax ?? 0) >= 2, `veth has ${c.rxMax} rx channels at most`);
  await eth.call(ethtool.operations.channelsSet, { attrs: { ...dev, rxCount: 2 } });
  assert.equal(ethtoolL()[1].RX, "2");
  await check();
  inNs("ethtool", "-L", "v0", "rx", "1");
  assert.equal((await check()).rxCount, 1);
});

test("genl families: a feature changed with `ethtool -K` arrives as a typed features-ntf", {
  skip: NO_ETHTOOL,
}, async () => {
  await using eth = await open(ethtool.family);
  const { index, active } = await features(eth);
  const bit = index.get(TSO)!;
  const want = !active(TSO);
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 10_000);
  const events = eth.events(["monitor"], { signal: ac.signal });
  let found: ethtool.Features | undefined;
  try {
    // events() joins on its first next(): start it, wait for the join, then change the feature.
    const first = events.next();
    const [group] = await eth.groupIds(["monitor"]);
    await waitFor(() => eth.socket.memberships().includes(group), 5000, "the join of monitor");
    inNs("ethtool", "-K", "v0", TSO, want ? "on" : "off");
    for (let r = await first; !r.done; r = await events.next()) {
      const n = r.value;
      if (n.family !== "ethtool" || n.operation !== ethtool.operations.featuresNtf) continue;
      const f = n.attrs as ethtool.Features;
      if (f.header?.devName === "v0") {
        found = f;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    await events.return(undefined);
  }
  assert.ok(found, "no features-ntf for v0 within 10 s");
  // Notifications carry compact bitsets: the bit of the feature in `active`'s value.
  const value = found.active?.value;
  assert.ok(value instanceof Uint8Array, "compact active bitset");
  assert.equal(((value[bit >> 3] >> (bit & 7)) & 1) === 1, want);
  inNs("ethtool", "-K", "v0", TSO, want ? "off" : "on");
});

// ---------------------------------------------------------------------------
// netdev
// ---------------------------------------------------------------------------

test("genl families: the netdev dev-get dump lists the ifindexes of `ip -j link`", {
  skip: SKIP_KERNEL,
}, async () => {
  await using nd = await open(netdev.family);
  const ours: number[] = [];
  for await (const d of nd.dump(netdev.operations.devGet)) ours.push(d.attrs.ifindex!);
  const links = JSON.parse(sh("ip", ["-n", NS, "-j", "link", "show"])) as { ifindex: number }[];
  assert.ok(links.length >= 3, "lo, v0, v1");
  assert.deepEqual(ours.sort((a, b) => a - b), links.map((l) => l.ifindex).sort((a, b) => a - b));
});

// ---------------------------------------------------------------------------
// tcp_metrics
// ---------------------------------------------------------------------------

/** TCP connections 10.77.0.2 → 10.77.0.1 inside the namespace, by a script of this runtime. */
function connect(count: number): void {
  const code = `
    import net from "node:net";
    const server = net.createServer((c) => c.end("x".repeat(4000)));
    server.listen(0, "10.77.0.1", async () => {
      const port = server.address().port;
      for (let i = 0; i < ${count}; i++) {
        await new Promise((resolve, reject) => {
          const c = net.connect({ port, host: "10.77.0.1", localAddress: "10.77.0.2" });
          c.on("data", () => {});
          c.on("error", reject);
          c.on("close", resolve);
        });
      }
      server.close();
    });`;
  const rt = runtimeCommand();
  const argv = rt.name === "deno" ? ["deno", "eval", code] : ["bun", "-e", code];
  const r = spawnSync("ip", ["netns", "exec", NS, ...argv], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
}

interface IpMetric {
  dst: string;
  source?: string;
  age: number;
  cwnd?: number;
  rtt?: number;
  rttvar?: number;
  ssthresh?: number;
}

const dotted = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

test("genl families: tcp_metrics after TCP connections equal `ip -j tcp_metrics show`", {
  skip: SKIP_KERNEL,
}, async () => {
  setup();
  connect(3);
  const theirs = await waitFor(
    (): IpMetric[] | undefined => {
      const m = JSON.parse(sh("ip", ["-n", NS, "-j", "tcp_metrics", "show"]) || "[]") as IpMetric[];
      return m.length >= 2 ? m : undefined;
    },
    5000,
    "tcp_metrics entries for 10.77.0.1 and 10.77.0.2",
  ) as IpMetric[];
  await using tm = await open(tcpMetrics.family);
  const ours = [];
  for await (const m of tm.dump(tcpMetrics.operations.get)) ours.push(m.attrs);
  const key = (dst: string, src?: string) => `${dst} from ${src}`;
  const mine = new Map(
    ours.map((m) => [
      key(dotted(m.addrIpv4!), m.saddrIpv4 === undefined ? undefined : dotted(m.saddrIpv4)),
      m,
    ]),
  );
  assert.deepEqual(
    [...mine.keys()].sort(),
    theirs.map((t) => key(t.dst, t.source)).sort(),
  );
  assert.ok(mine.has(key("10.77.0.1", "10.77.0.2")));
  for (const t of theirs) {
    const m = mine.get(key(t.dst, t.source))!;
    // ip prints rtt and rttvar from the _US metrics, unscaled (the kernel keeps srtt << 3 and
    // rttvar << 2), in seconds.
    assert.equal(m.vals?.cwnd, t.cwnd, `cwnd of ${t.dst}`);
    assert.ok(m.vals?.rttUs !== undefined && m.vals.rttvarUs !== undefined, "rtt-us, rttvar-us");
    assert.ok(Math.abs((m.vals.rttUs >> 3) / 1e6 - t.rtt!) < 1e-9, `rtt of ${t.dst}`);
    assert.ok(Math.abs((m.vals.rttvarUs >> 2) / 1e6 - t.rttvar!) < 1e-9, `rttvar of ${t.dst}`);
    assert.equal(m.vals?.ssthresh, t.ssthresh, `ssthresh of ${t.dst}`);
    // Age in milliseconds; ip read it a moment earlier.
    assert.ok(Math.abs(Number(m.age) / 1000 - t.age) < 2, `age ${m.age} ms vs ${t.age} s`);
  }
  // The text form says the same (age aside).
  const text = sh("ip", ["-n", NS, "tcp_metrics", "show"]).trim().split("\n");
  for (const line of text) {
    const [dst] = line.split(" ");
    const src = / source (\S+)/.exec(line)?.[1];
    const m = mine.get(key(dst, src))!;
    assert.ok(m, line);
    assert.ok(line.includes(` cwnd ${m.vals?.cwnd} `), line);
    assert.ok(
      line.includes(` rtt ${m.vals!.rttUs! >> 3}us rttvar ${m.vals!.rttvarUs! >> 2}us`),
      line,
    );
  }
});

// ---------------------------------------------------------------------------
// mptcp_pm
// ---------------------------------------------------------------------------

// linux/mptcp.h: MPTCP_PM_ADDR_FLAG_SIGNAL (1 << 0), _SUBFLOW (1 << 1), _BACKUP (1 << 2),
// _FULLMESH (1 << 3).
const FLAG = { signal: 1, subflow: 2, backup: 4, fullmesh: 8 };

interface IpEndpoint {
  address: string;
  id: number;
  dev?: string;
  signal?: boolean;
  subflow?: boolean;
  backup?: boolean;
  fullmesh?: boolean;
}

async function endpoints(pm: Client): Promise<IpEndpoint[]> {
  const links = JSON.parse(sh("ip", ["-n", NS, "-j", "link", "show"])) as {
    ifindex: number;
    ifname: string;
  }[];
  const out: IpEndpoint[] = [];
  for await (const m of pm.dump(mptcpPm.operations.getAddr)) {
    const a = m.attrs.addr!;
    const e: IpEndpoint = { address: dotted(a.addr4!), id: a.id! };
    for (const [name, bit] of Object.entries(FLAG)) if (a.flags! & bit) e[name as "signal"] = true;
    if (a.ifIdx) e.dev = links.find((l) => l.ifindex === a.ifIdx)!.ifname;
    out.push(e);
  }
  return out.sort((x, y) => x.id - y.id);
}

function ipEndpoints(): IpEndpoint[] {
  const out = sh("ip", ["-n", NS, "-j", "mptcp", "endpoint", "show"]).trim();
  return (JSON.parse(out || "[]") as IpEndpoint[]).sort((x, y) => x.id - y.id);
}

test("genl families: mptcp_pm endpoints added, listed and deleted equal `ip mptcp endpoint show`", {
  skip: SKIP_KERNEL,
}, async () => {
  await using pm = await open(mptcpPm.family);
  const v0 =
    (JSON.parse(sh("ip", ["-n", NS, "-j", "link", "show", "v0"])) as { ifindex: number }[])[0];
  // 10.77.0.1 as a big-endian u32 (the spec's addr4).
  await pm.call(mptcpPm.operations.addAddr, {
    attrs: {
      addr: { family: 2, addr4: 0x0a4d0001, id: 5, flags: FLAG.subflow, ifIdx: v0.ifindex },
    },
  });
  sh("ip", ["-n", NS, "mptcp", "endpoint", "add", "10.77.0.2", "id", "7", "signal", "backup"]);
  const both = ipEndpoints();
  assert.deepEqual(both, [
    { address: "10.77.0.1", id: 5, subflow: true, dev: "v0" },
    { address: "10.77.0.2", id: 7, signal: true, backup: true },
  ]);
  assert.deepEqual(await endpoints(pm), both);
  // The text form too: "10.77.0.1 id 5 subflow dev v0 ".
  const text = sh("ip", ["-n", NS, "mptcp", "endpoint", "show"]);
  assert.match(text, /^10\.77\.0\.1 id 5 subflow dev v0 $/m);
  await pm.call(mptcpPm.operations.delAddr, { attrs: { addr: { id: 5 } } });
  assert.deepEqual(ipEndpoints(), [both[1]]);
  assert.deepEqual(await endpoints(pm), [both[1]]);
  sh("ip", ["-n", NS, "mptcp", "endpoint", "delete", "id", "7"]);
  assert.deepEqual(await endpoints(pm), []);
  assert.deepEqual(ipEndpoints(), []);
});

test("genl families: mptcp_pm limits set and read equal `ip mptcp limits show`", {
  skip: SKIP_KERNEL,
}, async () => {
  await using pm = await open(mptcpPm.family);
  const ipLimits = () => {
    const m = /add_addr_accepted (\d+) subflows (\d+)/.exec(
      sh("ip", ["-n", NS, "mptcp", "limits", "show"]),
    );
    assert.ok(m, "ip mptcp limits show");
    return [Number(m[1]), Number(m[2])];
  };
  await pm.call(mptcpPm.operations.setLimits, { attrs: { rcvAddAddrs: 3, subflows: 4 } });
  assert.deepEqual(ipLimits(), [3, 4]);
  sh("ip", ["-n", NS, "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "1"]);
  const got = (await pm.get(mptcpPm.operations.getLimits)).attrs;
  assert.deepEqual([got.rcvAddAddrs, got.subflows], [1, 2]);
  assert.deepEqual(ipLimits(), [1, 2]);
});

// ---------------------------------------------------------------------------
// A family this kernel lacks
// ---------------------------------------------------------------------------

const LACKING = [devlink.family, wireguard.family, team.family].find((f) =>
  !KERNEL_FAMILIES.includes(f.name)
);

test("genl families: a family this kernel lacks fails with FamilyNotFoundError naming it", {
  skip: SKIP_KERNEL || (LACKING === undefined && "this kernel has devlink, wireguard and team"),
}, async () => {
  const family = LACKING!;
  await using c = await open(family);
  const op = family.operations().find((o) => o.spec.dump !== undefined)!;
  const error = await withTimeout(
    c.dump(op).next().then(() => undefined, (e) => e),
    10_000,
    `${family.name} ${op.name}`,
  );
  assert.ok(error instanceof FamilyNotFoundError, String(error));
  assert.equal(error.family, family.name);
  assert.equal(
    error.message,
    `Generic netlink family "${family.name}" is not available in this kernel`,
  );
  assert.equal((error.cause as NetlinkError).code, "ENOENT");
});
