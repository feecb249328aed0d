/**
 * `ss` filter expressions: parsed as iproute2's `ss` parses them (misc/ssfilter.y and
 * `parse_hostcond` in misc/ss.c), compiled to the kernel's `INET_DIAG_REQ_BYTECODE` program
 * byte for byte as `ssfilter_bytecompile` does, and evaluated in user space as `run_ssfilter`
 * does (for unix sockets, and for what the kernel program cannot express).
 *
 * The grammar, as `ss` has it:
 *
 * - `src PREFIX[:PORT]`, `dst PREFIX[:PORT]` (an optional `=` in between); IPv6 addresses in
 *   brackets (`dst [::1]:80`), `*` for any address (`src *:22`), `unix:PATTERN` for unix
 *   socket names (shell patterns, case-insensitive), `inet:`/`inet6:` to force a family;
 * - `sport OP :PORT`, `dport OP :PORT` with OP one of `=` `==` `eq`, `!=` `ne` `neq`, `<` `lt`,
 *   `>` `gt`, `<=` `le` `leq`, `>=` `ge` `geq` (or none, meaning `=`);
 * - `dev [=|!=] NAME`, `fwmark [=|!=] MARK[/MASK]`, `cgroup [=|!=] PATH`, `autobound`;
 * - `and` `&` `&&`, `or` `|` `||`, `not` `!`, parentheses, and juxtaposition meaning `and`.
 *
 * Tokens are separated by blanks (so parentheses stand alone: `( sport = :22 )`), and
 * operators bind strictly left to right: `a or b and c` is `(a or b) and c`, as in `ss`.
 *
 * @example
 * ```ts
 * import { compileFilter, parseFilter } from "@netlink/netlink/sock-diag";
 * const f = parseFilter("sport = :22 or dport = :22");
 * const bytecode = compileFilter(f); // INET_DIAG_REQ_BYTECODE for a sock_diag request
 * ```
 *
 * @module
 */
import { AF_INET, AF_INET6, formatIp, parseIpv6 } from "../route/addr_text.ts";

/** `AF_UNIX` (linux/socket.h): the family of `unix:` conditions. */
const afUnix = 1;

/** A host condition of `src`/`dst`/`sport`/`dport`: an address prefix and a port. */
export interface HostCond {
  /** `AF_INET` (2), `AF_INET6` (10), `AF_UNIX` (1) for `unix:` patterns, or 0 (any family). */
  family: number;
  /** Prefix length in bits (0: any address). */
  prefixLen: number;
  /** Address bytes: 4 (IPv4, and any family) or 16 (IPv6); zeros when none was given. */
  address: Uint8Array;
  /** Port, or -1 for any. */
  port: number;
  /** For `unix:` conditions: the shell pattern matched against socket names. */
  pattern?: string;
}

/**
 * A parsed filter expression. Port comparisons keep the shape `ss` gives them: `sport > :N` is
 * `not (sport <= :N)`, `sport != :N` is `not (src *:N)`.
 */
export type FilterExpr =
  | { readonly op: "and" | "or"; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly op: "not"; readonly expr: FilterExpr }
  | { readonly op: "src" | "dst"; readonly cond: HostCond }
  | { readonly op: "sport-ge" | "sport-le" | "dport-ge" | "dport-le"; readonly port: number }
  | { readonly op: "autobound" }
  | { readonly op: "dev"; readonly ifindex: number }
  | { readonly op: "fwmark"; readonly mark: number; readonly mask: number }
  | { readonly op: "cgroup"; readonly id: bigint };

/** How names in a filter are resolved (all optional: numbers always work). */
export interface FilterParseOptions {
  /**
   * The preferred address family (`ss -4` / `-6`): addresses must be of it, and `any` means
   * any address of it.
   */
  family?: number;
  /** Port of a service name (`sport = :ssh`); without it only numbers are ports. */
  service?: (name: string) => number | undefined;
  /** Interface index of a device name (`dev eth0`); without it only indexes are accepted. */
  device?: (name: string) => number | undefined;
  /** cgroup v2 id of a path (`cgroup /system.slice`); needed for `cgroup` conditions. */
  cgroup?: (path: string) => bigint | undefined;
}

/** A filter that `ss` would reject, with the offending token. */
export class FilterError extends SyntaxError {
  /** The token where parsing failed (`""` at the end of the input). */
  readonly token: string;

  /**
   * A filter error at `token`.
   *
   * @example
   * ```ts
   * import { FilterError } from "@netlink/netlink/sock-diag";
   * const e = new FilterError("unexpected token", ")");
   * console.log(e.token); // ")"
   * ```
   */
  constructor(message: string, token: string) {
    super(message);
    this.name = "FilterError";
    this.token = token;
  }
}

// ---------------------------------------------------------------------------
// Lexer (ssfilter.y yylex, get_token_from_line)
// ---------------------------------------------------------------------------

type Tok =
  | "!"
  | "&"
  | "|"
  | "("
  | ")"
  | "dst"
  | "src"
  | "dport"
  | "sport"
  | "dev"
  | "fwmark"
  | "cgroup"
  | "autobound"
  | ">="
  | "<="
  | "!="
  | "="
  | ">"
  | "<"
  | "value";

const WORDS: Record<string, Tok> = {
  "!": "!",
  not: "!",
  "&": "&",
  "&&": "&",
  and: "&",
  "|": "|",
  "||": "|",
  or: "|",
  "(": "(",
  ")": ")",
  dst: "dst",
  src: "src",
  dport: "dport",
  sport: "sport",
  dev: "dev",
  fwmark: "fwmark",
  cgroup: "cgroup",
  autobound: "autobound",
  ">=": ">=",
  ge: ">=",
  geq: ">=",
  "<=": "<=",
  le: "<=",
  leq: "<=",
  "!=": "!=",
  ne: "!=",
  neq: "!=",
  "=": "=",
  "==": "=",
  eq: "=",
  ">": ">",
  gt: ">",
  "<": "<",
  lt: "<",
};

/** Split like ss's get_token_from_line: blanks separate, a backslash escapes anything. */
function words(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    let cur = "";
    let started = false;
    for (let i = 0; i < arg.length; i++) {
      const c = arg[i];
      if (c === "\\") {
        i++;
        if (i < arg.length) cur += arg[i];
        started = true;
      } else if (c === " " || c === "\t") {
        if (started) out.push(cur);
        cur = "";
        started = false;
      } else {
        cur += c;
        started = true;
      }
    }
    if (started) out.push(cur);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/** C `strtol(s, &end, 0)` on the whole string (get_integer): decimal, 0x hex, 0 octal. */
function cInteger(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return undefined;
  const body = m[2];
  const v = /^0[xX]/.test(body)
    ? parseInt(body.slice(2), 16)
    : body.length > 1 && body[0] === "0"
    ? parseInt(body.slice(1), 8)
    : Number(body);
  const n = m[1] === "-" ? -v : v;
  return n >= -0x80000000 && n <= 0x7fffffff ? n : undefined;
}

/** iproute2's get_addr_ipv4: 1 to 4 parts (strtoul base 0), missing trailing parts are 0. */
function ipv4Loose(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  const parts = s.split(".");
  if (parts.length > 4) return undefined;
  for (let i = 0; i < parts.length; i++) {
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(parts[i]);
    if (m === null) return undefined;
    const p = m[1];
    const n = /^0[xX]/.test(p)
      ? parseInt(p.slice(2), 16)
      : p.length > 1 && p[0] === "0"
      ? parseInt(p.slice(1), 8)
      : Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** iproute2's get_netmask: a number, or a dotted mask of contiguous ones. */
function netmask(s: string): number | undefined {
  const n = cInteger(s);
  if (n !== undefined) return n >= 0 ? n : undefined;
  const b = s.split(".").length === 4 ? ipv4Loose(s) : undefined;
  if (b === undefined) return undefined;
  const v = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  let bits = 0;
  while (bits < 32 && (v & (0x80000000 >>> bits)) !== 0) bits++;
  return bits === 32 || ((v << bits) >>> 0) === 0 ? bits : undefined;
}

/** iproute2's get_prefix_1 for inet families: address (or `any`/`all`/`default`) and length. */
function prefix(
  text: string,
  family: number,
): { family: number; address: Uint8Array; len: number } {
  const slash = text.indexOf("/");
  const name = slash < 0 ? text : text.slice(0, slash);
  const bad = () => new FilterError(`an inet prefix is expected rather than "${text}"`, text);
  let fam: number;
  let address: Uint8Array;
  let any = false;
  if (name === "default" || name === "all" || name === "any") {
    fam = family;
    address = new Uint8Array(fam === AF_INET6 ? 16 : 4);
    any = true;
  } else if (name.includes(":")) {
    if (family !== 0 && family !== AF_INET6) throw bad();
    const b = parseIpv6(name);
    if (b === undefined) throw bad();
    fam = AF_INET6;
    address = b;
  } else {
    if (family !== 0 && family !== AF_INET) throw bad();
    const b = ipv4Loose(name);
    if (b === undefined) throw bad();
    fam = AF_INET;
    address = b;
  }
  const max = fam === AF_INET ? 32 : fam === AF_INET6 ? 128 : 0;
  let len = any ? 0 : max;
  if (slash >= 0) {
    if (any) throw bad();
    const plen = netmask(text.slice(slash + 1));
    if (plen === undefined || plen > max) throw bad();
    len = plen;
  }
  return { family: fam, address, len };
}

/** parse_hostcond of misc/ss.c, for inet and unix conditions. */
function hostCond(text: string, isPort: boolean, options: FilterParseOptions): HostCond {
  let addr = text;
  let fam = options.family ?? 0;
  for (const [p, f] of [["unix:", afUnix], ["inet:", AF_INET], ["inet6:", AF_INET6]] as const) {
    if (addr.startsWith(p)) {
      fam = f;
      addr = addr.slice(p.length);
      break;
    }
  }
  for (const p of ["link:", "netlink:", "vsock:"]) {
    if (addr.startsWith(p)) {
      throw new FilterError(`"${p}" conditions are not supported (only inet and unix)`, text);
    }
  }
  if (fam === afUnix) {
    return {
      family: afUnix,
      prefixLen: 8 * new TextEncoder().encode(addr).length,
      address: new Uint8Array(4),
      port: -1,
      pattern: addr,
    };
  }
  let port: string | undefined;
  if (addr.startsWith("[")) {
    const close = addr.indexOf("]");
    if (close < 0) throw new FilterError(`missing "]" in "${text}"`, text);
    port = addr.slice(close + 1);
    addr = addr.slice(1, close);
  } else if (addr.startsWith("*")) {
    port = addr.slice(1);
    addr = "*";
  } else {
    const slash = addr.indexOf("/");
    const colon = addr.lastIndexOf(":");
    if (colon >= 0 && colon > slash) {
      port = addr.slice(colon);
      addr = addr.slice(0, colon);
    }
  }
  if (isPort) port = text;
  let portNum = -1;
  if (port !== undefined && port !== "") {
    if (port.startsWith(":")) port = port.slice(1);
    if (port !== "" && !port.startsWith("*")) {
      const n = cInteger(port) ?? options.service?.(port);
      if (n === undefined) throw new FilterError(`"${port}" does not look like a port`, text);
      portNum = n;
    }
  }
  const cond: HostCond = { family: 0, prefixLen: 0, address: new Uint8Array(4), port: portNum };
  if (!isPort && addr !== "" && !addr.startsWith("*")) {
    const p = prefix(addr, fam);
    cond.family = p.family;
    cond.address = p.address;
    cond.prefixLen = p.len;
  }
  return cond;
}

function markMask(text: string): { mark: number; mask: number } {
  const parts = text.split("/");
  const num = (s: string) => {
    const m = /^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s.trim());
    if (m === null) return undefined;
    const n = cInteger(m[0]) ?? Number(BigInt.asUintN(32, BigInt(m[0])));
    return n >>> 0;
  };
  const mark = num(parts[0]);
  const mask = parts.length > 1 ? num(parts[1]) : 0xffffffff;
  if (mark === undefined || mask === undefined || parts.length > 2) {
    throw new FilterError(`Cannot parse mark ${text}.`, text);
  }
  return { mark, mask };
}

// ---------------------------------------------------------------------------
// Parser (the grammar of misc/ssfilter.y)
// ---------------------------------------------------------------------------

/**
 * Parse a filter expression as `ss` does: its arguments (or one string) split on blanks.
 * Returns `undefined` for an empty expression (no filter).
 *
 * @throws {FilterError} for what `ss` rejects.
 * @example
 * ```ts
 * import { parseFilter } from "@netlink/netlink/sock-diag";
 * parseFilter(["dst", "127.0.0.1/8", "and", "dport", ">", ":1024"]);
 * parseFilter("( sport = :ssh or sport = :http )", { service: (n) => ({ ssh: 22, http: 80 })[n] });
 * ```
 */
export function parseFilter(
  args: string | readonly string[],
  options: FilterParseOptions = {},
): FilterExpr | undefined {
  const toks = words(typeof args === "string" ? [args] : args);
  let i = 0;
  const kind = (t: string | undefined): Tok | undefined =>
    t === undefined ? undefined : WORDS[t] ?? "value";
  const peek = () => kind(toks[i]);
  const fail = (what: string): never => {
    const t = toks[i] ?? "";
    throw new FilterError(`syntax error in filter ${what} at "${t}"`, t);
  };
  const value = (): string => {
    if (peek() !== "value") fail("(a value was expected)");
    return toks[i++];
  };
  const startsExpr = (t: Tok | undefined) => t !== undefined && t !== ")" && t !== "&" && t !== "|";

  const expr = (): FilterExpr => {
    const t = peek();
    switch (t) {
      case "(": {
        i++;
        const e = list();
        if (peek() !== ")") fail('(")" expected)');
        i++;
        return e;
      }
      case "!":
        i++;
        return { op: "not", expr: expr() };
      case "src":
      case "dst": {
        i++;
        if (peek() === "=") i++;
        return { op: t, cond: hostCond(value(), false, options) };
      }
      case "sport":
      case "dport": {
        i++;
        const o = peek();
        if (o === ">=" || o === "<=" || o === ">" || o === "<" || o === "=" || o === "!=") i++;
        const cond = hostCond(value(), true, options);
        const ge = { op: `${t}-ge`, port: cond.port } as FilterExpr;
        const le = { op: `${t}-le`, port: cond.port } as FilterExpr;
        const eq: FilterExpr = { op: t === "sport" ? "src" : "dst", cond };
        switch (o) {
          case ">=":
            return ge;
          case "<=":
            return le;
          case ">":
            return { op: "not", expr: le };
          case "<":
            return { op: "not", expr: ge };
          case "!=":
            return { op: "not", expr: eq };
          default:
            return eq;
        }
      }
      case "dev":
      case "fwmark":
      case "cgroup": {
        i++;
        const o = peek();
        if (o === "=" || o === "!=") i++;
        const v = value();
        let e: FilterExpr;
        if (t === "dev") {
          const n = options.device?.(v) || cInteger(v);
          if (n === undefined || n <= 0) throw new FilterError("Cannot parse device.", v);
          e = { op: "dev", ifindex: n };
        } else if (t === "fwmark") {
          e = { op: "fwmark", ...markMask(v) };
        } else {
          const id = options.cgroup?.(v);
          if (id === undefined) throw new FilterError(`Cannot parse cgroup ${v}.`, v);
          e = { op: "cgroup", id };
        }
        return o === "!=" ? { op: "not", expr: e } : e;
      }
      case "autobound":
        i++;
        return { op: "autobound" };
      default:
        return fail("(an expression was expected)");
    }
  };
  const list = (): FilterExpr => {
    let left = expr();
    for (;;) {
      const t = peek();
      if (t === "|" || t === "&") {
        i++;
        left = { op: t === "|" ? "or" : "and", left, right: expr() };
      } else if (startsExpr(t)) {
        left = { op: "and", left, right: expr() };
      } else return left;
    }
  };
  if (toks.length === 0) return undefined;
  const e = list();
  if (i < toks.length) fail("(trailing tokens)");
  return e;
}

/**
 * The text of a filter, in `ss`'s own spelling (for messages and `-j` output).
 *
 * @example
 * ```ts
 * import { formatFilter, parseFilter } from "@netlink/netlink/sock-diag";
 * formatFilter(parseFilter("sport > :1024")!); // "not sport <= :1024"
 * ```
 */
export function formatFilter(expr: FilterExpr): string {
  const host = (c: HostCond) => {
    if (c.family === afUnix) return `unix:${c.pattern ?? ""}`;
    const port = c.port === -1 ? "*" : String(c.port);
    if (c.family === 0 && c.prefixLen === 0) return `*:${port}`;
    const a = formatIp(c.address.subarray(0, c.family === AF_INET6 ? 16 : 4));
    const t = c.family === AF_INET6 ? `[${a}]` : a;
    return `${t}/${c.prefixLen}:${port}`;
  };
  const sub = (e: FilterExpr) =>
    e.op === "and" || e.op === "or" ? `( ${formatFilter(e)} )` : formatFilter(e);
  switch (expr.op) {
    case "and":
    case "or":
      return `${formatFilter(expr.left)} ${expr.op} ${sub(expr.right)}`;
    case "not":
      return `not ${sub(expr.expr)}`;
    case "src":
    case "dst":
      return `${expr.op} ${host(expr.cond)}`;
    case "sport-ge":
    case "sport-le":
    case "dport-ge":
    case "dport-le": {
      const [k, o] = expr.op.split("-");
      return `${k} ${o === "ge" ? ">=" : "<="} :${expr.port}`;
    }
    case "autobound":
      return "autobound";
    case "dev":
      return `dev ${expr.ifindex}`;
    case "fwmark":
      return `fwmark 0x${expr.mark.toString(16)}/0x${expr.mask.toString(16)}`;
    case "cgroup":
      return `cgroup ${expr.id}`;
  }
}
