import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { decodeUevent, encodeUevent, NetlinkDecodeError } from "../codec/mod.ts";
import { hex } from "./codec_helpers.ts";
import { TAGGED, type UdevCapture, UNTAGGED } from "./fixtures/udev_monitor.ts";

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function isDecodeError(e: unknown): boolean {
  assert.ok(e instanceof NetlinkDecodeError, `expected NetlinkDecodeError, got ${e}`);
  return true;
}

// Captured from Linux 6.18 on NETLINK_KOBJECT_UEVENT group 1 while creating a veth pair in a
// fresh network namespace:
// "add@/devices/virtual/net/nlt1\0ACTION=add\0DEVPATH=/devices/virtual/net/nlt1\0
//  SUBSYSTEM=net\0INTERFACE=nlt1\0IFINDEX=2\0SEQNUM=2659\0"
const KERNEL_ADD = hex(`
  616464402f646576696365732f7669727475616c2f6e65742f6e6c743100414354494f4e3d61646400444556504154
  483d2f646576696365732f7669727475616c2f6e65742f6e6c74310053554253595354454d3d6e657400494e544552
  464143453d6e6c7431004946494e4445583d32005345514e554d3d3236353900
`);

// Real udev re-broadcasts (tests/fixtures/udev_monitor.ts: captured from systemd-udevd 252 on
// group 2, with what `udevadm monitor --udev --property` printed for each).
const CAPTURES: UdevCapture[] = [...UNTAGGED, ...TAGGED];
const UDEV_ADD = hex(TAGGED[0].hex); // add of a veth, tagged "systemd" and "seat"

test("decodes a real kernel uevent", () => {
  const ev = decodeUevent(KERNEL_ADD);
  assert.deepEqual(ev, {
    action: "add",
    devpath: "/devices/virtual/net/nlt1",
    subsystem: "net",
    seqnum: 2659,
    source: "kernel",
    env: {
      ACTION: "add",
      DEVPATH: "/devices/virtual/net/nlt1",
      SUBSYSTEM: "net",
      INTERFACE: "nlt1",
      IFINDEX: "2",
      SEQNUM: "2659",
    },
  });
  assert.deepEqual(Object.keys(ev.env), [
    "ACTION",
    "DEVPATH",
    "SUBSYSTEM",
    "INTERFACE",
    "IFINDEX",
    "SEQNUM",
  ]);
});

test("decodes kernel events from the seed article and with DEVTYPE", () => {
  const ev = decodeUevent(ascii("remove@/host6/target6:0:0\0"));
  assert.deepEqual(ev, {
    action: "remove",
    devpath: "/host6/target6:0:0",
    source: "kernel",
    env: {},
  });
  const disk = decodeUevent(
    ascii(
      "add@/devices/pci0000:00/0000:00:1d.7/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb\0" +
        "ACTION=add\0SUBSYSTEM=block\0DEVTYPE=disk\0DEVNAME=sdb\0EMPTY=\0",
    ),
  );
  assert.equal(disk.devtype, "disk");
  assert.equal(disk.subsystem, "block");
  assert.equal(disk.env.EMPTY, "");
  assert.equal(disk.env.DEVPATH, undefined, "env keeps only what was sent");
  // values may contain '=' and non-ASCII; invalid UTF-8 becomes U+FFFD
  const odd = decodeUevent(
    Uint8Array.from([...ascii("change@/x\0A=b=c\0NAME="), 0xc3, 0xa9, 0xff, 0]),
  );
  assert.equal(odd.env.A, "b=c");
  assert.equal(odd.env.NAME, "\u00e9\ufffd");
  // empty strings between properties are skipped
  assert.deepEqual(decodeUevent(ascii("add@/x\0\0A=1\0\0")).env, { A: "1" });
});

test("decodes real udev datagrams as udevadm monitor printed them", () => {
  for (const c of CAPTURES) {
    const ev = decodeUevent(hex(c.hex));
    const p = c.properties;
    assert.equal(ev.source, "udev", c.monitor);
    assert.equal(ev.action, p.ACTION, c.monitor);
    assert.equal(ev.devpath, p.DEVPATH, c.monitor);
    assert.equal(ev.subsystem, p.SUBSYSTEM, c.monitor);
    assert.equal(ev.devtype, p.DEVTYPE, c.monitor);
    assert.equal(ev.seqnum, Number(p.SEQNUM), c.monitor);
    // udevadm hides UDEV_DATABASE_VERSION, which udevd puts first; the rest is in its order.
    assert.deepEqual(ev.env, { UDEV_DATABASE_VERSION: "1", ...p }, c.monitor);
    assert.deepEqual(Object.keys(ev.env), ["UDEV_DATABASE_VERSION", ...Object.keys(p)], c.monitor);
  }
  // properties_len shorter than the rest of the datagram: only that much is read
  const extra = new Uint8Array(UDEV_ADD.length + 8);
  extra.set(UDEV_ADD);
  extra.fill(0x41, UDEV_ADD.length);
  assert.deepEqual(decodeUevent(extra).env, decodeUevent(UDEV_ADD).env);
});

test("encodeUevent produces the kernel layout and systemd-udevd's datagrams byte for byte", () => {
  const kernel = encodeUevent({
    action: "add",
    devpath: "/devices/virtual/net/nlt1",
    env: { SUBSYSTEM: "net", INTERFACE: "nlt1", IFINDEX: "2", SEQNUM: "2659" },
  });
  assert.deepEqual(kernel, KERNEL_ADD);
  // Each real udev datagram, re-encoded from its properties: the same header (magic, sizes,
  // MurmurHash2 of the subsystem, tag bloom filter) and the same properties.
  for (const c of CAPTURES) {
    const udev = encodeUevent({
      action: c.properties.ACTION,
      devpath: c.properties.DEVPATH,
      env: { UDEV_DATABASE_VERSION: "1", ...c.properties },
    }, { format: "udev" });
    assert.deepEqual(udev, hex(c.hex), c.monitor);
  }
  // ACTION/DEVPATH given in env keep their place
  const ordered = encodeUevent({
    action: "bind",
    devpath: "/d",
    env: { DEVPATH: "/d", ACTION: "bind" },
  });
  assert.deepEqual(ordered, ascii("bind@/d\0DEVPATH=/d\0ACTION=bind\0"));
  // DEVTYPE feeds filter_devtype_hash: MurmurHash2("disk") = 0x7bcbc5ee (the same function
  // that gave systemd's subsystem hashes above; no captured event here has a DEVTYPE)
  const disk = encodeUevent(
    { action: "add", devpath: "/b/sda", env: { SUBSYSTEM: "block", DEVTYPE: "disk" } },
    { format: "udev" },
  );
  assert.deepEqual(disk.subarray(24, 32), hex("f0031db7 7bcbc5ee"));
  assert.deepEqual(disk.subarray(32, 40), new Uint8Array(8));
  assert.equal(decodeUevent(disk).devtype, "disk");
});

test("encodeUevent rejects what cannot be encoded", () => {
  assert.throws(
    () => encodeUevent({ action: "add", devpath: "/x", env: { ACTION: "remove" } }),
    TypeError,
  );
  assert.throws(
    () => encodeUevent({ action: "add", devpath: "/x", env: { DEVPATH: "/y" } }),
    TypeError,
  );
  assert.throws(
    () => encodeUevent({ action: "add", devpath: "/x", env: { "A=B": "c" } }),
    TypeError,
  );
  assert.throws(() => encodeUevent({ action: "add", devpath: "/x", env: { "": "c" } }), TypeError);
  assert.throws(
    () => encodeUevent({ action: "add", devpath: "/x", env: { A: "b\0c" } }),
    TypeError,
  );
  assert.throws(() => encodeUevent({ action: "a@b", devpath: "/x" }), TypeError);
  assert.throws(() => encodeUevent({ action: "", devpath: "/x" }), TypeError);
});

test("hostile kernel uevents throw NetlinkDecodeError", () => {
  const bad = [
    "", // empty
    "add@/devices/x", // no NUL at all
    "add/devices/x\0ACTION=add\0", // no '@'
    "@/devices/x\0", // empty action
    "add@\0", // empty devpath
    "add@/x\0ACTION=add", // unterminated property
    "add@/x\0NOEQUALS\0", // not KEY=VALUE
    "add@/x\0=value\0", // empty key
    "add@/x\0ACTION=remove\0", // header disagrees with ACTION
    "add@/x\0DEVPATH=/y\0", // header disagrees with DEVPATH
    "add@/x\0SEQNUM=12a\0", // SEQNUM not decimal
    "add@/x\0SEQNUM=\0",
  ];
  for (const s of bad) {
    assert.throws(() => decodeUevent(ascii(s)), isDecodeError, JSON.stringify(s));
  }
});

test("hostile udev datagrams throw NetlinkDecodeError", () => {
  // A real datagram with its header patched, or its properties replaced (same length).
  const props = new TextDecoder().decode(UDEV_ADD.subarray(40));
  const withHeader = (patch: (h: Uint8Array) => void, body = props) => {
    const h = UDEV_ADD.slice(0, 40);
    patch(h);
    const b = ascii(body);
    const out = new Uint8Array(h.length + b.length);
    out.set(h, 0);
    out.set(b, h.length);
    return out;
  };
  const cases: Uint8Array[] = [
    ascii("libudev\0"), // prefix only
    UDEV_ADD.subarray(0, 39), // short header
    withHeader((h) => h.set([0xfe, 0xca, 0xed, 0xfe], 8)), // magic in host order
    withHeader((h) => (h[8] = 0)), // bad magic
    withHeader((h) => h.set([0xff, 0xff, 0, 0], 16)), // properties_off past the end
    withHeader((h) => h.set([0xff, 0xff, 0xff, 0xff], 16)),
    withHeader((h) => h.set([0x10, 0, 0, 0], 16)), // properties_off inside the header
    withHeader((h) => h.set([0xff, 0xff, 0, 0], 20)), // properties_len past the end
    withHeader((h) => h.set([0xff, 0xff, 0xff, 0xff], 20)),
    withHeader((h) => (h[20] -= 1)), // last property loses its NUL
    withHeader(() => {}, "ACTION=add\0SUBSYSTEM=net\0".padEnd(props.length, "\0")), // no DEVPATH
  ];
  for (const [i, c] of cases.entries()) {
    assert.throws(() => decodeUevent(c), isDecodeError, `case ${i}`);
  }
});

test("a __proto__ property is kept as an own property", () => {
  const ev = decodeUevent(ascii("add@/x\0__proto__=evil\0A=1\0"));
  assert.equal(Object.getPrototypeOf(ev.env), Object.prototype);
  assert.ok(Object.hasOwn(ev.env, "__proto__"));
  assert.equal(Object.getOwnPropertyDescriptor(ev.env, "__proto__")!.value, "evil");
  assert.equal(ev.env.A, "1");
});
