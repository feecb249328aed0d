// NETLINK_CRYPTO (crypto_user). The structs against linux/cryptouser.h (C compiler); the real
// kernel compared with /proc/crypto when it has CONFIG_CRYPTO_USER, else the error that says it
// has not; and, so the decoding is tested on every kernel, a fake kernel that answers as
// crypto/crypto_user.c does (crypto_report_alg: CRYPTO_MSG_GETALG, struct crypto_user_alg,
// CRYPTOCFGA_PRIORITY_VAL, the type's CRYPTOCFGA_REPORT_* struct), built byte by byte from this
// machine's /proc/crypto.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { kernelConfig, lacksConfig } from "./harness.ts";
import { SKIP_KERNEL } from "./helpers.ts";
import { compareLayouts, SKIP_CC } from "./c_truth.ts";
import {
  type CryptoAlgorithm,
  cryptoAlgorithm,
  cryptoAlgorithms,
  cryptoReportAead,
  cryptoReportBlkcipher,
  cryptoReportCipher,
  cryptoReportHash,
  cryptoReportRng,
  cryptoUserAlg,
  family,
} from "../families/crypto/mod.ts";
import { Client } from "../client/client.ts";
import { FakeKernel, type FakeMessage } from "../testing/fake_kernel.ts";
import { NETLINK_CRYPTO, NLM_F_DUMP } from "../codec/mod.ts";
import { ProtocolUnavailableError } from "../families/protocols.ts";

test("crypto: struct layouts equal linux/cryptouser.h", { skip: SKIP_CC }, () => {
  const problems = compareLayouts(["linux/cryptouser.h"], [
    { c: "struct crypto_user_alg", lib: cryptoUserAlg },
    { c: "struct crypto_report_hash", lib: cryptoReportHash },
    { c: "struct crypto_report_cipher", lib: cryptoReportCipher },
    { c: "struct crypto_report_blkcipher", lib: cryptoReportBlkcipher },
    { c: "struct crypto_report_aead", lib: cryptoReportAead },
    { c: "struct crypto_report_rng", lib: cryptoReportRng },
  ]);
  assert.deepEqual(problems, []);
});

/** /proc/crypto as records of `key: value`. */
function procCrypto(): Record<string, string>[] {
  return readFileSync("/proc/crypto", "utf8").trim().split(/\n\s*\n/).map((block) =>
    Object.fromEntries(
      block.split("\n").map((l) => {
        const i = l.indexOf(":");
        return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
      }),
    )
  );
}

const enc = new TextEncoder();
function str(b: Uint8Array, off: number, s: string): void {
  b.set(enc.encode(s).subarray(0, 63), off);
}
function attr(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array((4 + payload.length + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 4 + payload.length, true);
  dv.setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}
function u32s(prefix: number, ...values: number[]): Uint8Array {
  const out = new Uint8Array(prefix + 4 * values.length);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint32(prefix + 4 * i, v, true));
  return out;
}
const n = (r: Record<string, string>, k: string) => Number(r[k] ?? 0);

/**
 * One CRYPTO_MSG_GETALG reply as crypto_report_alg builds it: struct crypto_user_alg (names
 * at 0/64/128, type/mask/refcnt/flags at 192..207), then CRYPTOCFGA_PRIORITY_VAL (1), then the
 * report of the type (crypto_report_one and each type's ->report).
 */
function kernelReply(r: Record<string, string>): FakeMessage {
  const alg = new Uint8Array(208);
  str(alg, 0, r.name);
  str(alg, 64, r.driver);
  str(alg, 128, r.module);
  new DataView(alg.buffer).setUint32(200, n(r, "refcnt"), true);
  const parts = [alg, attr(1, u32s(0, n(r, "priority")))];
  const t = r.type;
  const typed = (size: number, at: number, ...v: number[]) => {
    const b = new Uint8Array(size);
    b.set(u32s(at, ...v).subarray(at), at);
    str(b, 0, t);
    return b;
  };
  if (t === "shash" || t === "ahash") {
    parts.push(attr(3, typed(72, 64, n(r, "blocksize"), n(r, "digestsize"))));
  } else if (t === "cipher") {
    parts.push(
      attr(8, typed(76, 64, n(r, "blocksize"), n(r, "min keysize"), n(r, "max keysize"))),
    );
  } else if (t === "skcipher" || t === "lskcipher") {
    const b = typed(
      144,
      128,
      n(r, "blocksize"),
      n(r, "min keysize"),
      n(r, "max keysize"),
      n(r, "ivsize"),
    );
    str(b, 64, "<none>");
    parts.push(attr(4, b));
  } else if (t === "aead") {
    const b = typed(140, 128, n(r, "blocksize"), n(r, "maxauthsize"), n(r, "ivsize"));
    str(b, 64, r.geniv ?? "<none>");
    parts.push(attr(5, b));
  } else if (t === "rng") parts.push(attr(7, typed(68, 64, n(r, "seedsize"))));
  else if (t === "compression" || t === "scomp") parts.push(attr(6, typed(64, 64)));
  else if (t === "akcipher") parts.push(attr(9, typed(64, 64)));
  else if (t === "kpp") parts.push(attr(10, typed(64, 64)));
  else if (t === "acomp") parts.push(attr(11, typed(64, 64)));
  const payload = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    payload.set(p, o);
    o += p.length;
  }
  return { type: 19, payload };
}

/** The /proc/crypto types kernelReply() gives a report (crypto_user.c's ->report of each). */
const REPORTED = new Set([
  "shash",
  "ahash",
  "cipher",
  "skcipher",
  "lskcipher",
  "aead",
  "rng",
  "compression",
  "scomp",
  "akcipher",
  "kpp",
  "acomp",
]);

function checkAgainstProc(algs: CryptoAlgorithm[], proc: Record<string, string>[]): void {
  assert.equal(algs.length, proc.length, "one algorithm per /proc/crypto entry");
  const byDriver = new Map(algs.map((a) => [a.driver, a]));
  for (const r of proc) {
    const a = byDriver.get(r.driver);
    assert.ok(a, `no algorithm with driver ${r.driver}`);
    assert.deepEqual(
      [a.name, a.driver, a.module, a.priority, a.refcnt, a.type],
      [
        r.name,
        r.driver,
        r.module,
        n(r, "priority"),
        n(r, "refcnt"),
        REPORTED.has(r.type) ? r.type : undefined,
      ],
      r.driver,
    );
    const rep = a.report;
    if (rep?.attribute === "hash") {
      assert.deepEqual([rep.blocksize, rep.digestsize], [n(r, "blocksize"), n(r, "digestsize")]);
    } else if (rep?.attribute === "cipher" || rep?.attribute === "blkcipher") {
      assert.deepEqual(
        [rep.blocksize, rep.minKeysize, rep.maxKeysize],
        [n(r, "blocksize"), n(r, "min keysize"), n(r, "max keysize")],
        r.driver,
      );
      if (rep.attribute === "blkcipher") assert.equal(rep.ivsize, n(r, "ivsize"));
    } else if (rep?.attribute === "rng") assert.equal(rep.seedsize, n(r, "seedsize"));
  }
}

test("crypto: a dump as crypto_user.c sends it decodes to /proc/crypto (fake kernel)", async () => {
  const proc = procCrypto();
  assert.ok(proc.length > 0, "/proc/crypto is empty");
  const kernel = new FakeKernel(NETLINK_CRYPTO, (req, k) => {
    // crypto_user_rcv_msg: a GETALG with NLM_F_DUMP starts crypto_dump_report.
    assert.equal(req.type, 19);
    assert.ok((req.flags & NLM_F_DUMP) === NLM_F_DUMP);
    assert.equal(req.payload.length, 208, "struct crypto_user_alg");
    k.dump(proc.map(kernelReply), { perDatagram: 7 });
  });
  const client = Client.fromSocket(await kernel.open(), family);
  try {
    const algs = await cryptoAlgorithms({ client });
    checkAgainstProc(algs, proc);
    assert.equal(kernel.requests.length, 1);
  } finally {
    client.close();
  }
});

test("crypto: one algorithm by name: the request names it, ENOENT for none (fake kernel)", async () => {
  const proc = procCrypto();
  const target = proc[0];
  const kernel = new FakeKernel(NETLINK_CRYPTO, (req, k) => {
    // crypto_report: cru_name and cru_driver_name must be NUL-terminated; exact match.
    const name = new TextDecoder().decode(req.payload.subarray(0, 64)).replace(/\0.*$/s, "");
    const hit = proc.find((r) => r.name === name);
    if (!hit) return k.error(2 /* ENOENT */);
    k.reply(kernelReply(hit));
    k.ack();
  });
  const client = Client.fromSocket(await kernel.open(), family);
  try {
    const a = await cryptoAlgorithm(target.name, { client });
    checkAgainstProc([a], [target]);
    await assert.rejects(cryptoAlgorithm("no-such-alg", { client }), /ENOENT/);
  } finally {
    client.close();
  }
});

test("crypto: the kernel's algorithms equal /proc/crypto", {
  skip: SKIP_KERNEL || lacksConfig(["CONFIG_CRYPTO_USER"]),
}, async () => {
  checkAgainstProc(await cryptoAlgorithms(), procCrypto());
});

const HAS_CRYPTO_USER = kernelConfig()?.has("CONFIG_CRYPTO_USER") ?? false;

test("crypto: without CONFIG_CRYPTO_USER the error says the kernel lacks it", {
  skip: SKIP_KERNEL || (HAS_CRYPTO_USER ? "this kernel has CONFIG_CRYPTO_USER" : false),
}, async () => {
  const e = await cryptoAlgorithms().then(() => undefined, (e) => e);
  assert.ok(e instanceof ProtocolUnavailableError, String(e));
  assert.equal(e.code, "EPROTONOSUPPORT");
  assert.match(
    e.message,
    /NETLINK_CRYPTO \(21\) is not built into this kernel: it needs CONFIG_CRYPTO_USER/,
  );
});
