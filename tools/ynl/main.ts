/**
 * The YNL generator's command line: regenerate `families/generated/` (one module per family of
 * `specs/manifest.yaml`, the index and the notification registry) and the family subpaths of
 * deno.json from `specs/`.
 *
 * ```sh
 * deno run -A tools/ynl/main.ts                 # specs/ → families/generated/, deno.json
 * deno run -A tools/ynl/main.ts --out /tmp/gen  # elsewhere (deno.json untouched)
 * deno run -A tools/ynl/main.ts --out /tmp/gen --no-decoders  # tables only (to measure)
 * bun tools/ynl/main.ts
 * ```
 *
 * Adding a family is adding its name to `specs/manifest.yaml` (and its spec to
 * `specs/upstream/` or `specs/local/`), then running this.
 *
 * @module
 */
import process from "node:process";
import { generate } from "./generate.ts";

const USAGE = "usage: main.ts [--specs DIR] [--out DIR] [--no-decoders]";

function main(args: string[]): number {
  let specsDir: string | undefined;
  let outDir: string | undefined;
  let decoders: false | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--specs" && i + 1 < args.length) specsDir = args[++i];
    else if (a === "--out" && i + 1 < args.length) outDir = args[++i];
    else if (a === "--no-decoders") decoders = false;
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`${USAGE}\nunknown argument: ${a}`);
      return 2;
    }
  }
  const t0 = performance.now();
  const r = generate({
    specsDir,
    outDir,
    denoJson: outDir === undefined ? undefined : null,
    decoders,
  });
  for (const f of r.written) console.log(f);
  if (r.pendingChecked.length > 0) {
    console.log(`checked pending overlays: ${r.pendingChecked.join(", ")}`);
  }
  console.log(`${r.families.length} families in ${Math.round(performance.now() - t0)} ms`);
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = main(process.argv.slice(2).filter((a) => a !== "--"));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
