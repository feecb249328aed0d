// The generic client (client/client.ts) over fake kernels: generic netlink families resolved
// through a fake controller (id, version, groups; cached), requests encoded as the spec says,
// replies and notifications decoded, a missing family named, raw protocols by number. No
// kernel and no permission: this file runs in the no-permission pass of tests/run.sh.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NETLINK_GENERIC, NETLINK_ROUTE } from "../codec/constants.ts";
import { parseAttributes } from "../codec/attrs.ts";
import { Client } from "../client/client.ts";
import { FamilyNotFoundError } from "../client/genl.ts";
import { FakeGenl, replyPayload } from "../testing/fake_genl.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import * as wireguard from "../families/generated/wireguard.ts";
import * as ethtool from "../families/generated/ethtool.ts";
import * as rtLink from "../families/generated/rt_link.ts";

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
