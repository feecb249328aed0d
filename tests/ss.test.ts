// examples/ss.ts against iproute2's `ss`, in the private namespace of tests/run.sh, with the
// test's own sockets open (TCP v4/v6/dual-stack listening and connected, UDP, unix of every
// type with and without names, packet and netlink sockets): for the same arguments the text is
// the same, byte for byte (columns, widths, alignment, `-e`, `-m`, `-o` fields), except for
// what changes between the two runs (the lastsnd/lastrcv/lastack ages of `-i`, the dumping
// netlink sockets themselves). `-j` prints JSON that parses and says what the text says.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { SKIP_KERNEL } from "./helpers.ts";
import { type NodeSockets, openNodeSockets, openPySockets, ssText } from "./sock_diag_helpers.ts";
import { ss } from "../examples/ss.ts";

const SKIP: string | false = SKIP_KERNEL ||
  (() => {
    try {
      execFileSync("python3", ["-c", "import socket"], { stdio: "ignore" });
      return false;
    } catch {
      return "python3 is not installed";
    }
  })();

/** examples/ss.ts's output and exit status for `args`. */
async function ours(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = "", err = "";
  const code = await ss(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { out, err, code };
}

async function withSockets(fn: (node: NodeSockets) => Promise<void>): Promise<void> {
  const node = await openNodeSockets();
  const py = await openPySockets();
  try {
    await fn(node);
  } finally {
    await py.close();
    await node.close();
  }
}

async function same(args: string[], normalize = (s: string) => s): Promise<void> {
  const mine = await ours(args);
  assert.equal(mine.err, "", `ss.ts ${args.join(" ")} wrote to stderr`);
  assert.equal(mine.code, 0);
  const theirs = ssText(args);
  assert.equal(normalize(mine.out), normalize(theirs), `ss ${args.join(" ")}`);
  assert.ok(
    theirs.split("\n").length > 2 || args.includes("-H"),
    `ss ${args.join(" ")} lists something`,
  );
}

test(
  "ss.ts: TCP and UDP text equals ss (-tan -tn -tanH -tln -uan -4 -6)",
  { skip: SKIP },
  () =>
    withSockets(async () => {
      for (
        const args of [
          ["-tan"],
          ["-tn"],
          ["-tanH"],
          ["-tln"],
          ["-uan"],
          ["-un"],
          ["-tuan"],
          ["-4", "-tan"],
          ["-6", "-tan"],
          ["-6", "-uan"],
        ]
      ) await same(args);
    }),
);

test("ss.ts: unix, packet and netlink text equals ss (-xan -xln -0an, -A netlink)", {
  skip: SKIP,
}, () =>
  withSockets(async () => {
    for (
      const args of [["-xan"], ["-xn"], ["-xln"], ["-xanH"], ["-0an"], ["-A", "unix_dgram", "-an"]]
    ) {
      await same(args);
    }
    // Netlink: the two dumping sockets (ss's and ours) differ, and so do the column widths
    // they set; every other socket must be listed alike.
    const rows = (t: string) =>
      t.split("\n").slice(1).filter((l) => l !== "").map((l) => l.trim().split(/\s+/).join(" "))
        .filter((l) => !/^\S+ \S+ \S+ 4:(?!0 )/.test(l)).sort();
    const mine = await ours(["-A", "netlink", "-an"]);
    assert.deepEqual(rows(mine.out), rows(ssText(["-A", "netlink", "-an"])));
    assert.ok(rows(mine.out).length >= 2);
  }));

test(
  "ss.ts: states and filter expressions select and print what ss does",
  { skip: SKIP },
  () =>
    withSockets(async (n) => {
      const cases = [
        ["-tn", "state", "listening"],
        ["-tan", "state", "connected"],
        ["-tan", "state", "synchronized"],
        ["-tan", "exclude", "listening"],
        ["-tn", "state", "established", "state", "listening"],
        ["-tan", "sport", "=", `:${n.tcp4}`],
        ["-tan", `sport = :${n.tcp6}`],
        ["-tan", "dst", "127.0.0.1"],
        ["-tan", "dst", "[::1]"],
        ["-tan", "(", "sport", "=", `:${n.tcp4}`, "or", "dport", "=", `:${n.tcp4}`, ")"],
        ["-tan", "dport", "gt", `:${n.tcp4 - 1}`, "and", "not", "src", "[::1]"],
        ["-uan", "sport", "neq", `:${n.udp[0]}`],
        ["-xan", "src", "unix:/tmp/*"],
        ["-tuan", "src", "127.0.0.0/8"],
      ];
      for (const args of cases) await same(args);
    }),
);

test("ss.ts: -e, -o and -m text equals ss", { skip: SKIP }, () =>
  withSockets(async () => {
    // TIME-WAIT sockets left by other tests count their timers down: mask the time left.
    const timers = (s: string) => s.replace(/timer:\(timewait,[^,]*,/g, "timer:(timewait,T,");
    for (
      const args of [
        ["-tane"],
        ["-tano"],
        ["-uane"],
        ["-xane"],
        ["-0ane"],
        ["-tanm"],
        ["-uanm"],
        ["-xanm"],
        ["-0anem"],
        ["-tanem"],
      ]
    ) await same(args, timers);
  }));

test("ss.ts: -i text equals ss but for the ages of the last send, receive and ACK", {
  skip: SKIP,
}, () =>
  withSockets(async () => {
    const norm = (s: string) =>
      s.replace(/ (lastsnd|lastrcv|lastack):\d+/g, " $1:N").replace(/timer:\(timewait,[^,]*,/g, "T")
        .replace(/ +$/gm, "");
    await same(["-tni"], norm);
    await same(["-tnie"], norm);
    await same(["-tanim"], norm);
  }));

/** The text columns a JSON object stands for (ss -n formatting of addresses and ports). */
function jsonColumns(o: Record<string, unknown>): string[] {
  const local = o.local as Record<string, unknown>;
  const peer = o.peer as Record<string, unknown> | null;
  const port = (p: unknown) => (p === 0 ? "*" : String(p));
  const inet = (e: Record<string, unknown>, v6only: boolean) => {
    const a = String(e.address);
    const shown = a.includes(":") ? (a === "::" && !v6only ? "*" : `[${a}]`) : a;
    return `${shown}:${port(e.port)}`;
  };
  const cols = [String(o.netid), String(o.state), String(o.recvQ), String(o.sendQ)];
  if (String(o.netid).startsWith("u_")) {
    return [...cols, String(local.name ?? "*"), String(local.inode), "*", String(peer!.inode)];
  }
  const v6only = o.v6only === true;
  return [...cols, inet(local, v6only), inet(peer!, v6only)];
}

test("ss.ts: -j prints a JSON array, one object per socket, saying what the text says", {
  skip: SKIP,
}, () =>
  withSockets(async () => {
    for (const flags of ["-tuaen", "-xan"]) {
      const text = await ours([flags, "-H", "-A", flags === "-xan" ? "unix" : "tcp,udp"]);
      const json = await ours([flags, "-j", "-A", flags === "-xan" ? "unix" : "tcp,udp"]);
      const objs = JSON.parse(json.out) as Record<string, unknown>[];
      assert.ok(Array.isArray(objs) && objs.length > 0);
      const lines = text.out.split("\n").filter((l) => l !== "" && !l.startsWith("\t"));
      assert.equal(objs.length, lines.length);
      objs.forEach((o, i) => {
        const fields = lines[i].trim().split(/\s+/);
        assert.deepEqual(jsonColumns(o), fields.slice(0, jsonColumns(o).length), lines[i]);
        if (flags === "-tuaen") {
          assert.equal(`ino:${o.inode}`, fields.find((f) => f.startsWith("ino:")));
          assert.equal(`sk:${o.cookie}`, fields.find((f) => f.startsWith("sk:")));
        }
      });
    }
    // With -i the TCP internals are there, as numbers.
    const info = JSON.parse((await ours(["-tni", "-j"])).out) as Record<string, unknown>[];
    const est = info.find((o) => o.state === "ESTAB")!;
    const tcpInfo = est.tcpInfo as Record<string, unknown>;
    assert.equal(typeof tcpInfo.tcpiSndMss, "number");
    assert.equal(tcpInfo.tcpiState, 1);
    assert.equal(typeof est.cong, "string");
  }));

test("ss.ts: usage errors are reported as ss reports them", { skip: SKIP_KERNEL }, async () => {
  const bad = await ours(["-t", "state", "nosuchstate"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /wrong state name: nosuchstate/);
  const filter = await ours(["-t", "dst", "::1"]);
  assert.equal(filter.code, 1);
  assert.match(filter.err, /inet prefix is expected/);
});
