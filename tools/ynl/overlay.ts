/**
 * Overlays: patches to upstream specs, written in YNL syntax (the same structure as a spec),
 * each change citing where its value comes from.
 *
 * Merging:
 * - mappings merge key by key; a scalar or a list of strings replaces the value it meets;
 * - lists of named things (definitions, attribute sets, attributes, struct members, enum
 *   entries, operations, multicast groups, sub-messages) merge item by item, matched by `name`;
 *   sub-message `formats` are matched by `value`; an item that is not there yet is appended;
 * - `null` deletes a key (as in JSON Merge Patch).
 *
 * Citations: every change must sit in an entry (a named item, or the overlay itself) that carries
 * `uapi:` — the uAPI header and the declaration it comes from, e.g.
 * `"linux/pkt_sched.h: struct tc_ratespec { unsigned char cell_log; … }"`, with `@6.5` after the
 * header for a declaration that release added —, `kernel:` — a kernel source file that is not
 * a uAPI header and what it says, for what only the kernel's sources declare (e.g.
 * `"include/net/ip_fib.h: struct fib_result_nl { … }"`) — or, for a change that only concerns
 * the spec format, `schema:` naming the schema file. Entries that only lead to a
 * nested change need none. Citations are stripped before a spec is validated; local specs use
 * the same keys (see {@link checkLocalCitations}).
 *
 * @module
 */

/** Keys that carry citations; stripped before schema validation. */
export const CITATION_KEYS: readonly string[] = ["uapi", "kernel", "schema"];

/** Top-level folders of the kernel's source tree that a `kernel:` citation may name. */
const KERNEL_DIRS = "arch|block|crypto|drivers|fs|include|init|io_uring|ipc|kernel|lib|mm|net|" +
  "security|sound|virt";

/** `kernel:` citations: a kernel source file (not a uAPI header) and what it says. */
const KERNEL_CITATION = new RegExp(`^(?:${KERNEL_DIRS})/[\\w./-]+\\.[ch](@[0-9]+\\.[0-9]+)?: \\S`);

const SCHEMA_FILES = [
  "genetlink.yaml",
  "genetlink-c.yaml",
  "genetlink-legacy.yaml",
  "netlink-raw.yaml",
];

// deno-lint-ignore no-explicit-any
type Y = any;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Problems of one citation value, or undefined when it is well formed. */
export function citationProblem(key: string, v: unknown): string | undefined {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return `empty ${key} citation`;
  for (const c of list) {
    if (typeof c !== "string" || c.trim() === "") return `${key} citation must be text`;
    if (key === "uapi" && !/^[a-z0-9_]+(\/[a-z0-9_]+)*\.h(@[0-9]+\.[0-9]+)?: \S/.test(c)) {
      return `uapi citation "${c}" must start with a header and a colon ("linux/x.h: …", or ` +
        `"linux/x.h@6.5: …" for what a kernel release added)`;
    }
    if (key === "kernel" && (!KERNEL_CITATION.test(c) || c.startsWith("include/uapi/"))) {
      return `kernel citation "${c}" must start with a kernel source file and a colon ` +
        `("include/net/ip_fib.h: …", "net/core/sock.c: …"); a uAPI header is a uapi citation`;
    }
    if (key === "schema" && !SCHEMA_FILES.some((f) => c.startsWith(`${f}: `))) {
      return `schema citation "${c}" must start with a schema file (${SCHEMA_FILES.join(", ")})`;
    }
  }
  return undefined;
}

/** The citation of a mapping, if it has a valid one; throws on a malformed one. */
function citation(m: Record<string, unknown>, where: string): boolean {
  let found = false;
  for (const k of CITATION_KEYS) {
    if (!(k in m)) continue;
    const p = citationProblem(k, m[k]);
    if (p !== undefined) throw new Error(`${where}: ${p}`);
    found = true;
  }
  return found;
}

function itemId(listKey: string, item: unknown): string | undefined {
  if (typeof item === "string") return listKey === "entries" ? item : undefined;
  if (!isMap(item)) return undefined;
  const id = listKey === "formats" ? item.value : item.name;
  return id === undefined ? undefined : String(id);
}

/** Lists merged item by item: lists of mappings, and enum entries (strings or mappings). */
function isNamedList(key: string, v: unknown[]): boolean {
  if (key === "entries") return true;
  return v.length > 0 && v.every(isMap);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function uncited(where: string, what: string): Error {
  return new Error(
    `${where}: ${what} without a citation: add "uapi: <linux/header.h>: <declaration>" ` +
      `(or "kernel: <kernel source file>: <what it says>", or "schema: <schema file>: <reason>") ` +
      "to it or to an entry around it",
  );
}

function mergeList(
  target: unknown[],
  patch: unknown[],
  key: string,
  where: string,
  cited: boolean,
): unknown[] {
  const out = [...target];
  for (const p of patch) {
    const id = itemId(key, p);
    if (id === undefined) {
      throw new Error(`${where}.${key}: an item without a ${key === "formats" ? "value" : "name"}`);
    }
    const at = `${where}.${key}[${id}]`;
    const item = typeof p === "string" ? { name: p } : p as Record<string, unknown>;
    const itemCited = cited || citation(item, at);
    const i = out.findIndex((x) => itemId(key, x) === id);
    if (i < 0) {
      if (!itemCited) throw uncited(at, "a new item");
      out.push(clone(item));
      continue;
    }
    const existing = typeof out[i] === "string"
      ? { name: out[i] }
      : out[i] as Record<string, unknown>;
    out[i] = existing;
    if (!mergeMap(existing, item, at, itemCited, key === "formats" ? "value" : "name")) {
      throw new Error(`${at}: this entry changes nothing`);
    }
  }
  return out;
}

/** Merge `patch` into `target` in place; true when anything was changed. */
function mergeMap(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  where: string,
  cited: boolean,
  idKey: string,
): boolean {
  let changed = false;
  for (const [k, pv] of Object.entries(patch)) {
    if (CITATION_KEYS.includes(k) || k === idKey) continue; // the identity was matched already
    const at = `${where}.${k}`;
    const tv = target[k];
    if (pv === null) {
      if (!cited) throw uncited(at, "a deletion");
      if (!(k in target)) throw new Error(`${at}: deletes a key that is not there`);
      delete target[k];
      changed = true;
    } else if (Array.isArray(pv) && isNamedList(k, pv) && (tv === undefined || Array.isArray(tv))) {
      const before = JSON.stringify(tv ?? []);
      target[k] = mergeList((tv as unknown[] | undefined) ?? [], pv, k, where, cited);
      changed ||= JSON.stringify(target[k]) !== before;
    } else if (isMap(pv) && (isMap(tv) || tv === undefined)) {
      const inner = isMap(tv) ? tv : {};
      const innerCited = cited || citation(pv, at);
      if (mergeMap(inner, pv, at, innerCited, "")) {
        target[k] = inner;
        changed = true;
      }
    } else {
      if (!cited) throw uncited(at, "a change");
      if (JSON.stringify(tv) === JSON.stringify(pv)) {
        throw new Error(`${at}: already ${JSON.stringify(pv)} upstream; drop this change`);
      }
      target[k] = clone(pv);
      changed = true;
    }
  }
  return changed;
}

/**
 * Apply an overlay to a spec document (a deep copy is changed and returned). The overlay's
 * `name` must be the spec's. Throws, naming the overlay and the entry, on a change without a
 * citation, a malformed citation, a deletion of something absent, or a change to what upstream
 * already says.
 */
export function applyOverlay(spec: Y, overlay: Y, overlayFile: string): Y {
  if (!isMap(overlay)) throw new Error(`${overlayFile}: an overlay is a mapping`);
  if (overlay.name !== spec.name) {
    throw new Error(`${overlayFile}: overlay for "${overlay.name}" applied to spec "${spec.name}"`);
  }
  const out = clone(spec);
  const cited = citation(overlay, overlayFile);
  mergeMap(out, overlay, overlayFile, cited, "name");
  return out;
}

/** A copy of `doc` without citation keys, anywhere. */
export function stripCitations(doc: Y): Y {
  if (Array.isArray(doc)) return doc.map(stripCitations);
  if (!isMap(doc)) return doc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (!CITATION_KEYS.includes(k)) out[k] = stripCitations(v);
  }
  return out;
}

/**
 * A local spec (ours, not upstream) cites its numbers too: every definition, attribute set,
 * sub-message, operation and multicast group carries `uapi:` (an attribute inherits its set's).
 */
export function checkLocalCitations(doc: Y, file: string): void {
  const need = (items: Y[] | undefined, what: string, id = "name") => {
    for (const it of items ?? []) {
      const at = `${file}: ${what}[${it?.[id]}]`;
      if (!isMap(it) || !citation(it, at)) throw uncited(at, "a local definition");
    }
  };
  need(doc.definitions, "definitions");
  need(doc["attribute-sets"], "attribute-sets");
  need(doc["sub-messages"], "sub-messages");
  need(doc.operations?.list, "operations");
  need(doc["mcast-groups"]?.list, "mcast-groups");
}
