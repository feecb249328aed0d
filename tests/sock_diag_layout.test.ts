// Every number of the sock-diag spec (specs/local/sock-diag.yaml, as generated into
// families/generated/sock_diag.ts) against the C headers it cites: a C program is generated from
// the family's own tables (each enum entry, attribute, struct size, member offset and size,
// message type, group and constant), compiled with cc against /usr/include and run; each value
// must equal the library's. Bit fields (struct tcp_info's window scales, struct
// inet_diag_sockopt) are probed by setting each field in C and reading the byte. Names the
// installed headers (linux-libc-dev 6.1) do not have yet are listed with the release that added
// them; the size of struct tcp_info is also checked against the running kernel's (getsockopt).
//
// Pure (no network namespace), but it runs cc: needs --allow-run. Skipped, with the reason,
// when no C compiler is on PATH.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MemberSpec, StructType } from "../codec/ynl/mod.ts";
import * as sd from "../families/generated/sock_diag.ts";
import { SpecsFolder } from "../tools/ynl/load.ts";
import { decodeInet, tcpInfoBits } from "../families/sock_diag/mod.ts";

function findCompiler(): string | undefined {
  for (const cc of ["cc", "gcc"]) {
    try {
      execFileSync(cc, ["--version"], { stdio: "ignore" });
      return cc;
    } catch {
      // next
    }
  }
  return undefined;
}
const CC = findCompiler();
const SKIP_CC: string | false = CC ? false : "no C compiler (cc or gcc) on PATH";

const SPECS = join(dirname(fileURLToPath(import.meta.url)), "..", "specs");

const HEADERS = [
  "stdio.h",
  "stddef.h",
  "linux/sock_diag.h",
  "linux/inet_diag.h",
  "linux/unix_diag.h",
  "linux/packet_diag.h",
  "linux/netlink_diag.h",
  "linux/tcp.h",
  "linux/bpf.h",
];

/** Names newer than linux-libc-dev 6.1, with the kernel release that added them. */
const NEWER: Record<string, string> = {
  BPF_TCP_BOUND_INACTIVE: "6.8",
  TCPI_OPT_USEC_TS: "6.7",
  TCPI_OPT_TFO_CHILD: "6.17",
  ...Object.fromEntries(
    [
      ["tcpi_rcv_wnd", "6.2"],
      ["tcpi_rehash", "6.2"],
      ["tcpi_total_rto", "6.7"],
      ["tcpi_total_rto_recoveries", "6.7"],
      ["tcpi_total_rto_time", "6.7"],
      ["tcpi_received_ce", "6.18"],
      ["tcpi_delivered_e1_bytes", "6.18"],
      ["tcpi_delivered_e0_bytes", "6.18"],
      ["tcpi_delivered_ce_bytes", "6.18"],
      ["tcpi_received_e1_bytes", "6.18"],
      ["tcpi_received_e0_bytes", "6.18"],
      ["tcpi_received_ce_bytes", "6.18"],
      ["tcpi_accecn_fail_mode", "6.18"],
      ["tcpi_accecn_opt_seen", "6.18"],
    ].map(([m, v]) => [`struct tcp_info.${m}`, v]),
  ),
};

/**
 * Where the members newer than the installed headers sit in struct tcp_info of Linux 6.18
 * (include/uapi/linux/tcp.h; the AccECN commit's pahole output: tcpi_total_rto_time at 244,
 * tcpi_received_ce at 248 … size 280), checked when the headers cannot compile them.
 */
const NEWER_TCP_INFO: Record<string, [offset: number, size: number]> = {
  tcpi_rcv_wnd: [232, 4],
  tcpi_rehash: [236, 4],
  tcpi_total_rto: [240, 2],
  tcpi_total_rto_recoveries: [242, 2],
  tcpi_total_rto_time: [244, 4],
  tcpi_received_ce: [248, 4],
  tcpi_delivered_e1_bytes: [252, 4],
  tcpi_delivered_e0_bytes: [256, 4],
  tcpi_delivered_ce_bytes: [260, 4],
  tcpi_received_e1_bytes: [264, 4],
  tcpi_received_e0_bytes: [268, 4],
  tcpi_received_ce_bytes: [272, 4],
  tcpi_accecn_fail_mode: [276, 2],
  tcpi_accecn_opt_seen: [278, 2],
};

interface Check {
  where: string;
  expr: string;
  lib: number | bigint;
  /** Name looked up in NEWER when it does not compile. */
  key: string;
  /** For member checks: the struct, whose size is then compared as "at least". */
  struct?: string;
  /** Instead of equality with `lib`: does the library read the C value right? */
  verify?: (c: bigint) => string | undefined;
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());

/** `c_upper` of the kernel's ynl_gen_c.py: the C name of `name-prefix` + entry. */
const cUpper = (x: string) => x.toUpperCase().replace(/[-.]/g, "_");
/** A C or YNL name in the generated tables' camelCase. */
const camel = (x: string) => x.replace(/[-_]([a-z0-9])/g, (_, c) => c.toUpperCase());

/** Members that are C bit fields (probed separately) or live under another name. */
const MEMBER_C: Record<string, string | null> = {
  "tcp-info.tcpiWscale": null,
  "tcp-info.tcpiAppLimitedTfo": null,
};

function probeValue(st: StructType<object>, m: MemberSpec): unknown {
  if (m.struct !== undefined) {
    const inner = st.family.struct(m.struct);
    return Object.fromEntries(
      inner.members.filter((x) => x.type !== "pad").map((x) => [x.name, probeValue(inner, x)]),
    );
  }
  switch (m.type) {
    case "u8":
    case "s8":
      return 0x5a;
    case "u16":
    case "s16":
      return 0x5a5a;
    case "u32":
    case "s32":
      return 0x5a5a5a5a;
    case "u64":
    case "s64":
      return 0x5a5a5a5a5a5a5a5an;
    default:
      return new Uint8Array(m.len!).fill(0x5a);
  }
}

/** Offset and size of a member as the codec lays it out: encode it alone, see which bytes move. */
function layout(st: StructType<object>, m: MemberSpec): { offset: number; size: number } {
  const b = st.encode({ [m.name]: probeValue(st, m) });
  const first = b.findIndex((x) => x !== 0);
  let last = b.length - 1;
  while (last > first && b[last] === 0) last--;
  if (m.struct !== undefined) {
    const inner = st.family.struct(m.struct);
    const ib = inner.encode(probeValue(st, m) as object);
    return { offset: first - ib.findIndex((x) => x !== 0), size: inner.size };
  }
  return { offset: first, size: last - first + 1 };
}

function checks(): Check[] {
  const out: Check[] = [];
  const spec = sd.family.spec;
  // Enums: each entry's C name is its definition's name-prefix + the entry (as ynl_gen_c.py
  // renders it), so the prefixes of the YAML are checked too.
  const yaml = new SpecsFolder(SPECS).load("sock-diag").spec;
  for (const d of yaml.definitions ?? []) {
    if (d.type !== "enum" && d.type !== "flags") continue;
    const prefix = d["name-prefix"];
    for (const e of d.entries ?? []) {
      const entry = typeof e === "string" ? e : e.name;
      const expr = prefix === undefined
        ? `NO_NAME_PREFIX_FOR_${cUpper(d.name)}`
        : cUpper(prefix + entry);
      const lib = spec.enums?.[d.name]?.entries[cUpper(entry)];
      out.push({ where: `enum ${d.name}.${entry}`, expr, lib: lib ?? -1, key: expr });
    }
  }
  // Attributes: the set's name-prefix + the attribute's name, numbered as the generated table.
  for (const set of yaml["attribute-sets"] ?? []) {
    const attrs = spec.attributeSets[set.name] ?? [];
    for (const a of set.attributes ?? []) {
      const prefix = a["name-prefix"] ?? set["name-prefix"];
      const c = prefix === undefined
        ? `NO_NAME_PREFIX_FOR_${cUpper(set.name)}`
        : cUpper(prefix + a.name);
      const lib = attrs.find((x) => x.name === camel(a.name))?.value ?? -1;
      out.push({ where: `set ${set.name}.${a.name}`, expr: c, lib, key: c });
    }
  }
  for (const name of Object.keys(spec.structs ?? {})) {
    const st = sd.family.struct(name);
    const cs = `struct ${name.replace(/-/g, "_")}`;
    out.push({
      where: `struct ${name} size`,
      expr: `sizeof(${cs})`,
      lib: st.size,
      key: cs,
      struct: cs,
    });
    for (const m of st.members) {
      if (m.type === "pad") continue;
      const special = MEMBER_C[`${name}.${m.name}`];
      if (special === null) continue;
      const [s, member] = special?.split(":") ?? [cs, snake(m.name)];
      const { offset, size } = layout(st, m);
      const key = `${s}.${member}`;
      out.push({
        where: `${name}.${m.name} offset`,
        expr: `offsetof(${s}, ${member})`,
        lib: offset,
        key,
        struct: cs,
      });
      out.push({
        where: `${name}.${m.name} size`,
        expr: `sizeof(((${s} *)0)->${member})`,
        lib: size,
        key,
        struct: cs,
      });
    }
  }
  // Bit fields: set one in C and read its byte; the library must read the field back from it.
  const tcpByte = (field: string, v: number, at: number) =>
    `({ struct tcp_info t = {0}; t.${field} = ${v}; ((unsigned char *)&t)[${at}]; })`;
  const unpack = (b6: number, b7: number) =>
    tcpInfoBits({ tcpiWscale: b6, tcpiAppLimitedTfo: b7 } as sd.TcpInfo);
  for (
    const [field, v, at, read] of [
      ["tcpi_snd_wscale", 7, 6, (b: number) => unpack(b, 0).sndWscale],
      ["tcpi_rcv_wscale", 9, 6, (b: number) => unpack(b, 0).rcvWscale],
      ["tcpi_delivery_rate_app_limited", 1, 7, (b: number) => +unpack(0, b).deliveryRateAppLimited],
      ["tcpi_fastopen_client_fail", 2, 7, (b: number) => unpack(0, b).fastopenClientFail],
    ] as const
  ) {
    out.push({
      where: `tcp_info bit field ${field}`,
      expr: tcpByte(field, v, at),
      lib: v,
      key: `struct tcp_info.${field}`,
      verify: (c) => (read(Number(c)) === v ? undefined : `byte ${c} reads as ${read(Number(c))}`),
    });
  }
  const sockopt = [
    "recverr",
    "is_icsk",
    "freebind",
    "hdrincl",
    "mc_loop",
    "transparent",
    "mc_all",
    "nodefrag",
    "bind_address_no_port",
    "recverr_rfc4884",
    "defer_connect",
  ];
  // INET_DIAG_SOCKOPT is two bytes of struct inet_diag_sockopt: the library reads each flag.
  sockopt.forEach((f, i) => {
    const byte = i < 8 ? 0 : 1;
    out.push({
      where: `inet_diag_sockopt bit field ${f}`,
      expr: `({ struct inet_diag_sockopt o = {0}; o.${f} = 1; ((unsigned char *)&o)[${byte}]; })`,
      lib: 1,
      key: `struct inet_diag_sockopt.${f}`,
      verify: (c) => {
        const bytes = [0, 0];
        bytes[byte] = Number(c);
        // struct inet_diag_msg (72 bytes, AF_INET) + INET_DIAG_SOCKOPT (22).
        const msg = Uint8Array.from([2, ...new Array(71).fill(0), 6, 0, 22, 0, ...bytes, 0, 0]);
        const so = decodeInet(msg, 6).sockopt as unknown as Record<string, boolean>;
        const set = Object.entries(so).filter(([, v]) => v).map(([k]) => k);
        return set.length === 1 && set[0] === camel(f) ? undefined : `read as ${set.join(",")}`;
      },
    });
  });
  // Message types, groups, constants.
  out.push({
    where: "SOCK_DIAG_BY_FAMILY",
    expr: "SOCK_DIAG_BY_FAMILY",
    lib: sd.SOCK_DIAG_BY_FAMILY,
    key: "SOCK_DIAG_BY_FAMILY",
  });
  out.push({
    where: "SOCK_DESTROY",
    expr: "SOCK_DESTROY",
    lib: sd.SOCK_DESTROY,
    key: "SOCK_DESTROY",
  });
  // Every request and reply of the per-family dumps is a SOCK_DIAG_BY_FAMILY message (one
  // constant names it: the generator gives a message type one name).
  for (const op of sd.family.operations()) {
    if (op.name === "sock-destroy") continue;
    const type = op.requestValue ?? op.replyValue;
    out.push({
      where: `op ${op.name}`,
      expr: "SOCK_DIAG_BY_FAMILY",
      lib: type!,
      key: "SOCK_DIAG_BY_FAMILY",
    });
  }
  for (const [g, v] of Object.entries(sd.family.spec.mcastGroups ?? {})) {
    const c = g.toUpperCase().replace(/-/g, "_");
    out.push({ where: `group ${g}`, expr: c, lib: v!, key: c });
  }
  out.push({
    where: "INET_DIAG_NOCOOKIE",
    expr: "INET_DIAG_NOCOOKIE",
    lib: sd.INET_DIAG_NOCOOKIE,
    key: "INET_DIAG_NOCOOKIE",
  });
  out.push({
    where: "NDIAG_PROTO_ALL",
    expr: "NDIAG_PROTO_ALL",
    lib: sd.NDIAG_PROTO_ALL,
    key: "NDIAG_PROTO_ALL",
  });
  return out;
}

/** Compile and run the checks; a check that does not compile is dropped and reported. */
function run(list: Check[]): { values: Map<number, bigint>; errors: Map<number, string> } {
  const dir = mkdtempSync(join(tmpdir(), "sockdiag-layout-"));
  try {
    const head = HEADERS.map((h) => `#include <${h}>`);
    const errors = new Map<number, string>();
    for (let attempt = 0; attempt < 10; attempt++) {
      const fns = list.map((c, i) =>
        errors.has(i)
          ? `static void c${i}(void) {}`
          : `static void c${i}(void) { printf("%d %lld\\n", ${i}, (long long)(${c.expr})); }`
      );
      const src = [
        ...head,
        ...fns,
        "int main(void) {",
        ...list.map((_, i) => `c${i}();`),
        "return 0; }",
        "",
      ];
      writeFileSync(join(dir, "t.c"), src.join("\n"));
      try {
        execFileSync(CC!, ["-std=gnu11", "-w", "-o", join(dir, "t"), join(dir, "t.c")], {
          stdio: ["ignore", "pipe", "pipe"],
          encoding: "utf8",
        });
      } catch (e) {
        const stderr = String((e as { stderr?: string }).stderr ?? e);
        const found = new Map<number, string>();
        for (const m of stderr.matchAll(/t\.c:(\d+):\d+: error: (.*)/g)) {
          const i = Number(m[1]) - head.length - 1;
          if (i >= 0 && i < list.length) found.set(i, m[2]);
        }
        if (found.size === 0) throw new Error(`cc failed:\n${stderr}`);
        for (const [i, msg] of found) errors.set(i, msg);
        continue;
      }
      const values = new Map<number, bigint>();
      for (const line of execFileSync(join(dir, "t"), [], { encoding: "utf8" }).split("\n")) {
        const m = /^(\d+) (-?\d+)$/.exec(line);
        if (m) values.set(Number(m[1]), BigInt(m[2]));
      }
      return { values, errors };
    }
    throw new Error("cc kept failing");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("sock_diag layout: the spec's numbers, structs and bit fields match the uAPI headers", {
  skip: SKIP_CC,
}, () => {
  const list = checks();
  const { values, errors } = run(list);
  const problems: string[] = [];
  const partial = new Set(list.filter((c, i) => errors.has(i) && c.struct).map((c) => c.struct));
  let compared = 0;
  list.forEach((c, i) => {
    const err = errors.get(i);
    if (err !== undefined) {
      if (NEWER[c.key] === undefined) {
        problems.push(`not in the headers: ${c.where} (${c.expr}): ${err}`);
      }
      const known = NEWER_TCP_INFO[c.key.replace(/^struct tcp_info\./, "")];
      if (known !== undefined && c.key.startsWith("struct tcp_info.")) {
        const want = c.expr.startsWith("offsetof") ? known[0] : known[1];
        if (want !== c.lib) {
          problems.push(`MISMATCH ${c.where}: library ${c.lib}, Linux 6.18 ${want}`);
        }
      }
      return;
    }
    compared++;
    const v = values.get(i);
    if (v === undefined) problems.push(`no value for ${c.where}`);
    else if (c.verify !== undefined) {
      const p = c.verify(v);
      if (p !== undefined) problems.push(`MISMATCH ${c.where}: ${p}`);
    } else if (c.expr.startsWith("sizeof(struct") && partial.has(c.struct)) {
      // Headers older than the spec: the struct is a prefix of the library's.
      if (v > BigInt(c.lib)) problems.push(`${c.where}: library ${c.lib} < C ${v}`);
    } else if (v !== BigInt(c.lib)) {
      problems.push(`MISMATCH ${c.where}: library ${c.lib}, ${c.expr} = ${v}`);
    }
  });
  assert.ok(compared > 300, `only ${compared} values compared`);
  assert.deepEqual(problems, []);
});

test("sock_diag layout: struct tcp_info is as long as the running kernel's", {
  skip: (() => {
    try {
      execFileSync("python3", ["-c", "pass"], { stdio: "ignore" });
      return false;
    } catch {
      return "python3 is not installed";
    }
  })(),
}, () => {
  // getsockopt(TCP_INFO) copies min(len, sizeof(struct tcp_info)) bytes of the kernel's struct.
  const n = Number(
    execFileSync("python3", [
      "-c",
      "import socket; print(len(socket.socket().getsockopt(socket.SOL_TCP, socket.TCP_INFO, 1024)))",
    ], { encoding: "utf8" }).trim(),
  );
  assert.ok(n > 0);
  assert.ok(
    n <= sd.tcpInfo.size,
    `the spec's tcp_info (${sd.tcpInfo.size}) is shorter than the kernel's (${n})`,
  );
  // From 6.18 on, the spec has every member: the sizes are equal (280 bytes).
  const [major, minor] = release().split(".").map(Number);
  if (major > 6 || (major === 6 && minor >= 18)) assert.equal(n, sd.tcpInfo.size);
});
