/**
 * nft's rule syntax (the part examples/nft.ts takes) turned into nft JSON statements, which
 * the library compiles (`compileRule`): matches on protocol fields, `meta`, `ct` and `fib`;
 * `counter`, verdicts, `limit`, `log`, `quota`, NAT, `reject`, `notrack`, `mangle` (`… set …`)
 * and verdict maps.
 *
 * @module
 */
import { payloadProtocol } from "../../families/netfilter/nftables.ts";

type J = Record<string, unknown>;

/** A syntax error, with the token it stopped at. */
export class RuleSyntaxError extends Error {}

/** Split a rule into tokens: words, quoted strings, `{ } , : /`, operators. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|[{},;]|!=|==|<=|>=|<|>|[^\s{},;"]+)/y;
  let at = 0;
  for (;;) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) break;
    out.push(m[1]);
    at = re.lastIndex;
  }
  if (text.slice(at).trim() !== "") throw new RuleSyntaxError(`Cannot read "${text.slice(at)}"`);
  return out;
}

const META_SHORT = new Set([
  "iifname",
  "oifname",
  "iif",
  "oif",
  "mark",
  "iiftype",
  "oiftype",
  "skuid",
  "skgid",
  "nfproto",
  "l4proto",
  "pkttype",
  "cpu",
  "iifgroup",
  "oifgroup",
  "cgroup",
  "priority",
  "length",
  "protocol",
]);

const OPS: Record<string, string> = {
  "==": "==",
  eq: "==",
  "!=": "!=",
  ne: "!=",
  "<": "<",
  lt: "<",
  ">": ">",
  gt: ">",
  "<=": "<=",
  le: "<=",
  ">=": ">=",
  ge: ">=",
};

const BITMASK_LEFT = new Set(["ct state", "ct status", "tcp flags"]);

const SERVICES: Record<string, number> = {
  ssh: 22,
  http: 80,
  https: 443,
  domain: 53,
  smtp: 25,
  ntp: 123,
  telnet: 23,
  ftp: 21,
};

class Parser {
  i = 0;
  constructor(readonly t: string[]) {}

  peek(k = 0): string | undefined {
    return this.t[this.i + k];
  }

  next(what = "a token"): string {
    const v = this.t[this.i++];
    if (v === undefined) throw new RuleSyntaxError(`Expected ${what} at the end of the rule`);
    return v;
  }

  expect(word: string): void {
    const v = this.next(`"${word}"`);
    if (v !== word) throw new RuleSyntaxError(`Expected "${word}", got "${v}"`);
  }

  /** A value: number, hex, string, address, prefix, range, service name or symbol. */
  value(v: string, left?: string): unknown {
    if (v.startsWith('"')) return JSON.parse(v);
    if (v.startsWith("(")) {
      // `(syn | ack)`: the bits of a flags value.
      let text = v;
      while (!text.endsWith(")")) text += " " + this.next("a closing parenthesis");
      return text.slice(1, -1).split("|").map((x) => this.value(x.trim(), left));
    }
    if (v.startsWith("@")) return v;
    const range = /^([^-:]+|[0-9a-f:.]+)-([^-]+)$/i.exec(v);
    if (range && !v.includes("/") && !/^[a-z]+-[a-z]+/i.test(v)) {
      return { range: [this.value(range[1], left), this.value(range[2], left)] };
    }
    const prefix = /^(.+)\/([0-9]+)$/.exec(v);
    if (prefix) return { prefix: { addr: this.value(prefix[1], left), len: Number(prefix[2]) } };
    if (/^0x[0-9a-f]+$/i.test(v)) return parseInt(v, 16);
    if (/^[0-9]+$/.test(v)) return Number(v);
    if (left?.endsWith("port") && SERVICES[v] !== undefined) return SERVICES[v];
    return v;
  }

  /** A right-hand side: a value, a list `a,b`, or a set `{ a, b }`. */
  right(left: string): unknown {
    if (this.peek() === "{") {
      this.next();
      const items: unknown[] = [];
      while (this.peek() !== "}") {
        items.push(this.value(this.next("a set element"), left));
        if (this.peek() === ",") this.next();
      }
      this.next();
      return { set: items };
    }
    const v = this.next("a value");
    if (v.includes(",") || this.peek() === ",") {
      const parts = v.split(",").filter((x) => x !== "");
      while (this.peek() === ",") {
        this.next();
        parts.push(this.next("a value"));
      }
      return parts.map((p) => this.value(p, left));
    }
    return this.value(v, left);
  }

  /** The left side of a match or mangle, as JSON, and its text for typing. */
  left(): { json: J; text: string } | undefined {
    const w = this.peek();
    if (w === undefined) return undefined;
    if (w === "meta") {
      this.next();
      const key = this.next("a meta key");
      return { json: { meta: { key } }, text: `meta ${key}` };
    }
    if (META_SHORT.has(w) && w !== "protocol" && w !== "length" && w !== "priority") {
      this.next();
      return { json: { meta: { key: w } }, text: `meta ${w}` };
    }
    if (w === "ct") {
      this.next();
      let key = this.next("a ct key");
      const ct: J = {};
      if (key === "original" || key === "reply") {
        ct.dir = key;
        key = this.next("a ct key");
      }
      ct.key = key;
      return { json: { ct }, text: `ct ${key}` };
    }
    if (w === "socket") {
      this.next();
      const key = this.next("a socket key");
      return { json: { socket: { key } }, text: `socket ${key}` };
    }
    if (w === "fib") {
      this.next();
      const flags: string[] = [this.next("fib flags")];
      while (this.peek() === ".") {
        this.next();
        flags.push(this.next("fib flags"));
      }
      const result = this.next("a fib result");
      return { json: { fib: { result, flags } }, text: `fib ${result}` };
    }
    const proto = payloadProtocol(w);
    if (proto && proto.fields.some((f) => f.name === this.peek(1))) {
      this.next();
      const field = this.next();
      return { json: { payload: { protocol: w, field } }, text: `${w} ${field}` };
    }
    return undefined;
  }

  statement(): J[] {
    const w = this.peek()!;
    const l = this.left();
    if (l) {
      if (this.peek() === "set") {
        this.next();
        return [{ mangle: { key: l.json, value: this.value(this.next("a value"), l.text) } }];
      }
      if (this.peek() === "&") {
        this.next();
        l.json = { "&": [l.json, this.value(this.next("a mask"), l.text)] };
      }
      if (this.peek() === "vmap") {
        this.next();
        return [{ vmap: { key: l.json, data: this.next("a map") } }];
      }
      let op: string | undefined = OPS[this.peek() ?? ""];
      if (op !== undefined) this.next();
      const right = this.right(l.text);
      if (l.json.fib && (right === "exists" || right === "missing")) {
        return [{ match: { op: "==", left: l.json, right: right === "exists" } }];
      }
      if (op === undefined) op = BITMASK_LEFT.has(l.text) ? "in" : "==";
      return [{ match: { op, left: l.json, right } }];
    }
    this.next();
    switch (w) {
      case "accept":
      case "drop":
      case "return":
      case "continue":
        return [{ [w]: null }];
      case "jump":
      case "goto":
        return [{ [w]: { target: this.next("a chain") } }];
      case "counter":
        if (this.peek() === "name") {
          this.next();
          return [{ counter: JSON.parse(JSON.stringify(this.value(this.next("a name")))) }];
        }
        if (this.peek() === "packets") {
          this.next();
          const packets = Number(this.next());
          this.expect("bytes");
          return [{ counter: { packets, bytes: Number(this.next()) } }];
        }
        return [{ counter: null }];
      case "notrack":
        return [{ notrack: null }];
      case "limit":
        return [this.limit()];
      case "log":
        return [this.log()];
      case "quota":
        return [this.quota()];
      case "masquerade":
      case "redirect":
        return [this.masq(w)];
      case "snat":
      case "dnat":
        return [this.nat(w)];
      case "reject":
        return [this.reject()];
      case "tproxy": {
        const o = this.nat("tproxy").tproxy as J;
        if (o.addr === "" || o.addr === undefined) delete o.addr;
        return [{ tproxy: o }];
      }
      default:
        throw new RuleSyntaxError(`Unknown statement "${w}"`);
    }
  }

  limit(): J {
    this.expect("rate");
    const o: J = {};
    if (this.peek() === "over") {
      this.next();
      o.inv = true;
    }
    let rate = this.next("a rate");
    let unit: string | undefined;
    if (!rate.includes("/")) {
      unit = this.next("a unit");
      rate = `${rate}${unit}`;
    }
    const m = /^([0-9]+)([a-z]*)\/([a-z]+)$/.exec(rate);
    if (!m) throw new RuleSyntaxError(`Bad rate "${rate}"`);
    const out: J = { rate: Number(m[1]), burst: 5, per: m[3] };
    if (m[2]) {
      out.rate_unit = m[2];
      out.burst = 0;
    }
    if (this.peek() === "burst") {
      this.next();
      out.burst = Number(this.next("a burst"));
      const u = this.next("packets or a byte unit");
      if (u !== "packets") out.burst_unit = u;
    }
    return { limit: { ...out, ...o } };
  }

  log(): J {
    const o: J = {};
    for (;;) {
      const w = this.peek();
      if (w === "prefix") o.prefix = (this.next(), this.value(this.next()));
      else if (w === "level") {
        o.level = (this.next(), this.next()) === "warning" ? "warn" : this.t[this.i - 1];
      } else if (w === "group") o.group = (this.next(), Number(this.next()));
      else if (w === "snaplen") o.snaplen = (this.next(), Number(this.next()));
      else if (w === "queue-threshold") o["queue-threshold"] = (this.next(), Number(this.next()));
      else if (w === "flags") {
        this.next();
        const f = this.next();
        o.flags = f === "all" ? "all" : f;
      } else break;
    }
    return { log: Object.keys(o).length > 0 ? o : null };
  }

  quota(): J {
    if (this.peek() === "name") {
      this.next();
      return { quota: this.value(this.next("a name")) };
    }
    const o: J = {};
    if (this.peek() === "over") {
      this.next();
      o.inv = true;
    }
    const val = Number(this.next("a size"));
    const unit = this.next("a unit");
    const out: J = { val, val_unit: unit, ...o };
    if (this.peek() === "used") {
      this.next();
      out.used = Number(this.next());
      out.used_unit = this.next();
    }
    return { quota: out };
  }

  natFlags(o: J): void {
    const flags: string[] = [];
    while (["random", "fully-random", "persistent"].includes(this.peek() ?? "")) {
      flags.push(this.next());
      if (this.peek() === ",") this.next();
    }
    if (flags.length > 0) o.flags = flags.length === 1 ? flags[0] : flags;
  }

  masq(kind: string): J {
    const o: J = {};
    if (this.peek() === "to") {
      this.next();
      o.port = Number(this.next("a port").replace(/^:/, ""));
    }
    this.natFlags(o);
    return {
      [kind === "masquerade" ? "masquerade" : "redirect"]: Object.keys(o).length ? o : null,
    };
  }

  nat(kind: string): J {
    const o: J = {};
    if (this.peek() === "ip" || this.peek() === "ip6") o.family = this.next();
    this.expect("to");
    const target = this.next("an address");
    const v6 = /^\[(.+)\]:([0-9]+)$/.exec(target);
    const v4 = /^([^:]*):([0-9]+)$/.exec(target);
    if (v6) {
      o.addr = v6[1];
      o.port = Number(v6[2]);
    } else if (v4) {
      if (v4[1] !== "") o.addr = v4[1];
      o.port = Number(v4[2]);
    } else o.addr = target;
    this.natFlags(o);
    return { [kind]: o };
  }

  reject(): J {
    if (this.peek() !== "with") return { reject: null };
    this.next();
    const type = this.next("icmp, icmpv6, icmpx or tcp");
    if (type === "tcp") {
      this.expect("reset");
      return { reject: { type: "tcp reset" } };
    }
    if (this.peek() === "type") this.next();
    return { reject: { type, expr: this.next("a code") } };
  }
}

/**
 * The JSON statements of a rule written in nft's syntax.
 *
 * @throws {RuleSyntaxError} for what this reader does not know.
 */
export function parseRule(words: readonly string[] | string): J[] {
  const tokens = typeof words === "string" ? tokenize(words) : tokenize(words.join(" "));
  const p = new Parser(tokens);
  const out: J[] = [];
  while (p.peek() !== undefined) out.push(...p.statement());
  return out;
}
