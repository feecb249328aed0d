/**
 * `ss` filter expressions evaluated in user space as iproute2's `run_ssfilter` does (for unix
 * sockets, and for what the kernel program cannot express).
 *
 * @module
 */
import { AF_INET, AF_INET6 } from "../route/addr_text.ts";
import type { FilterExpr, HostCond } from "./filter.ts";

/** `AF_UNIX` (linux/socket.h): the family of `unix:` conditions. */
const afUnix = 1;

// ---------------------------------------------------------------------------
// User-space evaluation (run_ssfilter)
// ---------------------------------------------------------------------------

/** One end of a socket, as the filter sees it. */
export interface FilterEndpoint {
  /** Address bytes (4 or 16) of inet sockets. */
  address?: Uint8Array;
  /** Port (inet), inode (unix: local) or peer inode (unix: remote). */
  port: number;
  /** Unix socket name (`@…` for abstract names), if any. */
  name?: string;
}

/** What {@link matchFilter} looks at. */
export interface FilterTarget {
  /** Address family of the socket (`AF_INET`, `AF_INET6`, `AF_UNIX` …). */
  family: number;
  /** The local end. */
  local: FilterEndpoint;
  /** The remote end. */
  remote: FilterEndpoint;
  /** Bound device (ifindex), 0 for none. */
  iface?: number;
  /** The socket mark. */
  mark?: number;
  /** The cgroup v2 id. */
  cgroupId?: bigint;
}

/** Port range the kernel picks automatic ports from (ss reads ip_local_port_range). */
export interface MatchOptions {
  /** `[low, high]` of `/proc/sys/net/ipv4/ip_local_port_range` (default ss's 1024–4999). */
  ephemeral?: readonly [number, number];
}

function prefixMatch(a: Uint8Array, p: Uint8Array, bits: number): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if ((a[i] ?? 0) !== (p[i] ?? 0)) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (((a[i] ?? 0) ^ (p[i] ?? 0)) & mask) === 0;
}

/** inet2_addr_match: a v4-mapped IPv6 address matches an IPv4 prefix. */
function addrMatch(a: Uint8Array | undefined, family: number, c: HostCond): boolean {
  const addr = a ?? new Uint8Array(16);
  if (prefixMatch(addr, c.address, c.prefixLen)) return true;
  if (c.family === AF_INET && family === AF_INET6 && addr.length === 16) {
    const mapped = addr.subarray(0, 10).every((x) => x === 0) && addr[10] === 0xff &&
      addr[11] === 0xff;
    if (mapped) return prefixMatch(addr.subarray(12), c.address, c.prefixLen);
  }
  return false;
}

/** fnmatch(pattern, name, FNM_CASEFOLD) for `*`, `?` and `[...]`. */
function globMatch(pattern: string, name: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, close).replace(/\\/g, "\\\\");
        if (body.startsWith("!")) body = "^" + body.slice(1);
        re += `[${body}]`;
        i = close;
      }
    } else if (c === "\\" && i + 1 < pattern.length) {
      re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(re + "$", "is").test(name);
}

function hostMatch(end: FilterEndpoint, family: number, c: HostCond): boolean {
  if (c.family === afUnix) return c.pattern === undefined || globMatch(c.pattern, end.name ?? "");
  if (c.port !== -1 && c.port !== end.port) return false;
  return c.prefixLen === 0 || addrMatch(end.address, family, c);
}

/**
 * Evaluate a filter on one socket as `ss` does in user space (`run_ssfilter`).
 *
 * @example
 * ```ts
 * import { matchFilter, parseFilter } from "@netlink/netlink/sock-diag";
 * const f = parseFilter("sport = :22")!;
 * matchFilter(f, { family: 2, local: { port: 22 }, remote: { port: 5000 } }); // true
 * ```
 */
export function matchFilter(
  expr: FilterExpr,
  target: FilterTarget,
  options: MatchOptions = {},
): boolean {
  switch (expr.op) {
    case "and":
      return matchFilter(expr.left, target, options) && matchFilter(expr.right, target, options);
    case "or":
      return matchFilter(expr.left, target, options) || matchFilter(expr.right, target, options);
    case "not":
      return !matchFilter(expr.expr, target, options);
    case "src":
      return hostMatch(target.local, target.family, expr.cond);
    case "dst":
      return hostMatch(target.remote, target.family, expr.cond);
    case "sport-ge":
      return target.local.port >= expr.port;
    case "sport-le":
      return target.local.port <= expr.port;
    case "dport-ge":
      return target.remote.port >= expr.port;
    case "dport-le":
      return target.remote.port <= expr.port;
    case "autobound": {
      if (target.family === afUnix) {
        const n = target.local.name;
        return n === undefined || /^@[0-9a-f]{5}$/.test(n);
      }
      const [lo, hi] = options.ephemeral ?? [1024, 4999];
      return target.local.port >= lo && target.local.port <= hi;
    }
    case "dev":
      return (target.iface ?? 0) === expr.ifindex;
    case "fwmark":
      return (((target.mark ?? 0) & expr.mask) >>> 0) === expr.mark;
    case "cgroup":
      return (target.cgroupId ?? 0n) === expr.id;
  }
}
