// NETLINK_XFRM. The structs and numbers against linux/xfrm.h (C compiler). Security
// associations through the fake kernel, since this kernel has no ESP/AH/IPCOMP ("Requested type
// not found"): the library's requests are compared with the bytes `ip xfrm state add|get|delete|
// flush` sends (captured with strace), and the replies are what net/xfrm/xfrm_user.c would send
// for those SAs (dump_one_state: the request's xfrm_usersa_info, the attributes, plus
// XFRMA_ALG_AUTH beside XFRMA_ALG_AUTH_TRUNC and XFRMA_REPLAY_VAL), decoded, and printed like
// iproute2 does: `ip xfrm monitor` prints the same messages when they are multicast to it.
// Policies against the kernel in a namespace of their own, compared with `ip xfrm policy`, and
// events for changes made with `ip xfrm`.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { sh, SKIP_KERNEL, sleep, uniqueName, waitFor } from "./helpers.ts";
import { compareLayouts, hex, runC, SKIP_CC, snake } from "./c_truth.ts";
import * as X from "../families/xfrm/mod.ts";
import { Client } from "../client/client.ts";
import { FakeKernel, type FakeMessage } from "../testing/fake_kernel.ts";
import { NETLINK_XFRM, NetlinkSocket, NLM_F_DUMP } from "../mod.ts";
import { messageText } from "../examples/ip/xfrm_print.ts";

const ipx = (ns: string, ...args: string[]) => sh("ip", ["-n", ns, "xfrm", ...args]);

const HAVE_STRACE = spawnSync("strace", ["-V"]).status === 0;
const SKIP_STRACE: string | false = SKIP_KERNEL ||
  (HAVE_STRACE ? false : "strace is not installed");

// ---------------------------------------------------------------------------
// 1. Against the C headers
// ---------------------------------------------------------------------------

test("xfrm: struct layouts and numbers equal linux/xfrm.h", { skip: SKIP_CC }, () => {
  const S = (
    c: string,
    lib: { size: number },
    members?: Record<string, string>,
    extra?: number,
  ) => ({
    c: `struct ${c}`,
    lib: lib as never,
    members,
    extra,
  });
  assert.deepEqual(
    compareLayouts(["linux/xfrm.h"], [
      S("xfrm_id", X.xfrmId),
      S("xfrm_selector", X.xfrmSelector),
      S("xfrm_lifetime_cfg", X.xfrmLifetimeCfg),
      S("xfrm_lifetime_cur", X.xfrmLifetimeCur),
      S("xfrm_replay_state", X.xfrmReplayState),
      S("xfrm_replay_state_esn", X.xfrmReplayStateEsn),
      S("xfrm_algo", X.xfrmAlgo),
      S("xfrm_algo_auth", X.xfrmAlgoAuth),
      S("xfrm_algo_aead", X.xfrmAlgoAead),
      S("xfrm_stats", X.xfrmStats),
      S("xfrm_user_sec_ctx", X.xfrmUserSecCtx),
      S("xfrm_user_tmpl", X.xfrmUserTmpl),
      S("xfrm_encap_tmpl", X.xfrmEncapTmpl),
      S("xfrm_userpolicy_type", X.xfrmUserpolicyType),
      S("xfrm_mark", X.xfrmMark),
      S("xfrmu_sadhinfo", X.xfrmuSadhinfo),
      S("xfrmu_spdinfo", X.xfrmuSpdinfo),
      S("xfrmu_spdhinfo", X.xfrmuSpdhinfo),
      S("xfrmu_spdhthresh", X.xfrmuSpdhthresh),
      S("xfrm_usersa_info", X.xfrmUsersaInfo),
      S("xfrm_usersa_id", X.xfrmUsersaId),
      S("xfrm_aevent_id", X.xfrmAeventId),
      S("xfrm_userspi_info", X.xfrmUserspiInfo),
      S("xfrm_userpolicy_info", X.xfrmUserpolicyInfo),
      S("xfrm_userpolicy_id", X.xfrmUserpolicyId),
      S("xfrm_user_acquire", X.xfrmUserAcquire),
      S("xfrm_user_expire", X.xfrmUserExpire),
      S("xfrm_user_polexpire", X.xfrmUserPolexpire),
      S("xfrm_usersa_flush", X.xfrmUsersaFlush),
      S("xfrm_user_report", X.xfrmUserReport),
      S("xfrm_user_kmaddress", X.xfrmUserKmaddress),
      S("xfrm_user_migrate", X.xfrmUserMigrate),
      S("xfrm_user_mapping", X.xfrmUserMapping),
      S("xfrm_address_filter", X.xfrmAddressFilter),
      S("xfrm_user_offload", X.xfrmUserOffload),
      S("xfrm_userpolicy_default", X.xfrmUserpolicyDefault),
    ]),
    [],
  );
  // Attribute numbers (those of the installed header), message types, groups.
  const checks: [string, number][] = [];
  for (const a of X.xfrmAttrs.attributes) {
    if (a.value <= 32) checks.push([`XFRMA_${snake(a.name).toUpperCase()}`, a.value]);
  }
  for (const a of X.xfrmSadAttrs.attributes) {
    checks.push([`XFRMA_SAD_${snake(a.name).toUpperCase()}`, a.value]);
  }
  for (const a of X.xfrmSpdAttrs.attributes) {
    checks.push([`XFRMA_SPD_${snake(a.name).toUpperCase()}`, a.value]);
  }
  for (const [k, v] of Object.entries(X)) {
    if (typeof v === "number" && /^(XFRM_MSG_|XFRMNLGRP_)/.test(k)) checks.push([k, v]);
  }
  for (const [k, v] of Object.entries(X.XFRM_STATE_FLAGS)) checks.push([`XFRM_STATE_${k}`, v]);
  for (const [k, v] of Object.entries(X.XFRM_POLICY_DIR)) checks.push([`XFRM_POLICY_${k}`, v]);
  for (const [k, v] of Object.entries(X.XFRM_SHARE)) checks.push([`XFRM_SHARE_${k}`, v]);
  checks.push(["XFRM_MODE_BEET", X.XFRM_MODE.BEET], ["XFRM_INF", -1]);
  const out = runC(
    "#include <stdio.h>\n#include <linux/xfrm.h>\nint main(void) {\n" +
      checks.map(([n]) => `printf("${n} %d\\n", (int)(${n}));`).join("\n") + "\nreturn 0; }",
  );
  assert.equal(out, checks.map(([n, v]) => `${n} ${v}`).join("\n") + "\n");
  assert.ok(checks.length > 60, `${checks.length} numbers checked`);
});

// ---------------------------------------------------------------------------
// 2. SAs: requests as iproute2 sends them, replies as the kernel sends them
// ---------------------------------------------------------------------------

interface Sent {
  type: string;
  flags: string;
  payload: Uint8Array;
}

/** The netlink messages `ip ARGS` sends (strace), whatever the kernel answers. */
function ipSends(args: string[]): Sent[] {
  const r = spawnSync(
    "strace",
    ["-f", "-e", "trace=sendmsg", "-xx", "-s", "65536", "ip", ...args],
    {
      encoding: "utf8",
    },
  );
  const out: Sent[] = [];
  const re =
    /nlmsg_type=([A-Z_0-9x]+), nlmsg_flags=([A-Z_|0-9x]+), [^}]*\}, "((?:\\x[0-9a-f]{2})*)"/g;
  for (const m of r.stderr.matchAll(re)) {
    const bytes = Uint8Array.from(m[3].match(/\\x(..)/g) ?? [], (h) => parseInt(h.slice(2), 16));
    out.push({ type: m[1], flags: m[2], payload: bytes });
  }
  return out;
}

/** Raw attributes after a fixed header: type → hex, in order. */
function rawAttrs(payload: Uint8Array, offset: number): [number, string][] {
  const out: [number, string][] = [];
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let o = offset; o + 4 <= payload.length;) {
    const len = dv.getUint16(o, true);
    out.push([dv.getUint16(o + 2, true) & 0x3fff, hex(payload.subarray(o + 4, o + len))]);
    o += (len + 3) & ~3;
  }
  return out;
}

const sorted = (a: [number, string][]) => [...a].sort((x, y) => x[0] - y[0]);

function tlv(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array((4 + data.length + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 4 + data.length, true);
  dv.setUint16(2, type, true);
  out.set(data, 4);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

function unhexStr(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/**
 * The XFRM_MSG_NEWSA the kernel would send for the SA an `ip xfrm state add` request creates
 * (net/xfrm/xfrm_user.c copy_to_user_state + copy_to_user_state_extra): the request's
 * xfrm_usersa_info with the add time filled in; its attributes, and those the kernel adds:
 * XFRMA_ALG_AUTH (copy_to_user_auth) beside XFRMA_ALG_AUTH_TRUNC, XFRMA_REPLAY_VAL unless the
 * SA has an ESN replay state.
 */
function kernelNewsa(request: Uint8Array, addTime: bigint): FakeMessage {
  const head = request.slice(0, 224);
  new DataView(head.buffer).setBigUint64(160 + 16, addTime, true); // curlft.add_time
  const attrs = rawAttrs(request, 224);
  const parts: Uint8Array[] = [head];
  for (const [type, h] of attrs) {
    const data = unhexStr(h);
    if (type === 20) {
      // XFRMA_ALG_AUTH_TRUNC → also XFRMA_ALG_AUTH: name[64], key_len, key (no trunc_len).
      const auth = concat([data.subarray(0, 68), data.subarray(72)]);
      parts.push(tlv(1, auth));
    }
    if (type === 23) {
      // XFRMA_REPLAY_ESN_VAL: the kernel's copy has its bitmap, bmp_len u32 words
      // (xfrm_replay_state_esn_len); ip sent the bare 24-byte struct.
      const bmpLen = new DataView(data.buffer, data.byteOffset).getUint32(0, true);
      parts.push(tlv(type, concat([data.subarray(0, 24), new Uint8Array(4 * bmpLen)])));
      continue;
    }
    parts.push(tlv(type, data));
  }
  if (!attrs.some(([t]) => t === 23)) parts.push(tlv(10, new Uint8Array(12))); // REPLAY_VAL
  return { type: X.XFRM_MSG_NEWSA, payload: concat(parts) };
}

const KEY16 = "0x00112233445566778899aabbccddeeff";
const KEY32 = KEY16 + "00112233445566778899aabbccddeeff";
const KEY20 = KEY16 + "01020304";

/** Each SA: the `ip xfrm state add` arguments, and the same SA as the library takes it. */
const SAS: { args: string[]; lib: X.StateInput }[] = [
  {
    args: [
      "src",
      "192.0.2.1",
      "dst",
      "192.0.2.2",
      "proto",
      "esp",
      "spi",
      "0x1000",
      "reqid",
      "7",
      "mode",
      "tunnel",
      "replay-window",
      "32",
      "enc",
      "cbc(aes)",
      KEY16,
      "auth-trunc",
      "hmac(sha256)",
      KEY32,
      "128",
      "mark",
      "5",
      "mask",
      "0xff",
      "if_id",
      "9",
      "encap",
      "espinudp",
      "4500",
      "4501",
      "0.0.0.0",
      "sel",
      "src",
      "10.0.0.0/24",
      "dst",
      "10.1.0.0/24",
      "proto",
      "tcp",
      "dport",
      "22",
    ],
    lib: {
      src: "192.0.2.1",
      dst: "192.0.2.2",
      proto: "esp",
      spi: 0x1000,
      reqid: 7,
      mode: "tunnel",
      replayWindow: 32,
      crypt: { name: "cbc(aes)", key: unhexStr(KEY16.slice(2)) },
      auth: { name: "hmac(sha256)", key: unhexStr(KEY32.slice(2)), truncLen: 128 },
      mark: { value: 5, mask: 0xff },
      ifId: 9,
      encap: { type: 2, sport: 4500, dport: 4501, oa: "0.0.0.0" },
      selector: {
        src: "10.0.0.0",
        prefixlenS: 24,
        dst: "10.1.0.0",
        prefixlenD: 24,
        proto: "tcp",
        dport: 22,
      },
    },
  },
  {
    args: [
      "src",
      "fd00::1",
      "dst",
      "fd00::2",
      "proto",
      "esp",
      "spi",
      "0x2000",
      "mode",
      "transport",
      "aead",
      "rfc4106(gcm(aes))",
      KEY20,
      "128",
      "flag",
      "esn",
      "replay-window",
      "128",
      "output-mark",
      "0x10",
      "mask",
      "0xf0",
    ],
    lib: {
      src: "fd00::1",
      dst: "fd00::2",
      proto: "esp",
      spi: 0x2000,
      mode: "transport",
      aead: { name: "rfc4106(gcm(aes))", key: unhexStr(KEY20.slice(2)), icvLen: 128 },
      flags: X.XFRM_STATE_FLAGS.ESN,
      replayWindow: 128,
      outputMark: { value: 0x10, mask: 0xf0 },
    },
  },
  {
    args: [
      "src",
      "10.0.0.1",
      "dst",
      "10.0.0.2",
      "proto",
      "comp",
      "spi",
      "0x3000",
      "mode",
      "tunnel",
      "comp",
      "deflate",
    ],
    lib: {
      src: "10.0.0.1",
      dst: "10.0.0.2",
      proto: "comp",
      spi: 0x3000,
      mode: "tunnel",
      comp: { name: "deflate", key: new Uint8Array(0) },
    },
  },
];

/** A fake kernel with the SAs of `sas` (kernel-format NEWSA messages). */
function saKernel(sas: FakeMessage[]): FakeKernel {
  return new FakeKernel(NETLINK_XFRM, (req, k) => {
    if (req.type === X.XFRM_MSG_GETSA && (req.flags & NLM_F_DUMP) === NLM_F_DUMP) {
      assert.equal(req.payload.length, 0, "a dump request has no fixed header");
      return k.dump(sas);
    }
    if (req.type === X.XFRM_MSG_GETSA) {
      // xfrm_get_sa: by daddr, spi, proto; the answer is an XFRM_MSG_NEWSA.
      const id = req.payload;
      const hit = sas.find((m) =>
        hex(m.payload!.subarray(56, 72)) === hex(id.subarray(0, 16)) &&
        hex(m.payload!.subarray(72, 76)) === hex(id.subarray(16, 20)) &&
        m.payload![76] === id[22]
      );
      if (!hit) return k.error(3 /* ESRCH */);
      k.reply(hit); // then the ACK netlink_rcv_skb sends for NLM_F_ACK
      return k.ack();
    }
    k.ack();
  });
}

test("xfrm: SA requests are the bytes `ip xfrm state add|get|delete|flush` sends", {
  skip: SKIP_STRACE,
}, async () => {
  const kernel = saKernel([]);
  await using xfrm = X.Xfrm.fromClient(Client.fromSocket(await kernel.open(), X.family));
  for (const sa of SAS) {
    const [ip] = ipSends(["xfrm", "state", "add", ...sa.args]);
    assert.ok(ip, `strace saw no request of ip xfrm state add ${sa.args.join(" ")}`);
    assert.equal(ip.type, "XFRM_MSG_NEWSA");
    await xfrm.addState(sa.lib);
    const ours = kernel.requests.at(-1)!;
    assert.equal(ours.type, X.XFRM_MSG_NEWSA);
    assert.equal(ours.flags, 5, "NLM_F_REQUEST|NLM_F_ACK, as ip's");
    assert.equal(
      hex(ours.payload.subarray(0, 224)),
      hex(ip.payload.subarray(0, 224)),
      "xfrm_usersa_info",
    );
    assert.deepEqual(sorted(rawAttrs(ours.payload, 224)), sorted(rawAttrs(ip.payload, 224)));
  }
  // get, delete and flush.
  const cases: [string[], () => Promise<unknown>, string][] = [
    [
      [
        "xfrm",
        "state",
        "delete",
        "src",
        "192.0.2.1",
        "dst",
        "192.0.2.2",
        "proto",
        "esp",
        "spi",
        "0x1000",
      ],
      () => xfrm.deleteState({ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", spi: 0x1000 }),
      "XFRM_MSG_DELSA",
    ],
    [
      ["xfrm", "state", "flush", "proto", "esp"],
      () => xfrm.flushStates("esp"),
      "XFRM_MSG_FLUSHSA",
    ],
  ];
  for (const [args, call, type] of cases) {
    const [ip] = ipSends(args);
    assert.equal(ip?.type, type, args.join(" "));
    await call();
    const ours = kernel.requests.at(-1)!;
    // ip's nlmsg_len covers the struct only (NLMSG_LENGTH(sizeof(struct xfrm_usersa_flush)) is
    // 17); the library pads a fixed header to 4 bytes, which the kernel reads the same.
    assert.equal(hex(ours.payload.subarray(0, ip.payload.length)), hex(ip.payload), args.join(" "));
    assert.ok(ours.payload.subarray(ip.payload.length).every((b) => b === 0));
    assert.ok(ours.payload.length - ip.payload.length < 4);
  }
});

test("xfrm: SAs as the kernel sends them decode, and print as `ip xfrm monitor` prints them", {
  skip: SKIP_STRACE,
}, async () => {
  const addTime = 1700000000n;
  const sas = SAS.map((sa) =>
    kernelNewsa(ipSends(["xfrm", "state", "add", ...sa.args])[0].payload, addTime)
  );
  const kernel = saKernel(sas);
  await using xfrm = X.Xfrm.fromClient(Client.fromSocket(await kernel.open(), X.family));
  const states = await xfrm.states();
  assert.equal(states.length, 3);
  const [a, b, c] = states;
  assert.deepEqual(
    [a.src, a.dst, a.proto, a.spi, a.reqid, a.mode, a.replayWindow, a.family],
    ["192.0.2.1", "192.0.2.2", 50, 0x1000, 7, 1, 32, 2],
  );
  assert.deepEqual([a.crypt?.name, hex(a.crypt!.key)], ["cbc(aes)", KEY16.slice(2)]);
  assert.deepEqual([a.authTrunc?.name, a.authTrunc?.truncLen, hex(a.authTrunc!.key)], [
    "hmac(sha256)",
    128,
    KEY32.slice(2),
  ]);
  assert.deepEqual([a.auth?.name, a.auth?.keyLen], ["hmac(sha256)", 256]);
  assert.deepEqual(a.mark, { value: 5, mask: 0xff });
  assert.equal(a.ifId, 9);
  assert.deepEqual(a.encap, { type: 2, sport: 4500, dport: 4501, oa: "0.0.0.0" });
  assert.deepEqual(
    [
      a.selector.src,
      a.selector.prefixlenS,
      a.selector.dst,
      a.selector.prefixlenD,
      a.selector.proto,
      a.selector.dport,
    ],
    ["10.0.0.0", 24, "10.1.0.0", 24, 6, 22],
  );
  assert.deepEqual(a.replay, { oseq: 0, seq: 0, bitmap: 0 });
  assert.equal(a.current.addTime, addTime);
  assert.deepEqual([b.src, b.family, b.aead?.name, b.aead?.icvLen, hex(b.aead!.key)], [
    "fd00::1",
    10,
    "rfc4106(gcm(aes))",
    128,
    KEY20.slice(2),
  ]);
  assert.deepEqual([b.replayEsn?.replayWindow, b.replayEsn?.bmpLen, b.replayEsn?.bitmap], [
    128,
    4,
    [0, 0, 0, 0],
  ]);
  assert.deepEqual(b.outputMark, { value: 0x10, mask: 0xf0 });
  assert.equal(b.flags, X.XFRM_STATE_FLAGS.ESN);
  assert.deepEqual([c.proto, c.comp?.name, c.comp?.key.length], [108, "deflate", 0]);
  // get: the request names the SA, the answer is an XFRM_MSG_NEWSA.
  const got = await xfrm.getState({ dst: "10.0.0.2", proto: "comp", spi: 0x3000 });
  assert.equal(got.comp?.name, "deflate");
  await assert.rejects(xfrm.getState({ dst: "10.9.9.9", proto: "esp", spi: 1 }), /ESRCH/);

  // The text: iproute2's printer on the same messages, multicast to `ip xfrm monitor`.
  const ns = uniqueName("xmon");
  sh("ip", ["netns", "add", ns]);
  try {
    for (const stats of [0, 1]) {
      const monitor = spawn("ip", [...(stats ? ["-s"] : []), "-n", ns, "xfrm", "monitor"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      monitor.stdout!.setEncoding("utf8");
      monitor.stdout!.on("data", (d: string) => (text += d));
      try {
        // A policy the kernel adds and deletes tells when the monitor listens, and ends the
        // messages sent in between (the kernel notifies no flush of an empty table).
        const marker = (src: string) => {
          ipx(ns, "policy", "add", "src", src, "dst", "198.18.0.2", "dir", "out");
          ipx(ns, "policy", "delete", "src", src, "dst", "198.18.0.2", "dir", "out");
        };
        await waitFor(
          () => {
            marker("198.18.0.1");
            return text.includes("Deleted src 198.18.0.1/32");
          },
          10_000,
          "ip xfrm monitor to listen",
        );
        const sender = await NetlinkSocket.open(NETLINK_XFRM, { netns: ns });
        try {
          for (const m of sas) {
            const msg = concat([new Uint8Array(16), m.payload!]);
            const dv = new DataView(msg.buffer);
            dv.setUint32(0, msg.length, true);
            dv.setUint16(4, m.type, true);
            sender.send(msg, { groups: 1 << (X.XFRMNLGRP_SA - 1) });
          }
        } finally {
          sender.close();
        }
        marker("198.18.0.9");
        await waitFor(
          () => text.includes("Deleted src 198.18.0.9/32"),
          10_000,
          "the SAs in ip xfrm monitor",
        );
      } finally {
        monitor.kill();
      }
      // Between the last start marker's block (its lines, then its indented lines) and the end
      // marker.
      let from = text.lastIndexOf("Deleted src 198.18.0.1/32");
      from = text.indexOf("\n", from) + 1;
      while (text[from] === "\t") from = text.indexOf("\n", from) + 1;
      const truth = text.slice(from, text.indexOf("src 198.18.0.9/32", from));
      const pc = { stats, family: 0, name: (i: number) => `if${i}` };
      const ours = sas.map((m) => messageText({ type: m.type, payload: m.payload! }, pc)).join("");
      assert.equal(ours, truth, `ip ${stats ? "-s " : ""}xfrm monitor`);
    }
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
});

// ---------------------------------------------------------------------------
// 3. Policies against the kernel
// ---------------------------------------------------------------------------

function inNs<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = uniqueName("xfrm");
  sh("ip", ["netns", "add", ns]);
  sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
  return fn(ns).finally(() => sh("ip", ["netns", "del", ns]));
}

test("xfrm: policies added by the library are what `ip xfrm policy` shows", {
  skip: SKIP_KERNEL,
}, () =>
  inNs(async (ns) => {
    await using xfrm = await X.Xfrm.open({ netns: ns });
    await xfrm.addPolicy({
      selector: {
        src: "10.0.0.0",
        prefixlenS: 24,
        dst: "10.1.0.0",
        prefixlenD: 24,
        proto: "tcp",
        sport: 80,
        dport: 443,
      },
      dir: "out",
      priority: 100,
      mark: { value: 0x10, mask: 0xff },
      type: "main",
      templates: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", reqid: 5, mode: "tunnel" }],
    });
    await xfrm.addPolicy({
      selector: {
        src: "fd00::",
        prefixlenS: 64,
        dst: "fd01::",
        prefixlenD: 64,
        proto: "udp",
        dport: 53,
      },
      dir: "fwd",
      templates: [{ proto: "esp", mode: "transport", level: "use" }, {
        proto: "ah",
        spi: 0x100,
        mode: "transport",
      }],
    });
    await xfrm.addPolicy({
      selector: { src: "10.0.0.1", dst: "10.1.0.1" },
      dir: "in",
      action: "block",
    });
    await xfrm.addPolicy({
      selector: { proto: "icmp", sport: 8, dport: 0 },
      dir: "out",
      priority: 7,
      ifId: 3,
    });
    const text = ipx(ns, "policy");
    for (
      const line of [
        "src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp sport 80 dport 443 \n\tdir out priority 100 ptype main \n\tmark 0x10/0xff \n\ttmpl src 192.0.2.1 dst 192.0.2.2\n\t\tproto esp reqid 5 mode tunnel\n",
        "src fd00::/64 dst fd01::/64 proto udp dport 53 \n\tdir fwd priority 0 ptype main \n\ttmpl src :: dst ::\n\t\tproto esp reqid 0 mode transport\n\t\tlevel use \n\ttmpl src :: dst ::\n\t\tproto ah spi 0x00000100 reqid 0 mode transport\n",
        "src 10.0.0.1/32 dst 10.1.0.1/32 \n\tdir in action block priority 0 ptype main \n",
        "src 0.0.0.0/0 dst 0.0.0.0/0 proto icmp type 8 code 0 \n\tdir out priority 7 ptype main \n\tif_id 0x3\n",
      ]
    ) assert.ok(text.includes(line), `ip xfrm policy lacks:\n${line}\nin:\n${text}`);

    // Read back: what ip added is decoded too.
    ipx(
      ns,
      "policy",
      "add",
      "src",
      "192.168.0.0/16",
      "dst",
      "172.16.0.0/12",
      "proto",
      "sctp",
      "sport",
      "9",
      "dir",
      "in",
      "priority",
      "55",
      "flag",
      "localok",
      "tmpl",
      "src",
      "198.51.100.1",
      "dst",
      "198.51.100.2",
      "proto",
      "esp",
      "mode",
      "beet",
      "reqid",
      "0x20",
    );
    const all = await xfrm.policies();
    assert.equal(all.length, 5);
    const p = all.find((x) => x.priority === 55)!;
    assert.deepEqual(
      [
        p.selector.src,
        p.selector.prefixlenS,
        p.selector.dst,
        p.selector.prefixlenD,
        p.selector.proto,
        p.selector.sport,
        p.selector.sportMask,
      ],
      ["192.168.0.0", 16, "172.16.0.0", 12, 132, 9, 0xffff],
    );
    assert.deepEqual([p.dir, p.action, p.flags, p.type], [0, 0, 1, 0]);
    assert.deepEqual(
      p.templates.map((t) => [t.src, t.dst, t.proto, t.mode, t.reqid, t.optional, t.ealgos]),
      [["198.51.100.1", "198.51.100.2", 50, 4, 0x20, 0, 0xffffffff]],
    );
    assert.equal(p.lifetime.hardByteLimit, X.XFRM_INF);
    assert.ok(p.current.addTime > 0n);
    const v6 = all.find((x) => x.selector.family === 10)!;
    assert.deepEqual(v6.templates.map((t) => [t.proto, t.optional, t.spi, t.family]), [[
      50,
      1,
      0,
      10,
    ], [51, 0, 0x100, 10]]);
    assert.deepEqual(all.find((x) => x.dir === 1 && x.priority === 100)!.mark, {
      value: 0x10,
      mask: 0xff,
    });
    assert.equal(all.find((x) => x.priority === 7)!.ifId, 3);

    // get, update, delete, flush: ip sees each.
    const got = await xfrm.getPolicy({ selector: { src: "10.0.0.1", dst: "10.1.0.1" }, dir: "in" });
    assert.equal(got.action, 1);
    await xfrm.updatePolicy({
      selector: { src: "10.0.0.1", dst: "10.1.0.1" },
      dir: "in",
      priority: 9,
    });
    assert.match(
      ipx(ns, "policy", "get", "src", "10.0.0.1", "dst", "10.1.0.1", "dir", "in"),
      /dir in priority 9 /,
    );
    await xfrm.deletePolicy({ selector: { src: "10.0.0.1", dst: "10.1.0.1" }, dir: "in" });
    assert.ok(!ipx(ns, "policy").includes("10.1.0.1/32"));
    await xfrm.deletePolicy({ index: p.index, dir: "in" });
    assert.ok(!ipx(ns, "policy").includes("172.16.0.0/12"));
    await xfrm.flushPolicies();
    assert.equal(ipx(ns, "policy"), "");
    assert.deepEqual(await xfrm.policies(), []);
  }));

test("xfrm: SPD and SAD counters and default actions equal `ip xfrm … count|getdefault`", {
  skip: SKIP_KERNEL,
}, () =>
  inNs(async (ns) => {
    ipx(ns, "policy", "add", "src", "10.0.0.1", "dst", "10.0.0.2", "dir", "out");
    ipx(ns, "policy", "add", "src", "10.0.0.1", "dst", "10.0.0.3", "dir", "out");
    ipx(ns, "policy", "add", "src", "10.0.0.2", "dst", "10.0.0.1", "dir", "fwd");
    ipx(ns, "policy", "set", "hthresh4", "24", "16", "hthresh6", "64", "56");
    await using xfrm = await X.Xfrm.open({ netns: ns });
    const spd = await xfrm.spdInfo();
    const text = sh("ip", ["-s", "-s", "-n", ns, "xfrm", "policy", "count"]);
    const m =
      /SPD IN {2}(\d+) OUT (\d+) FWD (\d+) \(Sock: IN (\d+) OUT (\d+) FWD (\d+)\)\n\t SPD buckets: count (\d+) Max (\d+)\n\t SPD IPv4 thresholds: local (\d+) remote (\d+)\n\t SPD IPv6 thresholds: local (\d+) remote (\d+)/
        .exec(text);
    assert.ok(m, text);
    assert.deepEqual(
      [
        spd.info?.incnt,
        spd.info?.outcnt,
        spd.info?.fwdcnt,
        spd.info?.inscnt,
        spd.info?.outscnt,
        spd.info?.fwdscnt,
        spd.hinfo?.spdhcnt,
        spd.hinfo?.spdhmcnt,
        spd.ipv4Hthresh?.lbits,
        spd.ipv4Hthresh?.rbits,
        spd.ipv6Hthresh?.lbits,
        spd.ipv6Hthresh?.rbits,
      ],
      m.slice(1).map(Number),
    );
    assert.deepEqual([spd.info?.outcnt, spd.info?.fwdcnt], [2, 1]);
    await xfrm.setSpdHashThresholds({ ipv4: [20, 12] });
    assert.match(
      sh("ip", ["-s", "-s", "-n", ns, "xfrm", "policy", "count"]),
      /IPv4 thresholds: local 20 remote 12/,
    );
    const sad = await xfrm.sadInfo();
    const st = sh("ip", ["-s", "-n", ns, "xfrm", "state", "count"]);
    assert.equal(
      st,
      `\t SAD count ${sad.count} (buckets count ${sad.hinfo?.sadhcnt} Max ${sad.hinfo?.sadhmcnt})\n`,
    );
    const d = await xfrm.getDefault();
    const names = ["unspec", "block", "accept"];
    assert.equal(
      ipx(ns, "policy", "getdefault"),
      `Default policies:\n in:  ${names[d.in]}\n fwd: ${names[d.fwd]}\n out: ${names[d.out]}\n`,
    );
  }));

test(
  "xfrm: changes made with `ip xfrm` arrive as typed events",
  { skip: SKIP_KERNEL },
  () =>
    inNs(async (ns) => {
      await using xfrm = await X.Xfrm.open({ netns: ns });
      const events: X.XfrmEvent[] = [];
      const ac = new AbortController();
      const done = (async () => {
        for await (const e of xfrm.events(["policy", "sa"], { signal: ac.signal })) events.push(e);
      })().catch(() => {});
      const sel = ["src", "10.0.0.0/8", "dst", "10.2.0.0/16", "proto", "udp", "dport", "500"];
      try {
        await sleep(20);
        ipx(
          ns,
          "policy",
          "add",
          ...sel,
          "dir",
          "out",
          "priority",
          "3",
          "tmpl",
          "src",
          "1.1.1.1",
          "dst",
          "2.2.2.2",
          "proto",
          "esp",
          "mode",
          "tunnel",
        );
        ipx(ns, "policy", "update", ...sel, "dir", "out", "priority", "4");
        ipx(
          ns,
          "policy",
          "add",
          "src",
          "10.9.9.9",
          "dst",
          "10.8.8.8",
          "dir",
          "in",
          "action",
          "block",
        );
        ipx(ns, "policy", "delete", ...sel, "dir", "out");
        // The kernel notifies a flush only when something was flushed (xfrm_flush_policy returns
        // without a notification on ESRCH, an empty table). No SA can exist on a kernel without
        // ESP/AH/IPCOMP: SA events are covered by the fake-kernel tests above.
        ipx(ns, "policy", "flush");
        await waitFor(() => events.length >= 5, 10_000, "five xfrm events");
      } finally {
        ac.abort();
        await done;
      }
      assert.deepEqual(events.map((e) => e.kind), [
        "new-policy",
        "update-policy",
        "new-policy",
        "delete-policy",
        "flush-policy",
      ]);
      const [n, u, b, d, f] = events;
      assert.ok(
        n.kind === "new-policy" && u.kind === "update-policy" && d.kind === "delete-policy",
      );
      assert.ok(
        b.kind === "new-policy" && b.policy.action === 1 && b.policy.selector.src === "10.9.9.9",
      );
      assert.deepEqual(
        [
          n.policy.selector.dst,
          n.policy.selector.prefixlenD,
          n.policy.selector.dport,
          n.policy.priority,
          n.policy.templates[0]?.dst,
        ],
        ["10.2.0.0", 16, 500, 3, "2.2.2.2"],
      );
      assert.equal(u.policy.priority, 4);
      assert.equal(d.policy.priority, 4);
      assert.ok(f.kind === "flush-policy" && f.type === 0);
    }),
);
