/**
 * Text helpers of the generator: names, JSDoc blocks, and a width-aware literal printer (close
 * to what `deno fmt` makes, so formatting changes little).
 *
 * @module
 */

import { camelCase, screamingSnake } from "../../codec/ynl/mod.ts";

export { camelCase, screamingSnake };

/** Line width of the repository (deno.json `fmt.lineWidth`). */
export const LINE_WIDTH = 100;

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval undefined NaN Infinity")
    .split(" "),
);

/**
 * The spec name that a camelCase key reads back as (client/json_values.ts `specName`: a dash
 * before each capital, all lower case). When it is not the YNL name (`if_idx`, `link-64`,
 * `support-5-mhz`, `DP`), the tables carry the YNL name as `yname`.
 */
export function printedName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** The YNL name when camelCase does not give it back ({@link printedName}), else undefined. */
export function ynameIfLost(name: string): string | undefined {
  return printedName(camelCase(name)) === name ? undefined : name;
}

/** `rt-link` → `RtLink`. */
export function pascalCase(name: string): string {
  const c = camelCase(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** A JavaScript identifier? */
export function isIdent(s: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
}

/** An object key: bare when it is an identifier, else quoted. */
export function propKey(s: string): string {
  return isIdent(s) || /^(0|[1-9][0-9]*)$/.test(s) ? s : JSON.stringify(s);
}

/** Spec text made safe for a JSDoc comment. */
export function docText(s: unknown): string {
  return String(s ?? "").replace(/\*\//g, "*\\/").replace(/\s+$/g, "").trim();
}

/** Split a line longer than the width at spaces (a longer word stays whole). */
function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = /^\s*(?:[-*] )?/.exec(line)![0];
  const hang = " ".repeat(lead.length);
  const out: string[] = [];
  let cur = "";
  for (const word of line.slice(lead.length).split(/ +/)) {
    const prefix = out.length === 0 ? lead : hang;
    if (cur !== "" && prefix.length + cur.length + 1 + word.length > width) {
      out.push(prefix + cur);
      cur = word;
    } else cur = cur === "" ? word : `${cur} ${word}`;
  }
  out.push((out.length === 0 ? lead : hang) + cur);
  return out;
}

/** A JSDoc block at `indent` from lines of text (blank lines kept, long prose lines wrapped). */
export function jsdoc(indent: string, text: string): string {
  const raw = text.split("\n").map((l) => l.replace(/\s+$/, ""));
  while (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  if (raw.length === 1 && indent.length + raw[0].length + 7 <= LINE_WIDTH) {
    return `${indent}/** ${raw[0]} */\n`;
  }
  let fenced = false;
  const lines = raw.flatMap((l) => {
    if (l.startsWith("```")) fenced = !fenced;
    return fenced || l.startsWith("```") ? [l] : wrap(l, LINE_WIDTH - indent.length - 3);
  });
  return `${indent}/**\n${
    lines.map((l) => (l === "" ? `${indent} *` : `${indent} * ${l}`)).join("\n")
  }\n${indent} */\n`;
}

/** Code printed as is inside a literal (a reference to an export). */
export class Code {
  /** Wrap `code`. */
  constructor(readonly code: string) {}
}

/** A value the literal printer prints. */
export type Lit = string | number | boolean | null | Code | Lit[] | {
  [k: string]: Lit | undefined;
};

function oneLine(v: Lit): string {
  if (v instanceof Code) return v.code;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  if (Array.isArray(v)) return `[${v.map(oneLine).join(", ")}]`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, x]) => `${propKey(k)}: ${oneLine(x as Lit)}`).join(", ")} }`;
}

/**
 * Print `v` at `indent`; `lead` and `trail` are the characters already on the line before it and
 * those that follow it. Objects and arrays break over lines when they do not fit.
 */
export function literal(v: Lit, indent: string, lead: number, trail: number): string {
  const one = oneLine(v);
  if (
    indent.length + lead + one.length + trail <= LINE_WIDTH || v instanceof Code ||
    typeof v !== "object" || v === null
  ) {
    return one;
  }
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => `${inner}${literal(x, inner, 0, 1)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${
    entries.map(([k, x]) => {
      const key = `${propKey(k)}: `;
      return `${inner}${key}${literal(x as Lit, inner, key.length, 1)},`;
    }).join("\n")
  }\n${indent}}`;
}

/** The exported names of one module: each claimed once, clashes resolved by a suffix or fatal. */
export class Names {
  #used = new Map<string, string>();

  /** Names in the module `file` (for messages). */
  constructor(private readonly file: string) {}

  /** Claim `name` for `what`; on a clash try `name + suffix`, then fail. */
  claim(name: string, what: string, suffix?: string): string {
    let n = name;
    if (RESERVED.has(n) || this.#used.has(n)) {
      if (suffix === undefined) {
        throw new Error(
          `${this.file}: ${what} "${n}" clashes with ${this.#used.get(n) ?? "a reserved word"}`,
        );
      }
      n = name + suffix;
      if (this.#used.has(n)) {
        throw new Error(`${this.file}: ${what} "${n}" clashes with ${this.#used.get(n)}`);
      }
    }
    this.#used.set(n, what);
    return n;
  }
}
