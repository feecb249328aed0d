/**
 * Generate everything from the specs folder: one module per family of the manifest, the index,
 * the notification registry and the family entries of deno.json; then `deno fmt` them. Pending
 * overlays are merged, validated and generated too (and thrown away), so they stay correct
 * until they are switched on.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { emitIndex, emitRegistry, updateDenoJson } from "./emit_index.ts";
import {
  emitModule,
  emitTables,
  emitTablesTypes,
  TABLES_TYPES,
  tablesModule,
} from "./emit_module.ts";
import { decodeModule, emitDecodeModule, emitDecodersIndex } from "./emit_decode.ts";
import { SpecsFolder } from "./load.ts";
import { type Reach, reachOf } from "./reach.ts";
import { type FamilyIR, resolveFamily } from "./resolve.ts";
import { LINE_WIDTH } from "./text.ts";

/** The repository root (two levels above this file). */
export const ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where to read from and write to. */
export interface GenerateOptions {
  /** The specs folder (default `specs/` of the repository). */
  specsDir?: string;
  /** Output folder of the modules, index and registry (default `families/generated`). */
  outDir?: string;
  /** deno.json to update (default the repository's); `null` leaves deno.json alone. */
  denoJson?: string | null;
  /** The output folder as deno.json names it (default `families/generated`). */
  outRel?: string;
  /** Run `deno fmt` on what was written (default true when a deno binary is found). */
  format?: boolean;
  /**
   * The families given their straight-line decoders (default {@link DECODER_FAMILIES}); `false`:
   * none (every family decodes through its tables, for measuring). Every family's decoders are
   * emitted either way (`<module>_decode.js`, listed in `decoders.ts`), so the tests hold them
   * all to the tables and giving them to one more family is adding its name here.
   */
  decoders?: readonly string[] | false;
}

/**
 * The families whose messages `decodeBody` decodes through generated straight-line code: those
 * dumped in bulk (routes, links, addresses, neighbours, rules, tc objects, sockets, conntrack
 * entries). A family's decode module loads with the family (about 1 ms per 40 KB of it under
 * Deno, less under Bun; rt-link's and tc's are the biggest), so the others keep their tables
 * only until a use needs the speed.
 */
export const DECODER_FAMILIES: readonly string[] = [
  "rt-addr",
  "rt-link",
  "rt-neigh",
  "rt-route",
  "rt-rule",
  "rt-netconf",
  "rt-nsid",
  "tc",
  "sock-diag",
  "conntrack",
];

/** What {@link generate} did. */
export interface GenerateResult {
  /** Files written (absolute paths), deno.json last when it was updated. */
  written: string[];
  /** The resolved families, in manifest order. */
  families: FamilyIR[];
  /** Pending overlays that were checked. */
  pendingChecked: string[];
}

/** Resolve every family of the manifest (validating specs and overlays on the way). */
export function loadFamilies(folder: SpecsFolder): FamilyIR[] {
  const stray = folder.strayOverlays();
  if (stray.length > 0) {
    throw new Error(`${folder.dir}/overlays: no family in the manifest for ${stray.join(", ")}`);
  }
  const families = folder.manifest.families.map((n) => resolveFamily(folder.load(n)));
  const seen = new Map<string, string>();
  for (const f of families) {
    const other = seen.get(f.name);
    if (other !== undefined) throw new Error(`${f.file} and ${other} both define family ${f.name}`);
    seen.set(f.name, f.file);
  }
  return families;
}

/** Check the pending overlays: merge, validate, generate (discarding the output). */
export function checkPending(
  folder: SpecsFolder,
  packageName: string,
  reach?: Map<string, Reach>,
): string[] {
  const checked: string[] = [];
  for (const name of folder.manifest.families) {
    if (folder.overlaysOf(name, true).length === 0) continue;
    const f = resolveFamily(folder.load(name, true));
    emitModule(f, { packageName, reach: reach?.get(f.name) });
    checked.push(...folder.overlaysOf(name, true));
  }
  return checked;
}

function findDeno(): string | undefined {
  const env = process.env.DENO_BIN;
  if (env) return env;
  const g = globalThis as { Deno?: { execPath(): string } };
  if (g.Deno !== undefined) return g.Deno.execPath();
  const local = path.join(ROOT, "node_modules", ".bin", "deno");
  return fs.existsSync(local) ? local : undefined;
}

/** Generate all outputs; see {@link GenerateOptions}. */
export function generate(options: GenerateOptions = {}): GenerateResult {
  const specsDir = options.specsDir ?? path.join(ROOT, "specs");
  const outDir = options.outDir ?? path.join(ROOT, "families", "generated");
  const denoJson = options.denoJson === undefined ? path.join(ROOT, "deno.json") : options.denoJson;
  const outRel = options.outRel ?? "families/generated";
  const packageName: string = JSON.parse(
    fs.readFileSync(denoJson ?? path.join(ROOT, "deno.json"), "utf8"),
  ).name;
  const folder = new SpecsFolder(specsDir);
  const families = loadFamilies(folder);
  const reach = reachOf(families, folder.manifest.api, ROOT, outRel);
  const pendingChecked = checkPending(folder, packageName, reach);
  const files = new Map<string, string>();
  const wired = new Set(options.decoders === false ? [] : options.decoders ?? DECODER_FAMILIES);
  for (const name of options.decoders || []) {
    if (!families.some((f) => f.name === name)) {
      throw new Error(`decoders: no family ${name} in the manifest`);
    }
  }
  for (const f of families) {
    const decoders = decodeModule(f);
    const tables = tablesModule(f);
    if (
      files.has(`${f.module}.ts`) || files.has(`${decoders}.js`) || files.has(`${tables}.js`)
    ) {
      throw new Error(`family ${f.name}: module ${f.module}, ${decoders} or ${tables} is taken`);
    }
    const opts = {
      packageName,
      reach: reach.get(f.name),
      decoders: wired.has(f.name) ? decoders : undefined,
    };
    files.set(`${f.module}.ts`, emitModule(f, opts));
    files.set(`${tables}.js`, emitTables(f, opts));
    files.set(`${decoders}.js`, emitDecodeModule(f));
  }
  files.set("mod.ts", emitIndex(families, reach, packageName));
  files.set("decoders.ts", emitDecodersIndex(families, wired));
  files.set("registry.ts", emitRegistry(families, packageName));
  files.set(TABLES_TYPES, emitTablesTypes());
  for (const name of files.keys()) {
    if (
      name !== "mod.ts" && name !== "registry.ts" && name !== "decoders.ts" &&
      name !== TABLES_TYPES &&
      !families.some((f) =>
        `${f.module}.ts` === name || `${decodeModule(f)}.js` === name ||
        `${tablesModule(f)}.js` === name
      )
    ) {
      throw new Error(`output ${name} clashes with the index or registry`);
    }
  }
  if (families.some((f) => ["mod", "registry", "decoders"].includes(f.module))) {
    throw new Error("a family module may not be called mod, registry or decoders");
  }

  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of files) {
    const p = path.join(outDir, name);
    fs.writeFileSync(p, text);
    written.push(p);
  }
  // Modules of families no longer in the manifest.
  for (const name of fs.readdirSync(outDir)) {
    if ((name.endsWith(".ts") || name.endsWith(".js")) && !files.has(name)) {
      fs.rmSync(path.join(outDir, name));
    }
  }
  if (denoJson !== null) {
    fs.writeFileSync(
      denoJson,
      updateDenoJson(fs.readFileSync(denoJson, "utf8"), families, reach, outRel),
    );
    written.push(denoJson);
  }
  const deno = options.format === false ? undefined : findDeno();
  if (deno !== undefined) {
    execFileSync(deno, ["fmt", "--quiet", "--line-width", String(LINE_WIDTH), ...written], {
      stdio: ["ignore", "ignore", "inherit"],
      cwd: outDir,
    });
  }
  return { written, families, pendingChecked };
}
