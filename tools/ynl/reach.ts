/**
 * How a family is reached from outside the package: the route families through the root (as
 * namespaces), every other family through one subpath named after it (`./ethtool`,
 * `./sock-diag`), which points at its hand-written API module when the manifest names one
 * (`api:`), else at its generated module; and the registry's protocol names.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROTOCOL_NAMES } from "../../codec/constants.ts";
import type { FamilyIR } from "./resolve.ts";

/**
 * Name of a raw netlink protocol in the registry: its `NETLINK_*` name of linux/netlink.h
 * (codec/constants.ts `PROTOCOL_NAMES`, checked against the header) without the prefix, in lower
 * case: 10 → `fib_lookup`, 21 → `crypto`.
 */
export function rawProtocolName(protonum: number, where = `protocol ${protonum}`): string {
  const c = PROTOCOL_NAMES[protonum];
  if (c === undefined) {
    throw new Error(`${where}: no NETLINK_* protocol ${protonum} (linux/netlink.h)`);
  }
  return c.replace(/^NETLINK_/, "").toLowerCase();
}

/** Name of a family's protocol in the registry: `route`, `netfilter`, `fib_lookup`, …, or `generic`. */
export function protocolName(f: FamilyIR): string {
  if (!f.raw) return "generic";
  if (f.protonum === undefined) throw new Error(`${f.file}: a netlink-raw spec needs protonum`);
  return rawProtocolName(f.protonum, f.file);
}

/** Route families (NETLINK_ROUTE) are reached through the package root, as namespaces. */
export function isRoute(f: FamilyIR): boolean {
  return f.raw && f.protonum === 0;
}

/**
 * The package subpath of a family: `./<YNL name>` (`./ethtool`, `./sock-diag`, `./net-shaper`)
 * for every family but the route ones, which the root exports.
 */
export function subpathOf(f: FamilyIR): string | undefined {
  return isRoute(f) ? undefined : `./${f.name}`;
}

/** How a hand-written API module re-exports its generated module. */
export interface ApiModule {
  /** Repository path of the module (`families/sock_diag/mod.ts`). */
  path: string;
  /** `export * as NAME from …`: the namespace; undefined for `export * from …`. */
  namespace?: string;
}

/**
 * Check that the API module `api` (a repository path, read from `root`) re-exports the generated
 * module `<outRel>/<module>.ts`, whole or as a namespace, and say which.
 */
export function apiModule(root: string, api: string, outRel: string, module: string): ApiModule {
  const file = path.join(root, api);
  if (!fs.existsSync(file)) {
    throw new Error(`specs/manifest.yaml: api module ${api} does not exist`);
  }
  let rel = path.posix.relative(path.posix.dirname(api), `${outRel}/${module}.ts`);
  if (!rel.startsWith(".")) rel = `./${rel}`;
  const text = fs.readFileSync(file, "utf8");
  const q = rel.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (new RegExp(`^export \\* from "${q}";`, "m").test(text)) return { path: api };
  const ns = new RegExp(`^export \\* as (\\w+) from "${q}";`, "m").exec(text);
  if (ns !== null) return { path: api, namespace: ns[1] };
  throw new Error(
    `${api}: the API module of a family must re-export its generated tables: add ` +
      `\`export * from "${rel}";\` (or \`export * as NAME from "${rel}";\`)`,
  );
}

/** How a generated module's example and deno.json reach a family. */
export interface Reach {
  /** Package subpath (`./ethtool`), undefined for the route families (the root has them). */
  subpath?: string;
  /** The hand-written module the subpath points at, if any. */
  api?: ApiModule;
}

/** Where each family is reached from, by family name; checks every API module. */
export function reachOf(
  families: FamilyIR[],
  api: Readonly<Record<string, string>>,
  root: string,
  outRel: string,
): Map<string, Reach> {
  const out = new Map<string, Reach>();
  const byFile = new Map(families.map((f) => [f.file.replace(/\.yaml$/, ""), f]));
  for (const name of Object.keys(api)) {
    const f = byFile.get(name);
    if (f === undefined) {
      throw new Error(`specs/manifest.yaml: api for ${name}, which is not built`);
    }
    if (isRoute(f)) throw new Error(`specs/manifest.yaml: ${name} is a route family (the root)`);
  }
  for (const f of families) {
    const file = f.file.replace(/\.yaml$/, "");
    const p = api[file];
    out.set(f.name, {
      subpath: subpathOf(f),
      api: p === undefined ? undefined : apiModule(root, p, outRel, f.module),
    });
  }
  const targets = new Map<string, string>();
  for (const [name, r] of out) {
    if (r.api === undefined) continue;
    const other = targets.get(r.api.path);
    if (other !== undefined) throw new Error(`${r.api.path} is the API of ${other} and ${name}`);
    targets.set(r.api.path, name);
  }
  return out;
}

/**
 * The import that reaches family `f` from outside the package: a route family from the root
 * (`import { rtLink } from "@netlink/netlink";`), another from its subpath, whole
 * (`import * as ethtool from "@netlink/netlink/ethtool";`) or, when its API module re-exports
 * the tables as a namespace, that namespace.
 */
export function importLine(f: FamilyIR, r: Reach, packageName: string): string {
  if (r.subpath === undefined) return `import { ${f.namespace} } from "${packageName}";`;
  const spec = `${packageName}/${r.subpath.replace(/^\.\//, "")}`;
  if (r.api?.namespace !== undefined) return `import { ${r.api.namespace} } from "${spec}";`;
  return `import * as ${f.namespace} from "${spec}";`;
}

/** The expression naming the family's module namespace after {@link importLine}. */
export function exampleRef(f: FamilyIR, r: Reach): string {
  return r.subpath !== undefined && r.api?.namespace !== undefined ? r.api.namespace : f.namespace;
}
