// The ss filter compiler and the sock_diag request builders against iproute2's own `ss`: the
// request `ss` sends (captured with `strace -e write=all`, which dumps every byte of each
// sendmsg) must equal the one the library builds for the same flags and expression, byte for
// byte (inet_diag_req_v2 with states and extensions, the INET_DIAG_REQ_BYTECODE program;
// unix_diag_req, packet_diag_req and netlink_diag_req). Expressions `ss` rejects must be
// rejected too. The first tests need no kernel: programs worked out by hand from
// misc/ss.c ssfilter_bytecompile, and the grammar's left-to-right binding.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SKIP_KERNEL } from "./helpers.ts";
import {
  compileFilter,
  FilterError,
  type InetQuery,
  inetRequest,
  matchFilter,
  netlinkRequest,
  packetRequest,
  parseFilter,
  STATE_MASKS,
  stateMask,
  unixRequest,
} from "../families/sock_diag/mod.ts";

const hex = (b: Uint8Array | undefined) =>
  b === undefined ? "(none)" : Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const bc = (expr: string, family?: number) => compileFilter(parseFilter(expr, { family }));

// ---------------------------------------------------------------------------
// No kernel: programs by hand
// ---------------------------------------------------------------------------

test("sock_diag filter: port comparisons compile as ss compiles them", () => {
  // {S_GE, 8, 12} {0, 0, port}: misc/ss.c SSF_S_GE.
  assert.equal(hex(bc("sport >= :1024")), "02 08 0c 00 00 00 00 04");
  // dport < :80 is not (dport >= :80): D_GE then JMP {1, 4, 8}.
  assert.equal(hex(bc("dport lt :80")), "04 08 0c 00 00 00 50 00 01 04 08 00");
  // sport = :22 is S_COND on a hostcond {family 0, prefix 0, port 22} with 4 address bytes.
  assert.equal(
    hex(bc("sport = :22")),
    "07 10 14 00 00 00 00 00 16 00 00 00 00 00 00 00",
  );
});

test("sock_diag filter: and/or/not jump offsets and ss's left-to-right binding", () => {
  const a = bc("sport = :22 or sport = :80 and dport = :1");
  const b = bc("( sport = :22 or sport = :80 ) and dport = :1");
  const c = bc("sport = :22 or ( sport = :80 and dport = :1 )");
  assert.deepEqual(a, b, "no precedence: a or b and c is (a or b) and c");
  assert.notDeepEqual(a, c);
  // (S1 | S2) & D: S1's "no" (+20) lands on S2; JMP {1, 4, 20} skips S2 when S1 matched; S2's
  // reject (+20, the end of S1|S2 + 4) is relocated past D by ssfilter_patch (+16 = 36).
  assert.equal(
    hex(b),
    [
      "07 10 14 00 00 00 00 00 16 00 00 00 00 00 00 00",
      "01 04 14 00",
      "07 10 24 00 00 00 00 00 50 00 00 00 00 00 00 00",
      "08 10 14 00 00 00 00 00 01 00 00 00 00 00 00 00",
    ].join(" "),
  );
});

test("sock_diag filter: address prefixes, IPv6 in brackets, loose IPv4 as iproute2 reads it", () => {
  // D_COND {8, 4+8+4, +4} hostcond {AF_INET, 8, port -1} 10.0.0.0
  assert.equal(
    hex(bc("dst 10/8")),
    "08 10 14 00 02 08 00 00 ff ff ff ff 0a 00 00 00",
  );
  assert.deepEqual(bc("dst 10/8"), bc("dst 10.0.0.0/255.0.0.0"));
  assert.equal(
    hex(bc("src [::1]:443")),
    "07 1c 20 00 0a 80 00 00 bb 01 00 00 " + "00 ".repeat(15) + "01",
  );
  // Unbracketed IPv6 loses its last group to the port, as in ss ("dst ::1" is ":" port 1).
  assert.throws(() => parseFilter("dst ::1"), FilterError);
  assert.throws(() => parseFilter("dst 1.2.3.4", { family: 10 }), FilterError);
  assert.throws(() => parseFilter("sport = :nosuchservice"), FilterError);
  assert.equal(
    parseFilter("sport = :ssh", { service: (n) => (n === "ssh" ? 22 : undefined) })
      ?.op,
    "src",
  );
  assert.throws(() => parseFilter("( sport = :22"), FilterError);
  assert.throws(() => parseFilter("sport = :22 )"), FilterError);
  assert.equal(parseFilter(""), undefined);
  assert.equal(compileFilter(undefined), undefined);
});

test("sock_diag filter: dev sends no bytecode (as ss) and is matched in user space", () => {
  const f = parseFilter("dev 3 and sport = :22")!;
  assert.equal(compileFilter(f), undefined);
  assert.equal(
    matchFilter(f, { family: 2, local: { port: 22 }, remote: { port: 1 }, iface: 3 }),
    true,
  );
  assert.equal(
    matchFilter(f, { family: 2, local: { port: 22 }, remote: { port: 1 }, iface: 2 }),
    false,
  );
  const mapped = new Uint8Array(16);
  mapped.set([0xff, 0xff, 127, 0, 0, 1], 10);
  const v4 = parseFilter("src 127.0.0.0/8")!;
  assert.equal(
    matchFilter(v4, { family: 10, local: { address: mapped, port: 5 }, remote: { port: 0 } }),
    true,
  );
  const unix = parseFilter("src unix:/run/*.sock")!;
  assert.equal(
    matchFilter(unix, { family: 1, local: { port: 9, name: "/RUN/a.sock" }, remote: { port: 0 } }),
    true,
  );
  assert.equal(
    matchFilter(unix, { family: 1, local: { port: 9, name: "/tmp/a.sock" }, remote: { port: 0 } }),
    false,
  );
});

// ---------------------------------------------------------------------------
// Against ss: the bytes it sends
// ---------------------------------------------------------------------------

function haveStrace(): boolean {
  try {
    execFileSync("strace", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const SKIP_STRACE: string | false = SKIP_KERNEL ||
  (haveStrace() ? false : "strace is not installed");

/** The messages `ss ARGS` sends on its sock_diag sockets, reassembled from strace's hex dumps. */
function ssRequests(args: string[]): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), "ss-strace-"));
  try {
    const log = join(dir, "log");
    execFileSync("strace", [
      "-e",
      "trace=sendmsg,sendto",
      "-e",
      "write=all",
      "-o",
      log,
      "ss",
      ...args,
    ], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const out: Uint8Array[] = [];
    let cur: number[] | undefined;
    for (const line of readFileSync(log, "utf8").split("\n")) {
      if (line.startsWith("sendmsg(") || line.startsWith("sendto(")) {
        if (cur) out.push(Uint8Array.from(cur));
        cur = [];
        continue;
      }
      const m = /^ \| [0-9a-f]{5} {2}(.{49})/.exec(line);
      if (m && cur) { for (const h of m[1].trim().split(/\s+/)) cur.push(parseInt(h, 16)); }
    }
    if (cur) out.push(Uint8Array.from(cur));
    // Only SOCK_DIAG_BY_FAMILY requests (ss also talks rtnetlink for device names).
    return out.filter((b) => b.length >= 16 && (b[4] | (b[5] << 8)) === 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** INET_DIAG_REQ_BYTECODE of a request (after nlmsghdr and the 56-byte inet_diag_req_v2). */
function bytecodeOf(req: Uint8Array): Uint8Array | undefined {
  for (let o = 16 + 56; o + 4 <= req.length;) {
    const len = req[o] | (req[o + 1] << 8);
    const type = req[o + 2] | (req[o + 3] << 8);
    if (type === 1) return req.subarray(o + 4, o + len);
    o += (len + 3) & ~3;
  }
  return undefined;
}

const MAGIC_SEQ = 123456; // misc/ss.c

const EXPRESSIONS = [
  "sport = :22",
  "dport != :80",
  "sport > :1024",
  "dport < :1024",
  "sport ge :1000",
  "dport le :2000",
  "sport eq :22 or dport neq :23",
  "src 127.0.0.1",
  "dst 10.0.0.0/8",
  "dst 127.1",
  "dst [::1]",
  "src [2001:db8::/32]:443",
  "src *:22",
  "dst any",
  "( sport = :22 or sport = :80 ) and not dst 127.0.0.1",
  "sport = :22 or sport = :80 and dport = :1",
  "not ( sport gt :100 or dport lt :5 )",
  "sport = :22 dport = :33",
  "dport = :0x50 || sport = :010",
  "autobound",
  "fwmark = 0x10/0xff",
  "fwmark != 7",
];

test("sock_diag filter: the bytecode of each expression is the one ss sends", {
  skip: SKIP_STRACE,
}, () => {
  const problems: string[] = [];
  for (const expr of EXPRESSIONS) {
    const reqs = ssRequests(["-tn", ...expr.split(" ")]);
    assert.ok(reqs.length >= 1, `ss sent no sock_diag request for "${expr}"`);
    const theirs = bytecodeOf(reqs[0]);
    const ours = compileFilter(parseFilter(expr));
    if (hex(theirs) !== hex(ours)) {
      problems.push(`${expr}:\n  ss:   ${hex(theirs)}\n  ours: ${hex(ours)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("sock_diag filter: what ss rejects is rejected", { skip: SKIP_STRACE }, () => {
  const rejected = [
    "dst ::1", // unbracketed IPv6: "1" is taken as the port
    "src [2001:db8::]/32:443", // the prefix length belongs inside the brackets
    "sport = :nosuchservice",
    "( sport = :22",
    "sport = :22 )",
    "dst 300.1.1.1",
    "dst 1.2.3.4.5",
    "dst 10.0.0.0/33",
    "src = = 1.2.3.4",
    "dst != 1.2.3.4", // only ports have !=
  ];
  for (const expr of rejected) {
    let ssFailed = false;
    try {
      execFileSync("ss", ["-tn", ...expr.split(" ")], { stdio: "ignore" });
    } catch {
      ssFailed = true;
    }
    assert.ok(ssFailed, `ss accepted "${expr}"`);
    assert.throws(() => parseFilter(expr), FilterError, `the library accepted "${expr}"`);
  }
});

/** A case: ss's arguments, and the queries (one per request it sends) we expect to equal them. */
interface RequestCase {
  args: string[];
  queries: InetQuery[];
}

const tcp = (family: "inet" | "inet6", rest: Partial<InetQuery> = {}): InetQuery => ({
  family,
  protocol: "tcp",
  states: STATE_MASKS.conn,
  ...rest,
});

const CASES: RequestCase[] = [
  { args: ["-tn"], queries: [tcp("inet"), tcp("inet6")] },
  {
    args: ["-tan"],
    queries: [tcp("inet", { states: STATE_MASKS.all }), tcp("inet6", { states: STATE_MASKS.all })],
  },
  {
    args: ["-tln"],
    queries: [
      tcp("inet", { states: stateMask("listening") | stateMask("close") }),
      tcp("inet6", { states: stateMask("listening") | stateMask("close") }),
    ],
  },
  { args: ["-4", "-tn"], queries: [tcp("inet")] },
  { args: ["-6", "-tn"], queries: [tcp("inet6")] },
  {
    args: ["-tnm"],
    queries: [
      tcp("inet", { extensions: ["meminfo", "skmeminfo"] }),
      tcp("inet6", { extensions: ["meminfo", "skmeminfo"] }),
    ],
  },
  {
    args: ["-tni"],
    queries: [
      tcp("inet", { extensions: ["info", "vegasinfo", "cong"] }),
      tcp("inet6", { extensions: ["info", "vegasinfo", "cong"] }),
    ],
  },
  {
    args: ["-un"],
    queries: [
      { family: "inet", protocol: "udp", states: stateMask("established") },
      { family: "inet6", protocol: "udp", states: stateMask("established") },
    ],
  },
  {
    args: ["-uan"],
    queries: [
      { family: "inet", protocol: "udp", states: STATE_MASKS.all },
      { family: "inet6", protocol: "udp", states: STATE_MASKS.all },
    ],
  },
  {
    args: ["-tn", "state", "established", "state", "syn-sent"],
    queries: [
      tcp("inet", { states: stateMask("established") | stateMask("syn-sent") }),
      tcp("inet6", { states: stateMask("established") | stateMask("syn-sent") }),
    ],
  },
  {
    args: ["-tn", "state", "connected"],
    queries: [
      tcp("inet", { states: stateMask("connected") }),
      tcp("inet6", { states: stateMask("connected") }),
    ],
  },
  {
    args: ["-tn", "state", "synchronized"],
    queries: [
      tcp("inet", { states: stateMask("synchronized") }),
      tcp("inet6", { states: stateMask("synchronized") }),
    ],
  },
  {
    args: ["-tn", "exclude", "listening", "exclude", "time-wait"],
    queries: [
      tcp("inet", { states: STATE_MASKS.all & ~stateMask("listening") & ~stateMask("time-wait") }),
      tcp("inet6", { states: STATE_MASKS.all & ~stateMask("listening") & ~stateMask("time-wait") }),
    ],
  },
  {
    args: ["-tan", "sport", "=", ":8080", "or", "dst", "[::1]"],
    queries: [
      tcp("inet", { states: STATE_MASKS.all, filter: "sport = :8080 or dst [::1]" }),
      tcp("inet6", { states: STATE_MASKS.all, filter: "sport = :8080 or dst [::1]" }),
    ],
  },
  {
    args: ["-Mn"],
    queries: [
      { family: "inet", protocol: "mptcp", states: STATE_MASKS.conn },
      { family: "inet6", protocol: "mptcp", states: STATE_MASKS.conn },
    ],
  },
];

test("sock_diag filter: whole inet requests equal ss's (states, extensions, filter, protocol)", {
  skip: SKIP_STRACE,
}, () => {
  const problems: string[] = [];
  for (const c of CASES) {
    const theirs = ssRequests(c.args);
    const ours = c.queries.map((q) => inetRequest(q, { seq: MAGIC_SEQ }));
    if (theirs.length !== ours.length) {
      problems.push(
        `ss ${c.args.join(" ")}: ss sent ${theirs.length} requests, expected ${ours.length}`,
      );
      continue;
    }
    theirs.forEach((t, i) => {
      if (hex(t) !== hex(ours[i])) {
        problems.push(
          `ss ${c.args.join(" ")} request ${i}:\n  ss:   ${hex(t)}\n  ours: ${hex(ours[i])}`,
        );
      }
    });
  }
  assert.deepEqual(problems, []);
});

test(
  "sock_diag filter: unix, packet and netlink requests equal ss's",
  { skip: SKIP_STRACE },
  () => {
    const cases: [string[], Uint8Array][] = [
      [["-xn"], unixRequest({ states: STATE_MASKS.conn }, { seq: MAGIC_SEQ })],
      [["-xan"], unixRequest({ states: STATE_MASKS.all }, { seq: MAGIC_SEQ })],
      [
        ["-xaen"],
        unixRequest({ states: STATE_MASKS.all, show: ["name", "peer", "rqlen", "vfs", "icons"] }, {
          seq: MAGIC_SEQ,
        }),
      ],
      [
        ["-xamn"],
        unixRequest({ states: STATE_MASKS.all, show: ["name", "peer", "rqlen", "meminfo"] }, {
          seq: MAGIC_SEQ,
        }),
      ],
      [["-0an"], packetRequest({}, { seq: MAGIC_SEQ })],
      [
        ["-A", "netlink", "-an"],
        netlinkRequest({ show: ["groups", "meminfo"] }, { seq: MAGIC_SEQ }),
      ],
    ];
    const problems: string[] = [];
    for (const [args, ours] of cases) {
      const theirs = ssRequests(args);
      if (theirs.length !== 1) problems.push(`ss ${args.join(" ")}: ${theirs.length} requests`);
      else if (hex(theirs[0]) !== hex(ours)) {
        problems.push(`ss ${args.join(" ")}:\n  ss:   ${hex(theirs[0])}\n  ours: ${hex(ours)}`);
      }
    }
    assert.deepEqual(problems, []);
  },
);
