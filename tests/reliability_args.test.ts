// Arguments and failed opens against the real kernel (issue 11, defect 8): bad values are a
// TypeError or RangeError before any system call (the socket's options are unchanged after),
// and an open that fails — before the socket exists, while entering a namespace, or after the
// socket was made (bind, join) — leaves no file descriptor behind.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { NetlinkSocket } from "../socket/socket.ts";
import { NETLINK_EXT_ACK, NETLINK_ROUTE, NETLINK_USERSOCK } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { SKIP_KERNEL } from "./helpers.ts";

const fds = () => readdirSync("/proc/self/fd").length;

test("args: failing opens in a loop leave the fd count where it was", {
  skip: SKIP_KERNEL,
}, async () => {
  // The hub's own fds (and Bun's worker) are made on first use.
  (await NetlinkSocket.open(NETLINK_ROUTE)).close();
  await using taken = await NetlinkSocket.open(NETLINK_USERSOCK);
  const before = fds();
  const code = (e: unknown) => (e instanceof NetlinkError ? e.code : (e as Error).name);
  const failures: Record<string, string> = {};
  const attempt = async (what: string, open: () => Promise<NetlinkSocket>) => {
    const r = await open().then((s) => (s.close(), "opened"), code);
    failures[what] = r;
  };
  for (let i = 0; i < 200; i++) {
    await attempt(
      "huge messageBufferSize",
      () => NetlinkSocket.open(NETLINK_ROUTE, { messageBufferSize: 2 ** 40 }),
    );
    await attempt(
      "no such netns",
      () => NetlinkSocket.open(NETLINK_ROUTE, { netns: "no-such-namespace" }),
    );
    await attempt("bad netns fd", () => NetlinkSocket.open(NETLINK_ROUTE, { netns: 999999 }));
    await attempt(
      "group 40 on USERSOCK",
      () => NetlinkSocket.open(NETLINK_USERSOCK, { join: [40] }),
    );
    await attempt(
      "taken port id",
      () => NetlinkSocket.open(NETLINK_USERSOCK, { portId: taken.portId }),
    );
    await attempt("no such protocol", () => NetlinkSocket.open(1));
  }
  assert.deepEqual(failures, {
    "huge messageBufferSize": "RangeError",
    "no such netns": "ENOENT",
    "bad netns fd": "EBADF",
    "group 40 on USERSOCK": "EINVAL",
    "taken port id": "EADDRINUSE",
    "no such protocol": "EPROTONOSUPPORT",
  });
  assert.equal(fds(), before, "1200 failed opens leaked no fd");
});

test("args: bad option values are refused before the kernel sees them", {
  skip: SKIP_KERNEL,
}, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
  assert.equal(sock.getOption(NETLINK_EXT_ACK), 1);
  const rcvbuf = sock.setReceiveBufferSize(1 << 20);
  assert.throws(() => sock.setOption(NETLINK_EXT_ACK, 2 ** 32), RangeError);
  assert.throws(() => sock.setOption(NETLINK_EXT_ACK, 0.5), TypeError);
  assert.throws(() => sock.setOption(NETLINK_EXT_ACK, "0" as unknown as number), TypeError);
  assert.throws(() => sock.setReceiveBufferSize(2 ** 31), RangeError);
  assert.throws(() => sock.setReceiveBufferSize(-4096), RangeError);
  assert.throws(() => sock.setSendBufferSize(0), RangeError);
  assert.equal(sock.getOption(NETLINK_EXT_ACK), 1, "NETLINK_EXT_ACK unchanged");
  assert.equal(sock.setReceiveBufferSize(1 << 20), rcvbuf, "the receive buffer unchanged");
  await assert.rejects(
    NetlinkSocket.open(NETLINK_ROUTE, { receiveBufferSize: 0 }),
    /receiveBufferSize must be an integer from 1 to 2147483647, got 0/,
  );
  await assert.rejects(
    NetlinkSocket.open(NETLINK_ROUTE, { sendBufferSize: 2 ** 31 }),
    /sendBufferSize must be an integer from 1 to 2147483647/,
  );
  await assert.rejects(
    NetlinkSocket.open(NETLINK_ROUTE, { messageBufferSize: 2 ** 40 }),
    /messageBufferSize must be an integer from 4096 to 67108864/,
  );
});
