// `examples/ip.ts xfrm state|policy` against `ip xfrm` on the same namespace: policies added by
// either tool, then every listing (plain, -s, -s -s, -4, -6, filters), get, count and getdefault
// print the same text; delete, deleteall and flush done by ip.ts are what ip then shows; and for
// SAs, which this kernel cannot hold, the same (empty) listing and count, and the same error and
// exit status for an add.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { runtimeCommand, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const rt = runtimeCommand();
const ipTs = (ns: string, args: string[]) =>
  run(rt.argv[0], [...rt.argv.slice(1), "examples/ip.ts", "-n", ns, ...args]);
const ip = (ns: string, args: string[]) => run("ip", ["-n", ns, ...args]);

/** Both tools, the same arguments; options (`-s`, `-4`) go before `-n`. */
async function both(ns: string, opts: string[], args: string[]): Promise<[Run, Run]> {
  const [a, b] = await Promise.all([
    run("ip", [...opts, "-n", ns, ...args]),
    run(rt.argv[0], [...rt.argv.slice(1), "examples/ip.ts", ...opts, "-n", ns, ...args]),
  ]);
  return [a, b];
}

async function withNs(fn: (ns: string) => Promise<void>): Promise<void> {
  const ns = uniqueName("xip");
  sh("ip", ["netns", "add", ns]);
  try {
    sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
    sh("ip", ["-n", ns, "link", "add", "xv0", "type", "veth", "peer", "name", "xv1"]);
    await fn(ns);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
}

const POLICIES: string[][] = [
  [
    "src",
    "10.0.0.0/24",
    "dst",
    "10.1.0.0/24",
    "proto",
    "tcp",
    "sport",
    "80",
    "dport",
    "443",
    "dir",
    "out",
    "priority",
    "100",
    "mark",
    "0x10",
    "mask",
    "0xff",
    "ptype",
    "main",
    "action",
    "allow",
    "tmpl",
    "src",
    "192.0.2.1",
    "dst",
    "192.0.2.2",
    "proto",
    "esp",
    "reqid",
    "5",
    "mode",
    "tunnel",
  ],
  ["src", "10.0.0.1", "dst", "10.1.0.1", "dir", "in", "action", "block"],
  [
    "src",
    "fd00::/64",
    "dst",
    "fd01::/64",
    "proto",
    "udp",
    "dport",
    "53",
    "dir",
    "fwd",
    "tmpl",
    "proto",
    "esp",
    "mode",
    "transport",
    "level",
    "use",
  ],
  [
    "src",
    "0.0.0.0/0",
    "dst",
    "0.0.0.0/0",
    "proto",
    "icmp",
    "type",
    "8",
    "code",
    "0",
    "dir",
    "out",
    "priority",
    "7",
    "if_id",
    "3",
    "tmpl",
    "proto",
    "ah",
    "spi",
    "0x100",
    "mode",
    "transport",
  ],
  [
    "src",
    "10.9.0.0/16",
    "dst",
    "10.8.0.0/16",
    "dev",
    "xv0",
    "proto",
    "gre",
    "key",
    "1.2.3.4",
    "dir",
    "in",
    "flag",
    "localok",
    "icmp",
    "limit",
    "time-soft",
    "600",
    "limit",
    "byte-hard",
    "1000000",
    "tmpl",
    "src",
    "10.0.0.1",
    "dst",
    "10.0.0.2",
    "proto",
    "comp",
    "mode",
    "tunnel",
    "tmpl",
    "proto",
    "esp",
    "mode",
    "beet",
    "reqid",
    "7",
  ],
];

test("xfrm_ip: policies added by ip.ts and by ip list, get and count the same in both", {
  skip: SKIP_KERNEL,
  timeout: 180_000,
}, () =>
  withNs(async (ns) => {
    // Every other policy is added by ip.ts: the kernel must store the same either way.
    for (const [i, p] of POLICIES.entries()) {
      const r = i % 2 === 0
        ? await ipTs(ns, ["xfrm", "policy", "add", ...p])
        : await ip(ns, ["xfrm", "policy", "add", ...p]);
      assert.equal(r.code, 0, `${i % 2 ? "ip" : "ip.ts"} policy add ${p.join(" ")}: ${r.stderr}`);
    }
    // The same policies added by ip in another namespace print the same there.
    const ref = uniqueName("xref");
    sh("ip", ["netns", "add", ref]);
    try {
      sh("ip", ["-n", ref, "link", "add", "xv0", "type", "veth", "peer", "name", "xv1"]);
      for (const p of POLICIES) sh("ip", ["-n", ref, "xfrm", "policy", "add", ...p]);
      const strip = (s: string) => s.replace(/add \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, "add T");
      for (const opts of [[], ["-s"]]) {
        const a = strip(sh("ip", [...opts, "-n", ref, "xfrm", "policy"]));
        const b = strip(
          sh("ip", [...opts, "-n", ns, "xfrm", "policy"]).replace(/index \d+/g, "index N"),
        );
        assert.equal(b, a.replace(/index \d+/g, "index N"), `ip ${opts.join(" ")} xfrm policy`);
      }
    } finally {
      sh("ip", ["netns", "del", ref]);
    }
    const cases: [string[], string[]][] = [];
    for (const opts of [[], ["-s"], ["-s", "-s"], ["-4"], ["-6"]]) {
      cases.push([opts, ["xfrm", "policy"]], [opts, ["xfrm", "policy", "count"]]);
      cases.push([opts, ["xfrm", "policy", "list", "src", "10.0.0.0/8"]]);
    }
    for (
      const filter of [
        ["dir", "in"],
        ["nosock"],
        ["ptype", "main"],
        ["priority", "100"],
        ["action", "block"],
        ["proto", "udp"],
        ["index", "0"],
      ]
    ) cases.push([[], ["xfrm", "policy", "list", ...filter]]);
    cases.push(
      [[], ["xfrm", "policy", "getdefault"]],
      [[], ["xfrm", "policy", "get", "src", "10.0.0.1", "dst", "10.1.0.1", "dir", "in"]],
      [["-s"], [
        "xfrm",
        "policy",
        "get",
        "src",
        "fd00::/64",
        "dst",
        "fd01::/64",
        "proto",
        "udp",
        "dport",
        "53",
        "dir",
        "fwd",
      ]],
      [[], ["xfrm", "state"]],
      [["-s"], ["xfrm", "state", "count"]],
      [[], ["xfrm", "state", "list", "proto", "esp"]],
    );
    for (let i = 0; i < cases.length; i += 4) {
      const runs = await Promise.all(cases.slice(i, i + 4).map(([o, a]) => both(ns, o, a)));
      runs.forEach(([want, got], j) => {
        const what = `ip ${[...cases[i + j][0], ...cases[i + j][1]].join(" ")}`;
        assert.equal(got.stdout, want.stdout, what);
        assert.equal(got.stderr, want.stderr, what);
        assert.equal(got.code, want.code, what);
      });
    }
    // Sanity: the listings are not empty.
    assert.equal((await ip(ns, ["xfrm", "policy"])).stdout.split("\n\tdir ").length - 1, 5);
  }));

test("xfrm_ip: delete, deleteall and flush by ip.ts are what ip shows; SA add fails as ip's", {
  skip: SKIP_KERNEL,
  timeout: 120_000,
}, () =>
  withNs(async (ns) => {
    for (const p of POLICIES) sh("ip", ["-n", ns, "xfrm", "policy", "add", ...p]);
    const policies = async () => (await ip(ns, ["xfrm", "policy"])).stdout;
    let r = await ipTs(ns, [
      "xfrm",
      "policy",
      "delete",
      "src",
      "10.0.0.1",
      "dst",
      "10.1.0.1",
      "dir",
      "in",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!(await policies()).includes("10.1.0.1/32"));
    // Deleting it again: the kernel's error, printed as ip prints it.
    const args = ["xfrm", "policy", "delete", "src", "10.0.0.1", "dst", "10.1.0.1", "dir", "in"];
    const [want, got] = await both(ns, [], args);
    assert.deepEqual([got.code, got.stderr], [want.code, want.stderr]);
    assert.equal(want.code, 2);
    r = await ipTs(ns, ["xfrm", "policy", "deleteall", "dir", "out"]);
    assert.equal(r.code, 0, r.stderr);
    const left = await policies();
    assert.ok(!left.includes("dir out"), left);
    assert.ok(left.includes("dir fwd") && left.includes("dir in"), left);
    r = await ipTs(ns, ["xfrm", "policy", "flush"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await policies(), "");
    // SAs: this kernel has no ESP, so both fail the same way ("Requested type not found").
    const sa = [
      "xfrm",
      "state",
      "add",
      "src",
      "192.0.2.1",
      "dst",
      "192.0.2.2",
      "proto",
      "esp",
      "spi",
      "0x1000",
      "mode",
      "tunnel",
      "enc",
      "cbc(aes)",
      "0x00112233445566778899aabbccddeeff",
      "auth-trunc",
      "hmac(sha256)",
      "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      "128",
    ];
    const [ipAdd, tsAdd] = await both(ns, [], sa);
    assert.deepEqual([tsAdd.code, tsAdd.stdout, tsAdd.stderr], [
      ipAdd.code,
      ipAdd.stdout,
      ipAdd.stderr,
    ]);
    assert.notEqual(ipAdd.code, 0);
    for (
      const a of [["xfrm", "state", "flush"], ["xfrm", "state", "deleteall"], [
        "xfrm",
        "policy",
        "bogus",
      ]]
    ) {
      const [w, g] = await both(ns, [], a);
      assert.deepEqual([g.code, g.stdout, g.stderr], [w.code, w.stdout, w.stderr], a.join(" "));
    }
  }));
