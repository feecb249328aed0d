/**
 * `examples/ynl.ts`, the generic command line, against the specs and the kernel's tools, in a
 * network namespace of this file's own: `--list-ops` against the spec's operations and modes,
 * `--dump` of netdev dev-get and of rt-link getlink against `ip -j link`, `--do` of ethtool
 * linkinfo-get against `ethtool v0`, a kernel error (errno name, the extended ACK's message as
 * `ethtool` prints it, the attribute it points at, exit status), command-line errors (exit 2),
 * and `--subscribe` with `--count` while `ethtool -K` changes a feature.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import YAML from "yaml";
import { runtimeCommand, sh, SKIP_KERNEL, sleep, startScript } from "./helpers.ts";

const proc = (globalThis as unknown as {
  process: { pid: number; on(e: string, f: () => void): void };
}).process;
const NS = `ynl${proc.pid}`;
const YNL_TS = new URL("../examples/ynl.ts", import.meta.url).pathname;
const SPECS = new URL("../specs/upstream/", import.meta.url).pathname;

const NO_ETHTOOL = SKIP_KERNEL ||
  (spawnSync("ethtool", ["--version"]).status === 0 ? false : "ethtool is not installed");

let ready = false;
function setup(): void {
  if (ready) return;
  ready = true;
  sh("ip", ["netns", "add", NS]);
  proc.on("exit", () => spawnSync("ip", ["netns", "del", NS]));
  const lines = ["link set lo up", "link add v0 type veth peer name v1", "link set v0 up"];
  sh("ip", ["-n", NS, "-batch", "-"], lines.join("\n") + "\n");
}

/** ynl.ts under the runtime running the tests, in the namespace. */
function ynl(...args: string[]): { out: string; err: string; code: number } {
  setup();
  const rt = runtimeCommand();
  const r = spawnSync(rt.argv[0], [...rt.argv.slice(1), YNL_TS, "-n", NS, ...args], {
    encoding: "utf8",
  });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

function ethtoolIn(...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync("ip", ["netns", "exec", NS, "ethtool", ...args], { encoding: "utf8" });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

const links = () =>
  JSON.parse(sh("ip", ["-n", NS, "-j", "link", "show"])) as { ifindex: number; ifname: string }[];

test("ynl cli: --list-ops prints every operation of the spec with its modes", () => {
  // No kernel needed: the list comes from the tables (-n is not even opened).
  const rt = runtimeCommand();
  const r = spawnSync(rt.argv[0], [
    ...rt.argv.slice(1),
    YNL_TS,
    "--family",
    "ethtool",
    "--list-ops",
  ], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const printed = r.stdout.trimEnd().split("\n").map((line) => {
    const m = /^(\S+) {2}\[ (.*) \]$/.exec(line);
    assert.ok(m, line);
    return [m[1], m[2].split(", ").sort()];
  });
  const spec = YAML.parse(readFileSync(SPECS + "ethtool.yaml", "utf8")) as {
    operations: { list: Record<string, unknown>[] };
  };
  const want = spec.operations.list.map((op) => [
    op.name as string,
    ["do", "dump", "notify", "event"].filter((m) => m in op).sort(),
  ]);
  assert.ok(want.length > 40);
  assert.deepEqual(printed, want);
});

test(
  "ynl cli: --dump of netdev dev-get lists the ifindexes of `ip -j link`",
  { skip: SKIP_KERNEL },
  () => {
    const r = ynl("--family", "netdev", "--dump", "dev-get");
    assert.equal(r.code, 0, r.err);
    const devs = JSON.parse(r.out) as { ifindex: number; "xdp-features"?: unknown }[];
    assert.ok(Array.isArray(devs));
    assert.deepEqual(
      devs.map((d) => d.ifindex).sort((a, b) => a - b),
      links().map((l) => l.ifindex).sort((a, b) => a - b),
    );
    // Flags come out as their spec names (netdev-xdp-act), an array each.
    assert.ok(devs.every((d) => Array.isArray(d["xdp-features"])), r.out);
  },
);

test(
  "ynl cli: --dump of a raw family: rt-link getlink equals `ip -j link`",
  { skip: SKIP_KERNEL },
  () => {
    const r = ynl("--family", "rt-link", "--dump", "getlink");
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out) as Record<string, unknown>[];
    const want = JSON.parse(sh("ip", ["-n", NS, "-j", "link", "show"])) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      got.map((l) => [l["ifi-index"], l.ifname, l.mtu, l.address]),
      want.map((l) => [l.ifindex, l.ifname, l.mtu, l.address]),
    );
  },
);

test(
  "ynl cli: --do of ethtool linkinfo-get on a veth equals `ethtool v0`",
  { skip: NO_ETHTOOL },
  () => {
    const r = ynl(
      "--family",
      "ethtool",
      "--do",
      "linkinfo-get",
      "--json",
      '{"header":{"dev-name":"v0"}}',
    );
    assert.equal(r.code, 0, r.err);
    const info = JSON.parse(r.out) as Record<string, unknown> & {
      header: Record<string, unknown>;
    };
    const v0 = links().find((l) => l.ifname === "v0")!;
    assert.deepEqual(info.header, { "dev-index": v0.ifindex, "dev-name": "v0" });
    const said = ethtoolIn("v0").out;
    // linux/ethtool.h: PORT_TP 0x00 ("Twisted Pair"), XCVR_INTERNAL 0x00 ("internal").
    assert.match(said, /\tPort: Twisted Pair\n/);
    assert.equal(info.port, 0);
    assert.match(said, /\tTransceiver: internal\n/);
    assert.equal(info.transceiver, 0);
    assert.match(said, new RegExp(`\\tPHYAD: ${info.phyaddr}\\n`));
  },
);

test("ynl cli: a kernel error prints the errno name and the extended ACK, exit status 1", {
  skip: NO_ETHTOOL,
}, () => {
  const r = ynl(
    "--family",
    "ethtool",
    "--do",
    "linkinfo-get",
    "--json",
    '{"header":{"dev-name":"nope"}}',
  );
  assert.equal(r.code, 1);
  assert.equal(r.out, "");
  // ethtool says the same: "netlink error: no device matches name (offset 24)".
  const theirs = ethtoolIn("-l", "nope");
  const ack = /netlink error: (.+) \(offset (\d+)\)/.exec(theirs.err);
  assert.ok(ack, theirs.err);
  assert.equal(
    r.err,
    `Netlink error: ENODEV (No such device): ${ack[1]} (bad attribute: .header.dev-name)\n`,
  );
  assert.equal(Number(ack[2]), 16 + 4 + 4, "ETHTOOL_A_HEADER_DEV_NAME inside the header nest");
});

test("ynl cli: unknown family, operation, mode, group or bad JSON: a clear message, exit status 2", () => {
  const cases: [string[], RegExp][] = [
    [["--family", "nosuch", "--dump", "x"], /unknown family "nosuch"; known: .*ethtool/],
    [["--family", "ethtool", "--do", "nosuch-get"], /ethtool has no operation "nosuch-get"/],
    [["--family", "ethtool", "--dump", "linkinfo-set"], /linkinfo-set has no dump/],
    [
      ["--family", "ethtool", "--subscribe", "nosuch"],
      /no multicast group "nosuch"; known: monitor/,
    ],
    [["--family", "ethtool", "--do", "linkinfo-get", "--json", "{"], /--json: /],
    [
      ["--family", "ethtool", "--do", "linkinfo-get", "--json", '{"nosuch":1}'],
      /has no attribute "nosuch"/,
    ],
    [["--family", "ethtool"], /nothing to do/],
  ];
  const rt = runtimeCommand();
  for (const [args, message] of cases) {
    const r = spawnSync(rt.argv[0], [...rt.argv.slice(1), YNL_TS, ...args], { encoding: "utf8" });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stdout, "");
  }
});

test("ynl cli: --subscribe monitor --count 1 prints the features-ntf of an `ethtool -K`", {
  skip: NO_ETHTOOL,
  timeout: 60_000,
}, async () => {
  setup();
  const child = startScript([
    ...runtimeCommand().argv,
    YNL_TS,
    "-n",
    NS,
    "--family",
    "ethtool",
    "--subscribe",
    "monitor",
    "--count",
    "1",
    "--timeout",
    "30",
  ]);
  let status: number | undefined;
  child.exited.then((c) => (status = c));
  // The CLI joins the group a moment after it starts: toggle until it has seen one.
  let on = false;
  const end = Date.now() + 30_000;
  try {
    while (status === undefined && child.lines.length === 0 && Date.now() < end) {
      on = !on;
      ethtoolIn("-K", "v0", "tx-tcp-segmentation", on ? "off" : "on");
      await sleep(150);
    }
    const code = await child.exited;
    assert.equal(code, 0, child.stderr());
  } finally {
    child.kill();
    ethtoolIn("-K", "v0", "tx-tcp-segmentation", "on");
  }
  assert.equal(child.lines.length, 1, `one line (--count 1): ${child.lines}`);
  const ntf = JSON.parse(child.lines[0]) as { name: string; msg: Record<string, unknown> };
  assert.equal(ntf.name, "features-ntf");
  assert.deepEqual((ntf.msg.header as Record<string, unknown>)["dev-name"], "v0");
  assert.ok("active" in ntf.msg && "wanted" in ntf.msg, child.lines[0]);
});
