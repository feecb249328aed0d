// `--pcap FILE` of the example tools (examples/_pcap.ts, passed to the library's `pcap` socket
// option), read back by tshark: ynl.ts's link dump has the request and every link `ip -j link`
// reports, a refused `--do` has the error with the extended ACK `ip` prints for the same mistake;
// genl.ts, ss.ts, conntrack.ts and nft.ts record their own protocol's requests and replies as
// tshark dissects them (the family names `genl ctrl list` prints, the sock_diag request for
// TCP over IPv4 and IPv6, the ctnetlink and nftables subsystems). A missing file name is a
// usage error. proc_events.ts passes the same option through `ProcEvents.open({ pcap })`; it
// needs the initial network namespace, so it is not run here.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ipJson, runtimeCommand, sh, shFails, uniqueName } from "./helpers.ts";
import {
  type Frame,
  one,
  PACKET_HOST,
  PACKET_OUTGOING,
  SKIP_TSHARK,
  tempDir,
  tshark,
} from "./pcap_helpers.ts";

// linux/netlink.h, linux/rtnetlink.h, linux/netfilter/nfnetlink.h
const NETLINK_ROUTE = 0, NETLINK_SOCK_DIAG = 4, NETLINK_NETFILTER = 12, NETLINK_GENERIC = 16;
const NLM_F_REQUEST = 1, NLM_F_DUMP = 0x300, NLMSG_ERROR = 2, NLMSG_DONE = 3;
const RTM_NEWLINK = 16, RTM_GETLINK = 18;
const NFNL_SUBSYS_CTNETLINK = 1, NFNL_SUBSYS_NFTABLES = 10;

/** Run example `name` under the current runtime with `args`. */
function example(name: string, args: string[]) {
  const { argv } = runtimeCommand();
  const script = new URL(`../examples/${name}`, import.meta.url).pathname;
  return spawnSync(argv[0], [...argv.slice(1), script, ...args], { encoding: "utf8" });
}

/** Run `fn` with a temporary directory, removed afterwards. */
async function withDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every frame speaks `protocol` with the kernel; sent first, then at least one reply. */
function checkFrames(frames: Frame[], protocol: number, what: string): void {
  assert.ok(frames.length >= 2, `${what}: ${frames.length} frames`);
  for (const f of frames) {
    assert.equal(f.protocol, protocol, what);
    assert.equal(f.peer, 0, `${what}: to and from the kernel`);
  }
  assert.equal(frames[0].packetType, PACKET_OUTGOING, what);
  assert.ok(frames.some((f) => f.packetType === PACKET_HOST), `${what}: no reply recorded`);
}

test("pcap examples: ynl.ts --pcap records a link dump tshark reads as ip reports it", {
  skip: SKIP_TSHARK,
}, async () => {
  const br = uniqueName("ynlpc");
  sh("ip", ["link", "add", br, "type", "bridge"]);
  try {
    await withDir((dir) => {
      const file = join(dir, "ynl.pcap");
      const r = example("ynl.ts", ["--family", "rt-link", "--dump", "getlink", "--pcap", file]);
      assert.equal(r.status, 0, r.stderr);
      const printed = (JSON.parse(r.stdout) as { "ifi-index": number; ifname: string }[]).map((
        l,
      ) => [l["ifi-index"], l.ifname]);
      const ip = ipJson<{ ifindex: number; ifname: string }[]>("link").map((l) => [
        l.ifindex,
        l.ifname,
      ]);
      assert.ok(ip.some(([, n]) => n === br));
      assert.deepEqual(printed, ip);

      const frames = tshark(file);
      checkFrames(frames, NETLINK_ROUTE, "ynl.ts");
      const [sent, ...received] = frames;
      assert.equal(sent.messages.length, 1);
      const req = sent.messages[0];
      assert.equal(one(req, "netlink-route.nltype"), String(RTM_GETLINK));
      assert.equal(Number(one(req, "netlink.hdr_flags")), NLM_F_REQUEST | NLM_F_DUMP);
      const seq = one(req, "netlink.hdr_seq");
      const replies = received.flatMap((f) => f.messages);
      for (const m of replies) assert.equal(one(m, "netlink.hdr_seq"), seq);
      const links = replies.filter((m) => one(m, "netlink-route.nltype") === String(RTM_NEWLINK));
      assert.deepEqual(
        links.map((m) => [
          Number(one(m, "netlink-route.ifi_index")),
          one(m, "netlink-route.ifla_ifname"),
        ]),
        ip,
      );
      assert.equal(Number(one(replies.at(-1)!, "netlink.hdr_type")), NLMSG_DONE);
    });
  } finally {
    sh("ip", ["link", "del", br]);
  }
});

test("pcap examples: ynl.ts --pcap records a refused request with the kernel's error", {
  skip: SKIP_TSHARK,
}, async () => {
  const name = uniqueName("ynlno");
  const ipSays = shFails("ip", ["link", "add", name, "type", "nosuchkind"]).trim();
  assert.match(ipSays, /^Error: .+\.$/);
  await withDir((dir) => {
    const file = join(dir, "refused.pcap");
    const json = JSON.stringify({ ifname: name, linkinfo: { kind: "nosuchkind" } });
    const r = example("ynl.ts", [
      "--family",
      "rt-link",
      "--do",
      "newlink",
      "--create",
      "--excl",
      "--json",
      json,
      `--pcap=${file}`,
    ]);
    assert.equal(r.status, 1, r.stderr);
    const frames = tshark(file);
    checkFrames(frames, NETLINK_ROUTE, "ynl.ts --do");
    const [sent] = frames;
    assert.equal(one(sent.messages[0], "netlink-route.nltype"), String(RTM_NEWLINK));
    assert.equal(one(sent.messages[0], "netlink-route.ifla_ifname"), name);
    const error = frames.slice(1).flatMap((f) => f.messages).find((m) =>
      Number(one(m, "netlink.hdr_type")) === NLMSG_ERROR
    );
    assert.ok(error, "an NLMSG_ERROR was recorded");
    assert.equal(one(error, "netlink.hdr_seq"), one(sent.messages[0], "netlink.hdr_seq"));
    assert.notEqual(Number(one(error, "netlink.error")), 0);
    // The tool printed the same refusal, with the extended ACK ip prints.
    const message = ipSays.replace(/^Error: /, "").replace(/\.$/, "");
    assert.match(r.stderr, new RegExp(`^Netlink error: \\w+ \\(.*\\): ${message}$`, "m"));
  });
});

test("pcap examples: genl.ts, ss.ts, conntrack.ts and nft.ts record their own protocol", {
  skip: SKIP_TSHARK,
  timeout: 120_000,
}, async () => {
  await withDir((dir) => {
    const run = (tool: string, args: string[]) => {
      const file = join(dir, `${tool}.pcap`);
      const r = example(tool, ["--pcap", file, ...args]);
      assert.equal(r.status, 0, `${tool}: ${r.stderr}`);
      return tshark(file);
    };

    const genl = run("genl.ts", ["ctrl", "list"]);
    checkFrames(genl, NETLINK_GENERIC, "genl.ts");
    const names = new Set(
      genl.slice(1).flatMap((f) => f.fields.get("genl.ctrl.family_name") ?? []),
    );
    const want = [...sh("genl", ["ctrl", "list"]).matchAll(/^Name: (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual([...names].sort(), want.sort());

    const ss = run("ss.ts", ["-tan"]);
    checkFrames(ss, NETLINK_SOCK_DIAG, "ss.ts");
    const requests = ss.filter((f) => f.packetType === PACKET_OUTGOING);
    assert.deepEqual(
      requests.map((f) => [
        one(f.fields, "netlink-sock_diag.family"),
        one(f.fields, "netlink-sock_diag.inet_protocol"),
      ]).sort(),
      [["10", "6"], ["2", "6"]], // AF_INET6 and AF_INET, IPPROTO_TCP
    );

    const ct = run("conntrack.ts", ["-L"]);
    checkFrames(ct, NETLINK_NETFILTER, "conntrack.ts");
    assert.equal(Number(one(ct[0].fields, "netlink-netfilter.subsys")), NFNL_SUBSYS_CTNETLINK);

    const nft = run("nft.ts", ["list", "ruleset"]);
    checkFrames(nft, NETLINK_NETFILTER, "nft.ts");
    const subsystems = new Set(
      nft.filter((f) => f.packetType === PACKET_OUTGOING).flatMap((f) =>
        f.fields.get("netlink-netfilter.subsys") ?? []
      ).map(Number),
    );
    assert.deepEqual([...subsystems], [NFNL_SUBSYS_NFTABLES]);
  });
});

test("pcap examples: --pcap without a file name is a usage error", () => {
  for (const tool of ["ynl.ts", "genl.ts", "conntrack.ts", "nft.ts", "ss.ts"]) {
    const r = example(tool, ["--pcap"]);
    assert.notEqual(r.status, 0, tool);
    assert.match(
      r.stderr,
      new RegExp(`^${tool.replace(".ts", "(\\.ts)?")}: --pcap needs a file name$`, "m"),
      tool,
    );
  }
});
