/**
 * Reading a pcap file back with tshark (Wireshark's dissectors are the ground truth for the
 * format), shared by tests/pcap.test.ts and tests/pcap_examples.test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SKIP_KERNEL } from "./helpers.ts";

// linux/if_packet.h, linux/if_arp.h
/** The cooked header's packet types: received (unicast), and sent. */
export const PACKET_HOST = 0, PACKET_OUTGOING = 4;
/** The cooked header's ARPHRD type for netlink. */
export const ARPHRD_NETLINK = 824;

/** Why the tshark tests skip: outside the test namespace, or without tshark. */
export const SKIP_TSHARK: string | false = SKIP_KERNEL ||
  (spawnSync("tshark", ["--version"]).status === 0
    ? false
    : "needs tshark (apt-get install tshark)");

/** One message as tshark dissected it: every field name with its values, in document order. */
export type Fields = Map<string, string[]>;

/** One frame: the cooked header from tshark's raw frame bytes, and the dissected messages. */
export interface Frame {
  raw: Uint8Array;
  packetType: number;
  hatype: number;
  peer: number;
  protocol: number;
  /** tshark's own reading of the cooked header. */
  family: string;
  /** The route and plain netlink messages, in order. */
  messages: Fields[];
  /** Every field of the frame, whatever dissected it (e.g. `genl.ctrl.family_name`). */
  fields: Fields;
}

/** Every string field under `o`, by name, in document order. */
export function flatten(o: unknown, out: Fields = new Map()): Fields {
  if (Array.isArray(o)) { for (const v of o) flatten(v, out); }
  else if (o && typeof o === "object") {
    for (const [k, v] of Object.entries(o)) {
      if (k.endsWith("_raw")) continue;
      if (typeof v === "string") out.set(k, [...(out.get(k) ?? []), v]);
      else if (Array.isArray(v) && v.every((x) => typeof x === "string")) {
        out.set(k, [...(out.get(k) ?? []), ...v]);
      } else flatten(v, out);
    }
  }
  return out;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `tshark -r FILE -T json`, each frame's messages in order. */
export function tshark(file: string): Frame[] {
  const r = spawnSync("tshark", ["-r", file, "-T", "json", "--no-duplicate-keys", "-x"], {
    encoding: "utf8",
    maxBuffer: 256 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /cut short|appears to be damaged|isn't a capture file/);
  return (JSON.parse(r.stdout) as { _source: { layers: Record<string, unknown> } }[]).map((p) => {
    const l = p._source.layers;
    const raw = Uint8Array.from(
      (l.frame_raw as string[])[0].match(/../g)!.map((b) => parseInt(b, 16)),
    );
    const v = new DataView(raw.buffer);
    // A route message is dissected by netlink-route; the rest ("Netlink message") by netlink.
    // Frames here carry one kind or the other, so the order within each list is the order.
    const messages = [...list(l["netlink-route"]), ...list(l["Netlink message"])].map((m) =>
      flatten(m)
    );
    const { frame: _, frame_raw: __, ...dissected } = l;
    return {
      raw,
      packetType: v.getUint16(0),
      hatype: v.getUint16(2),
      peer: v.getUint32(6),
      protocol: v.getUint16(14),
      family: flatten(l.netlink).get("netlink.family")![0],
      messages,
      fields: flatten(dissected),
    };
  });
}

/** The first value of field `k`. */
export const one = (m: Fields, k: string): string | undefined => m.get(k)?.[0];

/** A fresh temporary directory for capture files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "netlink-pcap-"));
}
