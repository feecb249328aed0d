/**
 * The specs folder: the manifest of built families, upstream copies, local specs and overlays,
 * read into validated {@link LoadedSpec}s.
 *
 * ```
 * specs/manifest.yaml        families: [rt-link, { name: xfrm, api: families/xfrm/mod.ts }, …];
 *                            pending-overlays: [name, …]
 * specs/upstream/NAME.yaml   the kernel's specs and schemas, byte for byte
 * specs/local/NAME.yaml      our specs, same format, every definition citing its uAPI header
 * specs/overlays/NAME.yaml, specs/overlays/NAME.TOPIC.yaml   patches, applied in name order
 * ```
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import type { LoadedSpec, Spec } from "./model.ts";
import { applyOverlay, checkLocalCitations, stripCitations } from "./overlay.ts";
import { SchemaSet } from "./validate.ts";

/** What `specs/manifest.yaml` says. */
export interface Manifest {
  /** Spec names (file names without `.yaml`) to build, in order. */
  families: string[];
  /**
   * Hand-written API modules, by spec name: the repository path (`families/sock_diag/mod.ts`)
   * that the family's package subpath points at instead of its generated module. Such a module
   * re-exports the generated one (`export * from "../generated/<module>.ts"`, or `export * as`).
   */
  api: Record<string, string>;
  /** Overlays (file names without `.yaml`) checked with every build but not applied yet. */
  pendingOverlays: string[];
}

// deno-lint-ignore no-explicit-any
type Y = any;

function parseYaml(file: string): Y {
  return YAML.parse(fs.readFileSync(file, "utf8"), { uniqueKeys: false });
}

const NAME = /^[\w.-]+$/;

/**
 * Read `specs/manifest.yaml`. A family is a spec name, or `{ name: NAME, api: PATH }` when a
 * hand-written module (PATH, from the repository root) is its public API.
 */
export function readManifest(specsDir: string): Manifest {
  const file = path.join(specsDir, "manifest.yaml");
  const y = parseYaml(file);
  const list = (v: unknown, what: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && NAME.test(x))) {
      throw new Error(`${file}: ${what} must be a list of names`);
    }
    const dup = v.find((x, i) => v.indexOf(x) !== i);
    if (dup !== undefined) throw new Error(`${file}: ${what} lists "${dup}" twice`);
    return v;
  };
  const extra = Object.keys(y ?? {}).filter((k) => k !== "families" && k !== "pending-overlays");
  if (extra.length > 0) throw new Error(`${file}: unknown keys ${extra.join(", ")}`);
  const api: Record<string, string> = {};
  const families = !Array.isArray(y?.families) ? y?.families : y.families.map((x: unknown) => {
    if (typeof x === "string" || x === null || typeof x !== "object" || Array.isArray(x)) return x;
    const item = x as Record<string, unknown>;
    const keys = Object.keys(item).filter((k) => k !== "name" && k !== "api");
    if (keys.length > 0 || typeof item.name !== "string") {
      throw new Error(`${file}: a family is a name or { name, api }, not ${JSON.stringify(x)}`);
    }
    if (
      typeof item.api !== "string" || !/^[\w-]+(\/[\w-]+)*\.ts$/.test(item.api) ||
      item.api.startsWith("families/generated/")
    ) {
      throw new Error(
        `${file}: family ${item.name}: api must be a module path from the repository root ` +
          `(families/<dir>/mod.ts), not ${JSON.stringify(item.api)}`,
      );
    }
    api[item.name] = item.api;
    return item.name;
  });
  return {
    families: list(families, "families"),
    api,
    pendingOverlays: list(y?.["pending-overlays"], "pending-overlays"),
  };
}

/** The specs folder: finds, merges and validates specs. */
export class SpecsFolder {
  /** The folder (`specs/`). */
  readonly dir: string;
  /** Its manifest. */
  readonly manifest: Manifest;
  #schemas: SchemaSet | undefined;

  /** Open `dir`; nothing is read but the manifest. */
  constructor(dir: string) {
    this.dir = dir;
    this.manifest = readManifest(dir);
    const overlays = this.overlayNames();
    for (const p of this.manifest.pendingOverlays) {
      if (!overlays.includes(p)) throw new Error(`${dir}/manifest.yaml: no overlay "${p}"`);
    }
  }

  /** The schema validators (compiled on first use). */
  get schemas(): SchemaSet {
    return this.#schemas ??= new SchemaSet(path.join(this.dir, "upstream"));
  }

  /** Names (without `.yaml`) of every overlay file. */
  overlayNames(): string[] {
    const dir = path.join(this.dir, "overlays");
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -5))
      .sort();
  }

  /** The spec file of `name`: `upstream/NAME.yaml` or `local/NAME.yaml` (not both). */
  specFile(name: string): string {
    const found = ["upstream", "local"].map((d) => `${d}/${name}.yaml`)
      .filter((f) => fs.existsSync(path.join(this.dir, f)));
    if (found.length === 0) {
      throw new Error(`${this.dir}: no spec upstream/${name}.yaml or local/${name}.yaml`);
    }
    if (found.length > 1) throw new Error(`${this.dir}: ${name} is both ${found.join(" and ")}`);
    return found[0];
  }

  /** Overlay names of spec `name` (`NAME` and `NAME.*`), applied or pending as asked. */
  overlaysOf(name: string, pending: boolean): string[] {
    return this.overlayNames().filter((o) =>
      (o === name || o.startsWith(`${name}.`)) &&
      this.manifest.pendingOverlays.includes(o) === pending
    );
  }

  /**
   * Load spec `name`: parse it, check a local spec's citations, apply its overlays (with the
   * pending ones too when `withPending`), strip citations, validate.
   */
  load(name: string, withPending = false): LoadedSpec {
    const file = this.specFile(name);
    let doc = parseYaml(path.join(this.dir, file));
    if (file.startsWith("local/")) checkLocalCitations(doc, file);
    const overlays = [
      ...this.overlaysOf(name, false),
      ...(withPending ? this.overlaysOf(name, true) : []),
    ].sort().map((o) => `overlays/${o}.yaml`);
    for (const o of overlays) doc = applyOverlay(doc, parseYaml(path.join(this.dir, o)), o);
    const spec = stripCitations(doc) as Spec;
    const label = overlays.length === 0 ? file : `${file} (with ${overlays.join(", ")})`;
    this.schemas.validate(spec, label);
    return { spec, source: { file, overlays } };
  }

  /** Overlay files whose spec is not built (a typo, or a family dropped from the manifest). */
  strayOverlays(): string[] {
    return this.overlayNames().filter((o) => !this.manifest.families.includes(o.split(".")[0]));
  }
}
