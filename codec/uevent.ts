/**
 * Device events on NETLINK_KOBJECT_UEVENT: the kernel's `ACTION@DEVPATH` datagrams and
 * the "libudev" datagrams that udev re-broadcasts after processing (multicast group 2).
 *
 * @module
 */

import { decodeUtf8, encodeUtf8, putU32, putU32be, u32, u32be } from "./_bytes.ts";
import { NetlinkDecodeError } from "./errors.ts";

/**
 * A decoded uevent.
 *
 * @example
 * ```ts
 * import { decodeUevent, type Uevent } from "@netlink/netlink/codec";
 * declare const datagram: Uint8Array;
 * const ev: Uevent = decodeUevent(datagram);
 * if (ev.action === "add" && ev.subsystem === "block") console.log(ev.env.DEVNAME);
 * ```
 */
export interface Uevent {
  /** ACTION: add, remove, change, move, online, offline, bind, unbind. */
  action: string;
  /** DEVPATH: the device's path below /sys, e.g. "/devices/virtual/net/lo". */
  devpath: string;
  /** SUBSYSTEM property, if present. */
  subsystem?: string;
  /** DEVTYPE property, if present. */
  devtype?: string;
  /** SEQNUM property as a number, if present. */
  seqnum?: number;
  /** "kernel" for raw kernel events, "udev" for events re-sent by udev. */
  source: "kernel" | "udev";
  /** Every KEY=VALUE property in order of appearance, ACTION and DEVPATH included. */
  env: Record<string, string>;
}

/** "libudev\0", the prefix of udev's struct monitor_netlink_header. */
const UDEV_PREFIX = [0x6c, 0x69, 0x62, 0x75, 0x64, 0x65, 0x76, 0x00];
/** UDEV_MONITOR_MAGIC (systemd src/libsystemd/sd-device/device-monitor.c), stored big-endian. */
const UDEV_MONITOR_MAGIC = 0xfeedcafe;
/** sizeof(struct monitor_netlink_header): prefix[8] + 8 unsigned ints. */
const UDEV_HEADER_SIZE = 40;

function isUdev(b: Uint8Array): boolean {
  if (b.length < UDEV_PREFIX.length) return false;
  for (let i = 0; i < UDEV_PREFIX.length; i++) if (b[i] !== UDEV_PREFIX[i]) return false;
  return true;
}

function setProp(env: Record<string, string>, key: string, value: string): void {
  if (key === "__proto__") {
    Object.defineProperty(env, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else env[key] = value;
}

/** Parse NUL-terminated KEY=VALUE strings in b[start, end); empty strings are skipped. */
function parseProperties(b: Uint8Array, start: number, end: number): Record<string, string> {
  const env: Record<string, string> = {};
  let i = start;
  while (i < end) {
    const nul = b.indexOf(0, i);
    if (nul < 0 || nul >= end) {
      throw new NetlinkDecodeError(`uevent property at offset ${i} is not NUL-terminated`, i);
    }
    if (nul > i) {
      let eq = -1;
      for (let j = i; j < nul; j++) {
        if (b[j] === 0x3d) {
          eq = j;
          break;
        }
      }
      if (eq <= i) {
        throw new NetlinkDecodeError(`uevent property at offset ${i} is not KEY=VALUE`, i);
      }
      setProp(env, decodeUtf8(b, i, eq), decodeUtf8(b, eq + 1, nul));
    }
    i = nul + 1;
  }
  return env;
}

function finish(
  env: Record<string, string>,
  action: string,
  devpath: string,
  source: "kernel" | "udev",
): Uevent {
  const ev: Uevent = { action, devpath, source, env };
  const subsystem = env.SUBSYSTEM;
  if (subsystem !== undefined) ev.subsystem = subsystem;
  const devtype = env.DEVTYPE;
  if (devtype !== undefined) ev.devtype = devtype;
  const seqnum = env.SEQNUM;
  if (seqnum !== undefined) {
    if (!/^[0-9]{1,16}$/.test(seqnum)) {
      throw new NetlinkDecodeError(`uevent SEQNUM "${seqnum}" is not a decimal number`, 0);
    }
    ev.seqnum = Number(seqnum);
  }
  return ev;
}

function own(env: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(env, key) ? env[key] : undefined;
}

/**
 * Decode one NETLINK_KOBJECT_UEVENT datagram, either format:
 *
 * - kernel: `ACTION@DEVPATH\0` then `KEY=VALUE\0` strings. The header's action and devpath
 *   must match the ACTION and DEVPATH properties when those are present.
 * - udev: `libudev\0`, the rest of struct monitor_netlink_header (magic 0xfeedcafe in
 *   network order, then header_size, properties_off, properties_len in host order, then
 *   filter hashes), and `KEY=VALUE\0` strings at properties_off. ACTION and DEVPATH are
 *   required.
 *
 * Each property must be NUL-terminated and contain `=` after a non-empty key; empty
 * strings are skipped. Text is decoded as UTF-8 with U+FFFD for invalid bytes.
 *
 * @throws {NetlinkDecodeError} on anything else: no `@`, bad magic, offsets past the end,
 *   an unterminated property, a SEQNUM that is not a decimal number.
 * @example
 * ```ts
 * import { decodeUevent } from "@netlink/netlink/codec";
 * const text = "add@/module/fat\0ACTION=add\0DEVPATH=/module/fat\0SUBSYSTEM=module\0SEQNUM=1234\0";
 * const ev = decodeUevent(new TextEncoder().encode(text));
 * console.log(ev.action, ev.devpath, ev.subsystem, ev.seqnum); // add /module/fat module 1234
 * ```
 */
export function decodeUevent(datagram: Uint8Array): Uevent {
  const b = datagram;
  if (isUdev(b)) {
    if (b.length < UDEV_HEADER_SIZE) {
      throw new NetlinkDecodeError(
        `udev header needs ${UDEV_HEADER_SIZE} bytes, datagram has ${b.length}`,
        0,
      );
    }
    const magic = u32be(b, 8);
    if (magic !== UDEV_MONITOR_MAGIC) {
      throw new NetlinkDecodeError(
        `udev header magic 0x${magic.toString(16)} is not 0xfeedcafe`,
        8,
      );
    }
    const off = u32(b, 16);
    const len = u32(b, 20);
    if (off < UDEV_HEADER_SIZE || off > b.length || len > b.length - off) {
      throw new NetlinkDecodeError(
        `udev properties [${off}, ${off + len}) lie outside the ${b.length}-byte datagram`,
        16,
      );
    }
    const env = parseProperties(b, off, off + len);
    const action = own(env, "ACTION");
    const devpath = own(env, "DEVPATH");
    if (action === undefined || devpath === undefined) {
      throw new NetlinkDecodeError("udev event lacks ACTION or DEVPATH", off);
    }
    return finish(env, action, devpath, "udev");
  }

  const nul = b.indexOf(0);
  if (nul < 0) throw new NetlinkDecodeError("uevent header is not NUL-terminated", 0);
  const at = b.subarray(0, nul).indexOf(0x40);
  if (at <= 0 || at + 1 >= nul) {
    throw new NetlinkDecodeError("uevent header is not ACTION@DEVPATH", 0);
  }
  const action = decodeUtf8(b, 0, at);
  const devpath = decodeUtf8(b, at + 1, nul);
  const env = parseProperties(b, nul + 1, b.length);
  const envAction = own(env, "ACTION");
  const envDevpath = own(env, "DEVPATH");
  if (
    (envAction !== undefined && envAction !== action) ||
    (envDevpath !== undefined && envDevpath !== devpath)
  ) {
    throw new NetlinkDecodeError(
      `uevent header ${action}@${devpath} disagrees with ACTION=${envAction} DEVPATH=${envDevpath}`,
      0,
    );
  }
  return finish(env, action, devpath, "kernel");
}

/** MurmurHash2 with seed 0, as systemd's string_hash32() (src/basic/MurmurHash2.c). */
function murmurHash2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  let len = data.length;
  let h = len >>> 0;
  let i = 0;
  while (len >= 4) {
    let k = u32(data, i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
    i += 4;
    len -= 4;
  }
  switch (len) {
    case 3:
      h ^= data[i + 2] << 16;
    // falls through
    case 2:
      h ^= data[i + 1] << 8;
    // falls through
    case 1:
      h ^= data[i];
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h >>> 0;
}

function checkProp(key: string, value: string): void {
  if (key === "" || key.includes("=") || key.includes("\0") || value.includes("\0")) {
    throw new TypeError(`uevent property ${JSON.stringify(key)} is not a valid KEY=VALUE`);
  }
}

/**
 * Encode a uevent datagram, in the kernel format (`ACTION@DEVPATH\0KEY=VALUE\0…`, the
 * default) or the udev format (struct monitor_netlink_header + properties, with the
 * subsystem/devtype hashes and tag bloom filter that libudev's socket filters test).
 * ACTION and DEVPATH properties are added first unless `env` has them; if `env` has them,
 * they must equal `action` and `devpath`.
 *
 * @throws {TypeError} on a key that is empty or contains `=` or NUL, a value with NUL, or
 *   ACTION/DEVPATH properties that disagree with `action`/`devpath`.
 * @example
 * ```ts
 * import { decodeUevent, encodeUevent } from "@netlink/netlink/codec";
 * const bytes = encodeUevent({
 *   action: "add",
 *   devpath: "/devices/virtual/net/dummy0",
 *   env: { SUBSYSTEM: "net", INTERFACE: "dummy0", SEQNUM: "7" },
 * }, { format: "udev" });
 * decodeUevent(bytes).source; // "udev"
 * ```
 */
export function encodeUevent(
  ev: { action: string; devpath: string; env?: Record<string, string> },
  opts: { format?: "kernel" | "udev" } = {},
): Uint8Array {
  const env = ev.env ?? {};
  for (const [key, value] of [["ACTION", ev.action], ["DEVPATH", ev.devpath]]) {
    const given = own(env, key);
    if (given !== undefined && given !== value) {
      throw new TypeError(`uevent ${key}=${given} disagrees with ${JSON.stringify(value)}`);
    }
  }
  let props = "";
  if (own(env, "ACTION") === undefined) props += `ACTION=${ev.action}\0`;
  if (own(env, "DEVPATH") === undefined) props += `DEVPATH=${ev.devpath}\0`;
  for (const key of Object.keys(env)) {
    checkProp(key, env[key]);
    props += `${key}=${env[key]}\0`;
  }
  checkProp("ACTION", ev.action);
  checkProp("DEVPATH", ev.devpath);
  if (opts.format !== "udev") {
    if (ev.action === "" || ev.action.includes("@") || ev.devpath === "") {
      throw new TypeError(`uevent header ${ev.action}@${ev.devpath} is not ACTION@DEVPATH`);
    }
    return encodeUtf8(`${ev.action}@${ev.devpath}\0${props}`);
  }

  const body = encodeUtf8(props);
  const out = new Uint8Array(UDEV_HEADER_SIZE + body.length);
  out.set(UDEV_PREFIX, 0);
  putU32be(out, 8, UDEV_MONITOR_MAGIC);
  putU32(out, 12, UDEV_HEADER_SIZE);
  putU32(out, 16, UDEV_HEADER_SIZE);
  putU32(out, 20, body.length);
  // Filter fields are compared by socket filters as big-endian words.
  const subsystem = own(env, "SUBSYSTEM");
  if (subsystem !== undefined) putU32be(out, 24, murmurHash2(encodeUtf8(subsystem)));
  const devtype = own(env, "DEVTYPE");
  if (devtype !== undefined) putU32be(out, 28, murmurHash2(encodeUtf8(devtype)));
  let bloomHi = 0;
  let bloomLo = 0;
  for (const tag of (own(env, "TAGS") ?? "").split(":")) {
    if (tag === "") continue;
    const h = murmurHash2(encodeUtf8(tag));
    for (const bit of [h & 63, (h >>> 6) & 63, (h >>> 12) & 63, (h >>> 18) & 63]) {
      if (bit >= 32) bloomHi |= 1 << (bit - 32);
      else bloomLo |= 1 << bit;
    }
  }
  putU32be(out, 32, bloomHi >>> 0);
  putU32be(out, 36, bloomLo >>> 0);
  out.set(body, UDEV_HEADER_SIZE);
  return out;
}
