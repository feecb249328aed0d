/**
 * `deno doc --lint` over the package's entry points (deno.json `exports`), as JSR documents the
 * package, with one correction: `deno doc` does not follow namespace re-exports
 * (`export { rtLink } from …`), so a public route API that refers to `rtLink.LinkAttrs` is
 * reported as referring to a private type. Such a report is dropped when the type is exported
 * by a generated module that the root re-exports as a namespace; every other diagnostic fails.
 *
 * ```sh
 * deno run --allow-read --allow-run tools/doc_lint.ts
 * ```
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (p: string) => Deno.readTextFileSync(root + p);

/** Names exported by the generated modules the route index re-exports as namespaces. */
function namespaceExported(): Set<string> {
  const routeIndex = read("families/route/mod.ts");
  const index = read("families/generated/mod.ts");
  const block = /export \{([^}]*)\} from "\.\.\/generated\/mod\.ts"/.exec(routeIndex)?.[1] ?? "";
  const files = [...routeIndex.matchAll(/export \* as \w+ from "\.\.\/generated\/(\w+\.ts)"/g)]
    .map((m) => m[1]);
  for (const ns of block.split(",").map((s) => s.trim()).filter(Boolean)) {
    const file = new RegExp(`export \\* as ${ns} from "\\./([\\w]+\\.ts)"`).exec(index)?.[1];
    if (!file) throw new Error(`families/generated/mod.ts has no namespace ${ns}`);
    files.push(file);
  }
  const names = new Set<string>();
  for (const file of files) {
    const text = read(`families/generated/${file}`);
    for (
      const m of text.matchAll(
        /^export (?:declare )?(?:interface|type|const|function|class) (\w+)/gm,
      )
    ) {
      names.add(m[1]);
    }
  }
  return names;
}

const entries = Object.values(JSON.parse(read("deno.json")).exports as Record<string, string>);
const out = new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", ...entries],
  cwd: root,
  stdout: "piped",
  stderr: "piped",
  env: { NO_COLOR: "1" },
}).outputSync();
const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
const reachable = namespaceExported();
const blocks = text.split(/\n(?=error\[)/).filter((b) => b.startsWith("error["));
const kept = blocks.filter((b) => {
  const m = /^error\[private-type-ref\]: public type '[^']*' references private type '(\w+)'/.exec(
    b,
  );
  return !(m && reachable.has(m[1]));
});
for (const b of kept) console.error(b.trimEnd() + "\n");
console.error(
  `doc lint: ${kept.length} errors (${blocks.length - kept.length} references to types of the ` +
    `generated route namespaces not counted)`,
);
Deno.exit(kept.length === 0 && (out.success || blocks.length > 0) ? 0 : 1);
