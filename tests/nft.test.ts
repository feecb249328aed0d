// nf_tables (families/netfilter/nftables.ts, examples/nft.ts) against the kernel and the `nft`
// tool, each test in a network namespace of its own: a ruleset loaded with `nft -f` reads back
// through the library as the JSON `nft -j list ruleset` prints; the same JSON written back by
// the library (one transaction) lists identically with `nft -j`; a transaction with one bad
// rule changes nothing and names the rule; handles echoed for `delete rule … handle N`; the
// generation check; the monitor; and NetlinkSocket.requestBatch's reading of the kernel's
// answers to a raw batch (which messages nfnetlink acknowledges, echoes with their seqs, no
// answer at all to a malformed batch).
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { sh, SKIP_KERNEL, uniqueName, withTimeout } from "./helpers.ts";
import {
  BatchError,
  nfnetlinkBatch,
  Nftables,
  type NftEvent,
  rulesetJson,
  setFromJson,
  Transaction,
  transactionFromJson,
} from "../families/netfilter/nftables.ts";
import { nftMain } from "../examples/nft.ts";
import * as nftGen from "../families/generated/nftables.ts";
import { buildMessage } from "../codec/ynl/mod.ts";
import { MessageBuilder } from "../codec/message.ts";
import { NETLINK_NETFILTER, NLM_F_CREATE, NLM_F_ECHO, NLM_F_REQUEST } from "../codec/constants.ts";
import { answered, NetlinkSocket } from "../socket/socket.ts";

function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const SKIP = SKIP_KERNEL || (hasTool("nft") ? false : "needs the nft tool (nftables)");

/**
 * A ruleset of the statements the library derives: payload/cmp (values, prefixes, ranges,
 * anonymous and named sets), meta, ct (state, status, mark, direction), fib, bitwise, range,
 * immediate (verdicts, jumps), counter (anonymous and named), limit, log, quota, NAT (snat,
 * dnat, masquerade, redirect), reject, socket, tproxy, notrack, mangle (meta, ct, payload),
 * vmap; sets and maps (interval, concatenated, verdict and typed maps, comments, counters,
 * sizes); counter, quota and limit objects; base chains of several families and hooks.
 */
const RULESET = `
table inet filter {
  counter cnt1 { packets 5 bytes 100 }
  quota q1 { over 100 mbytes }
  limit lim1 { rate 10/second }
  set blocked { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.2 } }
  set nets { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.1-192.168.1.20 } }
  set ports6 { type inet_service; flags timeout; timeout 1h; }
  set s1 { type ipv4_addr . inet_service; elements = { 10.0.0.1 . 80, 10.0.0.2 . 443 } }
  map portmap { type inet_service : verdict; elements = { 22 : accept, 80 : drop } }
  map m1 { type ipv4_addr : inet_service; elements = { 10.0.0.1 : 8080 } }
  map m2 { type mark : ipv4_addr; elements = { 0x1 : 1.1.1.1 } }
  set marks { type mark; elements = { 0x10, 0x20 } }
  set ifs { type ifname; elements = { "eth0", "lo" } }
  set s6 { type ipv6_addr; flags interval; elements = { 2001:db8::/32 } }
  set cmt { type ipv4_addr; elements = { 10.2.2.2 comment "hello" } }
  set withcount { type ipv4_addr; counter; elements = { 10.3.3.3 } }
  set sz { type inet_service; size 100; }
  chain input {
    type filter hook input priority 0; policy accept;
    ct state established,related accept
    ct state invalid drop
    ct state != established drop
    iifname "lo" accept
    iif "lo" accept
    ip saddr @blocked drop
    ip saddr != 10.1.2.3 accept
    tcp dport 22 counter accept
    tcp dport { 80, 443 } accept
    udp dport != { 53, 67 } accept
    udp dport 1000-2000 drop
    ip saddr != 10.0.0.1-10.0.0.100 accept
    ip saddr 10.0.0.0/20 accept
    ip6 daddr fe80::/64 accept
    ip daddr 10.0.0.0/24 counter packets 0 bytes 0 drop
    limit rate 5/second accept
    limit rate over 10/minute burst 20 packets drop
    log prefix "x " drop
    log group 2 accept
    log level debug flags all
    meta mark 0x10 accept
    meta mark != 0x1 accept
    meta mark & 0x0f != 0 accept
    meta l4proto udp accept
    meta l4proto ipv6-icmp accept
    meta pkttype broadcast drop
    meta nfproto ipv6 accept
    tcp dport vmap @portmap
    ip protocol icmp reject with icmp type host-unreachable
    reject with tcp reset
    reject
    fib daddr type local accept
    fib saddr . iif oif missing drop
    fib daddr oif "lo" accept
    ct mark set 0x5
    meta mark set 0x7 accept
    ip daddr set 1.2.3.4
    tcp flags syn accept
    tcp flags & (syn | ack) == syn accept
    jump other
    icmp type echo-request accept
    icmp code 3 accept
    ip saddr 1.2.3.4 tcp dport 80 ip daddr 5.6.7.8 accept
    ip saddr . tcp dport @s1 accept
    th dport 53 accept
    ip ttl 64 accept
    ct direction original accept
    ct status dnat accept
    ct status snat,dnat accept
    ct mark 0x1/0x3 accept
    tcp sport >= 1024 accept
    ether saddr 00:11:22:33:44:55 accept
    ip6 nexthdr tcp accept
    counter name cnt1 accept
    quota over 100 mbytes drop
    quota name q1 accept
    notrack
    return
  }
  chain other { }
}
table ip nat {
  chain post { type nat hook postrouting priority srcnat; oifname "eth0" masquerade; masquerade random; snat to 1.2.3.4; }
  chain pre { type nat hook prerouting priority dstnat; tcp dport 8080 redirect to :80; tcp dport 9090 dnat to 10.0.0.5:90; redirect; }
}
table ip t4 {
  chain pre { type filter hook prerouting priority mangle; policy accept;
    socket transparent 1 accept
    meta l4proto tcp socket mark 0x5 accept
    meta l4proto tcp tproxy to :8080
    reject
    limit rate 10 mbytes/second accept
    limit rate over 2 kbytes/second burst 1000 bytes drop
    ip saddr 10.0.0.1 log group 3 snaplen 100 accept
  }
}
table netdev ingress_t {
  chain ing { type filter hook ingress device "lo" priority -500; policy accept; }
}
table ip6 t6 {
  chain c { type filter hook output priority 10; policy drop; icmpv6 type echo-request accept; }
}
`;

/** A namespace of its own, with lo up; removed by the returned function. */
function namespace(): {
  ns: string;
  run(cmd: string, args: string[], input?: string): string;
  done(): void;
} {
  const ns = uniqueName("nft");
  sh("ip", ["netns", "add", ns]);
  sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
  return {
    ns,
    run: (cmd, args, input) => sh("ip", ["netns", "exec", ns, cmd, ...args], input),
    done: () => void sh("ip", ["netns", "del", ns]),
  };
}

/** `nft -j list ruleset` without its metainfo. */
function nftJson(run: (cmd: string, args: string[]) => string): unknown[] {
  return JSON.parse(run("nft", ["-j", "list", "ruleset"])).nftables.slice(1);
}

/** The list without handles (which the kernel numbers in creation order). */
function withoutHandles(list: unknown[]): unknown[] {
  return JSON.parse(JSON.stringify(list, (k, v) => (k === "handle" ? undefined : v)));
}

test(
  "nft: a ruleset loaded with nft -f reads back through the library as nft -j list ruleset prints it",
  { skip: SKIP },
  async () => {
    const n = namespace();
    try {
      n.run("nft", ["-f", "-"], RULESET);
      const expected = nftJson(n.run);
      assert.ok(expected.length > 90, `nft lists ${expected.length} objects`);
      await using nft = await Nftables.open({ netns: n.ns });
      const names = await nft.interfaceNames();
      const got = rulesetJson(await nft.ruleset(), { ifname: (i) => names.get(i) });
      assert.deepEqual(got.nftables[0], {
        metainfo: {
          version: "netlink.ts",
          release_name: "@netlink/netlink",
          json_schema_version: 1,
        },
      });
      // Object by object, so a failure names the one that differs.
      for (let i = 0; i < expected.length; i++) assert.deepEqual(got.nftables[i + 1], expected[i]);
      assert.equal(got.nftables.length, expected.length + 1);
      // And the example prints exactly that.
      let out = "";
      await nftMain(["-N", n.ns, "list", "ruleset", "-j"], {
        out: (s) => (out += s),
        err: () => {},
      });
      assert.deepEqual(JSON.parse(out).nftables.slice(1), expected);
    } finally {
      n.done();
    }
  },
);

test("nft: the same JSON written by the library (one transaction) lists identically with nft -j", {
  skip: SKIP,
}, async () => {
  const src = namespace(), dst = namespace();
  try {
    src.run("nft", ["-f", "-"], RULESET);
    const expected = nftJson(src.run);
    await using nft = await Nftables.open({ netns: dst.ns });
    const before = (await nft.generation()).id;
    const tx = transactionFromJson({ nftables: expected });
    const result = await nft.commit(tx);
    assert.equal(result.genid, before + 1, "one transaction: one generation");
    const written = nftJson(dst.run);
    assert.equal(written.length, expected.length);
    const a = withoutHandles(written), b = withoutHandles(expected);
    for (let i = 0; i < b.length; i++) assert.deepEqual(a[i], b[i]);
    // The echoed handles are the ones nft lists.
    const tables = tx.changes.flatMap((c, i) => (c.object === "table" ? [result.handles[i]] : []));
    const listed = written.flatMap((o) => {
      const t = (o as { table?: { handle: number } }).table;
      return t ? [t.handle] : [];
    });
    assert.deepEqual(tables, listed);
  } finally {
    src.done();
    dst.done();
  }
});

test("nft: a transaction with one bad rule changes nothing and reports which rule failed", {
  skip: SKIP,
}, async () => {
  const n = namespace();
  try {
    await using nft = await Nftables.open({ netns: n.ns });
    const before = (await nft.generation()).id;
    const tx = new Transaction()
      .addTable({ family: "inet", name: "t" })
      .addChain({
        family: "inet",
        table: "t",
        name: "c",
        type: "filter",
        hook: "input",
        priority: 0,
      })
      .addRule({ family: "inet", table: "t", chain: "c", statements: [{ accept: null }] })
      .addRule({
        family: "inet",
        table: "t",
        chain: "c",
        statements: [{
          match: {
            op: "==",
            left: { payload: { protocol: "ip", field: "saddr" } },
            right: "@nosuchset",
          },
        }, { drop: null }],
      })
      .addRule({ family: "inet", table: "t", chain: "c", statements: [{ drop: null }] });
    const err = await nft.commit(tx).then(() => assert.fail("committed"), (e) => e);
    assert.ok(err instanceof BatchError, String(err));
    assert.equal(err.failures.length, 1);
    const f = err.failures[0];
    assert.equal(f.error.code, "ENOENT");
    assert.deepEqual((f.change as { change: unknown }).change, {
      action: "add",
      object: "rule",
      text: "add rule inet t c",
    });
    assert.equal((f.change as { index: number }).index, 3, "the fourth change");
    // The kernel points at the attribute it refused (NFTA_LOOKUP_SET, inside the rule).
    assert.equal(typeof f.error.extAck?.offset, "number");
    // Nothing was applied: no table, and the generation did not move.
    assert.equal(n.run("nft", ["list", "ruleset"]).trim(), "");
    assert.equal((await nft.generation()).id, before);
    // The example says the same.
    let err2 = "";
    const code = await nftMain(
      ["-N", n.ns, "add", "rule", "inet", "nope", "c", "accept"],
      { out: () => {}, err: (s) => (err2 += s) },
    );
    assert.equal(code, 1);
    assert.match(err2, /^Error: ENOENT \(2\).*: add rule inet nope c$/m);
  } finally {
    n.done();
  }
});

test("nft: examples/nft.ts adds a rule, echoes its handle, and deletes it by handle", {
  skip: SKIP,
}, async () => {
  const n = namespace();
  const run = async (...args: string[]) => {
    let out = "", err = "";
    const code = await nftMain(["-N", n.ns, ...args], {
      out: (s) => (out += s),
      err: (s) => (err += s),
    });
    assert.equal(code, 0, err);
    return out;
  };
  try {
    await run("add", "table", "inet", "filter");
    await run(
      "add",
      "chain",
      "inet",
      "filter",
      "input",
      "{ type filter hook input priority 0 ; policy accept ; }",
    );
    const echoed = await run(
      "-e",
      "add",
      "rule",
      "inet",
      "filter",
      "input",
      "tcp",
      "dport",
      "22",
      "counter",
      "accept",
    );
    const handle = Number(/# handle (\d+)/.exec(echoed)?.[1]);
    assert.ok(handle > 0, echoed);
    const listed = n.run("nft", ["-a", "list", "chain", "inet", "filter", "input"]);
    assert.match(
      listed,
      new RegExp(`tcp dport 22 counter packets 0 bytes 0 accept # handle ${handle}\\n`),
    );
    await run(
      "add",
      "rule",
      "inet",
      "filter",
      "input",
      "ct",
      "state",
      "established,related",
      "accept",
    );
    await run("delete", "rule", "inet", "filter", "input", "handle", String(handle));
    const after = n.run("nft", ["-a", "list", "chain", "inet", "filter", "input"]);
    assert.doesNotMatch(after, /tcp dport 22/);
    assert.match(after, /ct state established,related accept/);
    // What the example wrote reads back with nft -j as the example lists it.
    const mine = JSON.parse(await run("list", "ruleset", "-j")).nftables.slice(1);
    assert.deepEqual(mine, nftJson(n.run));
  } finally {
    n.done();
  }
});

test("nft: a commit against a stale generation id fails with ERESTART and changes nothing", {
  skip: SKIP,
}, async () => {
  const n = namespace();
  try {
    await using nft = await Nftables.open({ netns: n.ns });
    const { id } = await nft.generation();
    n.run("nft", ["add", "table", "ip", "other"]); // someone else commits
    const err = await nft.commit(new Transaction().addTable({ family: "ip", name: "mine" }), {
      genid: id,
    })
      .catch((e) => e);
    assert.ok(err instanceof BatchError);
    assert.equal(err.failures[0].index, -1);
    assert.equal(err.failures[0].error.code, "ERESTART");
    assert.doesNotMatch(n.run("nft", ["list", "tables"]), /mine/);
    const now = (await nft.generation()).id;
    assert.equal(now, id + 1);
    const ok = await nft.commit(new Transaction().addTable({ family: "ip", name: "mine" }), {
      genid: now,
    });
    assert.equal(ok.genid, now + 1);
    assert.match(n.run("nft", ["list", "tables"]), /table ip mine/);
  } finally {
    n.done();
  }
});

/** An nfnetlink batch BEGIN or END of nf_tables (struct nfgenmsg, res_id big-endian). */
function batchControl(type: 0x10 | 0x11, flags = 0): Uint8Array {
  return new MessageBuilder(type, NLM_F_REQUEST | flags)
    .raw(new Uint8Array([0, 0, 0, nftGen.NFNL_SUBSYS_NFTABLES])).finish();
}

test(
  "nft: requestBatch reads nfnetlink's answers by seq: member ACKs, echoes with their seq, silent BEGIN and END",
  {
    skip: SKIP,
  },
  async () => {
    const n = namespace();
    try {
      await using sock = await NetlinkSocket.open(NETLINK_NETFILTER, { netns: n.ns });
      const table = (name: string, flags: number) =>
        buildMessage(nftGen.operations.newtable, {
          header: { nfgenFamily: 2 },
          attrs: { name },
          flags: NLM_F_CREATE | flags,
        });
      const answers = await sock.requestBatch([
        batchControl(0x10), // BEGIN and END ask for no ACK and get none
        table("a", NLM_F_ECHO),
        table("b", 0),
        batchControl(0x11),
      ], { barrier: true });
      assert.deepEqual(answers.map((a) => [a.acked, a.error?.code]), [
        [false, undefined],
        [true, undefined],
        [true, undefined],
        [false, undefined],
      ]);
      const seq0 = answers[0].seq;
      assert.deepEqual(answers.map((a) => a.seq), [seq0, seq0 + 1, seq0 + 2, seq0 + 3]);
      // The echo of table a carries a's seq and this socket's port; so does NEWGEN, which
      // nf_tables echoes with the first message after BEGIN.
      const T = (m: number) => (nftGen.NFNL_SUBSYS_NFTABLES << 8) | m;
      assert.deepEqual(answers[1].replies.map((m) => [m.type, m.seq, m.pid]), [
        [T(nftGen.NFT_MSG_NEWTABLE), answers[1].seq, sock.portId],
        [T(nftGen.NFT_MSG_NEWGEN), answers[1].seq, sock.portId],
      ]);
      assert.deepEqual(answers[2].replies, [], "no echo without NLM_F_ECHO");
      assert.match(n.run("nft", ["list", "tables"]), /table ip a\n.*table ip b/s);
      // A batch with a second BEGIN in it: nfnetlink drops the whole batch ("Malformed: Batch
      // begin twice") and answers nothing at all, not even the messages that asked; the barrier
      // says so.
      const dropped = await sock.requestBatch([
        batchControl(0x10),
        table("c", 0),
        batchControl(0x10),
        batchControl(0x11),
      ], { barrier: true });
      assert.deepEqual(dropped.map(answered), [false, false, false, false]);
      assert.doesNotMatch(n.run("nft", ["list", "tables"]), /table ip c/);
      // The same through nfnetlinkBatch: an error saying how many messages were answered.
      await using nft = await Nftables.open({ netns: n.ns });
      const err = await nfnetlinkBatch(sock, nftGen.NFNL_SUBSYS_NFTABLES, [
        { message: table("d", 0) },
        { message: batchControl(0x10) },
      ]).catch((e) => e);
      assert.equal(err.code, "EIO", String(err));
      assert.match(err.message, /answered 0 of 2 messages/);
      assert.equal((await nft.tables()).some((t) => t.name === "d"), false);
    } finally {
      n.done();
    }
  },
);

test("nft: the monitor reports new and deleted tables, chains and rules as nft commits them", {
  skip: SKIP,
}, async () => {
  const n = namespace();
  try {
    await using nft = await Nftables.open({ netns: n.ns });
    await using events = await nft.monitor({ signal: AbortSignal.timeout(20000) });
    n.run("nft", ["-f", "-"], "table inet m {\n chain c {\n tcp dport 22 accept\n }\n}\n");
    n.run("nft", ["delete", "table", "inet", "m"]);
    const seen: string[] = [];
    await withTimeout(
      (async () => {
        for await (const ev of events as AsyncIterable<NftEvent>) {
          const v = ev.value as { name?: string; chain?: string; id?: number };
          seen.push(`${ev.type} ${ev.object} ${v?.name ?? v?.chain ?? ""}`.trim());
          if (seen.filter((s) => s === "new generation").length === 2) break;
        }
      })(),
      15000,
      "the monitor's events",
    );
    assert.deepEqual(seen, [
      "new table m",
      "new chain c",
      "new rule c",
      "new generation",
      "delete rule c",
      "delete chain c",
      "delete table m",
      "new generation",
    ]);
  } finally {
    n.done();
  }
});

/** Rules in nft's syntax that examples/nft.ts parses: one of each statement and expression. */
const RULE_TEXTS = [
  "ct state established,related accept",
  "ct state invalid drop",
  'iifname "lo" accept',
  "ip saddr @blocked drop",
  "ip saddr != 10.1.2.3 accept",
  "tcp dport 22 counter accept",
  "tcp dport { 80, 443 } accept",
  "udp dport != { 53, 67 } accept",
  "udp dport 1000-2000 drop",
  "ip saddr != 10.0.0.1-10.0.0.100 accept",
  "ip saddr 10.0.0.0/20 accept",
  "ip daddr 10.0.0.0/24 counter drop",
  "ip6 daddr fe80::/64 accept",
  "limit rate 5/second accept",
  "limit rate over 10/minute burst 20 packets drop",
  'log prefix "x " drop',
  "log group 2 accept",
  "log level debug flags all",
  "meta mark 0x10 accept",
  "meta mark & 0x0f != 0 accept",
  "meta l4proto udp accept",
  "meta pkttype broadcast drop",
  "tcp dport vmap @portmap",
  "ip protocol icmp reject with icmp type host-unreachable",
  "reject with tcp reset",
  "reject",
  "fib daddr type local accept",
  "fib saddr . iif oif missing drop",
  "ct mark set 0x5",
  "meta mark set 0x7 accept",
  "ip daddr set 1.2.3.4",
  "tcp flags syn accept",
  "tcp flags & (syn | ack) == syn accept",
  "jump other",
  "icmp type echo-request accept",
  "ip saddr 1.2.3.4 tcp dport 80 ip daddr 5.6.7.8 accept",
  "th dport 53 accept",
  "ct direction original accept",
  "ct status snat,dnat accept",
  "tcp sport >= 1024 accept",
  "ether saddr 00:11:22:33:44:55 accept",
  "counter name cnt1 accept",
  "quota over 100 mbytes drop",
  "quota name q1 accept",
  "notrack",
  "return",
];

const RULE_TABLE = (rules: string[]) =>
  `table inet w {
  counter cnt1 { packets 5 bytes 100 }
  quota q1 { over 100 mbytes }
  set blocked { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.2 } }
  map portmap { type inet_service : verdict; elements = { 22 : accept, 80 : drop } }
  chain other { }
  chain input {
    type filter hook input priority 0; policy accept;
${rules.map((r) => `    ${r}`).join("\n")}
  }
}
table ip natw {
  chain post { type nat hook postrouting priority srcnat;
${["masquerade", "masquerade random", "snat to 1.2.3.4"].map((r) => `    ${r}`).join("\n")}
  }
  chain pre { type nat hook prerouting priority dstnat;
${
    ["tcp dport 8080 redirect to :80", "tcp dport 9090 dnat to 10.0.0.5:90"].map((r) => `    ${r}`)
      .join("\n")
  }
  }
}
table ip tw {
  chain pre { type filter hook prerouting priority mangle; policy accept;
${
    ["socket transparent 1 accept", "meta l4proto tcp tproxy to :8080"].map((r) => `    ${r}`).join(
      "\n",
    )
  }
  }
}
`;

test("nft: rules added with examples/nft.ts in nft's syntax list as nft -f writes them", {
  skip: SKIP,
}, async () => {
  const byNft = namespace(), byUs = namespace();
  try {
    byNft.run("nft", ["-f", "-"], RULE_TABLE(RULE_TEXTS));
    // The same tables without their rules, then every rule through the example.
    byUs.run("nft", ["-f", "-"], RULE_TABLE([]).replace(/^ {4}(?!type)[a-z].*\n/gm, ""));
    const add = async (family: string, table: string, chain: string, rule: string) => {
      let err = "";
      const code = await nftMain(
        ["-N", byUs.ns, "add", "rule", family, table, chain, ...rule.split(" ")],
        { out: () => {}, err: (x) => (err += x) },
      );
      assert.equal(code, 0, `${rule}: ${err}`);
    };
    for (const r of RULE_TEXTS) await add("inet", "w", "input", r);
    for (const r of ["masquerade", "masquerade random", "snat to 1.2.3.4"]) {
      await add("ip", "natw", "post", r);
    }
    for (const r of ["tcp dport 8080 redirect to :80", "tcp dport 9090 dnat to 10.0.0.5:90"]) {
      await add("ip", "natw", "pre", r);
    }
    for (const r of ["socket transparent 1 accept", "meta l4proto tcp tproxy to :8080"]) {
      await add("ip", "tw", "pre", r);
    }
    const want = withoutHandles(nftJson(byNft.run)), got = withoutHandles(nftJson(byUs.run));
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i]);
  } finally {
    byNft.done();
    byUs.done();
  }
});

test(
  "nft: sets, elements, chains and tables added and deleted in transactions, as nft -j lists them",
  { skip: SKIP },
  async () => {
    const n = namespace();
    try {
      await using nft = await Nftables.open({ netns: n.ns });
      const spec = {
        family: "inet",
        table: "t",
        name: "nets",
        type: "ipv4_addr",
        flags: ["interval"],
        elem: ["10.0.0.1", { prefix: { addr: "10.1.0.0", len: 16 } }, {
          range: ["10.2.0.1", "10.2.0.9"],
        }],
      };
      const { set, elements } = setFromJson(spec, false);
      await nft.commit(
        new Transaction().addTable({ family: "inet", name: "t" }).addSet(set, elements)
          .addChain({ family: "inet", table: "t", name: "gone" }),
      );
      const listSet = () =>
        JSON.parse(n.run("nft", ["-j", "list", "set", "inet", "t", "nets"])).nftables[1].set.elem;
      assert.deepEqual(listSet(), spec.elem);
      // Delete one interval, add a value: the set lists what remains.
      const del = setFromJson({ ...spec, elem: [{ prefix: { addr: "10.1.0.0", len: 16 } }] }, false)
        .elements
        .filter((e) => e.key.some((b) => b !== 0));
      const add = setFromJson({ ...spec, elem: ["10.3.0.1"] }, false).elements.filter((e) =>
        e.key.some((b) => b !== 0)
      );
      await nft.commit(
        new Transaction().deleteElements("inet", "t", "nets", del).addElements(
          "inet",
          "t",
          "nets",
          add,
        )
          .deleteChain({ family: "inet", table: "t", name: "gone" }),
      );
      assert.deepEqual(listSet(), ["10.0.0.1", { range: ["10.2.0.1", "10.2.0.9"] }, "10.3.0.1"]);
      assert.doesNotMatch(n.run("nft", ["list", "ruleset"]), /chain gone/);
      // The library reads the same elements back.
      const mine = await nft.elements("inet", "t", "nets");
      assert.equal(mine.filter((e) => !e.flags).length, 3, "three starts of intervals");
      await nft.commit(
        new Transaction().deleteSet({ family: "inet", table: "t", name: "nets" }).deleteTable({
          family: "inet",
          table: "t",
        }),
      );
      assert.equal(n.run("nft", ["list", "ruleset"]).trim(), "");
    } finally {
      n.done();
    }
  },
);
