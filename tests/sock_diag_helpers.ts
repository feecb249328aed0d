/**
 * Helpers of the sock_diag and ss tests: sockets the tests own (TCP and UDP from the test
 * process through node:net and node:dgram; unix datagram and seqpacket sockets, abstract
 * names, packet, netlink and MPTCP sockets from a python3 child, which node cannot open), and
 * `ss`'s text parsed into rows.
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withTimeout } from "./helpers.ts";

/**
 * Run `ss ARGS` and return its output. Its output goes to a file, not a pipe: a runtime may
 * implement child pipes as unix socket pairs (Bun does), which `ss -x` would then list.
 */
export function ssText(args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "ss-out-"));
  const out = openSync(join(dir, "out"), "w+");
  const err = openSync(join(dir, "err"), "w+");
  try {
    try {
      execFileSync("ss", args, { stdio: ["ignore", out, err] });
    } catch (e) {
      throw new Error(`ss ${args.join(" ")} failed: ${readFileSync(join(dir, "err"), "utf8")}`, {
        cause: e,
      });
    }
    return readFileSync(join(dir, "out"), "utf8");
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One socket line of `ss -H …` output (with its continuation lines joined). */
export interface SsRow {
  /** Whitespace-separated fields of the first line. */
  fields: string[];
  /** The whole text of the socket, continuation lines included. */
  text: string;
}

/** Split `ss -H` output into sockets: a line starting with a tab continues the previous one. */
export function ssRows(text: string): SsRow[] {
  const rows: SsRow[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("\t") && rows.length > 0) {
      rows[rows.length - 1].text += "\n" + line;
      continue;
    }
    rows.push({ fields: line.trim().split(/\s+/), text: line });
  }
  return rows;
}

/** `key:value` (or `key=value`) of a row's text. */
export function field(row: SsRow, key: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${key}[:=]([^\\s]+)`).exec(row.text);
  return m?.[1];
}

/** ss's `ADDR:PORT` split at the last colon, brackets removed. */
export function splitEndpoint(s: string): { address: string; port: string } {
  const i = s.lastIndexOf(":");
  let address = s.slice(0, i);
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  return { address, port: s.slice(i + 1) };
}

/** The state names ss prints, by kernel state number (misc/ss.c sstate_name). */
export const SS_STATE: Record<number, string> = {
  1: "ESTAB",
  2: "SYN-SENT",
  3: "SYN-RECV",
  4: "FIN-WAIT-1",
  5: "FIN-WAIT-2",
  6: "TIME-WAIT",
  7: "UNCONN",
  8: "CLOSE-WAIT",
  9: "LAST-ACK",
  10: "LISTEN",
  11: "CLOSING",
};

/** Sockets the test process owns: TCP (v4, v6, dual-stack), UDP (bound, connected), unix stream. */
export interface NodeSockets {
  /** Listening ports: v4 on 127.0.0.1, v6 on ::1, dual on ::. */
  tcp4: number;
  /** Port of the IPv6 listener on ::1. */
  tcp6: number;
  /** Port of the dual-stack listener on ::. */
  tcpDual: number;
  /** Ports of the client ends (v4, v6, v4 client to the dual-stack listener). */
  clients: number[];
  /** Bytes written by each client and never read by the server. */
  unread: number;
  /** UDP ports: bound v4, bound v6, and the connected v4 socket's own port. */
  udp: number[];
  /** Path of the unix stream listener. */
  unixPath: string;
  /** Close everything. */
  close(): Promise<void>;
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(
        { port, host, ipv6Only: host === "::1" },
        () => resolve((server.address() as net.AddressInfo).port),
      );
    }),
    5000,
    `listen on ${host}`,
  );
}

/** Open the test process's sockets (in the test's network namespace). */
export async function openNodeSockets(): Promise<NodeSockets> {
  const dir = mkdtempSync(join(tmpdir(), "sockdiag-"));
  const servers: net.Server[] = [];
  const accepted: net.Socket[] = [];
  const mk = () => {
    // The server never reads: what clients write stays in the receive queue.
    const s = net.createServer({ pauseOnConnect: true }, (c) => accepted.push(c));
    servers.push(s);
    return s;
  };
  const tcp4 = await listen(mk(), 0, "127.0.0.1");
  const tcp6 = await listen(mk(), 0, "::1");
  const tcpDual = await listen(mk(), 0, "::");
  const unread = 1000;
  const clients: net.Socket[] = [];
  for (
    const [port, host] of [[tcp4, "127.0.0.1"], [tcp6, "::1"], [tcpDual, "127.0.0.1"]] as const
  ) {
    const c = net.connect({ port, host });
    await withTimeout(
      new Promise((r, j) => c.once("connect", r).once("error", j)),
      5000,
      "connect",
    );
    await new Promise<void>((r) => c.write(new Uint8Array(unread).fill(0x61), () => r()));
    clients.push(c);
  }
  const udp4 = dgram.createSocket("udp4");
  await new Promise<void>((r) => udp4.bind(0, "127.0.0.1", () => r()));
  const udp6 = dgram.createSocket({ type: "udp6", ipv6Only: true });
  await new Promise<void>((r) => udp6.bind(0, "::1", () => r()));
  const udpc = dgram.createSocket("udp4");
  await new Promise<void>((r) => udpc.bind(0, "127.0.0.1", () => r()));
  await new Promise<void>((r) => udpc.connect(udp4.address().port, "127.0.0.1", () => r()));
  const unixPath = join(dir, "stream.sock");
  const us = net.createServer(() => {});
  servers.push(us);
  await withTimeout(new Promise<void>((r) => us.listen(unixPath, () => r())), 5000, "unix listen");
  const uc = net.connect(unixPath);
  await withTimeout(new Promise((r) => uc.once("connect", r)), 5000, "unix connect");
  clients.push(uc);
  // Wait until the server saw every connection (so no socket is still being accepted).
  for (let i = 0; i < 100 && accepted.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  return {
    tcp4,
    tcp6,
    tcpDual,
    clients: clients.slice(0, 3).map((c) => c.localPort!),
    unread,
    udp: [udp4.address().port, udp6.address().port, udpc.address().port],
    unixPath,
    async close() {
      for (const c of [...clients, ...accepted]) c.destroy();
      for (const u of [udp4, udp6, udpc]) u.close();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the python3 child opened. */
export interface PySockets {
  /** The child's pid. */
  pid: number;
  /** Inodes by name: dgram_named, dgram_unnamed, dgram_pair_a/b, seq_a/b, abstract, packet_raw, packet_dgram, netlink, udp_connected (to 127.0.0.1:9), raw and mptcp (if opened). */
  inodes: Record<string, number>;
  /** Path of the named datagram socket. */
  dgramPath: string;
  /** Abstract name of the stream listener (without the leading NUL). */
  abstract: string;
  /** Port id of the netlink socket and the groups it joined. */
  netlink: { portId: number; groups: number };
  /** Port of the MPTCP listener (0 if MPTCP is off). */
  mptcpPort: number;
  /** Stop the child and close its sockets. */
  close(): Promise<void>;
}

const PY = String.raw`
import json, os, socket, sys
d = sys.argv[1]
s = {}
def ino(x): return os.fstat(x.fileno()).st_ino
keep = []
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); a.bind(d + "/dgram.sock"); s["dgram_named"] = a
b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s["dgram_unnamed"] = b
p, q = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); s["dgram_pair_a"] = p; s["dgram_pair_b"] = q
p.send(b"x" * 100)
m, n = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET); s["seq_a"] = m; s["seq_b"] = n
name = "nltest-%d" % os.getpid()
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind("\0" + name); l.listen(4); s["abstract"] = l
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect("\0" + name); s["abstract_client"] = c
r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)); s["packet_raw"] = r
g = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800)); g.bind(("lo", 0x0800)); s["packet_dgram"] = g
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); nl.bind((0, 1 | 4 | 0x10)); s["netlink"] = nl
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(("127.0.0.1", 9)); s["udp_connected"] = u
try:
    w = socket.socket(socket.AF_INET, socket.SOCK_RAW, 1); s["raw"] = w
except OSError:
    pass
mp = 0
try:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); t.bind(("127.0.0.1", 0)); t.listen(1)
    s["mptcp"] = t; mp = t.getsockname()[1]
except OSError:
    pass
print(json.dumps({"pid": os.getpid(), "inodes": {k: ino(v) for k, v in s.items()},
  "netlink": {"portId": nl.getsockname()[0], "groups": nl.getsockname()[1]}, "abstract": name,
  "mptcpPort": mp}), flush=True)
sys.stdin.read()
`;

/** Start the python3 child that opens the sockets node cannot. */
export async function openPySockets(): Promise<PySockets> {
  const dir = mkdtempSync(join(tmpdir(), "sockdiag-py-"));
  const child = spawn("python3", ["-c", PY, dir], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (err += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const line = await withTimeout(
    new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (d: string) => {
        out += d;
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      child.once("exit", (code) => reject(new Error(`python3 exited ${code}: ${err}`)));
    }),
    10000,
    "the python3 socket helper",
  );
  const info = JSON.parse(line);
  return {
    pid: info.pid,
    inodes: info.inodes,
    dgramPath: join(dir, "dgram.sock"),
    abstract: info.abstract,
    netlink: info.netlink,
    mptcpPort: info.mptcpPort,
    async close() {
      child.stdin!.end();
      await withTimeout(exited, 5000, "the python3 helper to exit");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
