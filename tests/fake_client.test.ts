// The generic client (client/client.ts) over fake kernels: generic netlink families resolved
// through a fake controller (id, version, groups; cached), requests encoded as the spec says,
// replies and notifications decoded, a missing family named, raw protocols by number. No
// kernel and no permission: this file runs in the no-permission pass of tests/run.sh.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NETLINK_SOCK_DIAG,
  NETLINK_XFRM,
  NLM_F_ACK,
} from "../codec/constants.ts";
import { parseAttributes } from "../codec/attrs.ts";
import { Client } from "../client/client.ts";
import { FamilyNotFoundError } from "../client/genl.ts";
import { FakeGenl, replyPayload } from "../testing/fake_genl.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import * as wireguard from "../families/generated/wireguard.ts";
import * as ethtool from "../families/generated/ethtool.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as sockDiag from "../families/generated/sock_diag.ts";
import * as xfrm from "../families/generated/xfrm.ts";

/** A client over `kernel` (the constructor is protected: go through a subclass). */
class TestClient extends Client {
  static async over(kernel: FakeKernel, ...families: Parameters<typeof Client.open>[0][]) {
    const sock = await NetlinkSocket.fromTransport(kernel.endpoint(), kernel.protocol);
    return new TestClient(sock, families.flat());
  }
}

const WG_ID = 0x22;

function wgKernel() {
  return new FakeGenl([{
    family: wireguard.family,
    id: WG_ID,
    handler: (req, k) => {
      const op = wireguard.operations.getDevice;
      if (req?.operation !== op) return k.error(95);
      const name = (req.attrs as wireguard.Wgdevice).ifname;
      if (name !== "wg0") return k.error(19, { message: "no such device" });
      k.dumpWith(op, [{ attrs: { ifindex: 7, ifname: "wg0", listenPort: 51820, fwmark: 0 } }]);
    },
  }]);
}

test("client: a genl family is resolved by name once, and its requests carry the id", async () => {
  const kernel = wgKernel();
  await using wg = await TestClient.over(kernel, wireguard.family);
  const devices = [];
  for await (const d of wg.dump(wireguard.operations.getDevice, { attrs: { ifname: "wg0" } })) {
    devices.push(d.attrs);
  }
  assert.deepEqual(devices.map((d) => [d.ifindex, d.ifname, d.listenPort]), [[7, "wg0", 51820]]);
  await wg.dump(wireguard.operations.getDevice, { attrs: { ifname: "wg0" } }).next();
  // One CTRL_CMD_GETFAMILY, then the two requests, typed with the resolved id.
  assert.deepEqual(kernel.requests.map((r) => r.type), [0x10, WG_ID, WG_ID]);
  const req = kernel.requests[1];
  assert.equal(req.payload[0], wireguard.operations.getDevice.requestValue); // genlmsghdr.cmd
  assert.equal(req.payload[1], wireguard.family.spec.version ?? 1);
  const attrs = parseAttributes(req.payload, 4);
  assert.deepEqual(
    attrs.map((a) => [a.type, new TextDecoder().decode(a.data)]),
    [[2, "wg0\0"]], // WGDEVICE_A_IFNAME, NUL-terminated
  );
  const info = await wg.genlFamily(wireguard.family);
  assert.equal(info.id, WG_ID);
  assert.equal(info.name, "wireguard");
});

test("client: a kernel error names the family operation and keeps the extended ACK", async () => {
  await using wg = await TestClient.over(wgKernel(), wireguard.family);
  await assert.rejects(
    wg.dump(wireguard.operations.getDevice, { attrs: { ifname: "nope" } }).next(),
    (e: Error & { code?: string; extAck?: { message?: string } }) => {
      assert.equal(e.code, "ENODEV");
      assert.equal(e.extAck?.message, "no such device");
      assert.match(e.message, /wireguard get-device|wireguard getDevice/);
      return true;
    },
  );
});

test("client: a family this kernel lacks fails with FamilyNotFoundError naming it", async () => {
  const kernel = wgKernel();
  await using c = await TestClient.over(kernel, ethtool.family);
  await assert.rejects(
    c.call(ethtool.operations.linkinfoGet, { attrs: { header: { devName: "v0" } } }),
    (e: unknown) => {
      assert.ok(e instanceof FamilyNotFoundError, String(e));
      assert.equal(e.family, "ethtool");
      assert.match(e.message, /"ethtool" is not available in this kernel/);
      return true;
    },
  );
  assert.deepEqual(kernel.requests.map((r) => r.type), [0x10], "nothing sent to the family");
});

test("client: events join the resolved group and decode notifications", async () => {
  const kernel = new FakeGenl([{ family: ethtool.family, id: 0x14, handler: () => {} }]);
  await using eth = await TestClient.over(kernel, ethtool.family);
  const ac = new AbortController();
  const events = eth.events(["monitor"], { signal: ac.signal });
  const first = events.next();
  const group = kernel.families.get("ethtool")!.groups.monitor;
  // Wait for the join (it happens after the resolution), then notify.
  while (!kernel.endpoints()[0].groups.has(group)) await new Promise((r) => setTimeout(r, 1));
  const ntf = ethtool.operations.linkinfoNtf;
  kernel.notify(group, {
    type: 0x14,
    payload: replyPayload(ntf, { attrs: { header: { devIndex: 3, devName: "v0" }, port: 239 } }),
  });
  const { value } = await first;
  ac.abort();
  assert.ok(value && value.family === "ethtool", JSON.stringify(value));
  assert.equal(value.group, group);
  assert.equal(value.operation.name, ntf.name);
  const attrs = value.attrs as ethtool.Linkinfo;
  assert.equal(attrs.port, 239);
  assert.deepEqual([attrs.header?.devIndex, attrs.header?.devName], [3, "v0"]);
  await assert.rejects(eth.groupIds(["no-such-group"]), /Unknown multicast group "no-such-group"/);
});

test("client: raw families use their protocol number and message types", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (req, k) => {
    k.reply({
      type: rtLink.RTM_NEWLINK,
      payload: replyPayload(rtLink.operations.getlink, {
        header: { ifiIndex: 1 },
        attrs: { ifname: "lo", mtu: 65536 },
      }),
    });
    if (req.flags & 0x4) k.ack();
  });
  await using rt = await TestClient.over(kernel, rtLink.family);
  const lo = await rt.get(rtLink.operations.getlink, { attrs: { ifname: "lo" } });
  assert.equal(lo.header.ifiIndex, 1);
  assert.equal(lo.attrs.mtu, 65536);
  assert.equal(kernel.requests[0].type, rtLink.RTM_GETLINK);
  await assert.rejects(
    Client.open([rtLink.family, wireguard.family]),
    /speak different netlink protocols/,
  );
  assert.equal(rt.socket.protocol, NETLINK_ROUTE);
  assert.notEqual(rt.socket.protocol, NETLINK_GENERIC);
});

test("client: a reply of another message type is decoded by its own type", async () => {
  // xfrm answers XFRM_MSG_GETSA (xfrm_usersa_id) with XFRM_MSG_NEWSA (xfrm_usersa_info).
  const newsa = xfrm.family.operationFor(xfrm.XFRM_MSG_NEWSA)!;
  const kernel = new FakeKernel(NETLINK_XFRM, (req, k) => {
    if (req.type !== xfrm.XFRM_MSG_GETSA) return k.error(95);
    k.reply({
      type: xfrm.XFRM_MSG_NEWSA,
      payload: replyPayload(newsa, { header: { id: { spi: 0x1234, proto: 50 }, reqid: 7 } }),
    });
    k.ack();
  });
  await using c = await TestClient.over(kernel, xfrm.family);
  const sa = await c.get(xfrm.operations.getsa, { header: { spi: 0x1234, proto: 50 } });
  assert.equal(sa.operation, newsa, `decoded as ${sa.operation.name}`);
  const info = sa.header as unknown as xfrm.XfrmUsersaInfo;
  assert.deepEqual([info.id.spi, info.id.proto, info.reqid], [0x1234, 50, 7]);
});

test("client: an explicit reply operation decodes one struct type as another", async () => {
  // sock_diag answers SOCK_DIAG_BY_FAMILY (inet_diag_req_v2) with the same type, another struct.
  const kernel = new FakeKernel(NETLINK_SOCK_DIAG, (_req, k) => {
    k.dump([{
      type: 20,
      payload: replyPayload(sockDiag.operations.inetDiagMsg, {
        header: { idiagFamily: 2, idiagState: 10, idiagInode: 4242 },
      }),
    }]);
  });
  await using c = await TestClient.over(kernel, sockDiag.family);
  const got = [];
  for await (
    const m of c.dump(sockDiag.operations.sockDiagByFamily, {
      header: { sdiagFamily: 2, sdiagProtocol: 6, idiagStates: 0xffff },
      reply: sockDiag.operations.inetDiagMsg,
    })
  ) got.push(m);
  assert.equal(got.length, 1);
  assert.equal(got[0].operation, sockDiag.operations.inetDiagMsg);
  assert.deepEqual(
    [got[0].header.idiagFamily, got[0].header.idiagState, got[0].header.idiagInode],
    [2, 10, 4242],
  );
});

test("client: ack false sends no NLM_F_ACK and resolves on the first answer", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (req, k) => {
    if (req.flags & NLM_F_ACK) return k.error(22, { message: "asked for an ACK" });
    k.reply({
      type: rtLink.RTM_NEWLINK,
      payload: replyPayload(rtLink.operations.getlink, { header: { ifiIndex: 1 } }),
    });
  });
  await using rt = await TestClient.over(kernel, rtLink.family);
  const lo = await rt.get(rtLink.operations.getlink, { header: { ifiIndex: 1 }, ack: false });
  assert.equal(lo.header.ifiIndex, 1);
  assert.equal(kernel.requests[0].flags & NLM_F_ACK, 0);
});

test("client: an already-aborted signal rejects call, dump and events; nothing is sent", async () => {
  const kernel = wgKernel();
  await using wg = await TestClient.over(kernel, wireguard.family);
  const signal = AbortSignal.abort(new Error("not now"));
  const op = wireguard.operations.getDevice;
  await assert.rejects(wg.call(op, { attrs: { ifname: "wg0" }, signal }), /not now/);
  await assert.rejects(wg.dump(op, { attrs: { ifname: "wg0" }, signal }).next(), /not now/);
  await assert.rejects(wg.events(["monitor"], { signal }).next(), /not now/);
  await assert.rejects(wg.subscribe(["monitor"], { signal }), /not now/);
  assert.equal(kernel.requests.length, 0, "not even the family's resolution was sent");
});

test("client: an overrun comes as a marker and the events go on", async () => {
  const kernel = new FakeGenl([{ family: ethtool.family, id: 0x14, handler: () => {} }]);
  await using eth = await TestClient.over(kernel, ethtool.family);
  await using events = await eth.subscribe(["monitor"]);
  const group = kernel.families.get("ethtool")!.groups.monitor;
  const ntf = ethtool.operations.linkinfoNtf;
  const send = (port: number) =>
    kernel.notify(group, {
      type: 0x14,
      payload: replyPayload(ntf, { attrs: { header: { devIndex: 3 }, port } }),
    });
  send(1);
  kernel.endpoints()[0].overrun();
  send(2);
  const got = [];
  for (let i = 0; i < 3; i++) got.push((await events.next()).value!);
  // The marker comes once the queue was read empty, after what was kept.
  assert.deepEqual(got.map((n) => n.overrun ?? false), [false, false, true]);
  assert.equal(got[2].family, undefined);
  assert.deepEqual(
    got.slice(0, 2).map((n) => n.family && (n.attrs as ethtool.Linkinfo).port),
    [1, 2],
  );
});

test("client: aborting a dump mid-way yields nothing more", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (_req, k) => {
    const payload = replyPayload(rtLink.operations.getlink, { header: { ifiIndex: 1 } });
    k.dump(Array.from({ length: 500 }, () => ({ type: rtLink.RTM_NEWLINK, payload })), {
      perDatagram: 501,
    });
  });
  await using rt = await TestClient.over(kernel, rtLink.family);
  const ac = new AbortController();
  let after = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of rt.dump(rtLink.operations.getlink, { signal: ac.signal })) {
        if (ac.signal.aborted) after++;
        ac.abort(new Error("stop"));
      }
    })(),
    /stop/,
  );
  assert.equal(after, 0);
});
