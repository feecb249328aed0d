// `ip.ts --pcap FILE` (examples/_pcap.ts, given to `Rtnl.open({ pcap })`), read back by tshark:
// the capture of `ip.ts -j link show` has the RTM_GETLINK dump request and every link `ip -j
// link` reports, in order, ending with NLMSG_DONE, and the listing printed is still ip's; a
// change (`ip.ts link set … mtu`) is recorded with its ACK; `--pcap` without a file name is a
// usage error.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { runtimeCommand, sh, uniqueName } from "./helpers.ts";
import { one, PACKET_HOST, PACKET_OUTGOING, SKIP_TSHARK, tempDir, tshark } from "./pcap_helpers.ts";

// linux/netlink.h, linux/rtnetlink.h
const NETLINK_ROUTE = 0;
const NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2, NLMSG_DONE = 3;
const RTM_NEWLINK = 16, RTM_GETLINK = 18;

const IP_TS = new URL("../examples/ip.ts", import.meta.url).pathname;

function ipts(args: string[]) {
  const { argv } = runtimeCommand();
  return spawnSync(argv[0], [...argv.slice(1), IP_TS, ...args], { encoding: "utf8" });
}

function withDir(fn: (dir: string) => void): void {
  const dir = tempDir();
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("ip.ts --pcap records the link dump it prints, as tshark reads it", {
  skip: SKIP_TSHARK,
}, () => {
  const br = uniqueName("ippc");
  sh("ip", ["link", "add", br, "type", "bridge"]);
  try {
    withDir((dir) => {
      const file = join(dir, "ip.pcap");
      const r = ipts(["--pcap", file, "-j", "link", "show"]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, sh("ip", ["-j", "link", "show"]), "the listing is ip's");
      const ip = (JSON.parse(r.stdout) as { ifindex: number; ifname: string }[]).map((l) => [
        l.ifindex,
        l.ifname,
      ]);
      assert.ok(ip.some(([, n]) => n === br));

      const frames = tshark(file);
      for (const f of frames) {
        assert.equal(f.protocol, NETLINK_ROUTE);
        assert.equal(f.peer, 0, "to and from the kernel");
      }
      const sent = frames.filter((f) => f.packetType === PACKET_OUTGOING);
      const received = frames.filter((f) => f.packetType === PACKET_HOST);
      assert.equal(sent.length + received.length, frames.length);
      // The link dump: one request, answered by the links in ip's order, then NLMSG_DONE.
      const req = sent.flatMap((f) => f.messages).find((m) =>
        one(m, "netlink-route.nltype") === String(RTM_GETLINK)
      );
      assert.ok(req, "no RTM_GETLINK request recorded");
      assert.equal(Number(one(req, "netlink.hdr_flags")), NLM_F_REQUEST | NLM_F_DUMP);
      const seq = one(req, "netlink.hdr_seq");
      const replies = received.flatMap((f) => f.messages).filter((m) =>
        one(m, "netlink.hdr_seq") === seq
      );
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

test("ip.ts --pcap records a change and the kernel's ACK", { skip: SKIP_TSHARK }, () => {
  const br = uniqueName("ippc");
  sh("ip", ["link", "add", br, "type", "bridge"]);
  try {
    withDir((dir) => {
      const file = join(dir, "set.pcap");
      const r = ipts(["link", "set", "dev", br, "mtu", "1400", "--pcap=" + file]);
      assert.equal(r.status, 0, r.stderr);
      const ip = JSON.parse(sh("ip", ["-j", "link", "show", "dev", br]))[0];
      assert.equal(ip.mtu, 1400);
      const frames = tshark(file);
      const out = frames.filter((f) => f.packetType === PACKET_OUTGOING).flatMap((f) => f.messages);
      const set = out.find((m) =>
        one(m, "netlink-route.nltype") === String(RTM_NEWLINK) &&
        one(m, "netlink-route.ifla_mtu") === "1400"
      );
      assert.ok(set, "no RTM_NEWLINK with IFLA_MTU 1400 recorded");
      assert.ok(Number(one(set, "netlink.hdr_flags")) & NLM_F_ACK);
      const ack = frames.filter((f) => f.packetType === PACKET_HOST).flatMap((f) => f.messages)
        .find((m) => one(m, "netlink.hdr_seq") === one(set, "netlink.hdr_seq"));
      assert.ok(ack, "no answer recorded");
      assert.equal(Number(one(ack, "netlink.hdr_type")), NLMSG_ERROR);
      assert.equal(Number(one(ack, "netlink.error")), 0, "an ACK (error 0)");
    });
  } finally {
    sh("ip", ["link", "del", br]);
  }
});

test("ip.ts --pcap without a file name is a usage error", () => {
  const r = ipts(["link", "show", "--pcap"]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /--pcap needs a file name/);
});
