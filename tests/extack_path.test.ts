/**
 * The attribute an extended ACK points at, named by its path of C names: the kernel's own
 * offset (a vxlan id out of range inside IFLA_INFO_DATA, a device name ethtool cannot find)
 * through the route API and the generic client, each step checked against the uAPI headers
 * by walking the request's bytes to the offset without the library's tables.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { lacksConfig } from "./harness.ts";
import { runC, SKIP_CC } from "./c_truth.ts";
import { SKIP_KERNEL } from "./helpers.ts";
import { NLM_F_CREATE, NLM_F_EXCL } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { buildMessage } from "../codec/ynl/mod.ts";
import { attributePath, Client } from "../client/mod.ts";
import * as api from "../families/route/mod.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as ethtool from "../families/generated/ethtool.ts";
import * as tc from "../families/generated/tc.ts";

/** The values of C constants `names` (from `headers`), compiled. */
function cValues(headers: string[], names: string[]): number[] {
  const out = runC(`#include <stdio.h>
${headers.map((h) => `#include <${h}>`).join("\n")}
int main(void) {
${names.map((n) => `  printf("%d\\n", (int)(${n}));`).join("\n")}
  return 0;
}
`);
  return out.trim().split("\n").map(Number);
}

/**
 * The types of the attributes (outermost first) whose bytes hold `offset`, the last one
 * starting there: a plain walk of `struct nlattr`s from `start`, descending into every
 * attribute that contains the offset (for the requests here, nests with no fixed header).
 */
function typesAt(b: Uint8Array, start: number, offset: number): number[] {
  const path: number[] = [];
  let off = start, end = b.length;
  while (end - off >= 4) {
    const len = b[off] | (b[off + 1] << 8);
    const type = (b[off + 2] | (b[off + 3] << 8)) & 0x3fff;
    if (offset >= off && offset < off + len) {
      path.push(type);
      if (offset === off) return path;
      end = off + len;
      off += 4;
      continue;
    }
    off += (len + 3) & ~3;
  }
  return [];
}

const SKIP_VXLAN = SKIP_KERNEL || SKIP_CC || lacksConfig(["CONFIG_VXLAN"]);
const VXLAN_PATH = "IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID";

test("extended ACK through the route API: IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID", {
  skip: SKIP_VXLAN,
}, async () => {
  await using rt = await api.Rtnl.open();
  const error = await api.addLink(rt, { name: "vxbad0", kind: "vxlan", data: { id: 1 << 24 } })
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof api.RtnlError, String(error));
  assert.equal(error.code, "ERANGE");
  assert.match(error.extAck?.message ?? "", /VXLAN ID must be lower than 16777216/);
  assert.equal(error.attribute, VXLAN_PATH);
  assert.equal(
    error.message,
    `RTM_NEWLINK failed: ERANGE (Numerical result out of range): ${error.extAck?.message} ` +
      `(attribute ${VXLAN_PATH}) [seq ${error.seq}]`,
  );
});

test("extended ACK through the client: the C path, each step as the headers number it", {
  skip: SKIP_VXLAN,
}, async () => {
  await using c = await Client.open(rtLink.family);
  const op = rtLink.operations.newlink;
  const options = {
    header: {},
    attrs: { ifname: "vxbad1", linkinfo: { kind: "vxlan", data: { id: 1 << 24 } } },
    flags: NLM_F_CREATE | NLM_F_EXCL,
  } as const;
  const error = await c.call(op, options).then(() => undefined, (e) => e);
  assert.ok(error instanceof NetlinkError, String(error));
  assert.equal(error.code, "ERANGE");
  const offset = error.extAck?.offset;
  assert.ok(offset !== undefined, "the kernel sent the attribute's offset");
  assert.equal(error.attribute, VXLAN_PATH);
  assert.ok(
    error.message.endsWith(`(attribute ${VXLAN_PATH}) [seq ${error.seq}]`),
    error.message,
  );
  assert.ok(!error.message.includes("offset"), error.message);
  // Ground truth: the request's bytes (the same but for the seq), walked to the kernel's offset
  // without the library's tables, are the attributes the headers number so.
  const sent = buildMessage(op, { ...options, type: undefined });
  const truth = cValues(["linux/if_link.h"], VXLAN_PATH.split("/"));
  assert.deepEqual(typesAt(sent, 16 + 16, offset), truth); // nlmsghdr, ifinfomsg
  const dv = new DataView(sent.buffer, sent.byteOffset);
  assert.equal(dv.getUint32(offset + 4, true), 1 << 24, "the offset is the id's attribute");
  // The YNL names of the same attribute, as tools/net/ynl prints them.
  assert.equal(attributePath(op, sent, offset), ".linkinfo.data.id");
});

const NO_ETHTOOL = SKIP_KERNEL || SKIP_CC ||
  (spawnSync("ethtool", ["--version"]).status === 0 ? false : "ethtool is not installed");

test("extended ACK of a genl family (ethtool, no such device): the C path at ethtool's offset", {
  skip: NO_ETHTOOL,
}, async () => {
  await using c = await Client.open(ethtool.family);
  const op = ethtool.operations.linkinfoGet;
  const attrs = { header: { devName: "nope" } };
  const error = await c.call(op, { attrs }).then(() => undefined, (e) => e);
  assert.ok(error instanceof NetlinkError, String(error));
  assert.equal(error.code, "ENODEV");
  const path = "ETHTOOL_A_LINKINFO_HEADER/ETHTOOL_A_HEADER_DEV_NAME";
  assert.equal(error.attribute, path);
  assert.ok(error.message.includes(`(attribute ${path})`), error.message);
  // ethtool reports the same offset for the same request: "no device matches name (offset 24)".
  const theirs = spawnSync("ethtool", ["-l", "nope"], { encoding: "utf8" }).stderr;
  const ack = /netlink error: (.+) \(offset (\d+)\)/.exec(theirs);
  assert.ok(ack, theirs);
  assert.equal(error.extAck?.offset, Number(ack[2]));
  assert.equal(error.extAck?.message, ack[1]);
  const sent = buildMessage(op, { type: 0, attrs });
  const truth = cValues(["linux/ethtool_netlink.h"], path.split("/"));
  assert.deepEqual(typesAt(sent, 16 + 4, Number(ack[2])), truth); // nlmsghdr, genlmsghdr
});

test("attribute paths: tc netem's sub-message after its struct, a header member, a number", {
  skip: SKIP_CC,
}, () => {
  const op = tc.operations.newqdisc;
  const qopt = { latency: 1, limit: 2, loss: 0, gap: 0, duplicate: 0, jitter: 0 };
  const rate = { rate: 1000, packetOverhead: 0, cellSize: 0, cellOverhead: 0 };
  const sent = buildMessage(op, {
    header: { ifindex: 1 },
    attrs: { kind: "netem", options: { ...qopt, rate } },
  });
  // By hand: after nlmsghdr (16) and struct tcmsg (20), TCA_KIND "netem\0" (12), then
  // TCA_OPTIONS: its header (4), struct tc_netem_qopt (24), then TCA_NETEM_RATE.
  const [TCA_KIND, TCA_OPTIONS, TCA_NETEM_RATE, QOPT, TCMSG] = cValues(
    ["linux/rtnetlink.h", "linux/pkt_sched.h"],
    [
      "TCA_KIND",
      "TCA_OPTIONS",
      "TCA_NETEM_RATE",
      "sizeof(struct tc_netem_qopt)",
      "sizeof(struct tcmsg)",
    ],
  );
  const dv = new DataView(sent.buffer, sent.byteOffset);
  const options = 16 + TCMSG + 12;
  assert.deepEqual([dv.getUint16(16 + TCMSG + 2, true), dv.getUint16(options + 2, true)], [
    TCA_KIND,
    TCA_OPTIONS,
  ]);
  const at = options + 4 + QOPT;
  assert.equal(dv.getUint16(at + 2, true), TCA_NETEM_RATE);
  assert.equal(attributePath(op, sent, at, { names: "c" }), "TCA_OPTIONS/TCA_NETEM_RATE");
  assert.equal(attributePath(op, sent, at + 4, { names: "c" }), "TCA_OPTIONS/TCA_NETEM_RATE");
  assert.equal(attributePath(op, sent, at), ".options.rate");
  // Inside the sub-message's fixed header: the attribute that holds it.
  assert.equal(attributePath(op, sent, options + 4, { names: "c" }), "TCA_OPTIONS");
  // A member of the message's fixed header (by its spec names: the tables have no C member
  // names), and an attribute number no table knows.
  assert.equal(attributePath(op, sent, 16 + 4, { names: "c" }), "tcmsg.ifindex");
  const unknown = sent.slice();
  new DataView(unknown.buffer).setUint16(16 + TCMSG + 2, 999, true);
  assert.equal(attributePath(op, unknown, 16 + TCMSG, { names: "c" }), "999");
  assert.equal(attributePath(op, sent, sent.length + 4, { names: "c" }), undefined);
});
