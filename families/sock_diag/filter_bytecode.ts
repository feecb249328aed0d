/**
 * `ss` filter expressions compiled to the kernel's `INET_DIAG_REQ_BYTECODE` program, byte for
 * byte as iproute2's `ssfilter_bytecompile` does.
 *
 * @module
 */
import { AF_INET6 } from "../route/addr_text.ts";
import {
  INET_DIAG_BC,
  inetDiagBcOp,
  inetDiagHostcond,
  inetDiagMarkcond,
} from "../generated/sock_diag.ts";
import type { FilterExpr } from "./filter.ts";

// ---------------------------------------------------------------------------
// Bytecode (ssfilter_bytecompile)
// ---------------------------------------------------------------------------

function op(code: number, yes: number, no: number): Uint8Array {
  return inetDiagBcOp.encode({ code, yes, no: no & 0xffff });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** ssfilter_patch: in `a[0, len)`, jumps to "reject" (len + 4) now jump `reloc` further. */
function patch(a: Uint8Array, len: number, reloc: number): void {
  const v = new DataView(a.buffer, a.byteOffset, a.byteLength);
  let off = 0;
  while (len > 0) {
    const yes = a[off + 1];
    if (v.getUint16(off + 2, true) === len + 4) v.setUint16(off + 2, len + 4 + reloc, true);
    len -= yes;
    off += yes;
    if (yes === 0) throw new RangeError("bytecode instruction of length 0");
  }
}

function compile(e: FilterExpr): Uint8Array | undefined {
  switch (e.op) {
    case "autobound":
      return op(INET_DIAG_BC.AUTO, 4, 8);
    case "src":
    case "dst": {
      const c = e.cond;
      const alen = c.family === AF_INET6 ? 16 : 4;
      const oplen = alen + 4 + inetDiagHostcond.size;
      const cond = inetDiagHostcond.encode({
        family: c.family,
        prefixLen: c.prefixLen & 0xff,
        port: c.port,
      });
      const addr = new Uint8Array(alen);
      addr.set(c.address.subarray(0, alen));
      const code = e.op === "dst" ? INET_DIAG_BC.D_COND : INET_DIAG_BC.S_COND;
      return concat(op(code, oplen, oplen + 4), cond, addr);
    }
    case "sport-ge":
    case "sport-le":
    case "dport-ge":
    case "dport-le": {
      const code = {
        "sport-ge": INET_DIAG_BC.S_GE,
        "sport-le": INET_DIAG_BC.S_LE,
        "dport-ge": INET_DIAG_BC.D_GE,
        "dport-le": INET_DIAG_BC.D_LE,
      }[e.op];
      return concat(op(code, 8, 12), op(0, 0, e.port));
    }
    case "and": {
      const a1 = compile(e.left);
      const a2 = compile(e.right);
      if (a1 === undefined || a2 === undefined) return undefined;
      const a = concat(a1, a2);
      patch(a, a1.length, a2.length);
      return a;
    }
    case "or": {
      const a1 = compile(e.left);
      const a2 = compile(e.right);
      if (a1 === undefined || a2 === undefined) return undefined;
      return concat(a1, op(INET_DIAG_BC.JMP, 4, a2.length + 4), a2);
    }
    case "not": {
      const a1 = compile(e.expr);
      if (a1 === undefined) return undefined;
      return concat(a1, op(INET_DIAG_BC.JMP, 4, 8));
    }
    case "dev":
      return undefined; // ss: "bytecompile for SSF_DEVCOND not supported yet"
    case "fwmark": {
      const len = 4 + inetDiagMarkcond.size;
      return concat(
        op(INET_DIAG_BC.MARK_COND, len, len + 4),
        inetDiagMarkcond.encode({ mark: e.mark, mask: e.mask }),
      );
    }
    case "cgroup": {
      const id = new Uint8Array(8);
      new DataView(id.buffer).setBigUint64(0, e.id, true);
      return concat(op(INET_DIAG_BC.CGROUP_COND, 12, 16), id);
    }
  }
}

/**
 * Compile a filter to the `INET_DIAG_REQ_BYTECODE` program `ss` sends for it, byte for byte.
 * Returns `undefined` when `ss` would send none: the expression is empty, or it has a part the
 * kernel program cannot express (`dev`), in which case `ss` filters in user space only (see
 * {@link matchFilter}).
 *
 * @example
 * ```ts
 * import { compileFilter, parseFilter } from "@netlink/netlink/sock-diag";
 * compileFilter(parseFilter("sport >= :1024")); // Uint8Array [2, 8, 12, 0, 0, 0, 0, 4]
 * ```
 */
export function compileFilter(expr: FilterExpr | undefined): Uint8Array | undefined {
  if (expr === undefined) return undefined;
  const b = compile(expr);
  return b === undefined || b.length === 0 ? undefined : b;
}
