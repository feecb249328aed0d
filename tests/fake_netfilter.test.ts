// nfnetlink batches (client/batch.ts, on NetlinkSocket.requestBatch) and the nftables
// transactions on them, over a fake kernel that answers as nfnetlink_rcv_batch() does
// (net/netfilter/nfnetlink.c): every message of the batch is processed, errors and ACKs are
// delivered after the END in message order with each message's seq, a failing message aborts
// the whole batch (no END ACK), a stale generation id fails the BEGIN with ERESTART, a failed
// commit is an error on the first message after BEGIN, BEGIN and END sent without NLM_F_ACK get
// no ACK, a malformed
// batch gets no answer at all, and echoed objects are unicast to the sender with their
// message's seq and the notification group set (NEWGEN with the first message's).
// Also the conntrack event types and the CTA_FILTER request. No kernel and no permission: this
// file runs in the no-permission pass of tests/run.sh.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  NETLINK_NETFILTER,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_ECHO,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_NOOP,
} from "../codec/constants.ts";
import { encodeMessage, type NetlinkMessage } from "../codec/message.ts";
import { parseAttributes } from "../codec/attrs.ts";
import { decodeBody } from "../codec/ynl/mod.ts";
import { Client } from "../client/client.ts";
import { FakeKernel, type RequestContext } from "../testing/fake_kernel.ts";
import { replyPayload } from "../testing/fake_genl.ts";
import {
  BatchError,
  family as nftFamily,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFNL_SUBSYS_NFTABLES,
  NFNLGRP_NFTABLES,
  NFT_MSG_DELRULE,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_NEWGEN,
  NFT_MSG_NEWRULE,
  NFT_MSG_NEWTABLE,
  Nftables,
  operations as nftOps,
  Transaction,
} from "../families/netfilter/nftables.ts";
import * as ct from "../families/netfilter/conntrack.ts";

const EINVAL = 22, ENOENT = 2, ERESTART = 85;
const T = (msg: number) => (NFNL_SUBSYS_NFTABLES << 8) | msg;

interface Fake {
  kernel: FakeKernel;
  /** Every datagram's messages, as the fake saw them. */
  batches: NetlinkMessage[][];
}

/**
 * A fake nf_tables: `refuse(m)` returns an errno (and extended ACK message) for a message it
 * refuses; `genid` is the current generation; `commitError` fails the commit; `silent` answers
 * nothing (as for a malformed batch); NEWRULE gets handles from 100, NEWTABLE 1.
 */
function fakeNftables(
  options: {
    genid?: number;
    refuse?: (m: NetlinkMessage) => [number, string] | undefined;
    commitError?: number;
    silent?: boolean;
  } = {},
): Fake {
  const genid = options.genid ?? 7;
  // The kernel handles each datagram inside sendmsg(); the fake kernel awaits between messages,
  // so batches sent at once interleave here: each open batch is found by the seq its next
  // message carries (the socket numbers a batch's messages consecutively).
  const open = new Map<
    number,
    { all: { m: NetlinkMessage; k: RequestContext }[]; refused?: true }
  >();
  const batches: NetlinkMessage[][] = [];
  let handle = 100;
  // Barriers (the NOOP after a batch, seq END + 1) are answered once their batch is done.
  const held = new Map<number, RequestContext>();
  const ended = new Set<number>();
  const done = (endSeq: number) => {
    ended.add(endSeq);
    held.get((endSeq + 1) >>> 0)?.ack();
  };
  const kernel = new FakeKernel(NETLINK_NETFILTER, (m, k) => {
    const next = (m.seq + 1) >>> 0;
    if (m.type === NFNL_MSG_BATCH_BEGIN) {
      const attrs = parseAttributes(m.payload, 4);
      const gen = attrs.find((a) => a.type === 1);
      if (gen && new DataView(gen.data.buffer, gen.data.byteOffset).getUint32(0) !== genid) {
        // netlink_ack(-ERESTART) on the BEGIN; the rest of the datagram is not looked at.
        open.set(next, { all: [], refused: true });
        return k.error(ERESTART);
      }
      open.set(next, { all: [{ m, k }] });
      return;
    }
    if (m.type === NLMSG_NOOP) {
      if (ended.has((m.seq - 1) >>> 0)) k.ack();
      else held.set(m.seq, k);
      return;
    }
    const batch = open.get(m.seq);
    if (batch === undefined) return k.error(EINVAL);
    open.delete(m.seq);
    if (m.type !== NFNL_MSG_BATCH_END) {
      if (!batch.refused) batch.all.push({ m, k });
      open.set(next, batch);
      return;
    }
    if (batch.refused) return done(m.seq);
    batch.all.push({ m, k });
    const all = batch.all;
    batches.push(all.map((x) => x.m));
    const inner = all.slice(1, -1);
    const verdicts = inner.map((x) => options.refuse?.(x.m));
    const failed = verdicts.some((v) => v !== undefined);
    // Unicast to the sender, with the seq of the message it echoes, but with the group
    // nlmsg_notify() multicast the skb to.
    const echo = (ctx: RequestContext, seq: number, type: number, payload: Uint8Array) =>
      ctx.endpoint.deliver({
        data: encodeMessage({ type, flags: 0, seq, pid: ctx.endpoint.portId, payload }),
        sender: 0,
        group: NFNLGRP_NFTABLES,
      });
    if (!failed && options.silent) {
      // A malformed message: nfnl_err_reset(), abort, and nothing is delivered.
    } else if (!failed && options.commitError !== undefined && inner.length > 0) {
      // ss->commit() failed: netlink_ack() on the first message after BEGIN, then the ACKs.
      inner[0].k.error(options.commitError);
    } else if (!failed) {
      // Commit: echoes first (nft_commit_notify), NEWGEN with the first message's seq when it
      // asked for an echo (nf_tables_gen_notify on nlmsg_hdr(skb)), then the ACKs.
      for (const { m: req, k: ctx } of inner) {
        if (!(req.flags & NLM_F_ECHO)) continue;
        const op = req.type === T(NFT_MSG_NEWRULE) ? nftOps.getrule : nftOps.gettable;
        const h = req.type === T(NFT_MSG_NEWRULE) ? handle++ : 1;
        echo(
          ctx,
          req.seq,
          req.type,
          replyPayload(op as never, { header: { nfgenFamily: 1 }, attrs: { handle: BigInt(h) } }),
        );
      }
      const first = inner[0];
      if (first && first.m.flags & NLM_F_ECHO) {
        const gen = replyPayload(nftOps.getgen as never, { attrs: { id: genid + 1 } });
        echo(first.k, first.m.seq, T(NFT_MSG_NEWGEN), gen);
      }
    }
    if (!options.silent || failed) {
      // BEGIN and END go without NLM_F_ACK here (the library sends them so); END would be
      // acknowledged only after a commit.
      inner.forEach(({ m: req, k: ctx }, i) => {
        const v = verdicts[i];
        if (v) ctx.error(v[0], { message: v[1], offset: 20 });
        else if (req.flags & NLM_F_ACK) ctx.ack();
      });
      if (!failed && options.commitError === undefined && m.flags & NLM_F_ACK) k.ack();
    }
    done(m.seq);
  });
  return { kernel, batches };
}

async function open(f: Fake): Promise<Nftables> {
  const sock = await f.kernel.open();
  return Nftables.fromClient(Client.fromSocket(sock, [nftFamily]));
}

const ifindex = () => undefined;

test("nfnetlink batch: one datagram, BEGIN/END with res_id NFNL_SUBSYS_NFTABLES (__be16) and the generation id", async () => {
  const f = fakeNftables({ genid: 0x01020304 });
  await using nft = await open(f);
  await nft.commit(new Transaction().addTable({ family: "inet", name: "t" }), {
    genid: 0x01020304,
    ifindex,
  });
  assert.equal(f.batches.length, 1);
  const [begin, table, end] = f.batches[0];
  assert.equal(begin.type, 0x10, "NFNL_MSG_BATCH_BEGIN is NLMSG_MIN_TYPE");
  assert.equal(end.type, 0x11);
  assert.equal(NFNL_MSG_BATCH_BEGIN, 0x10);
  assert.equal(NFNL_MSG_BATCH_END, 0x11);
  // struct nfgenmsg { u8 family; u8 version; __be16 res_id }, then NFNL_BATCH_GENID (__be32).
  assert.deepEqual([...begin.payload.subarray(0, 4)], [0, 0, 0, 10]);
  assert.deepEqual([...end.payload.subarray(0, 4)], [0, 0, 0, 10]);
  const gen = parseAttributes(begin.payload, 4);
  assert.deepEqual(gen.map((a) => [a.type, [...a.data]]), [[1, [1, 2, 3, 4]]]);
  // The members ask for an ACK, BEGIN and END do not (older kernels acknowledge neither);
  // each message has its own seq, consecutive; the barrier comes after, in a datagram of its own.
  assert.deepEqual([begin, table, end].map((m) => m.flags & (NLM_F_REQUEST | NLM_F_ACK)), [
    NLM_F_REQUEST,
    NLM_F_REQUEST | NLM_F_ACK,
    NLM_F_REQUEST,
  ]);
  assert.notEqual(begin.seq, 0);
  assert.deepEqual([table.seq, end.seq], [(begin.seq + 1) >>> 0, (begin.seq + 2) >>> 0]);
  const barrier = f.kernel.requests.find((m) => m.type === NLMSG_NOOP)!;
  assert.deepEqual([barrier.type, barrier.seq], [NLMSG_NOOP, (begin.seq + 3) >>> 0]);
  assert.equal(table.type, T(NFT_MSG_NEWTABLE));
  assert.equal(table.flags & (NLM_F_CREATE | NLM_F_ECHO | NLM_F_EXCL), NLM_F_CREATE | NLM_F_ECHO);
  assert.equal(decodeBody(nftOps.newtable, table.payload).attrs.name, "t");
});

test("nfnetlink batch: a refused rule fails the transaction with its errno and extended ACK, mapped to that change", async () => {
  const f = fakeNftables({
    refuse: (m) => {
      if (m.type !== T(NFT_MSG_NEWRULE)) return undefined;
      const r = decodeBody(nftOps.newrule, m.payload).attrs;
      return r.chain === "bad" ? [ENOENT, "chain not found"] : undefined;
    },
  });
  await using nft = await open(f);
  const tx = new Transaction()
    .addTable({ family: "inet", name: "t" })
    .addChain({ family: "inet", table: "t", name: "c" })
    .addRule({ family: "inet", table: "t", chain: "c", statements: [{ accept: null }] })
    .addRule({ family: "inet", table: "t", chain: "bad", statements: [{ drop: null }] })
    .addRule({ family: "inet", table: "t", chain: "c", statements: [{ drop: null }] });
  const err = await nft.commit(tx, { ifindex }).then(
    () => assert.fail("the transaction was accepted"),
    (e) => e,
  );
  assert.ok(err instanceof BatchError, String(err));
  assert.equal(err.failures.length, 1);
  const [fail] = err.failures;
  assert.equal(fail.index, 3, "the fourth message of the batch");
  assert.deepEqual(fail.change, {
    index: 3,
    change: { action: "add", object: "rule", text: "add rule inet t bad" },
  });
  assert.equal(fail.error.code, "ENOENT");
  assert.equal(fail.error.extAck?.message, "chain not found");
  assert.equal(fail.error.extAck?.offset, 20);
  assert.match(err.message, /nothing was applied: change 4: .*add rule inet t bad.*ENOENT/);
  // The other messages were acknowledged, not failed.
  assert.deepEqual(err.replies.map((r) => r.error?.code), [
    undefined,
    undefined,
    undefined,
    "ENOENT",
    undefined,
  ]);
});

test("nfnetlink batch: errors of several messages all come back, in batch order", async () => {
  const f = fakeNftables({
    refuse: (m) => (m.type === T(NFT_MSG_NEWCHAIN) ? [EINVAL, "bad hook"] : undefined),
  });
  await using nft = await open(f);
  const tx = new Transaction()
    .addChain({ family: "ip", table: "t", name: "a" })
    .addTable({ family: "ip", name: "t" })
    .addChain({ family: "ip", table: "t", name: "b" });
  const err = await nft.commit(tx, { ifindex }).catch((e) => e);
  assert.ok(err instanceof BatchError);
  assert.deepEqual(err.failures.map((x: { index: number }) => x.index), [0, 2]);
  assert.deepEqual(err.failures.map((x: { error: { code: string } }) => x.error.code), [
    "EINVAL",
    "EINVAL",
  ]);
});

test("nfnetlink batch: a stale generation id fails the whole batch with ERESTART", async () => {
  const f = fakeNftables({ genid: 8 });
  await using nft = await open(f);
  const err = await nft.commit(new Transaction().addTable({ family: "ip", name: "t" }), {
    genid: 7,
    ifindex,
  }).catch((e) => e);
  assert.ok(err instanceof BatchError);
  assert.equal(err.failures[0].index, -1);
  assert.equal(err.failures[0].error.code, "ERESTART");
  assert.match(err.failures[0].error.message, /generation id changed/);
  assert.equal(f.batches.length, 0, "the fake processed no batch");
});

test("nfnetlink batch: echoed objects give each change its handle; the echoed NEWGEN the new generation", async () => {
  const f = fakeNftables({ genid: 41 });
  await using nft = await open(f);
  const tx = new Transaction()
    .addTable({ family: "inet", name: "t" })
    .addRule({ family: "inet", table: "t", chain: "c", statements: [{ accept: null }] })
    .deleteRule("inet", "t", "c", 5)
    .addRule({ family: "inet", table: "t", chain: "c", statements: [{ drop: null }] });
  const r = await nft.commit(tx, { ifindex });
  assert.deepEqual(r.handles, [1, 100, undefined, 101]);
  assert.equal(r.genid, 42);
  const sent = f.batches[0].slice(1, -1);
  assert.equal(sent[2].type, T(NFT_MSG_DELRULE));
  assert.equal(decodeBody(nftOps.delrule, sent[2].payload).attrs.handle, 5n);
});

test("nfnetlink batch: the echo group is NFNLGRP_NFTABLES, and echoes of other sockets are not ours", async () => {
  // nlmsg_notify() multicasts the skb first, so an echo arrives with dst_group set; the
  // batch tells its own by nlmsg_pid (another process's notification carries its port).
  assert.equal(NFNLGRP_NFTABLES, 7);
  const f = fakeNftables();
  await using nft = await open(f);
  const sock = nft.client.socket;
  sock.join(NFNLGRP_NFTABLES);
  // Before the batch: a notification another process caused, seq 0, sent to the group.
  f.kernel.notify(NFNLGRP_NFTABLES, {
    type: T(NFT_MSG_NEWRULE),
    payload: replyPayload(nftOps.getrule as never, { attrs: { handle: 999n } }),
  }, 0);
  const r = await nft.commit(
    new Transaction().addRule({
      family: "inet",
      table: "t",
      chain: "c",
      statements: [{ accept: null }],
    }),
    { ifindex },
  );
  assert.deepEqual(r.handles, [100]);
});

test("nfnetlink batch: an error and an ACK on the first message is the commit failing, not that change", async () => {
  const f = fakeNftables({ commitError: 12 /* ENOMEM */ });
  await using nft = await open(f);
  const tx = new Transaction()
    .addTable({ family: "inet", name: "t" })
    .addChain({ family: "inet", table: "t", name: "c" });
  const err = await nft.commit(tx, { ifindex }).catch((e) => e);
  assert.ok(err instanceof BatchError, String(err));
  assert.deepEqual(err.failures.map((x: { index: number }) => x.index), [-1]);
  assert.equal(err.failures[0].error.code, "ENOMEM");
  assert.match(err.message, /nothing was applied: the batch: nftables batch commit failed: ENOMEM/);
  assert.deepEqual(err.replies.map((r: { error?: unknown }) => r.error), [undefined, undefined]);
});

test("nfnetlink batch: a batch the kernel answers with nothing fails with EIO instead of waiting", async () => {
  const f = fakeNftables({ silent: true });
  await using nft = await open(f);
  const err = await nft.commit(new Transaction().addTable({ family: "ip", name: "t" }), {
    ifindex,
  }).catch((e) => e);
  assert.ok(!(err instanceof BatchError), String(err));
  assert.equal(err.code, "EIO");
  assert.match(err.message, /answered 0 of 1 messages; read the state back/);
});

test("nfnetlink batch: two batches at once on one socket each get their own answers", async () => {
  const f = fakeNftables({
    refuse: (m) => {
      if (m.type !== T(NFT_MSG_NEWTABLE)) return undefined;
      return decodeBody(nftOps.newtable, m.payload).attrs.name === "bad"
        ? [EINVAL, "no"]
        : undefined;
    },
  });
  await using nft = await open(f);
  const [good, bad] = await Promise.allSettled([
    nft.commit(new Transaction().addTable({ family: "ip", name: "good" }), { ifindex }),
    nft.commit(
      new Transaction().addTable({ family: "ip", name: "x" }).addTable({
        family: "ip",
        name: "bad",
      }),
      { ifindex },
    ),
  ]);
  assert.equal(good.status, "fulfilled", String((good as PromiseRejectedResult).reason));
  assert.deepEqual((good as PromiseFulfilledResult<{ handles: unknown[] }>).value.handles, [1]);
  assert.equal(bad.status, "rejected");
  const e = (bad as PromiseRejectedResult).reason;
  assert.ok(e instanceof BatchError);
  assert.deepEqual(e.failures.map((x) => [x.index, x.error.code]), [[1, "EINVAL"]]);
});

test("conntrack: events are new with NLM_F_CREATE|NLM_F_EXCL, update without, destroy as IPCTNL_MSG_CT_DELETE", async () => {
  const kernel = new FakeKernel(NETLINK_NETFILTER, (_m, k) => k.ack());
  const sock = await kernel.open();
  const c = ct.Conntrack.fromClient(Client.fromSocket(sock, [ct.family]));
  await using events = await c.subscribe({ types: ["new", "update", "destroy"] });
  const entry = (dport: number) =>
    replyPayload(ct.operations.get as never, {
      header: { nfgenFamily: 2 },
      attrs: ct.entryToAttrs({
        original: { src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 1, dstPort: dport },
      }),
    });
  const NEW = ct.ctMessageType(ct.IPCTNL_MSG_CT_NEW),
    DEL = ct.ctMessageType(ct.IPCTNL_MSG_CT_DELETE);
  kernel.notify(ct.NFNLGRP_CONNTRACK_NEW, {
    type: NEW,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    payload: entry(1),
  });
  kernel.notify(ct.NFNLGRP_CONNTRACK_UPDATE, { type: NEW, payload: entry(2) });
  kernel.notify(ct.NFNLGRP_CONNTRACK_DESTROY, { type: DEL, payload: entry(3) });
  const got: [string, number | undefined][] = [];
  for await (const ev of events) {
    assert.notEqual(ev.type, "overrun");
    if (ev.type !== "overrun") got.push([ev.type, ev.entry.original.dstPort]);
    if (got.length === 3) break;
  }
  assert.deepEqual(got, [["new", 1], ["update", 2], ["destroy", 3]]);
  assert.deepEqual(
    [ct.NFNLGRP_CONNTRACK_NEW, ct.NFNLGRP_CONNTRACK_UPDATE, ct.NFNLGRP_CONNTRACK_DESTROY],
    [1, 2, 3],
  );
});

test("conntrack: a tuple filter sets CTA_FILTER's CTA_FILTER_F_* bits for exactly the fields given", () => {
  const F = ct.CTA_FILTER_F;
  const { family, attrs } = ct.filterRequest({
    original: { dst: "10.0.0.2", protocol: 6, dstPort: 22 },
    reply: { src: "10.0.0.2", protocol: 1, icmpType: 0 },
    mark: 7,
    markMask: 0xff,
  });
  assert.equal(family, 2);
  assert.equal(attrs.filter?.origFlags, F.IP_DST | F.PROTO_NUM | F.PROTO_DST_PORT);
  assert.equal(attrs.filter?.replyFlags, F.IP_SRC | F.PROTO_NUM | F.PROTO_ICMP_TYPE);
  assert.equal(attrs.tupleOrig?.tupleProto?.protoDstPort, 22);
  assert.equal(attrs.tupleOrig?.tupleIp?.ipV4Dst, 0x0a000002);
  assert.deepEqual([attrs.mark, attrs.markMask], [7, 0xff]);
  assert.throws(() => ct.filterRequest({ original: { dstPort: 22 } }), /family/);
  assert.throws(() => ct.filterRequest({ original: { dst: "::1", dstPort: 22 } }), /protocol/);
});
