// pcap capture over the kernel, read back by tshark (Wireshark's dissectors are the ground
// truth for the format): a link dump and a failed request captured through the `pcap` open
// option (CaptureTransport over the libc transport), in the test namespace. tshark must find the direction, the
// protocol, the message types, sequence numbers and port ids, the link attributes `ip -j link`
// reports, and the error with the extended ACK that `ip` prints for the same mistake. A process
// killed with SIGKILL right after its traffic leaves a complete file (records are written
// synchronously). tests/codec_pcap.test.ts checks the writer's bytes against the format.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
} from "../codec/constants.ts";
import { MessageBuilder } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { pcapFile } from "../capture/mod.ts";
import process from "node:process";
import { NetlinkSocket } from "../socket/socket.ts";
import { ipJson, runtimeCommand, sh, shFails, uniqueName } from "./helpers.ts";
import {
  ARPHRD_NETLINK,
  one,
  PACKET_HOST,
  PACKET_OUTGOING,
  SKIP_TSHARK,
  tempDir,
  tshark,
} from "./pcap_helpers.ts";

// linux/rtnetlink.h, linux/if_link.h, linux/netlink.h
const RTM_NEWLINK = 16, RTM_GETLINK = 18;
const IFLA_IFNAME = 3, IFLA_LINKINFO = 18, IFLA_INFO_KIND = 1;
const NLM_F_ACK_TLVS = 0x200, NLMSGERR_ATTR_MSG = 1;
const SKIP = SKIP_TSHARK;

/** A route socket capturing to `file` through the `pcap` open option (its writer is shared). */
async function capturing(file: string) {
  const sock = await NetlinkSocket.open(NETLINK_ROUTE, { pcap: file });
  return { writer: pcapFile(file), sock };
}

test("pcap: a link dump read back by tshark has the request, the links ip reports, and DONE", {
  skip: SKIP,
}, async () => {
  const br = uniqueName("pcapbr");
  sh("ip", ["link", "add", br, "type", "bridge"]);
  const dir = tempDir();
  try {
    const file = join(dir, "dump.pcap");
    const { writer, sock } = await capturing(file);
    await using _ = sock;
    const seqs = new Set<number>();
    const req = new MessageBuilder(RTM_GETLINK).raw(new Uint8Array(16)).finish();
    for await (const m of sock.dump(req)) seqs.add(m.seq);
    assert.equal(seqs.size, 1);
    const [seq] = seqs;

    const frames = tshark(file);
    assert.equal(frames.length, writer.records);
    for (const f of frames) {
      assert.equal(f.hatype, ARPHRD_NETLINK);
      assert.equal(f.protocol, NETLINK_ROUTE);
      assert.equal(f.family, "0x0000"); // tshark: "Family: Route"
      assert.equal(f.peer, 0); // to and from the kernel
    }
    const [sent, ...received] = frames;
    assert.equal(sent.packetType, PACKET_OUTGOING);
    assert.ok(received.length > 0 && received.every((f) => f.packetType === PACKET_HOST));

    assert.equal(sent.messages.length, 1);
    const r = sent.messages[0];
    assert.equal(one(r, "netlink-route.nltype"), String(RTM_GETLINK));
    assert.equal(Number(one(r, "netlink.hdr_flags")), NLM_F_REQUEST | NLM_F_DUMP);
    assert.equal(one(r, "netlink.hdr_seq"), String(seq));
    assert.equal(one(r, "netlink.hdr_pid"), "0");

    const replies = received.flatMap((f) => f.messages);
    for (const m of replies) {
      assert.equal(one(m, "netlink.hdr_seq"), String(seq));
      assert.equal(one(m, "netlink.hdr_pid"), String(sock.portId));
    }
    const links = replies.filter((m) => one(m, "netlink-route.nltype") === String(RTM_NEWLINK));
    const ip = ipJson<{ ifindex: number; ifname: string; mtu: number }[]>("link");
    assert.ok(ip.some((l) => l.ifname === br));
    assert.deepEqual(
      links.map((m) => [
        Number(one(m, "netlink-route.ifi_index")),
        one(m, "netlink-route.ifla_ifname"),
        Number(one(m, "netlink-route.ifla_mtu")),
      ]),
      ip.map((l) => [l.ifindex, l.ifname, l.mtu]),
    );
    assert.equal(one(replies.at(-1)!, "netlink.hdr_type"), "0x0003"); // NLMSG_DONE
    assert.equal(links.length, replies.length - 1);
  } finally {
    sh("ip", ["link", "del", br]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pcap: a failed request read back by tshark has the error and ip's extended ACK", {
  skip: SKIP,
}, async () => {
  const name = uniqueName("pcapno");
  // The ground truth: what iproute2 prints for the same request (the kernel's extended ACK).
  const ipSays = shFails("ip", ["link", "add", name, "type", "nosuchkind"]).trim();
  assert.match(ipSays, /^Error: .+\.$/);
  const dir = tempDir();
  try {
    const file = join(dir, "error.pcap");
    const { writer, sock } = await capturing(file);
    await using _ = sock;
    const req = new MessageBuilder(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
      .raw(new Uint8Array(16))
      .string(IFLA_IFNAME, name)
      .nest(IFLA_LINKINFO, (w) => w.string(IFLA_INFO_KIND, "nosuchkind"));
    const err = await sock.request(req.finish()).catch((e) => e);
    assert.ok(err instanceof NetlinkError, String(err));

    const frames = tshark(file);
    assert.equal(frames.length, writer.records);
    assert.deepEqual(frames.map((f) => f.packetType), [PACKET_OUTGOING, PACKET_HOST]);
    const [sent, reply] = frames;
    const r = sent.messages[0];
    assert.equal(one(r, "netlink-route.nltype"), String(RTM_NEWLINK));
    assert.equal(
      Number(one(r, "netlink.hdr_flags")),
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    );
    assert.equal(one(r, "netlink.hdr_seq"), String(err.seq));
    assert.equal(one(r, "netlink-route.ifla_ifname"), name);

    assert.equal(reply.messages.length, 1);
    const e = reply.messages[0];
    // The outer header, the error code, then the echoed request's header.
    assert.deepEqual(e.get("netlink.hdr_type"), ["0x0002", "0x0010"]); // NLMSG_ERROR, RTM_NEWLINK
    assert.deepEqual(e.get("netlink.hdr_seq"), [String(err.seq), String(err.seq)]);
    assert.equal(one(e, "netlink.hdr_pid"), String(sock.portId));
    assert.equal(one(e, "netlink.error"), String(-err.errno));
    assert.ok(Number(one(e, "netlink.hdr_flags")) & NLM_F_ACK_TLVS, "extended ACK TLVs follow");
    // tshark stops after the echoed request; the extended ACK TLVs follow it in the frame.
    const [outerLen, echoedLen] = e.get("netlink.hdr_len")!.map(Number);
    const v = new DataView(reply.raw.buffer);
    const end = 16 + outerLen;
    let message: string | undefined;
    for (let off = 16 + 16 + 4 + ((echoedLen + 3) & ~3); off + 4 <= end;) {
      const len = v.getUint16(off, true), type = v.getUint16(off + 2, true);
      if (len < 4) break;
      if (type === NLMSGERR_ATTR_MSG) {
        message = new TextDecoder().decode(reply.raw.subarray(off + 4, off + len)).replace(
          /\0+$/,
          "",
        );
      }
      off += (len + 3) & ~3;
    }
    assert.equal(`Error: ${message}.`, ipSays);
    assert.equal(err.extAck?.message, message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pcap: a process killed with SIGKILL after its traffic leaves every record on disk", {
  skip: SKIP,
}, () => {
  const dir = tempDir();
  try {
    const file = join(dir, "crash.pcap");
    const { argv } = runtimeCommand();
    const fixture = new URL("./fixtures/pcap_crash.ts", import.meta.url).pathname;
    // The process-wide switch: NETLINK_PCAP names the file every socket captures to.
    const r = spawnSync(argv[0], [...argv.slice(1), fixture], {
      encoding: "utf8",
      env: { ...process.env, NETLINK_PCAP: file },
    });
    assert.equal(r.signal, "SIGKILL", r.stderr);
    const [records, messages] = r.stdout.trim().split(" ").map(Number);
    assert.ok(records >= 2 && messages >= 1, r.stdout);
    const frames = tshark(file);
    assert.equal(frames.length, records);
    // every link message the dump returned, plus NLMSG_DONE, is in the file
    assert.equal(frames.slice(1).flatMap((f) => f.messages).length, messages + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
