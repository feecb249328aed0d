/**
 * Ground truth from the C compiler: compile a program against the installed uAPI headers, run
 * it, return what it printed. The tests of the connector, xfrm, audit, fib_lookup and crypto
 * families use it to get struct layouts (offsetof/sizeof) and bytes laid out by C, and compare
 * them with what the library decodes and encodes.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { MemberSpec, StructType } from "../codec/ynl/mod.ts";

function findCompiler(): string | undefined {
  for (const cc of ["cc", "gcc"]) {
    try {
      execFileSync(cc, ["--version"], { stdio: "ignore" });
      return cc;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const CC = findCompiler();

/** Skip reason when there is no C compiler. */
export const SKIP_CC: string | false = CC ? false : "no C compiler (cc or gcc) on PATH";

/** Compile `source` (a whole C program) and return its standard output. */
export function runC(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "c-truth-"));
  try {
    const src = path.join(dir, "t.c");
    const bin = path.join(dir, "t");
    fs.writeFileSync(src, source);
    execFileSync(CC!, ["-Wall", "-o", bin, src], { stdio: ["ignore", "pipe", "pipe"] });
    return execFileSync(bin, { encoding: "utf8" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Hex string of bytes. */
export function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Bytes of a hex string. */
export function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function probe(struct: StructType<object>, m: MemberSpec): unknown {
  if (m.struct !== undefined) return fullProbe(struct.family.struct(m.struct));
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
    case "string":
      return "Z".repeat(m.len!);
    default:
      return new Uint8Array(m.len!).fill(0x5a);
  }
}

function fullProbe(struct: StructType<object>): Record<string, unknown> {
  const v: Record<string, unknown> = {};
  for (const m of struct.members) if (m.type !== "pad") v[m.name] = probe(struct, m);
  return v;
}

function firstLast(b: Uint8Array): [number, number] {
  let first = -1;
  let last = -1;
  b.forEach((x, i) => {
    if (x !== 0) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return [first, last];
}

/**
 * Offset and size of each non-pad member as the codec lays `struct` out: each member is
 * encoded alone and the non-zero bytes located.
 */
export function codecLayout(
  struct: StructType<object>,
): { name: string; offset: number; size: number }[] {
  return struct.members.filter((m) => m.type !== "pad").map((m) => {
    const bytes = struct.encode({ [m.name]: probe(struct, m) });
    let [first, last] = firstLast(bytes);
    let size = last - first + 1;
    if (m.struct !== undefined) {
      const inner = struct.family.struct(m.struct);
      first -= firstLast(inner.encode(fullProbe(inner)))[0];
      size = inner.size;
    }
    return { name: m.name, offset: first, size };
  });
}

/** `camelCase` → `snake_case` (the C member name of a YNL member, by default). */
export function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/**
 * Compare the codec's layout of each struct with the C compiler's: every member's offset and
 * size, and the struct's size. `structs` maps a C struct (`struct xfrm_id`) to the library's
 * table and, optionally, C member names for members whose name is not the YNL name in
 * snake_case. Returns the mismatches (empty when all agree).
 */
export function compareLayouts(
  headers: string[],
  structs: {
    c: string;
    lib: StructType<object>;
    members?: Record<string, string>;
    /** The library struct is this much longer than the C one (a flexible array spelled out). */
    extra?: number;
  }[],
): string[] {
  const lines: string[] = [];
  const expect: string[] = [];
  for (const s of structs) {
    lines.push(`printf("%s size %zu\\n", "${s.c}", sizeof(${s.c}));`);
    expect.push(`${s.c} size ${s.lib.size - (s.extra ?? 0)}`);
    for (const m of codecLayout(s.lib)) {
      const cName = s.members?.[m.name] ?? snake(m.name);
      lines.push(
        `printf("%s.%s %zu %zu\\n", "${s.c}", "${cName}", offsetof(${s.c}, ${cName}), ` +
          `sizeof(((${s.c} *)0)->${cName}));`,
      );
      expect.push(`${s.c}.${cName} ${m.offset} ${m.size}`);
    }
  }
  const out = runC(
    [
      "#include <stdio.h>",
      "#include <stddef.h>",
      ...headers.map((h) => `#include <${h}>`),
      "int main(void) {",
      ...lines,
      "return 0; }",
    ].join("\n"),
  ).trim().split("\n");
  const problems: string[] = [];
  out.forEach((line, i) => {
    if (line !== expect[i]) problems.push(`C says "${line}", the library "${expect[i]}"`);
  });
  return problems;
}
