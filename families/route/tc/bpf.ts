/**
 * The bpf classifier (`tc filter add … bpf`): a classic BPF program (struct sock_filter
 * instructions, linux/filter.h) or a loaded eBPF program by file descriptor.
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";
import { type ActionConfig, decodeActionList } from "./action.ts";
import { formatHandle, type Handle, parseHandle } from "./handles.ts";

/** One classic BPF instruction (struct sock_filter of linux/filter.h). */
export type BpfInsn = tc.SockFilter;

/**
 * bpf filter (`tc filter add … bpf`): classic BPF `bytecode` (instructions, or tc's text
 * `"n,code jt jf k,…"` as printed by `bpf_asm -c`/`tcpdump -ddd`), or an eBPF program `fd`
 * with its `name`.
 */
export interface BpfFilterConfig {
  /** Kind. */
  kind: "bpf";
  /** Classic BPF program. */
  bytecode?: BpfInsn[] | string;
  /** File descriptor of a loaded eBPF program (BPF_PROG_TYPE_SCHED_CLS). */
  fd?: number;
  /** Name of the eBPF program, shown by `tc filter show`. */
  name?: string;
  /** The program's return value is the verdict (`da`). */
  directAction?: boolean;
  /** Class for matching packets. */
  classid?: Handle;
  /** Actions run on matching packets. */
  actions?: ActionConfig[];
  /** Do not offload to hardware (`skip_hw`). */
  skipHw?: boolean;
  /** Kernel id of the eBPF program (read only). */
  id?: number;
  /** Tag of the eBPF program, hex (read only). */
  tag?: string;
}

/** Instructions from tc's `bytecode` text: the count, then `code jt jf k` per instruction. */
function parseBytecode(code: BpfInsn[] | string): BpfInsn[] {
  if (typeof code !== "string") return code;
  const parts = code.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const n = Number(parts[0]);
  if (!Number.isInteger(n) || n !== parts.length - 1) {
    throw new TypeError(`Bytecode "${code}" does not start with its instruction count`);
  }
  return parts.slice(1).map((p) => {
    const f = p.split(/\s+/).map(Number);
    if (f.length !== 4 || f.some((x) => !Number.isInteger(x))) {
      throw new TypeError(`Bad BPF instruction "${p}"`);
    }
    return { code: f[0], jt: f[1], jf: f[2], k: f[3] };
  });
}

/** TCA_BPF_OPS: the instructions, back to back. */
function encodeOps(insns: BpfInsn[]): Uint8Array {
  const size = tc.sockFilter.size;
  const ops = new Uint8Array(insns.length * size);
  insns.forEach((i, n) => ops.set(tc.sockFilter.encode({ ...i, k: i.k >>> 0 }), n * size));
  return ops;
}

function decodeOps(ops: Uint8Array): BpfInsn[] {
  const size = tc.sockFilter.size;
  const insns: BpfInsn[] = [];
  for (let at = 0; at + size <= ops.length; at += size) {
    const { code, jt, jf, k } = tc.sockFilter.decode(ops, at, at + size);
    insns.push({ code, jt, jf, k });
  }
  return insns;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * TCA_OPTIONS of a bpf filter, with its actions already encoded.
 *
 * @throws {TypeError} without bytecode or fd, or for bad bytecode text.
 */
export function encodeBpf(f: BpfFilterConfig, actions: tc.ActAttrs[] | undefined): tc.BpfAttrs {
  const options: tc.BpfAttrs = {};
  if (actions !== undefined) options.act = actions;
  if (f.classid !== undefined) options.classid = parseHandle(f.classid);
  if (f.bytecode !== undefined) {
    const insns = parseBytecode(f.bytecode);
    options.opsLen = insns.length;
    options.ops = encodeOps(insns);
  } else if (f.fd !== undefined) {
    options.fd = f.fd;
    options.name = f.name ?? `fd:${f.fd}`;
  } else throw new TypeError("bpf filter needs bytecode or fd");
  if (f.directAction) options.flags = tc.BPF_FLAGS.ACT_DIRECT;
  if (f.skipHw) options.flagsGen = tc.CLS_FLAGS.SKIP_HW;
  return options;
}

/** The configuration of a bpf filter from its TCA_OPTIONS (`names` names action devices). */
export function decodeBpf(f: tc.BpfAttrs, names?: ReadonlyMap<number, string>): BpfFilterConfig {
  const c: BpfFilterConfig = { kind: "bpf" };
  if (f.ops !== undefined) c.bytecode = decodeOps(f.ops);
  if (f.name !== undefined) c.name = f.name;
  if (f.id !== undefined) c.id = f.id;
  if (f.tag !== undefined) c.tag = hex(f.tag);
  if (f.classid !== undefined) c.classid = formatHandle(f.classid);
  if (((f.flags ?? 0) & tc.BPF_FLAGS.ACT_DIRECT) !== 0) c.directAction = true;
  if (((f.flagsGen ?? 0) & tc.CLS_FLAGS.SKIP_HW) !== 0) c.skipHw = true;
  if (f.act !== undefined) c.actions = decodeActionList(f.act, names).map((x) => x.config);
  return c;
}
