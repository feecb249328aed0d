/**
 * nft JSON as `nft list ruleset` text: tables with their objects, sets, chains and rules,
 * statements written back in nft's syntax (close to nft's, not byte for byte: `-j` is the
 * exact form).
 *
 * @module
 */
import type { Json } from "../../families/netfilter/nftables.ts";

type O = { [k: string]: Json };

function val(v: Json): string {
  if (v === null) return "";
  if (typeof v === "string") return /^[a-z0-9_.:\-/@]+$/i.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.map(val).join(",");
  const o = v as O;
  if (o.set) return `{ ${(o.set as Json[]).map(val).join(", ")} }`;
  if (o.prefix) return `${val((o.prefix as O).addr)}/${(o.prefix as O).len}`;
  if (o.range) return `${val((o.range as Json[])[0])}-${val((o.range as Json[])[1])}`;
  if (o.concat) return (o.concat as Json[]).map(expr).join(" . ");
  if (o.elem) return val((o.elem as O).val);
  return expr(v);
}

function expr(e: Json): string {
  const o = e as O;
  if (o?.payload) {
    const p = o.payload as O;
    return p.protocol !== undefined
      ? `${p.protocol} ${p.field}`
      : `@${p.base},${p.offset},${p.len}`;
  }
  if (o?.meta) return `meta ${(o.meta as O).key}`;
  if (o?.ct) {
    const c = o.ct as O;
    return c.dir !== undefined ? `ct ${c.dir} ${c.key}` : `ct ${c.key}`;
  }
  if (o?.fib) {
    const f = o.fib as O;
    return `fib ${[f.flags ?? []].flat().join(" . ")} ${f.result}`;
  }
  if (o?.socket) return `socket ${(o.socket as O).key}`;
  if (o?.["&"]) {
    const [l, r] = o["&"] as Json[];
    return `${expr(l)} & ${val(r)}`;
  }
  if (o?.concat) return (o.concat as Json[]).map(expr).join(" . ");
  return val(e);
}

function natArgs(o: O | null): string {
  if (!o) return "";
  let s = "";
  if (o.addr !== undefined || o.port !== undefined) {
    const fam = o.family !== undefined ? `${o.family} ` : "";
    s += ` ${fam}to ${o.addr !== undefined ? val(o.addr) : ""}${
      o.port !== undefined ? `:${o.port}` : ""
    }`;
  }
  if (o.flags !== undefined) s += ` ${[o.flags].flat().join(",")}`;
  return s;
}

/** One statement in nft's syntax. */
export function statementText(s: Json): string {
  const [k, v] = Object.entries(s as O)[0];
  const o = v as O;
  switch (k) {
    case "match": {
      const op = o.op === "==" || o.op === "in" ? "" : `${o.op} `;
      const r = o.right;
      if ((o.left as O).fib && typeof r === "boolean") {
        return `${expr(o.left)} ${r ? "exists" : "missing"}`;
      }
      return `${expr(o.left)} ${op}${val(r)}`;
    }
    case "counter":
      return typeof v === "string"
        ? `counter name ${JSON.stringify(v)}`
        : o
        ? `counter packets ${o.packets} bytes ${o.bytes}`
        : "counter";
    case "quota":
      if (typeof v === "string") return `quota name ${JSON.stringify(v)}`;
      return `quota ${o.inv ? "over " : ""}${o.val} ${o.val_unit}`;
    case "limit":
      if (typeof v === "string") return `limit name ${JSON.stringify(v)}`;
      return `limit rate ${o.inv ? "over " : ""}${o.rate}${
        o.rate_unit ? ` ${o.rate_unit}` : ""
      }/${o.per}` +
        (o.burst !== 5 && o.burst ? ` burst ${o.burst} ${o.burst_unit ?? "packets"}` : "");
    case "log": {
      if (!o) return "log";
      const parts = ["log"];
      if (o.prefix !== undefined) parts.push(`prefix ${JSON.stringify(o.prefix)}`);
      if (o.group !== undefined) parts.push(`group ${o.group}`);
      if (o.level !== undefined) parts.push(`level ${o.level}`);
      if (o.flags !== undefined) parts.push(`flags ${[o.flags].flat().join(",")}`);
      return parts.join(" ");
    }
    case "mangle": {
      const key = expr(o.key).replace(/^meta (mark)$/, "meta $1");
      return `${key} set ${val(o.value)}`;
    }
    case "vmap":
      return `${expr(o.key)} vmap ${val(o.data)}`;
    case "jump":
    case "goto":
      return `${k} ${o.target}`;
    case "masquerade":
    case "redirect":
      return `${k}${natArgs(o)}`;
    case "snat":
    case "dnat":
      return `${k}${natArgs(o)}`;
    case "reject":
      if (!o) return "reject";
      if (o.type === "tcp reset") return "reject with tcp reset";
      return `reject with ${o.type} ${o.expr}`;
    default:
      return v === null ? k : `${k} ${JSON.stringify(v)}`;
  }
}

/** The ruleset of nft JSON as `nft list ruleset` text (with `handles`, `-a`'s `# handle N`). */
export function rulesetText(json: { nftables: Json[] }, handles = false): string {
  const items = json.nftables.map((x) => Object.entries(x as O)[0] as [string, O]);
  let out = "";
  const tables = items.filter(([k]) => k === "table");
  for (const [, t] of tables) {
    const mine = (o: O) => o.family === t.family && o.table === t.name;
    const h = (o: O) => (handles ? ` # handle ${o.handle}` : "");
    out += `table ${t.family} ${t.name} {${h(t)}\n`;
    const blocks: string[] = [];
    for (const [k, o] of items) {
      if (!["counter", "quota", "limit"].includes(k) || !mine(o)) continue;
      const body = k === "counter"
        ? `packets ${o.packets} bytes ${o.bytes}`
        : k === "quota"
        ? `${o.inv ? "over " : ""}${o.bytes} bytes`
        : `rate ${o.rate}/${o.per}`;
      blocks.push(`\t${k} ${o.name} {${h(o)}\n\t\t${body}\n\t}\n`);
    }
    for (const [k, o] of items) {
      if ((k !== "set" && k !== "map") || !mine(o)) continue;
      let b = `\t${k} ${o.name} {${h(o)}\n\t\ttype ${[o.type].flat().join(" . ")}${
        k === "map" ? ` : ${o.map}` : ""
      }\n`;
      if (o.flags) b += `\t\tflags ${[o.flags].flat().join(",")}\n`;
      if (o.elem) {
        const el = (o.elem as Json[]).map((e) =>
          Array.isArray(e)
            ? `${val(e[0])} : ${
              typeof e[1] === "object" && e[1] ? Object.keys(e[1])[0] : val(e[1])
            }`
            : val(e)
        );
        b += `\t\telements = { ${el.join(", ")} }\n`;
      }
      blocks.push(b + "\t}\n");
    }
    for (const [k, c] of items) {
      if (k !== "chain" || !mine(c)) continue;
      let b = `\tchain ${c.name} {${h(c)}\n`;
      if (c.hook !== undefined) {
        b += `\t\ttype ${c.type} hook ${c.hook} priority ${c.prio}; policy ${c.policy};\n`;
      }
      for (const [rk, r] of items) {
        if (rk !== "rule" || !mine(r) || r.chain !== c.name) continue;
        b += `\t\t${(r.expr as Json[]).map(statementText).join(" ")}${h(r)}\n`;
      }
      blocks.push(b + "\t}\n");
    }
    out += blocks.join("\n") + "}\n";
  }
  return out;
}
