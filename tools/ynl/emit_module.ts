/**
 * The modules of one family: the TypeScript module (documentation, the declarations of enums
 * and flags, constants, message and group numbers, the types of emit_types.ts) and its
 * JavaScript tables module (those values, and the data-only family table built on first use
 * by `lazyFamily`, with its typed `operations`).
 *
 * @module
 */
import type { FamilyIR, SetIR } from "./resolve.ts";
import { resolveLen } from "./resolve.ts";
import {
  camelCase,
  Code,
  docText,
  jsdoc,
  type Lit,
  literal,
  propKey,
  screamingSnake,
  ynameIfLost,
} from "./text.ts";
import { attrEntry } from "./types.ts";
import { familyTypes, typeContext } from "./emit_types.ts";
import { exampleRef, importLine, type Reach, subpathOf } from "./reach.ts";

/** Where the family modules import `useDecoders` from (relative to families/generated). */
export const RUNTIME_IMPORT = "../../codec/ynl/_runtime.ts";

/** Where the generated modules import the codec from (relative to families/generated). */
export const CODEC_IMPORT = "../../codec/ynl/mod.ts";

/**
 * Where the family modules import `lazyFamily` from (relative to families/generated): not
 * exported by the codec's index.
 */
export const FAMILY_IMPORT = "../../codec/ynl/family.ts";

/** The generator named in the first line of every generated file. */
export const GENERATOR = "tools/ynl/main.ts";

/** How a module is reached from outside, for its example's import. */
export interface ModuleOptions {
  /** Package name (deno.json `name`). */
  packageName: string;
  /**
   * Its subpath and API module (default: the subpath of {@link subpathOf}, no API module): a
   * route family is imported from the root as a namespace, another from its subpath.
   */
  reach?: Reach;
  /**
   * The module of the family's generated decoders (`rt_link_decode`), which the family is given
   * with `useDecoders`; absent: the family decodes through its tables only.
   */
  decoders?: string;
}

/**
 * The family table as data: `ref(exportName, value)` stands for a value exported by the
 * module (enum entries, group numbers): a {@link Code} reference in the module, the value
 * itself for an in-memory family.
 */
export function familyTable(
  f: FamilyIR,
  ref: (exportName: string, value: Lit) => Lit,
): Record<string, Lit | undefined> {
  const ctx = typeContext(f);
  const t: Record<string, Lit | undefined> = {
    name: f.name,
    protocol: f.protocol,
    protonum: f.protonum,
    version: f.version,
  };
  if (f.enums.length > 0) {
    t.enums = Object.fromEntries(f.enums.map((e) => [e.name, {
      type: e.type,
      entries: ref(e.exportName, Object.fromEntries(e.entries.map((x) => [x.key, x.value]))),
    }]));
  }
  if (f.structs.length > 0) {
    t.structs = Object.fromEntries(f.structs.map((s) => [
      s.name,
      s.members.map((m): Lit => {
        const where = `${f.file}: struct ${s.name}.${m.name}`;
        const lit: Record<string, Lit | undefined> = {
          name: camelCase(m.name),
          yname: ynameIfLost(m.name),
          type: m.type,
        };
        if (m.struct !== undefined) {
          ctx.structIface(m.struct);
          lit.struct = m.struct;
        } else if (m.len !== undefined) lit.len = resolveLen(m.len, f.consts, where);
        else if (m.type === "binary" || m.type === "pad" || m.type === "string") {
          throw new Error(`${where}: needs len`);
        }
        if (m["byte-order"] === "big-endian") lit.byteOrder = "big-endian";
        if (m.enum !== undefined) lit.enum = m.enum;
        if (m["enum-as-flags"]) lit.enumAsFlags = true;
        if (m["display-hint"] !== undefined) lit.display = m["display-hint"];
        return lit;
      }),
    ]));
  }
  t.attributeSets = Object.fromEntries(f.sets.map((s) => [
    s.name,
    s.attrs.map((a): Lit => {
      const lit = attrEntry(a.y, a.key, a.value, ctx, `${f.file}: ${s.name}.${a.yname}`);
      // The C name, where the set's prefix and the YNL name do not spell it (client/
      // attribute_path.ts attributeCName reads it back so).
      if (a.cName !== s.cPrefix + screamingSnake(a.yname)) lit.cName = a.cName;
      return lit;
    }),
  ]));
  t.attributePrefixes = Object.fromEntries(f.sets.map((s) => [s.name, s.cPrefix]));
  if (f.subMsgs.length > 0) {
    t.subMessages = Object.fromEntries(f.subMsgs.map((sm) => [
      sm.name,
      Object.fromEntries(sm.formats.map((fm) => {
        if (fm.fixedHeader !== undefined) ctx.structIface(fm.fixedHeader);
        if (fm.attributeSet !== undefined) ctx.setIface(fm.attributeSet);
        return [fm.value, { fixedHeader: fm.fixedHeader, attributeSet: fm.attributeSet }];
      })),
    ]));
  }
  const msg = (
    m: { value?: number; attributes?: string[] } | null | undefined,
    set: SetIR | undefined,
  ): Lit | undefined => {
    if (m === undefined) return undefined;
    if (m === null) return {};
    const lit: Record<string, Lit | undefined> = {};
    if (m.value !== undefined) lit.value = Number(m.value);
    if (Array.isArray(m.attributes)) {
      // Upstream quirk (nftables, ovs_flow): a listed name that is not in the set; kept out.
      lit.attributes = m.attributes.filter((n) =>
        set === undefined || set.attrs.some((a) => a.yname === n)
      )
        .map((n) => camelCase(n));
    }
    return lit;
  };
  t.operations = Object.fromEntries(f.ops.map((op) => {
    const o = op.y;
    const set = op.attributeSet !== undefined ? f.setByName.get(op.attributeSet) : undefined;
    const mode = (m: typeof o.do): Lit | undefined => {
      if (m === undefined) return undefined;
      const lit: Record<string, Lit | undefined> = {};
      if (m !== null && "request" in m) lit.request = msg(m.request, set) ?? {};
      if (m !== null && "reply" in m) lit.reply = msg(m.reply, set) ?? {};
      return lit;
    };
    if (op.fixedHeader !== undefined) ctx.structIface(op.fixedHeader);
    return [op.key, {
      name: op.yname,
      requestValue: op.requestValue,
      replyValue: op.replyValue,
      attributeSet: op.attributeSet,
      fixedHeader: op.fixedHeader,
      do: mode(o.do),
      dump: mode(o.dump),
      notify: o.notify !== undefined ? camelCase(o.notify) : undefined,
      event: o.event !== undefined ? msg(o.event, set) : undefined,
      mcgrp: o.mcgrp,
    }];
  }));
  if (f.groups.length > 0) {
    t.mcastGroups = Object.fromEntries(
      f.groups.map((g) => [g.name, g.exportName !== undefined ? ref(g.exportName, g.value) : null]),
    );
  }
  return t;
}

/** Where users import the module from (a sentence). */
function whereFrom(f: FamilyIR, reach: Reach, pkg: string): string {
  if (reach.subpath === undefined) {
    return `The package root \`${pkg}\` exports it as the namespace \`${f.namespace}\`.`;
  }
  const sub = `\`${pkg}/${reach.subpath.slice(2)}\``;
  if (reach.api === undefined) return `The package exports it as ${sub}.`;
  return `The package exports it as ${sub}, with the hand-written API of \`${reach.api.path}\`` +
    (reach.api.namespace !== undefined
      ? `, as the namespace \`${reach.api.namespace}\`.`
      : " (which re-exports every name of this module).");
}

function header(f: FamilyIR, opts: ModuleOptions): string {
  const reach = opts.reach ?? { subpath: subpathOf(f) };
  const y = f.spec;
  const src = f.loaded.source;
  let out = `// Generated by ${GENERATOR} from specs/${src.file} — do not edit.\n`;
  const exampleOp = f.ops.find((o) => o.y.dump && o.requestValue !== undefined) ??
    f.ops.find((o) => o.y.do && o.requestValue !== undefined);
  const lines: string[] = [
    `${f.name}: ${docText(y.doc).replace(/\n+/g, " ")}`,
    "",
    `Tables generated from the YNL spec \`${f.file}\` (schema ${f.protocol}${
      y.protonum !== undefined ? `, netlink protocol ${y.protonum}` : ""
    }${y["uapi-header"] ? `, uAPI header ${y["uapi-header"]}` : ""}${
      src.overlays.length > 0 ? `, with ${src.overlays.map((o) => `\`${o}\``).join(", ")}` : ""
    }) for the codec in \`codec/ynl\`: enums and flags, message numbers, multicast groups, ` +
    "fixed structs, attribute sets, sub-messages, operations with the attributes of each " +
    "message, and the types of decoded values. Import it as a namespace: names such as " +
    "`rtgenmsg` recur across families. " + whereFrom(f, reach, opts.packageName),
  ];
  if (exampleOp !== undefined) {
    const dump = exampleOp.y.dump !== undefined;
    const opts2 = [dump ? "dump: true" : "", "seq: 1", f.raw ? "" : "type: familyId"]
      .filter((s) => s !== "").join(", ");
    const ns = exampleRef(f, reach);
    lines.push(
      "",
      "@example",
      "```ts",
      importLine(f, reach, opts.packageName),
      `import { buildMessage, decodeBody } from "${opts.packageName}/codec";`,
      ...(f.raw ? [] : ["declare const familyId: number; // resolved through nlctrl"]),
      `const request = buildMessage(${ns}.operations.${exampleOp.key}, { ${opts2} });`,
      "declare const payload: Uint8Array; // payload of a reply",
      `const { header, attrs } = decodeBody(${ns}.operations.${exampleOp.key}, payload);`,
      "```",
    );
  }
  lines.push("", "@module");
  out += jsdoc("", lines.join("\n")) + "\n";
  const types = ["Family"];
  if (f.sets.length > 0) types.push("AttributeSet", "AttrValues");
  if (f.structs.length > 0) types.push("StructType", "StructValues");
  if (f.ops.length > 0) types.push("Operation");
  if (f.sets.some((s) => s.attrs.some((a) => a.y.type === "bitfield32"))) types.push("Bitfield32");
  const imports = types.sort((a, b) => a.localeCompare(b));
  out += `import type {\n${imports.map((i) => `  ${i},`).join("\n")}\n} from "${CODEC_IMPORT}";\n`;
  // The values: JavaScript, typed by the declarations below (see emitTables).
  out += `export * from "./${tablesModule(f)}.js";\n`;
  return out;
}

/**
 * The type declarations every tables module names with `@ts-self-types`: none, as the family's
 * module declares (and documents) each value it re-exports; this file tells `deno publish` so.
 */
export const TABLES_TYPES = "_tables.d.ts";

/** The text of {@link TABLES_TYPES}. */
export function emitTablesTypes(): string {
  return `// Generated by ${GENERATOR} from specs/manifest.yaml — do not edit.\n` + jsdoc(
    "",
    "The types of every `<family>_tables.js` module, which its `@ts-self-types` names: none " +
      "here, as the family's module (`<family>.ts`) declares and documents each value it " +
      "re-exports from its tables. The tables are JavaScript because Deno loads a transpiled " +
      "module with its source map, which costs more at start-up than the code itself.\n\n@module",
  ) + "export {};\n";
}

/** The module name of a family's values (`rt_link` → `rt_link_tables`). */
export function tablesModule(f: FamilyIR): string {
  return `${f.module}_tables`;
}

/** TypeScript (declarations with their docs) and JavaScript (the values) of a module's part. */
export interface Parts {
  ts: string;
  js: string;
}

/**
 * A constant: its declaration in the module, its value in the tables module. The declaration
 * keeps the literal (`export declare const X = 7;`: the widening literal type a `const` gets);
 * a negative number is not a literal for `deno doc` (it is `-` applied to one), so it gets its
 * type written out instead: `export declare const X: -1;`.
 */
export function constParts(name: string, value: number | string): Parts {
  const v = JSON.stringify(value);
  const ts = typeof value === "number" && value < 0
    ? `export declare const ${name}: ${v};\n`
    : `export declare const ${name} = ${v};\n`;
  return { ts, js: `export const ${name} = ${v};\n` };
}

function values(f: FamilyIR): Parts {
  const out: Parts = { ts: "", js: "" };
  const add = (p: Parts) => {
    out.ts += p.ts;
    out.js += p.js;
  };
  for (const e of f.enums) {
    const flags = e.type === "flags";
    out.ts += "\n" + jsdoc(
      "",
      `${flags ? "Flags" : "Enum"} \`${e.name}\` of ${f.name}${
        flags ? " (values are bit masks)" : ""
      }.${e.doc ? "\n\n" + e.doc : ""}`,
    );
    if (e.entries.length === 0) {
      add({
        ts: `export declare const ${e.exportName}: Readonly<Record<string, never>>;\n`,
        js: `export const ${e.exportName} = {};\n`,
      });
      continue;
    }
    out.ts += `export declare const ${e.exportName}: {\n`;
    out.js += `export const ${e.exportName} = {\n`;
    for (const x of e.entries) {
      out.ts += (x.doc ? jsdoc("  ", x.doc) : "") + `  readonly ${propKey(x.key)}: ${x.value};\n`;
      out.js += `  ${propKey(x.key)}: ${x.value},\n`;
    }
    add({ ts: "};\n", js: "};\n" });
  }
  for (const c of f.constExports) {
    out.ts += "\n" +
      jsdoc("", `Constant \`${c.name}\` of ${f.name}.${c.doc ? "\n\n" + c.doc : ""}`);
    add(constParts(c.name, c.value));
  }
  for (const m of f.msgConsts) {
    const d = docText(m.op.y.doc);
    out.ts += "\n" + jsdoc(
      "",
      `\`${m.name}\` (${m.value}): the ${m.kind} of \`${m.op.yname}\` ${
        m.op.y.notify !== undefined || m.op.y.event !== undefined ? "notifications" : "requests"
      }.${d ? "\n\n" + d : ""}`,
    );
    add(constParts(m.name, m.value));
  }
  for (const g of f.groups) {
    if (g.exportName === undefined) continue;
    out.ts += "\n" + jsdoc("", `Multicast group \`${g.name}\` (${g.value}).`);
    add(constParts(g.exportName, g.value!));
  }
  return out;
}

function tables(f: FamilyIR, decoders: boolean): Parts {
  const out: Parts = { ts: "", js: "" };
  out.ts += "\n" +
    jsdoc(
      "",
      `The ${f.name} family: every table of this module, built on first use (importing the ` +
        `module builds nothing) and compiled lazily${
          decoders ? ", with the straight-line decoders generated from them" : ""
        }.`,
    );
  out.ts += "export declare const family: Family;\n";
  const table = familyTable(f, (name) => new Code(name));
  // What the family knows before its tables are built (see lazyFamily in codec/ynl/family.ts).
  const head = Object.fromEntries(
    (["name", "protocol", "protonum", "version"] as const).filter((k) => table[k] !== undefined)
      .map((k) => [k, table[k]]),
  );
  const lazy = `lazyFamily(${literal(head as Lit, "", 0, 0)}, () => (`;
  const lead = decoders
    ? `export const family = useDecoders(${lazy}`
    : `export const family = ${lazy}`;
  out.js += `\n${lead}${literal(table as Lit, "", lead.length, decoders ? 14 : 3)}))${
    decoders ? ", decoders)" : ""
  };\n`;
  for (const s of f.structs) {
    out.ts += "\n" + jsdoc("", `Struct \`${s.name}\` (${f.name}).`);
    out.ts += `export declare const ${s.table}: StructType<${s.iface}>;\n`;
    out.js += `export const ${s.table} = family.struct(${JSON.stringify(s.name)});\n`;
  }
  for (const s of f.sets) {
    out.ts += "\n" + jsdoc("", `Attribute set \`${s.name}\` (${f.name}).`);
    out.ts += `export declare const ${s.table}: AttributeSet<${s.iface}>;\n`;
    out.js += `export const ${s.table} = family.attributeSet(${JSON.stringify(s.name)});\n`;
  }
  out.ts += "\n" + jsdoc("", `The operations of ${f.name} by camelCase name.`);
  out.ts += "export declare const operations: Operations;\n";
  if (f.ops.length === 0) {
    out.js += "export const operations = {};\n";
    return out;
  }
  out.js += "export const operations = {\n";
  for (const op of f.ops) {
    out.js += `  ${propKey(op.key)}: family.operation(${JSON.stringify(op.key)}),\n`;
  }
  out.js += "};\n";
  return out;
}

/**
 * The TypeScript module of a family (before `deno fmt`): its documentation and types, the
 * declarations of its values, and `export *` of the values from its tables module
 * ({@link emitTables}).
 */
export function emitModule(f: FamilyIR, opts: ModuleOptions): string {
  return header(f, opts) + values(f).ts + familyTypes(f) +
    tables(f, opts.decoders !== undefined).ts;
}

/**
 * The JavaScript tables module of a family (`<module>_tables.js`, before `deno fmt`): the values
 * its TypeScript module declares (enums, constants, the family, its structs, sets and
 * operations), and nothing else. JavaScript because Deno loads a transpiled module with its
 * source map, which costs more at start-up than the code (tc's module: 10 ms as TypeScript,
 * 6.6 as JavaScript); the family's tables are built on first use, not at import.
 */
export function emitTables(f: FamilyIR, opts: ModuleOptions): string {
  const src = f.loaded.source;
  let out = `// Generated by ${GENERATOR} from specs/${src.file} — do not edit.\n`;
  out += `// @ts-self-types="./${TABLES_TYPES}"\n`;
  out += jsdoc(
    "",
    `${f.name}: the values of \`${f.module}.ts\` (enums, constants, the family with its tables ` +
      "built on first use, its structs, attribute sets and operations), which that module " +
      "declares and documents. Private: imported by the family's module only. JavaScript, " +
      "not TypeScript: Deno loads a transpiled module with its source map, which costs more " +
      "at start-up than the code itself.\n\n@module",
  );
  out += `import { lazyFamily } from "${FAMILY_IMPORT}";\n`;
  if (opts.decoders !== undefined) {
    out += `import { useDecoders } from "${RUNTIME_IMPORT}";\n`;
    out += `import { decoders } from "./${opts.decoders}.js";\n`;
  }
  return out + values(f).js + tables(f, opts.decoders !== undefined).js;
}
