/**
 * Validation of specs against the YNL JSON schemas (`genetlink.yaml`, `genetlink-c.yaml`,
 * `genetlink-legacy.yaml`, `netlink-raw.yaml`: JSON Schema draft-07 written in YAML), chosen by
 * each spec's `protocol:`. Errors name the spec, the path (with the names of list items) and
 * the problem.
 *
 * @module
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import type { Protocol } from "./model.ts";

/** The four schema levels, by `protocol:` value. */
export const PROTOCOLS: readonly Protocol[] = [
  "genetlink",
  "genetlink-c",
  "genetlink-legacy",
  "netlink-raw",
];

// deno-lint-ignore no-explicit-any
type Y = any;

/** Compiled validators of the schema files in one folder. */
export class SchemaSet {
  #validators = new Map<string, ValidateFunction>();

  /** Read and compile the four schemas of `dir` (`specs/upstream`). */
  constructor(dir: string) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const p of PROTOCOLS) {
      const file = path.join(dir, `${p}.yaml`);
      // netlink-raw.yaml repeats the if/then keys of a mapping: the last one counts, as in
      // the kernel's own loader (PyYAML).
      const schema = YAML.parse(fs.readFileSync(file, "utf8"), { uniqueKeys: false });
      if (!String(schema.$schema ?? "").includes("draft-07")) {
        throw new Error(`${file}: expected a JSON Schema draft-07 document`);
      }
      // The ids are not unique across the copies (genetlink.yaml says genetlink-legacy), and
      // draft-07 is Ajv's default meta-schema.
      delete schema.$id;
      delete schema.$schema;
      this.#validators.set(p, ajv.compile(schema));
    }
  }

  /**
   * Validate `spec` (citations already stripped) against the schema of its `protocol:`.
   * Throws one Error listing every problem as `label: path: message`.
   */
  validate(spec: Y, label: string): void {
    const protocol = spec?.protocol ?? "genetlink";
    const v = this.#validators.get(protocol);
    if (v === undefined) throw new Error(`${label}: unknown protocol "${protocol}"`);
    if (v(spec)) return;
    const lines = describe(spec, v.errors ?? []);
    throw new Error(
      `${label} does not validate against ${protocol}.yaml:\n${
        lines.map((l) => `  ${l}`).join("\n")
      }`,
    );
  }
}

/** `/attribute-sets/3/attributes/5/type` → `attribute-sets[link-attrs].attributes[mtu].type`. */
export function readablePath(doc: Y, pointer: string): string {
  if (pointer === "") return "(top level)";
  let node = doc;
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const item = node[Number(part)];
      const id = item?.name ?? item?.value;
      out += `[${id !== undefined && typeof id !== "object" ? id : part}]`;
    } else out += out === "" ? part : `.${part}`;
    node = node?.[part];
  }
  return out;
}

function describe(doc: Y, errors: ErrorObject[]): string[] {
  // Leave out what the combinators add on top (the problem is reported inside), keep each once.
  const COMBINATORS = new Set(["if", "then", "else", "oneOf", "anyOf", "allOf", "not"]);
  const deepest = errors.filter((e) => !COMBINATORS.has(e.keyword));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of deepest) {
    let msg = e.message ?? "is invalid";
    const p = e.params as Record<string, unknown>;
    if (e.keyword === "additionalProperties") msg += `: "${p.additionalProperty}"`;
    else if (e.keyword === "enum") msg += `: ${(p.allowedValues as unknown[]).join(", ")}`;
    const line = `${readablePath(doc, e.instancePath)}: ${msg}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  }
  return out;
}
