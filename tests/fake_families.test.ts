// The generic netlink families this kernel does not have (devlink, nl80211, wireguard, dpll,
// team, ovs_datapath, ovs_flow, ovs_vport), through the fake kernel: for each, a request whose
// bytes are written out here by hand from the uAPI header (genlmsghdr, the family's fixed
// header, then each attribute as `struct nlattr` + data padded to 4), compared with what the
// client sent — not our encoder against our decoder — and a reply, also built by hand, decoded
// into typed values: a multipart dump (devlink, ovs_vport, wireguard), an error with an
// extended ACK (wireguard), notifications on a multicast group (dpll, ovs_vport, nl80211). The
// YNL JSON mapping (client/json.ts) is checked on the same replies, and on its own at the end. No kernel and no
// permission: this file runs in the no-permission pass of tests/run.sh.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { buildMessage } from "../codec/ynl/mod.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import {
  attributePath,
  attrsFromJson,
  attrsToJson,
  Client,
  enumToJson,
  messageToJson,
  type Notification,
  requestFromJson,
  specName,
  type UnknownNotification,
} from "../client/mod.ts";
import { type FakeFamily, FakeGenl } from "../testing/fake_genl.ts";
import type { Family } from "../codec/ynl/mod.ts";
import * as devlink from "../families/generated/devlink.ts";
import * as dpll from "../families/generated/dpll.ts";
import * as fou from "../families/generated/fou.ts";
import * as nl80211 from "../families/generated/nl80211.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import * as ovsDatapath from "../families/generated/ovs_datapath.ts";
import * as ovsFlow from "../families/generated/ovs_flow.ts";
import * as ovsVport from "../families/generated/ovs_vport.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as tcpMetrics from "../families/generated/tcp_metrics.ts";
import * as team from "../families/generated/team.ts";
import * as wireguard from "../families/generated/wireguard.ts";

// ---------------------------------------------------------------------------
// Bytes by hand (linux/netlink.h, linux/genetlink.h)
// ---------------------------------------------------------------------------

/** NLA_F_NESTED (linux/netlink.h). */
const NESTED = 0x8000;
/** NLM_F_REQUEST | NLM_F_ACK, and NLM_F_REQUEST | NLM_F_DUMP (linux/netlink.h). */
const DO_FLAGS = 0x1 | 0x4, DUMP_FLAGS = 0x1 | 0x300;

/** struct nlattr { __u16 nla_len; __u16 nla_type; } + data, padded to NLA_ALIGNTO (4). */
function nla(type: number, ...data: number[][]): number[] {
  const body = data.flat();
  const len = 4 + body.length;
  const out = [len & 0xff, len >> 8, type & 0xff, type >> 8, ...body];
  while (out.length % 4 !== 0) out.push(0);
  return out;
}
/** struct genlmsghdr { __u8 cmd; __u8 version; __u16 reserved; }. */
const genl = (cmd: number, version: number) => [cmd, version, 0, 0];
const str = (s: string) => [...new TextEncoder().encode(s), 0]; // NLA_NUL_STRING
const u8 = (n: number) => [n];
const u16 = (n: number) => [n & 0xff, n >> 8];
const be16 = (n: number) => [n >> 8, n & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const s32 = (n: number) => u32(n >>> 0);
const u64 = (n: bigint) => [...u32(Number(n & 0xffffffffn)), ...u32(Number(n >> 32n))];
const bytes = (a: number[]) => new Uint8Array(a);

/** What a notification iterator gave, for assertion messages. */
function what(n: Notification | UnknownNotification | undefined): string {
  if (n === undefined) return "the end of the notifications";
  return n.family ?? `a message of type ${n.message.type} no family describes`;
}

/** A fake kernel with one family and a client over it. */
async function fake(family: Family, id: number, handler: FakeFamily["handler"]) {
  const kernel = new FakeGenl([{ family, id, handler }]);
  const client = Client.fromSocket(await kernel.open(), [family]);
  const group = (name: string) => kernel.families.get(family.name)!.groups[name];
  return { kernel, client, group };
}

/** The requests the family got (the controller's CTRL_CMD_GETFAMILY left out). */
function familyRequests(kernel: FakeGenl, id: number) {
  return kernel.requests.filter((r) => r.type === id);
}

// ---------------------------------------------------------------------------
// wireguard (linux/wireguard.h)
// ---------------------------------------------------------------------------

const WG_ID = 0x1e;
// linux/wireguard.h: enum wg_cmd { WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE }; WG_GENL_VERSION 1;
// enum wgdevice_attribute { …_UNSPEC, _IFINDEX, _IFNAME, _PRIVATE_KEY, _PUBLIC_KEY, _FLAGS,
// _LISTEN_PORT, _FWMARK, _PEERS }; enum wgpeer_attribute { …_UNSPEC, _PUBLIC_KEY,
// _PRESHARED_KEY, _FLAGS, _ENDPOINT, _PERSISTENT_KEEPALIVE_INTERVAL, _LAST_HANDSHAKE_TIME,
// _RX_BYTES, _TX_BYTES, _ALLOWEDIPS, _PROTOCOL_VERSION }; enum wgallowedip_attribute
// { …_UNSPEC, _FAMILY, _IPADDR, _CIDR_MASK }.
const WG = { GET_DEVICE: 0, SET_DEVICE: 1, VERSION: 1 };
const WGDEVICE = { IFINDEX: 1, IFNAME: 2, PUBLIC_KEY: 4, FLAGS: 5, LISTEN_PORT: 6, PEERS: 8 };
const WGPEER = { PUBLIC_KEY: 1, RX_BYTES: 7, ALLOWEDIPS: 9 };
const WGALLOWEDIP = { FAMILY: 1, IPADDR: 2, CIDR_MASK: 3 };
const KEY = Array.from({ length: 32 }, (_, i) => i + 1); // WG_KEY_LEN 32

test("fake families: wireguard set-device is laid out as linux/wireguard.h says, and an extended ACK names the attribute", async () => {
  // The offset of WGPEER_A_PUBLIC_KEY in the request below: nlmsghdr (16) + genlmsghdr (4) +
  // IFNAME "wg0\0" (8) + FLAGS (8) + LISTEN_PORT (8) + PEERS header (4) + peer header (4).
  const KEY_OFFSET = 16 + 4 + 8 + 8 + 8 + 4 + 4;
  const { kernel, client } = await fake(wireguard.family, WG_ID, (_req, k) => {
    k.error(22, { message: "Invalid public key", offset: KEY_OFFSET }); // EINVAL
  });
  await using _ = client;
  const op = wireguard.operations.setDevice;
  const attrs: wireguard.Wgdevice = {
    ifname: "wg0",
    flags: wireguard.WGDEVICE_FLAGS.REPLACE_PEERS,
    listenPort: 51820,
    peers: [{
      publicKey: bytes(KEY),
      allowedips: [{ family: 2, ipaddr: bytes([10, 0, 0, 0]), cidrMask: 8 }],
    }],
  };
  const error = await client.call(op, { attrs }).then(() => undefined, (e) => e);
  const [req] = familyRequests(kernel, WG_ID);
  assert.equal(req.flags, DO_FLAGS);
  assert.deepEqual([...req.payload], [
    ...genl(WG.SET_DEVICE, WG.VERSION),
    ...nla(WGDEVICE.IFNAME, str("wg0")),
    ...nla(WGDEVICE.FLAGS, u32(1)), // WGDEVICE_F_REPLACE_PEERS = 1U << 0
    ...nla(WGDEVICE.LISTEN_PORT, u16(51820)),
    // Nests carry NLA_F_NESTED; the entry numbers of the peer and allowed-IP arrays are not
    // read by the kernel (nla_for_each_nested); ours count from 1.
    ...nla(
      WGDEVICE.PEERS | NESTED,
      nla(
        1 | NESTED,
        nla(WGPEER.PUBLIC_KEY, KEY),
        nla(
          WGPEER.ALLOWEDIPS | NESTED,
          nla(
            1 | NESTED,
            nla(WGALLOWEDIP.FAMILY, u16(2)), // AF_INET
            nla(WGALLOWEDIP.IPADDR, [10, 0, 0, 0]), // struct in_addr
            nla(WGALLOWEDIP.CIDR_MASK, u8(8)),
          ),
        ),
      ),
    ),
  ]);
  assert.ok(error instanceof NetlinkError, String(error));
  assert.equal(error.code, "EINVAL");
  assert.equal(error.extAck?.message, "Invalid public key");
  assert.equal(error.extAck?.offset, KEY_OFFSET);
  // The offset, read back against the request: the same bytes but for the seq.
  const sent = buildMessage(op, { type: WG_ID, attrs });
  assert.deepEqual([...sent.subarray(16)], [...req.payload]);
  assert.equal(attributePath(op, sent, KEY_OFFSET), ".peers[0].public-key");
  assert.equal(attributePath(op, sent, 16 + 4), ".ifname");
  // The C names of linux/wireguard.h, in the path and in the client's error message.
  const cPath = "WGDEVICE_A_PEERS[0]/WGPEER_A_PUBLIC_KEY";
  assert.equal(attributePath(op, sent, KEY_OFFSET, { names: "c" }), cPath);
  assert.equal(attributePath(op, sent, 16 + 4, { names: "c" }), "WGDEVICE_A_IFNAME");
  assert.equal(error.attribute, cPath);
  assert.equal(
    error.message,
    `wireguard set-device (cmd 1) failed: EINVAL (Invalid argument): Invalid public key (attribute ${cPath}) [seq ${req.seq}]`,
  );
});

test("fake families: a wireguard get-device dump split over two messages decodes both, peers numbered 0 as the kernel does", async () => {
  const { kernel, client } = await fake(wireguard.family, WG_ID, (_req, k) => {
    // What wg_get_device_dump() sends when the allowed IPs do not fit one message: the same
    // peer again with the rest of its allowed IPs. Every entry is nla_nest_start(skb, 0).
    const peer = (ips: number[][]) =>
      nla(
        0 | NESTED,
        nla(WGPEER.PUBLIC_KEY, KEY),
        ...(ips.length === 3 ? [nla(WGPEER.RX_BYTES, u64(2n ** 60n))] : []),
        nla(
          WGPEER.ALLOWEDIPS | NESTED,
          ...ips.map((ip) =>
            nla(
              0 | NESTED,
              nla(WGALLOWEDIP.FAMILY, u16(2)),
              nla(WGALLOWEDIP.IPADDR, ip),
              nla(WGALLOWEDIP.CIDR_MASK, u8(32)),
            )
          ),
        ),
      );
    k.dump([
      {
        type: WG_ID,
        payload: bytes([
          ...genl(WG.GET_DEVICE, WG.VERSION),
          ...nla(WGDEVICE.IFINDEX, u32(9)),
          ...nla(WGDEVICE.IFNAME, str("wg0")),
          ...nla(WGDEVICE.LISTEN_PORT, u16(51820)),
          ...nla(WGDEVICE.PEERS | NESTED, peer([[10, 0, 0, 1], [10, 0, 0, 2], [10, 0, 0, 3]])),
        ]),
      },
      {
        type: WG_ID,
        payload: bytes([
          ...genl(WG.GET_DEVICE, WG.VERSION),
          ...nla(WGDEVICE.IFNAME, str("wg0")),
          ...nla(WGDEVICE.PEERS | NESTED, peer([[10, 0, 0, 4]])),
        ]),
      },
    ], { perDatagram: 1 });
  });
  await using _ = client;
  const parts = [];
  for await (const m of client.dump(wireguard.operations.getDevice, { attrs: { ifname: "wg0" } })) {
    parts.push(m.attrs);
  }
  const [req] = familyRequests(kernel, WG_ID);
  assert.equal(req.flags, DUMP_FLAGS);
  assert.deepEqual(
    [...req.payload],
    [...genl(WG.GET_DEVICE, WG.VERSION), ...nla(WGDEVICE.IFNAME, str("wg0"))],
  );
  assert.equal(parts.length, 2);
  assert.deepEqual([parts[0].ifindex, parts[0].ifname, parts[0].listenPort], [9, "wg0", 51820]);
  assert.equal(parts[1].ifindex, undefined);
  const ips = parts.flatMap((p) => p.peers ?? []).flatMap((p) => p.allowedips ?? []);
  assert.deepEqual(ips.map((a) => [...a.ipaddr!].join(".")), [
    "10.0.0.1",
    "10.0.0.2",
    "10.0.0.3",
    "10.0.0.4",
  ]);
  const peer = parts[0].peers![0];
  assert.deepEqual([...peer.publicKey!], KEY);
  assert.equal(peer.rxBytes, 2n ** 60n);
  // JSON: a u64 past 2^53 as a decimal string, binary as hex, spec names.
  const json = messageToJson({
    operation: wireguard.operations.getDevice,
    header: {},
    attrs: parts[0],
  }) as Record<string, unknown>;
  const jpeer = (json.peers as Record<string, unknown>[])[0];
  assert.equal(jpeer["rx-bytes"], String(2n ** 60n));
  assert.equal(jpeer["public-key"], KEY.map((b) => b.toString(16).padStart(2, "0")).join(""));
  assert.equal(json["listen-port"], 51820);
  // And back: the JSON gives the same values to encode.
  const back = attrsFromJson(wireguard.wgdevice, json);
  assert.equal(back.peers?.[0].rxBytes, 2n ** 60n);
  assert.deepEqual([...back.peers![0].publicKey!], KEY);
});

// ---------------------------------------------------------------------------
// devlink (linux/devlink.h)
// ---------------------------------------------------------------------------

const DEVLINK_ID = 0x17;
// linux/devlink.h: DEVLINK_CMD_GET = 1, DEVLINK_CMD_NEW = 3, DEVLINK_CMD_INFO_GET = 51;
// DEVLINK_ATTR_BUS_NAME = 1, _DEV_NAME = 2, _INFO_DRIVER_NAME = 98, _INFO_SERIAL_NUMBER = 99,
// _INFO_VERSION_FIXED = 100, _INFO_VERSION_RUNNING = 101, _INFO_VERSION_NAME = 103,
// _INFO_VERSION_VALUE = 104, _RELOAD_FAILED = 136 (values checked with a C compiler against
// the installed header); DEVLINK_GENL_VERSION 0x1.
const DL = {
  CMD_GET: 1,
  CMD_NEW: 3,
  CMD_INFO_GET: 51,
  BUS_NAME: 1,
  DEV_NAME: 2,
  INFO_DRIVER_NAME: 98,
  INFO_SERIAL_NUMBER: 99,
  INFO_VERSION_FIXED: 100,
  INFO_VERSION_RUNNING: 101,
  INFO_VERSION_NAME: 103,
  INFO_VERSION_VALUE: 104,
  RELOAD_FAILED: 136,
  VERSION: 1,
};

test("fake families: a devlink get dump is a bare DEVLINK_CMD_GET, and its multipart reply decodes in order", async () => {
  const names = ["netdevsim0", "netdevsim1", "netdevsim2"];
  const { kernel, client } = await fake(devlink.family, DEVLINK_ID, (_req, k) => {
    k.dump(
      names.map((n, i) => ({
        type: DEVLINK_ID,
        payload: bytes([
          ...genl(DL.CMD_NEW, DL.VERSION),
          ...nla(DL.BUS_NAME, str("netdevsim")),
          ...nla(DL.DEV_NAME, str(n)),
          ...nla(DL.RELOAD_FAILED, u8(i === 1 ? 1 : 0)),
        ]),
      })),
      { perDatagram: 2 },
    );
  });
  await using _ = client;
  const got = [];
  for await (const m of client.dump(devlink.operations.get)) {
    got.push([m.cmd, m.attrs.busName, m.attrs.devName, m.attrs.reloadFailed]);
  }
  const [req] = familyRequests(kernel, DEVLINK_ID);
  assert.equal(req.flags, DUMP_FLAGS);
  assert.deepEqual([...req.payload], genl(DL.CMD_GET, DL.VERSION));
  assert.deepEqual(got, [
    [DL.CMD_NEW, "netdevsim", "netdevsim0", 0],
    [DL.CMD_NEW, "netdevsim", "netdevsim1", 1],
    [DL.CMD_NEW, "netdevsim", "netdevsim2", 0],
  ]);
});

test("fake families: devlink info-get names the device by bus and name, and repeated version nests decode as arrays", async () => {
  const { kernel, client } = await fake(devlink.family, DEVLINK_ID, (_req, k) => {
    const version = (type: number, name: string, value: string) =>
      nla(
        type | NESTED,
        nla(DL.INFO_VERSION_NAME, str(name)),
        nla(DL.INFO_VERSION_VALUE, str(value)),
      );
    k.reply({
      type: DEVLINK_ID,
      payload: bytes([
        ...genl(DL.CMD_INFO_GET, DL.VERSION),
        ...nla(DL.BUS_NAME, str("netdevsim")),
        ...nla(DL.DEV_NAME, str("netdevsim1")),
        ...nla(DL.INFO_DRIVER_NAME, str("netdevsim")),
        ...nla(DL.INFO_SERIAL_NUMBER, str("SN-42")),
        ...version(DL.INFO_VERSION_FIXED, "board.id", "nsim"),
        ...version(DL.INFO_VERSION_FIXED, "board.rev", "1"),
        ...version(DL.INFO_VERSION_RUNNING, "fw", "1.2.3"),
      ]),
    });
    k.ack();
  });
  await using _ = client;
  const info = await client.get(devlink.operations.infoGet, {
    attrs: { busName: "netdevsim", devName: "netdevsim1" },
  });
  const [req] = familyRequests(kernel, DEVLINK_ID);
  assert.equal(req.flags, DO_FLAGS);
  assert.deepEqual([...req.payload], [
    ...genl(DL.CMD_INFO_GET, DL.VERSION),
    ...nla(DL.BUS_NAME, str("netdevsim")),
    ...nla(DL.DEV_NAME, str("netdevsim1")),
  ]);
  assert.equal(info.attrs.infoDriverName, "netdevsim");
  assert.equal(info.attrs.infoSerialNumber, "SN-42");
  assert.deepEqual(
    info.attrs.infoVersionFixed?.map((v) => [v.infoVersionName, v.infoVersionValue]),
    [["board.id", "nsim"], ["board.rev", "1"]],
  );
  assert.deepEqual(messageToJson(info)["info-version-running"], [
    { "info-version-name": "fw", "info-version-value": "1.2.3" },
  ]);
});

// ---------------------------------------------------------------------------
// nl80211 (linux/nl80211.h)
// ---------------------------------------------------------------------------

const NL80211_ID = 0x19;
// linux/nl80211.h: NL80211_CMD_GET_INTERFACE = 5, NL80211_CMD_NEW_INTERFACE = 7;
// NL80211_ATTR_WIPHY = 1, _IFINDEX = 3, _IFNAME = 4, _IFTYPE = 5, _MAC = 6, _GENERATION = 46,
// _WDEV = 153; NL80211_IFTYPE_STATION = 2.
const NL = {
  CMD_GET_INTERFACE: 5,
  CMD_NEW_INTERFACE: 7,
  WIPHY: 1,
  IFINDEX: 3,
  IFNAME: 4,
  IFTYPE: 5,
  MAC: 6,
  GENERATION: 46,
  WDEV: 153,
};
const MAC = [0x02, 0x00, 0x00, 0x00, 0x01, 0x00];

function newInterface(ifname: string, ifindex: number): Uint8Array {
  return bytes([
    ...genl(NL.CMD_NEW_INTERFACE, 1),
    ...nla(NL.IFINDEX, u32(ifindex)),
    ...nla(NL.IFNAME, str(ifname)),
    ...nla(NL.WIPHY, u32(0)),
    ...nla(NL.IFTYPE, u32(2)),
    ...nla(NL.WDEV, u64(1n)),
    ...nla(NL.MAC, MAC),
    ...nla(NL.GENERATION, u32(5)),
  ]);
}

test("fake families: nl80211 get-interface by ifindex, answered with NL80211_CMD_NEW_INTERFACE", async () => {
  const { kernel, client } = await fake(nl80211.family, NL80211_ID, (_req, k) => {
    k.reply({ type: NL80211_ID, payload: newInterface("wlan0", 3) });
    k.ack();
  });
  await using _ = client;
  const wlan = await client.get(nl80211.operations.getInterface, { attrs: { ifindex: 3 } });
  const [req] = familyRequests(kernel, NL80211_ID);
  assert.deepEqual(
    [...req.payload],
    [...genl(NL.CMD_GET_INTERFACE, 1), ...nla(NL.IFINDEX, u32(3))],
  );
  assert.equal(wlan.cmd, NL.CMD_NEW_INTERFACE);
  assert.deepEqual(
    [wlan.attrs.ifname, wlan.attrs.ifindex, wlan.attrs.iftype, wlan.attrs.wdev],
    ["wlan0", 3, 2, 1n],
  );
  assert.deepEqual([...wlan.attrs.mac!], MAC);
  const json = messageToJson(wlan);
  assert.equal(json.mac, "02:00:00:00:01:00"); // display-hint: mac
  assert.equal(json.wdev, 1); // a u64 that is a safe integer: a number
  assert.equal(json.generation, 5);
});

test("fake families: an nl80211 notification on the config group arrives decoded", async () => {
  const { kernel, client, group } = await fake(nl80211.family, NL80211_ID, () => {});
  await using _ = client;
  await using events = await client.subscribe(["config"], { signal: AbortSignal.timeout(5000) });
  kernel.notify(group("config"), { type: NL80211_ID, payload: newInterface("wlan1", 4) });
  const { value } = await events.next();
  assert.ok(value && value.family === "nl80211", what(value));
  assert.equal(value.group, group("config"));
  assert.equal(value.cmd, NL.CMD_NEW_INTERFACE);
  const attrs = value.attrs as nl80211.Nl80211Attrs;
  assert.deepEqual([attrs.ifname, attrs.ifindex], ["wlan1", 4]);
});

// ---------------------------------------------------------------------------
// dpll (linux/dpll.h, kernel 6.7 and later: not in this machine's /usr/include)
// ---------------------------------------------------------------------------

const DPLL_ID = 0x1a;
// linux/dpll.h: DPLL_CMD_DEVICE_ID_GET = 1, …_DEVICE_GET, _DEVICE_SET, _DEVICE_CREATE_NTF,
// _DEVICE_DELETE_NTF, _DEVICE_CHANGE_NTF = 6; enum dpll_a { DPLL_A_ID = 1, _MODULE_NAME,
// _PAD, _CLOCK_ID, _MODE, _MODE_SUPPORTED, _LOCK_STATUS, _TEMP, _TYPE }; DPLL_MODE_MANUAL = 1,
// _AUTOMATIC = 2; DPLL_LOCK_STATUS_LOCKED_HO_ACQ = 3; DPLL_TYPE_EEC = 2.
const DP = {
  CMD_DEVICE_ID_GET: 1,
  CMD_DEVICE_CHANGE_NTF: 6,
  ID: 1,
  MODULE_NAME: 2,
  CLOCK_ID: 4,
  MODE: 5,
  MODE_SUPPORTED: 6,
  LOCK_STATUS: 7,
  TEMP: 8,
  TYPE: 9,
};
const CLOCK = 0x0123456789abcdefn;

test("fake families: dpll device-id-get sends module, clock id (u64) and type, and gets the id", async () => {
  const { kernel, client } = await fake(dpll.family, DPLL_ID, (_req, k) => {
    k.reply({
      type: DPLL_ID,
      payload: bytes([...genl(DP.CMD_DEVICE_ID_GET, 1), ...nla(DP.ID, u32(7))]),
    });
    k.ack();
  });
  await using _ = client;
  const { header, attrs } = requestFromJson(dpll.operations.deviceIdGet, {
    "module-name": "ice",
    "clock-id": CLOCK.toString(), // past 2^53: a decimal string in JSON
    type: "eec", // an enum by name
  });
  const reply = await client.get(dpll.operations.deviceIdGet, { header, attrs });
  const [req] = familyRequests(kernel, DPLL_ID);
  assert.deepEqual([...req.payload], [
    ...genl(DP.CMD_DEVICE_ID_GET, 1),
    ...nla(DP.MODULE_NAME, str("ice")),
    ...nla(DP.CLOCK_ID, u64(CLOCK)),
    ...nla(DP.TYPE, u32(2)),
  ]);
  assert.equal(reply.attrs.id, 7);
});

test("fake families: a dpll device-change notification on the monitor group is typed, enums named in JSON", async () => {
  const { kernel, client, group } = await fake(dpll.family, DPLL_ID, () => {});
  await using _ = client;
  await using events = await client.subscribe(["monitor"], { signal: AbortSignal.timeout(5000) });
  kernel.notify(group("monitor"), {
    type: DPLL_ID,
    payload: bytes([
      ...genl(DP.CMD_DEVICE_CHANGE_NTF, 1),
      ...nla(DP.ID, u32(7)),
      ...nla(DP.MODULE_NAME, str("ice")),
      ...nla(DP.CLOCK_ID, u64(CLOCK)),
      ...nla(DP.MODE, u32(2)),
      ...nla(DP.MODE_SUPPORTED, u32(1)),
      ...nla(DP.MODE_SUPPORTED, u32(2)),
      ...nla(DP.LOCK_STATUS, u32(3)),
      ...nla(DP.TEMP, s32(-5)),
      ...nla(DP.TYPE, u32(2)),
    ]),
  });
  const { value } = await events.next();
  assert.ok(value && value.family === "dpll", what(value));
  assert.equal(value.operation.name, "device-change-ntf");
  const a = value.attrs as dpll.Dpll;
  assert.deepEqual(
    [a.id, a.moduleName, a.clockId, a.mode, a.modeSupported, a.lockStatus, a.temp, a.type],
    [7, "ice", CLOCK, dpll.MODE.AUTOMATIC, [1, 2], dpll.LOCK_STATUS.LOCKED_HO_ACQ, -5, 2],
  );
  const json = messageToJson(value);
  assert.deepEqual(
    [json["lock-status"], json.mode, json["mode-supported"], json.type, json["clock-id"]],
    ["locked-ho-acq", "automatic", ["manual", "automatic"], "eec", CLOCK.toString()],
  );
});

// ---------------------------------------------------------------------------
// team (linux/if_team.h)
// ---------------------------------------------------------------------------

const TEAM_ID = 0x1b;
// linux/if_team.h: TEAM_CMD_OPTIONS_GET = 2, TEAM_CMD_PORT_LIST_GET = 3; TEAM_ATTR_TEAM_IFINDEX
// = 1, TEAM_ATTR_LIST_OPTION = 2, TEAM_ATTR_LIST_PORT = 3; TEAM_ATTR_ITEM_OPTION = 1,
// TEAM_ATTR_ITEM_PORT = 1; TEAM_ATTR_OPTION_NAME = 1, _CHANGED, _TYPE, _DATA;
// TEAM_ATTR_PORT_IFINDEX = 1, _CHANGED, _LINKUP, _SPEED, _DUPLEX; TEAM_GENL_VERSION 1.
const TM = { OPTIONS_GET: 2, PORT_LIST_GET: 3, IFINDEX: 1, LIST_OPTION: 2, LIST_PORT: 3 };
// include/net/netlink.h: the types team puts in TEAM_ATTR_OPTION_TYPE.
const NLA_U32 = 3, NLA_STRING = 5;

test("fake families: team options-get and port-list-get by team ifindex, replies decoded through the item nests", async () => {
  const { kernel, client } = await fake(team.family, TEAM_ID, (req, k) => {
    if (req?.operation === team.operations.optionsGet) {
      k.reply({
        type: TEAM_ID,
        payload: bytes([
          ...genl(TM.OPTIONS_GET, 1),
          ...nla(TM.IFINDEX, u32(7)),
          // One TEAM_ATTR_ITEM_OPTION nest per option (linux/if_team.h's nested layout).
          ...nla(
            TM.LIST_OPTION | NESTED,
            nla(
              1 | NESTED,
              nla(1, str("mode")),
              nla(3, u8(NLA_STRING)),
              nla(4, str("activebackup")),
            ),
            nla(1 | NESTED, nla(1, str("mcast_rejoin_count")), nla(3, u8(NLA_U32)), nla(4, u32(1))),
          ),
        ]),
      });
    } else {
      k.reply({
        type: TEAM_ID,
        payload: bytes([
          ...genl(TM.PORT_LIST_GET, 1),
          ...nla(TM.IFINDEX, u32(7)),
          ...nla(
            TM.LIST_PORT | NESTED,
            nla(1 | NESTED, nla(1, u32(3)), nla(3, []), nla(4, u32(10000)), nla(5, u8(1))),
            nla(1 | NESTED, nla(1, u32(4)), nla(4, u32(1000)), nla(5, u8(0))),
          ),
        ]),
      });
    }
    k.ack();
  });
  await using _ = client;
  const options = await client.get(team.operations.optionsGet, { attrs: { teamIfindex: 7 } });
  const ports = await client.get(team.operations.portListGet, { attrs: { teamIfindex: 7 } });
  const reqs = familyRequests(kernel, TEAM_ID);
  assert.deepEqual([...reqs[0].payload], [...genl(TM.OPTIONS_GET, 1), ...nla(TM.IFINDEX, u32(7))]);
  assert.deepEqual([...reqs[1].payload], [
    ...genl(TM.PORT_LIST_GET, 1),
    ...nla(TM.IFINDEX, u32(7)),
  ]);
  // Every item of the lists (the item attributes repeat: multi-attr), in order.
  const [option, rejoin] = options.attrs.listOption?.option ?? [];
  assert.equal(options.attrs.listOption?.option?.length, 2);
  assert.deepEqual([option?.name, option?.type], ["mode", NLA_STRING]);
  assert.equal(new TextDecoder().decode(option?.data), "activebackup\0");
  assert.deepEqual([rejoin?.name, rejoin?.type, [...rejoin?.data ?? []]], [
    "mcast_rejoin_count",
    NLA_U32,
    [...u32(1)],
  ]);
  const [port, other] = ports.attrs.listPort?.port ?? [];
  assert.equal(ports.attrs.listPort?.port?.length, 2);
  assert.deepEqual(
    [port?.ifindex, port?.linkup, port?.speed, port?.duplex, port?.changed],
    [3, true, 10000, 1, undefined],
  );
  assert.deepEqual([other?.ifindex, other?.linkup, other?.speed], [4, undefined, 1000]);
});

// ---------------------------------------------------------------------------
// Open vSwitch (linux/openvswitch.h): struct ovs_header { int dp_ifindex; } follows genlmsghdr
// ---------------------------------------------------------------------------

const OVS_DP_ID = 0x1c, OVS_VPORT_ID = 0x1d, OVS_FLOW_ID = 0x1f;
// linux/openvswitch.h: OVS_DP_CMD_NEW = 1, OVS_DP_CMD_GET = 3; OVS_DP_ATTR_NAME = 1,
// _UPCALL_PID = 2, _STATS = 3 (struct ovs_dp_stats: 4 × __u64), _MEGAFLOW_STATS = 4 (struct
// ovs_dp_megaflow_stats: __u64 n_mask_hit; __u32 n_masks; __u32 pad0; __u64 n_cache_hit;
// __u64 pad1), _USER_FEATURES = 5; OVS_DP_F_UNALIGNED = 1 << 0, OVS_DP_F_VPORT_PIDS = 1 << 1;
// OVS_DATAPATH_VERSION 2.
const OVS_DP = { CMD_GET: 3, NAME: 1, UPCALL_PID: 2, STATS: 3, MEGAFLOW_STATS: 4, FEATURES: 5 };
const ovsHeader = (ifindex: number) => s32(ifindex);

test("fake families: ovs_datapath get puts struct ovs_header after genlmsghdr, and the reply's structs decode", async () => {
  const { kernel, client } = await fake(ovsDatapath.family, OVS_DP_ID, (_req, k) => {
    k.reply({
      type: OVS_DP_ID,
      payload: bytes([
        ...genl(OVS_DP.CMD_GET, 2),
        ...ovsHeader(5),
        ...nla(OVS_DP.NAME, str("ovs-system")),
        ...nla(OVS_DP.UPCALL_PID, u32(1234)),
        ...nla(OVS_DP.STATS, u64(10n), u64(2n), u64(0n), u64(3n)),
        ...nla(OVS_DP.MEGAFLOW_STATS, u64(7n), u32(4), u32(0), u64(6n), u64(0n)),
        ...nla(OVS_DP.FEATURES, u32(1 | 2)),
      ]),
    });
    k.ack();
  });
  await using _ = client;
  const dp = await client.get(ovsDatapath.operations.get, {
    header: { dpIfindex: 0 },
    attrs: { name: "ovs-system" },
  });
  const [req] = familyRequests(kernel, OVS_DP_ID);
  assert.deepEqual([...req.payload], [
    ...genl(OVS_DP.CMD_GET, 2),
    ...ovsHeader(0),
    ...nla(OVS_DP.NAME, str("ovs-system")),
  ]);
  assert.equal(dp.header.dpIfindex, 5);
  assert.equal(dp.attrs.name, "ovs-system");
  assert.deepEqual(
    [dp.attrs.stats?.nHit, dp.attrs.stats?.nMissed, dp.attrs.stats?.nLost, dp.attrs.stats?.nFlows],
    [10n, 2n, 0n, 3n],
  );
  assert.deepEqual(
    [
      dp.attrs.megaflowStats?.nMaskHit,
      dp.attrs.megaflowStats?.nMasks,
      dp.attrs.megaflowStats?.nCacheHit,
    ],
    [7n, 4, 6n],
  );
  const json = messageToJson(dp);
  assert.equal(json["dp-ifindex"], 5); // the fixed header, merged as the kernel's ynl does
  assert.deepEqual(json["user-features"], ["unaligned", "vport-pids"]);
  assert.deepEqual(json.stats, { "n-hit": 10, "n-missed": 2, "n-lost": 0, "n-flows": 3 });
});

// OVS_VPORT_CMD_NEW = 1, OVS_VPORT_CMD_GET = 3; OVS_VPORT_ATTR_PORT_NO = 1, _TYPE = 2, _NAME = 3,
// _UPCALL_PID = 5 (array of __u32), _STATS = 6 (struct ovs_vport_stats: 8 × __u64),
// _IFINDEX = 8; OVS_VPORT_TYPE_NETDEV = 1, OVS_VPORT_TYPE_INTERNAL = 2; the multicast group
// OVS_VPORT_MCGROUP "ovs_vport".
const OVS_VP = { CMD_NEW: 1, CMD_GET: 3, PORT_NO: 1, TYPE: 2, NAME: 3, UPCALL_PID: 5, STATS: 6 };

function vport(cmd: number, portNo: number, type: number, name: string): Uint8Array {
  return bytes([
    ...genl(cmd, 2),
    ...ovsHeader(5),
    ...nla(OVS_VP.PORT_NO, u32(portNo)),
    ...nla(OVS_VP.TYPE, u32(type)),
    ...nla(OVS_VP.NAME, str(name)),
    ...nla(OVS_VP.UPCALL_PID, u32(100), u32(101)),
    ...nla(OVS_VP.STATS, ...[1n, 2n, 3n, 4n, 0n, 0n, 0n, 0n].map(u64)),
  ]);
}

test("fake families: an ovs_vport dump of one datapath and a vport notification on group ovs_vport", async () => {
  const { kernel, client, group } = await fake(ovsVport.family, OVS_VPORT_ID, (_req, k) => {
    k.dump([
      { type: OVS_VPORT_ID, payload: vport(OVS_VP.CMD_GET, 0, 2, "ovs-system") },
      { type: OVS_VPORT_ID, payload: vport(OVS_VP.CMD_GET, 1, 1, "eth1") },
    ]);
  });
  await using _ = client;
  const ports = [];
  for await (const m of client.dump(ovsVport.operations.get, { header: { dpIfindex: 5 } })) {
    ports.push(m);
  }
  const [req] = familyRequests(kernel, OVS_VPORT_ID);
  assert.equal(req.flags, DUMP_FLAGS);
  // linux/openvswitch.h: OVS_VPORT_VERSION 0x1 (upstream's spec said 2; see
  // specs/overlays/ovs_vport.yaml).
  assert.deepEqual([...req.payload], [...genl(OVS_VP.CMD_GET, 1), ...ovsHeader(5)]);
  assert.deepEqual(
    ports.map((p) => [p.header.dpIfindex, p.attrs.portNo, p.attrs.type, p.attrs.name]),
    [[5, 0, ovsVport.VPORT_TYPE.INTERNAL, "ovs-system"], [
      5,
      1,
      ovsVport.VPORT_TYPE.NETDEV,
      "eth1",
    ]],
  );
  assert.deepEqual(ports[1].attrs.upcallPid, [100, 101]);
  assert.equal(ports[1].attrs.stats?.rxBytes, 3n);
  assert.equal(messageToJson(ports[0]).type, "internal");

  await using events = await client.subscribe(["ovs_vport"], { signal: AbortSignal.timeout(5000) });
  kernel.notify(group("ovs_vport"), {
    type: OVS_VPORT_ID,
    payload: vport(OVS_VP.CMD_NEW, 2, 1, "eth2"),
  });
  const { value } = await events.next();
  assert.ok(value && value.family === "ovs_vport", what(value));
  assert.equal(value.cmd, OVS_VP.CMD_NEW);
  assert.equal(value.operation.name, "new");
  assert.deepEqual(
    [(value.header as ovsVport.OvsHeader).dpIfindex, (value.attrs as ovsVport.Vport).name],
    [5, "eth2"],
  );
});

// OVS_FLOW_CMD_NEW = 1; OVS_FLOW_ATTR_KEY = 1, _ACTIONS = 2, _UFID = 9; OVS_KEY_ATTR_IN_PORT = 3
// (__u32), _ETHERNET = 4 (struct ovs_key_ethernet { __u8 eth_src[6]; __u8 eth_dst[6]; }),
// _ETHERTYPE = 6 (__be16); OVS_ACTION_ATTR_OUTPUT = 1 (__u32 port); OVS_FLOW_VERSION 0x1.
const OVS_FL = { CMD_NEW: 1, KEY: 1, ACTIONS: 2, UFID: 9 };
const OVS_KEY = { IN_PORT: 3, ETHERNET: 4, ETHERTYPE: 6 };

test("fake families: ovs_flow new lays out the key nest (a struct, a big-endian ethertype) and the actions", async () => {
  const { kernel, client } = await fake(ovsFlow.family, OVS_FLOW_ID, (_req, k) => k.ack());
  await using _ = client;
  const SRC = [2, 0, 0, 0, 0, 1], DST = [2, 0, 0, 0, 0, 2];
  const UFID = Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const { header, attrs } = requestFromJson(ovsFlow.operations.new, {
    "dp-ifindex": 5,
    key: {
      "in-port": 1,
      ethernet: { "eth-src": "02:00:00:00:00:01", "eth-dst": "02:00:00:00:00:02" },
      ethertype: 0x0800,
    },
    ufid: "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf", // display-hint: uuid
    actions: { output: 2 },
  });
  const reply = await client.call(ovsFlow.operations.new, { header, attrs });
  assert.equal(reply, undefined, "acknowledged");
  const [req] = familyRequests(kernel, OVS_FLOW_ID);
  assert.deepEqual([...req.payload], [
    ...genl(OVS_FL.CMD_NEW, 1),
    ...ovsHeader(5),
    ...nla(
      OVS_FL.KEY | NESTED,
      nla(OVS_KEY.IN_PORT, u32(1)),
      nla(OVS_KEY.ETHERNET, SRC, DST),
      nla(OVS_KEY.ETHERTYPE, be16(0x0800)),
    ),
    ...nla(OVS_FL.UFID, UFID),
    ...nla(OVS_FL.ACTIONS | NESTED, nla(1, u32(2))),
  ]);
});

// ---------------------------------------------------------------------------
// YNL JSON (client/json.ts) on values whose spec shapes the tests above do not reach
// ---------------------------------------------------------------------------

test("fake families: YNL JSON of sub-messages, type-value nests, display hints and flags, and back", () => {
  // rt-link: IFLA_LINKINFO's data is the sub-message its `kind` selects (vlan here); VLAN
  // protocol 0x8100 is the spec's vlan-protocols entry 8021q; flags named, unknown bits kept.
  const link = {
    linkinfo: { kind: "vlan", data: { id: 5, protocol: 0x8100, flags: { flags: 1, mask: 1 } } },
  };
  const json = attrsToJson(rtLink.linkAttrs, link as rtLink.LinkAttrs);
  assert.deepEqual(json, {
    linkinfo: {
      kind: "vlan",
      data: { id: 5, protocol: "8021q", flags: { flags: ["reorder-hdr"], mask: "0x1" } },
    },
  });
  assert.deepEqual(attrsFromJson(rtLink.linkAttrs, json), link);
  // nlctrl: a nest-type-value list (policy id, attribute id), an enum, a u64 past 2^53.
  const policy = { policy: [{ policyId: 0, attrId: 1, type: 3, maxValueU: 2n ** 64n - 1n }] };
  const pj = attrsToJson(nlctrl.ctrlAttrs, policy);
  assert.deepEqual(pj, {
    policy: [{ "policy-id": 0, "attr-id": 1, type: "u16", "max-value-u": "18446744073709551615" }],
  });
  assert.deepEqual(attrsFromJson(nlctrl.ctrlAttrs, pj), policy);
  // tcp_metrics: an IPv4 address in a big-endian u32 and an IPv6 one in binary, by hint.
  const tm = attrsToJson(tcpMetrics.tcpMetrics, {
    addrIpv4: 0x0a4d0001,
    saddrIpv6: bytes([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]),
  });
  assert.deepEqual(tm, { "addr-ipv4": "10.77.0.1", "saddr-ipv6": "2001:db8::1" });
  assert.deepEqual(attrsFromJson(tcpMetrics.tcpMetrics, tm), {
    addrIpv4: 0x0a4d0001,
    saddrIpv6: bytes([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]),
  });
  // Flags: names for the bits the spec names, the rest as a number.
  assert.deepEqual(enumToJson(nlctrl.family, "op-flags", 0x40 | 0x2), ["cmd-cap-do", 0x40]);
  assert.deepEqual(attrsFromJson(nlctrl.opAttrs, { flags: ["cmd-cap-do", 64] }), { flags: 0x42 });
  // Input keys in any spelling; unknown keys and enum names are errors that name them.
  assert.deepEqual(attrsFromJson(nlctrl.ctrlAttrs, { family_name: "x", familyId: 3 }), {
    familyName: "x",
    familyId: 3,
  });
  assert.throws(() => attrsFromJson(nlctrl.ctrlAttrs, { nosuch: 1 }), /no attribute "nosuch"/);
  assert.throws(
    () => attrsFromJson(nlctrl.opAttrs, { flags: ["cmd-cap-nosuch"] }),
    /"cmd-cap-nosuch" is not an entry of op-flags/,
  );
  // Names: camelCase keys back to the spec's kebab-case.
  assert.deepEqual(
    ["netNsPid", "ipv4Devconf", "bitfield32Mask", "txTcpSegmentation"].map(specName),
    ["net-ns-pid", "ipv4-devconf", "bitfield32-mask", "tx-tcp-segmentation"],
  );
});

// ---------------------------------------------------------------------------
// fou: added by one manifest line (specs/manifest.yaml), no overlay and no hand code
// ---------------------------------------------------------------------------

test("fake fou: add from JSON, as linux/fou.h lays it out; get decodes the reply", async () => {
  const { kernel, client } = await fake(fou.family, 0x25, (req, k) => {
    if (req?.operation === fou.operations.add) return k.ack();
    k.replyWith(fou.operations.get, {
      attrs: { port: 5555, af: 2, ipproto: 4, type: fou.ENCAP_TYPE.DIRECT },
    });
    k.ack();
  });
  await using _ = client;
  // FOU_CMD_ADD (1), version FOU_GENL_VERSION (1); FOU_ATTR_PORT (1) is __be16,
  // FOU_ATTR_AF (2), FOU_ATTR_IPPROTO (3) and FOU_ATTR_TYPE (4) are u8.
  const attrs = attrsFromJson(fou.fou, {
    port: 5555,
    af: 2,
    ipproto: 4,
    type: fou.ENCAP_TYPE.DIRECT, // the spec does not tie FOU_ATTR_TYPE to the enum
  });
  await client.call(fou.operations.add, { attrs });
  const sent = kernel.requests.at(-1)!;
  assert.deepEqual(sent.flags, DO_FLAGS);
  assert.deepEqual(
    [...sent.payload],
    [...genl(1, 1), ...nla(1, be16(5555)), ...nla(2, u8(2)), ...nla(3, u8(4)), ...nla(4, u8(1))],
  );
  const got = await client.get(fou.operations.get, { attrs: { port: 5555, af: 2 } });
  assert.deepEqual(attrsToJson(fou.fou, got.attrs), {
    port: 5555,
    af: 2,
    ipproto: 4,
    type: 1,
  });
});
