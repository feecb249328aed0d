// Connection tracking (families/netfilter/conntrack.ts, examples/conntrack.ts) against the
// kernel and the `conntrack` tool. Traffic goes over a veth pair from this namespace to a
// second one: UDP (plain, marked by an nft `ct mark set`, put in zone 7 by `ct zone set`), TCP
// to a listener (ESTABLISHED), an ICMP echo; an nft rule using
// `ct state` makes the kernel track them, `nf_conntrack_acct` counts them. Listed entries,
// filtered dumps, statistics and events are compared with `conntrack -L`, `-S`, `-C`, `-E`.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { connect, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import {
  ipBatch,
  runtimeCommand,
  setSysctl,
  sh,
  SKIP_KERNEL,
  startScript,
  uniqueName,
  waitFor,
  withTimeout,
} from "./helpers.ts";
import {
  Conntrack,
  type ConntrackEntry,
  NF_CT_STATUS,
  NF_CT_TCP_STATE,
} from "../families/netfilter/conntrack.ts";
import { conntrackMain } from "../examples/conntrack.ts";
import { entryText, TCP_STATE_TEXT } from "../examples/conntrack/format.ts";
import { loadSys } from "../ffi/sys.ts";

function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const SKIP = SKIP_KERNEL ||
  (hasTool("conntrack") ? false : "needs the conntrack tool (conntrack-tools)") ||
  (hasTool("nft") ? false : "needs the nft tool (nftables)");

/** The flows of the test: our end, the peer, and what the tool lists for them. */
const NET = `10.${
  200 + (Number((globalThis as { process?: { pid: number } }).process?.pid ?? 0) % 50)
}`;
const A = `${NET}.0.1`, B = `${NET}.0.2`;

/** `conntrack ARGS` output lines (the summary goes to stderr). */
function conntrack(...args: string[]): string[] {
  return sh("conntrack", args).split("\n").filter((l) => l.trim() !== "");
}

/** Send one ICMP echo request from a raw socket (the peer's kernel answers it). */
async function ping(dst: string, id: number): Promise<void> {
  const { libc } = await loadSys();
  const fd = libc.socket(2, /* AF_INET */ 3, /* SOCK_RAW */ 1 /* IPPROTO_ICMP */);
  assert.ok(fd >= 0, `socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): errno ${libc.errno()}`);
  try {
    const icmp = new Uint8Array([8, 0, 0, 0, id >> 8, id & 255, 0, 1, 0x61, 0x62, 0x63, 0x64]);
    let sum = 0;
    for (let i = 0; i < icmp.length; i += 2) sum += (icmp[i] << 8) | icmp[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const ck = ~sum & 0xffff;
    icmp[2] = ck >> 8;
    icmp[3] = ck & 255;
    const to = new Uint8Array(16);
    to[0] = 2; // sin_family, little-endian u16
    to.set(dst.split(".").map(Number), 4);
    assert.equal(libc.sendto(fd, icmp, icmp.length, 0, to, 16), icmp.length);
  } finally {
    libc.close(fd);
  }
}

async function udp(dst: string, port: number): Promise<void> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve, reject) =>
    s.send(new Uint8Array(10), port, dst, (e) => (e ? reject(e) : resolve()))
  );
  s.close();
}

function tcp(dst: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const c = connect({ host: dst, port });
    c.on("connect", () => resolve(c));
    c.on("error", () => resolve(undefined)); // refused: the CLOSE entry is what we want
  });
}

/**
 * conntrack's line of an entry without its timeout (it ticks between two listings) and its
 * reference count (`use`: a packet waiting for ARP, or the tool's own get, holds one more).
 */
function normal(line: string): string {
  return line.replace(/^(\S+\s+\d+\s+)\d+ /, "$1").replace(/ use=\d+/, "").replace(/\s+/g, " ")
    .trim();
}

interface Setup {
  /** Undo everything setup() did. */
  cleanup(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const peer = uniqueName("ctpeer");
  const dev = uniqueName("ct");
  const table = uniqueName("ctt");
  const undo: (() => void | Promise<void>)[] = [];
  const open: Socket[] = [];
  const cleanup = async () => {
    for (const s of open) s.destroy();
    for (const f of undo.reverse()) await f();
    sh("conntrack", ["-F"]);
  };
  try {
    sh("conntrack", ["-F"]);
    sh("ip", ["netns", "add", peer]);
    undo.push(() => void sh("ip", ["netns", "del", peer]));
    ipBatch([
      `link add ${dev} type veth peer name ${dev}p netns ${peer}`,
      `address add ${A}/24 dev ${dev}`,
      `link set ${dev} up`,
    ]);
    undo.push(() => void sh("ip", ["link", "del", dev]));
    sh("ip", ["-n", peer, "address", "add", `${B}/24`, "dev", `${dev}p`]);
    sh("ip", ["-n", peer, "link", "set", `${dev}p`, "up"]);
    sh("ip", ["-n", peer, "link", "set", "lo", "up"]);
    // The output hook tracks what we send: `ct state` needs conntrack, the mark and zone rules
    // label two UDP flows.
    sh(
      "nft",
      ["-f", "-"],
      `table ip ${table} {
      chain raw { type filter hook output priority raw; udp dport 5002 ct zone set 7; }
      chain out { type filter hook output priority filter; udp dport 5001 ct mark set 0x2a; ct state new,established,related accept; }
    }\n`,
    );
    undo.push(() => void sh("nft", ["delete", "table", "ip", table]));
    setSysctl("net.netfilter.nf_conntrack_acct", 1);
    const rt = runtimeCommand();
    const code = `import net from "node:net"; const held = [];
      net.createServer((c) => held.push(c)).listen(5004, "${B}", () => console.log("ready"));
      setTimeout(() => process.exit(0), 50000);`;
    const listener = startScript([
      "ip",
      "netns",
      "exec",
      peer,
      ...(rt.name === "deno" ? ["deno", "eval"] : ["bun", "-e"]),
      code,
    ]);
    undo.push(async () => {
      listener.kill();
      await listener.exited;
    });
    await waitFor(
      () => listener.lines.includes("ready"),
      20000,
      `the TCP listener in ${peer} (${listener.stderr()})`,
    );
    await udp(B, 5000);
    await udp(B, 5001);
    await udp(B, 5002);
    const est = await tcp(B, 5004);
    assert.ok(est, "connected to the listener");
    open.push(est);
    await ping(B, 0x1234);
    await waitFor(
      () => conntrack("-L", "-s", A).length >= 5 || undefined,
      5000,
      "five conntrack entries from our flows",
    ).catch((e) => {
      throw new Error(
        `${e.message}; conntrack -L -s ${A}:\n${conntrack("-L", "-s", A).join("\n")}`,
      );
    });
    return { cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function ours(e: ConntrackEntry): boolean {
  return e.original.src === A;
}

test(
  "conntrack: the library lists what `conntrack -L` lists: tuples, TCP state, status, mark, zone, counters",
  { skip: SKIP, timeout: 90000 },
  async () => {
    const s = await setup();
    try {
      await using ct = await Conntrack.open();
      const entries = (await Array.fromAsync(ct.list({ family: 2 }))).filter(ours);
      const lines = conntrack("-L", "-s", A);
      assert.equal(
        entries.length,
        lines.length,
        `library ${entries.length}, conntrack ${lines.length}`,
      );
      assert.equal(entries.length, 5);
      // Each entry, formatted as the tool formats it, is one of the tool's lines.
      const tool = new Set(lines.map(normal));
      for (const e of entries) {
        assert.ok(
          tool.has(normal(entryText(e))),
          `not listed by conntrack: ${entryText(e)}`,
        );
      }
      // And the typed fields say what the tool's line says.
      const by = (p: number, dport?: number) =>
        entries.find((e) =>
          e.original.protocol === p && (dport === undefined || e.original.dstPort === dport)
        )!;
      const est = by(6, 5004), icmp = by(1);
      assert.equal(TCP_STATE_TEXT[est.tcp!.state], "ESTABLISHED");
      assert.equal(est.tcp!.state, NF_CT_TCP_STATE.ESTABLISHED);
      assert.ok(est.status & NF_CT_STATUS.ASSURED && est.status & NF_CT_STATUS.SEEN_REPLY);
      assert.deepEqual(
        [est.reply.src, est.reply.dst, est.reply.srcPort, est.reply.dstPort],
        [B, A, 5004, est.original.srcPort],
      );
      assert.deepEqual([icmp.original.icmpType, icmp.original.icmpCode, icmp.original.icmpId], [
        8,
        0,
        0x1234,
      ]);
      assert.deepEqual([icmp.reply.icmpType, icmp.reply.icmpId], [0, 0x1234]);
      assert.equal(by(17, 5001).mark, 0x2a);
      assert.equal(by(17, 5002).zone, 7);
      assert.equal(
        by(17, 5000).status & NF_CT_STATUS.SEEN_REPLY,
        0,
        "UDP without an answer is unreplied",
      );
      assert.equal(by(17, 5000).counters?.original?.packets, 1n);
      assert.equal(by(17, 5000).counters?.original?.bytes, 38n, "20 (IP) + 8 (UDP) + 10");
      assert.ok((est.counters?.reply?.packets ?? 0n) >= 1n);
      // The example prints the same lines (it asks the kernel with -s as a CTA_FILTER).
      let out = "";
      await conntrackMain(["-L", "-s", A], { out: (x) => (out += x), err: () => {} });
      assert.deepEqual(
        out.split("\n").filter((l) => l).map(normal).sort(),
        lines.map(normal).sort(),
      );
      // -j: one JSON object per entry, with the same protocols and ports.
      let json = "";
      await conntrackMain(["-L", "-s", A, "-j"], { out: (x) => (json += x), err: () => {} });
      const objs = JSON.parse(json) as { original: { dstPort?: number }; protocol: string }[];
      const names: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp" };
      assert.deepEqual(
        objs.map((o) => `${o.protocol} ${o.original.dstPort ?? "-"}`).sort(),
        entries.map((e) => `${names[e.original.protocol]} ${e.original.dstPort ?? "-"}`).sort(),
      );
    } finally {
      await s.cleanup();
    }
  },
);

test("conntrack: filtered dumps (mark, zone, status, tuple) list what the tool's filters list", {
  skip: SKIP,
  timeout: 90000,
}, async () => {
  const s = await setup();
  try {
    await using ct = await Conntrack.open();
    const lib = async (f: Parameters<typeof ct.list>[0]) =>
      (await Array.fromAsync(ct.list(f))).filter(ours).map((e) => normal(entryText(e))).sort();
    const tool = (...args: string[]) =>
      conntrack("-L", ...args).filter((l) => l.includes(`src=${A} `)).map(normal).sort();
    const marked = await lib({ mark: 0x2a });
    assert.equal(marked.length, 1);
    assert.deepEqual(marked, tool("-m", "42"));
    const zoned = await lib({ zone: 7 });
    assert.equal(zoned.length, 1);
    assert.deepEqual(zoned, tool("-w", "7"));
    const assured = await lib({ status: NF_CT_STATUS.ASSURED });
    assert.ok(assured.length >= 1);
    assert.deepEqual(assured, tool("-u", "ASSURED"));
    const tcp5004 = await lib({ original: { dst: B, protocol: 6, dstPort: 5004 } });
    assert.equal(tcp5004.length, 1);
    assert.deepEqual(tcp5004, tool("-p", "tcp", "-d", B, "--dport", "5004"));
    const replyFromB = await lib({ reply: { src: B, protocol: 17 } });
    assert.equal(replyFromB.length, 3);
    assert.deepEqual(replyFromB, tool("-p", "udp", "-r", B));
    // The mark mask: 0x2a & 0x0f == 0x0a.
    assert.deepEqual(await lib({ mark: 0x0a, markMask: 0x0f }), marked);
  } finally {
    await s.cleanup();
  }
});

test(
  "conntrack: get, create, update and delete; statistics and count agree with conntrack -G, -S, -C",
  { skip: SKIP, timeout: 90000 },
  async () => {
    const s = await setup();
    try {
      await using ct = await Conntrack.open();
      const t = { src: "10.99.0.1", dst: "10.99.0.2", protocol: 17, srcPort: 1000, dstPort: 2000 };
      await ct.create({ original: t, timeout: 100, mark: 5 });
      await assert.rejects(ct.create({ original: t, timeout: 100 }), { code: "EEXIST" });
      const got = await ct.get(t);
      const tool = conntrack(
        "-G",
        "-s",
        t.src,
        "-d",
        t.dst,
        "-p",
        "udp",
        "--sport",
        "1000",
        "--dport",
        "2000",
      );
      assert.equal(tool.length, 1);
      assert.equal(normal(entryText(got)), normal(tool[0]));
      assert.equal(got.mark, 5);
      await ct.update({ original: t, mark: 9, timeout: 200 });
      const after = conntrack("-L", "-s", t.src)[0];
      assert.match(after, / mark=9 /);
      assert.match(after, /^udp +17 (199|200) /);
      await ct.delete(t);
      assert.deepEqual(conntrack("-L", "-s", t.src), []);
      await assert.rejects(ct.delete(t), { code: "ENOENT" });
      // Per-CPU statistics: one record per CPU the tool lists, with the kernel's fields.
      const stats = await ct.stats();
      const lines = conntrack("-S");
      assert.equal(stats.length, lines.length);
      assert.deepEqual(
        stats.map((x) => x.cpu),
        lines.map((l) => Number(/^cpu=(\d+)/.exec(l)![1])),
      );
      for (const x of stats) {
        assert.equal(typeof x.found, "number");
        assert.equal(typeof x.insert, "number");
      }
      const { entries, maxEntries } = await ct.count();
      assert.equal(entries, Number(sh("conntrack", ["-C"]).trim()));
      assert.equal(
        maxEntries,
        Number(sh("cat", ["/proc/sys/net/netfilter/nf_conntrack_max"]).trim()),
      );
      // Flush what matches a mark only.
      await ct.flush({ family: 2, mark: 0x2a });
      assert.deepEqual(conntrack("-L", "-m", "42"), []);
      assert.equal(conntrack("-L", "-s", A).length, 4, "the other entries stay");
    } finally {
      await s.cleanup();
    }
  },
);

test(
  "conntrack: events for entries created and deleted (conntrack -I, -D) are the lines conntrack -E prints",
  { skip: SKIP, timeout: 90000 },
  async () => {
    const s = await setup();
    const tool = startScript(["conntrack", "-E", "-s", "10.98.0.1"]);
    try {
      await using ct = await Conntrack.open({ receiveBufferSize: 4 << 20 });
      await using events = await ct.subscribe({ signal: AbortSignal.timeout(30000) });
      await new Promise((r) => setTimeout(r, 300)); // let conntrack -E join its groups
      const t = [
        "-s",
        "10.98.0.1",
        "-d",
        "10.98.0.2",
        "-p",
        "udp",
        "--sport",
        "1111",
        "--dport",
        "2222",
      ];
      sh("conntrack", ["-I", ...t, "-t", "60", "-m", "3"]);
      sh("conntrack", [
        "-I",
        "-s",
        "10.98.0.1",
        "-d",
        "10.98.0.2",
        "-p",
        "tcp",
        "--sport",
        "1111",
        "--dport",
        "2222",
        "-t",
        "60",
        "--state",
        "ESTABLISHED",
      ]);
      sh("conntrack", ["-D", ...t]);
      const mine: string[] = [];
      await withTimeout(
        (async () => {
          for await (const ev of events) {
            if (ev.type === "overrun") continue;
            if (ev.entry.original.src !== "10.98.0.1") continue;
            const pid = ev.message.pid;
            mine.push(entryText(ev.entry, {}, ev.type) + (pid ? ` [USERSPACE] portid=${pid}` : ""));
            if (mine.length === 3) break;
          }
        })(),
        20000,
        "three conntrack events",
      );
      await waitFor(() => tool.lines.length >= 3, 10000, "three lines of conntrack -E");
      // conntrack -E adds the program behind the port id (progname=…) after what we print.
      const theirs = tool.lines.slice(0, 3).map((l) => l.replace(/ progname=\S+$/, ""));
      assert.deepEqual(mine.map(normal), theirs.map(normal));
      assert.match(mine[0], /^ {4}\[NEW\] udp /);
      assert.match(mine[1], /^ {4}\[NEW\] tcp +6 60 ESTABLISHED /);
      assert.match(mine[2], /^\[DESTROY\] udp /);
    } finally {
      tool.kill();
      await tool.exited;
      await s.cleanup();
    }
  },
);
