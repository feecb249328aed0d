/**
 * The straight-line decoders of one family (`families/generated/<module>_decode.js`): per struct
 * and attribute set a function that decodes exactly what the table-driven decoder of
 * `codec/ynl/decode.ts` decodes — same keys in the same order, same `UNKNOWN` entries with their
 * positions, same `STRUCT_BYTES`, same copies, same `NetlinkDecodeError`s — but with a `switch`
 * on the attribute number, reads written out as shifts, object literals for structs, and no
 * table lookup or closure per attribute.
 *
 * The code is made from the family compiled by the codec itself (`compileSet`, `compileStruct`,
 * sub-message formats with their renamed attributes), so both decoders resolve the spec the
 * same way; `tests/codec_generated_*.test.ts` compare them on captured and mutated messages.
 *
 * @module
 */
import {
  type CompiledAttr,
  type CompiledFormat,
  compiledSet,
  compiledStruct,
  type CompiledSubMessage,
  K_ARRAY,
  K_BINARY,
  K_BITFIELD,
  K_FLAG,
  K_INDEXED,
  K_NEST,
  K_NTV,
  K_RAW,
  K_S16,
  K_S32,
  K_S64,
  K_S8,
  K_SINT,
  K_STRING,
  K_STRUCT,
  K_SUBMSG,
  K_U16,
  K_U32,
  K_U64,
  K_U8,
  K_UINT,
  KIND_NAME,
  numberFormats,
  SIZE_OF,
} from "../../codec/ynl/compile.ts";
import {
  type AttributeSet,
  defineFamily,
  type Family,
  type FamilySpec,
  type StructType,
} from "../../codec/ynl/mod.ts";
import { at, FunctionNames, inlineU16, litKey, prop, readInt, str } from "./decode_exprs.ts";
import { familyTable, GENERATOR, RUNTIME_IMPORT } from "./emit_module.ts";
import type { FamilyIR } from "./resolve.ts";
import { jsdoc } from "./text.ts";

export { decodeModule, emitDecodersIndex } from "./emit_decoders_index.ts";

/** The family as the codec compiles it, from the same table the module carries. */
export function compileFamily(f: FamilyIR): Family {
  return defineFamily(familyTable(f, (_name, value) => value) as unknown as FamilySpec);
}

/** The emitter of one family's decode module. */
class DecodeEmitter {
  readonly family: Family;
  readonly names = new FunctionNames();
  #setQueue: AttributeSet<object>[] = [];
  #msgQueue: CompiledSubMessage[] = [];
  #needsScope = new Map<AttributeSet<object>, boolean>();
  #msgNumbers = new Map<CompiledSubMessage, Map<number, CompiledFormat>>();

  constructor(readonly ir: FamilyIR) {
    this.family = compileFamily(ir);
  }

  // ----- names, on demand -----

  structFn(s: StructType<object>): string {
    return this.names.get(s) ?? this.names.claim(s, "struct", s.name);
  }

  setFn(s: AttributeSet<object>): string {
    let n = this.names.get(s);
    if (n === undefined) {
      const own = this.family.attributeSet(s.name) === s;
      n = this.names.claim(s, "set", own ? s.name : `${s.name}_renamed`);
      this.#setQueue.push(s);
    }
    return n;
  }

  msgFn(sm: CompiledSubMessage): string {
    let n = this.names.get(sm);
    if (n === undefined) {
      n = this.names.claim(sm, "msg", sm.name);
      this.#msgQueue.push(sm);
    }
    return n;
  }

  // ----- analysis -----

  /** The children sets a set's decoder calls (nests, indexed nests, type-value leaves, formats). */
  #children(s: AttributeSet<object>): AttributeSet<object>[] {
    const out: AttributeSet<object>[] = [];
    for (const a of compiledSet(s).byType) {
      if (a === undefined) continue;
      if ((a.kind === K_NEST || a.kind === K_NTV || (a.kind === K_INDEXED && a.sub === K_NEST))) {
        out.push(a.set!);
      } else if (a.kind === K_SUBMSG) {
        for (const f of a.subMessage!.formats.values()) if (f.set !== undefined) out.push(f.set);
      }
    }
    return out;
  }

  /**
   * Does the decoder of `s` need the scope chain: a sub-message in it, or in a set below it,
   * looks its selector up in the enclosing objects.
   */
  needsScope(s: AttributeSet<object>): boolean {
    const known = this.#needsScope.get(s);
    if (known !== undefined) return known;
    // Fixpoint over the (possibly cyclic) graph of sets reachable from s.
    const seen: AttributeSet<object>[] = [];
    const stack = [s];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (seen.includes(x) || this.#needsScope.has(x)) continue;
      seen.push(x);
      stack.push(...this.#children(x));
    }
    const value = new Map<AttributeSet<object>, boolean>();
    for (const x of seen) {
      value.set(x, compiledSet(x).byType.some((a) => a?.kind === K_SUBMSG));
    }
    for (let changed = true; changed;) {
      changed = false;
      for (const x of seen) {
        if (value.get(x)) continue;
        if (this.#children(x).some((c) => value.get(c) ?? this.#needsScope.get(c))) {
          value.set(x, true);
          changed = true;
        }
      }
    }
    for (const [x, v] of value) this.#needsScope.set(x, v);
    return this.#needsScope.get(s)!;
  }

  /** Numbers of the formats of a sub-message (enum selectors), the same for every user. */
  numbers(set: AttributeSet<object>, a: CompiledAttr): Map<number, CompiledFormat> {
    const sm = a.subMessage!;
    const mine = numberFormats(set, a.spec, sm);
    const first = this.#msgNumbers.get(sm);
    if (first === undefined) {
      this.#msgNumbers.set(sm, mine);
      return mine;
    }
    const same = first.size === mine.size &&
      [...first].every(([n, f]) => mine.get(n) === f);
    if (!same) {
      throw new Error(
        `${this.ir.file}: sub-message ${sm.name} is selected by enums that number its formats ` +
          `differently (${set.name}.${a.key}); the table decoder would depend on which set ` +
          "is compiled first",
      );
    }
    return first;
  }

  // ----- structs -----

  struct(s: StructType<object>): string {
    const fn = this.structFn(s);
    const c = compiledStruct(s);
    const members = c.members.filter((m) => m.kind !== K_RAW);
    const value = (m: (typeof members)[number]): string => {
      switch (m.kind) {
        case K_BINARY:
          return `copyBytes(b, ${at("ds", m.offset)}, ${at("ds", m.offset + m.size)})`;
        case K_STRING:
          return `cString(b, ${at("ds", m.offset)}, ${at("ds", m.offset + m.size)})`;
        case K_STRUCT:
          return `${this.structFn(m.struct!)}(b, ${at("ds", m.offset)}, ${
            at("ds", m.offset + m.size)
          })`;
        default:
          return readInt(m.kind, m.be, "ds", m.offset);
      }
    };
    if (members.some((m) => /^(0|[1-9][0-9]*)$/.test(m.key))) {
      throw new Error(`${this.ir.file}: struct ${s.name} has a member named like an index`);
    }
    // The struct's own size: one object literal. Any other size (older or newer kernels):
    // oddStruct decodes the members that fit, through this function on a padded copy.
    const ends = members.map((m) => m.offset + m.size).join(", ");
    let code = `function ${fn}(b, ds, de) {\n`;
    code +=
      `  if (de - ds !== ${c.size}) return oddStruct(${fn}, ${c.size}, [${ends}], b, ds, de);\n`;
    if (members.length === 0) code += `  return {};\n`;
    else {
      code += `  return {\n`;
      for (const m of members) code += `    ${litKey(m.key)}: ${value(m)},\n`;
      code += `  };\n`;
    }
    return code + "}\n";
  }

  // ----- attribute sets -----

  /**
   * The expression of a leaf of `kind` in `[ds, de)`: its value, or the table decoder's error
   * for its size (at `off`).
   */
  leaf(
    set: AttributeSet<object>,
    a: CompiledAttr,
    kind: number,
    ds: string,
    de: string,
    off: string,
  ): string {
    const what = str(`${set.name}.${a.key} (${a.value})`);
    const args = `b, ${ds}, ${de}, ${off}, ${what}`;
    switch (kind) {
      case K_FLAG:
        return `flagAt(${args})`;
      case K_U8:
      case K_U16:
      case K_U32:
      case K_U64:
      case K_S8:
      case K_S16:
      case K_S32:
      case K_S64: {
        const be = a.be && kind !== K_U8 && kind !== K_S8 ? "be" : "";
        return `${KIND_NAME[kind]}${be}At(${args})`;
      }
      case K_UINT:
        return `uintAt(${args}, ${a.be})`;
      case K_SINT:
        return `sintAt(${args}, ${a.be})`;
      case K_STRING:
        return `decodeString(b, ${ds}, ${de})`;
      case K_STRUCT:
        return `${this.structFn(a.struct!)}(b, ${ds}, ${de})`;
      case K_BITFIELD:
        return `bitfieldAt(${args})`;
      default: // K_BINARY
        return `copyBytes(b, ${ds}, ${de})`;
    }
  }

  /** `scope ??= { value: o, up }` when `child` needs it, else `undefined`. */
  scopeFor(child: AttributeSet<object>): string {
    return this.needsScope(child) ? "(scope ??= { value: o, up })" : "undefined";
  }

  /**
   * Store the value `v` (a variable, or any expression when `expr`) under `a.key`, appending
   * for multi-attr.
   */
  assign(a: CompiledAttr, v: string, ind: string, expr = false): string {
    const p = prop("o", a.key);
    if (!a.multi) return `${ind}${p} = ${v};\n`;
    const pre = expr ? `${ind}const v = ${v};\n` : "";
    if (expr) v = "v";
    return pre + `${ind}{\n${ind}  const list = ${p};\n` +
      `${ind}  if (list === undefined) ${p} = [${v}];\n${ind}  else list.push(${v});\n${ind}}\n`;
  }

  set(s: AttributeSet<object>): string {
    const fn = this.setFn(s);
    const c = compiledSet(s);
    const scoped = this.needsScope(s);
    const attrs = c.byType.filter((a): a is CompiledAttr => a !== undefined);
    const hasSub = attrs.some((a) => a.kind === K_SUBMSG);
    const I = "        ";
    let cases = "";
    for (const a of attrs) {
      const guard = a.multi ? "" : `${I}if (${prop("o", a.key)} !== undefined) break;\n`;
      let body = "";
      switch (a.kind) {
        case K_FLAG:
          body = `${I}if (de !== ds) break;\n` + this.assign(a, "true", I, true);
          break;
        case K_NEST:
          body = `${I}const v = {};\n` +
            `${I}${this.setFn(a.set!)}(v, b, ds, de, ${this.scopeFor(a.set!)}, d + 1);\n` +
            this.assign(a, "v", I);
          break;
        case K_SUBMSG: {
          const msg = this.msgFn(a.subMessage!);
          this.numbers(s, a);
          body =
            `${I}const sel = lookupSelector(${str(a.selector)}, scope ??= { value: o, up });\n` +
            `${I}if (sel === undefined) {\n` +
            `${I}  (pending ??= []).push({ t: ${a.value}, off, ds, de, index });\n` +
            `${I}  continue;\n${I}}\n` +
            `${I}const v = ${msg}(sel, b, ds, de, scope, d);\n` +
            `${I}if (v === undefined) break;\n` + this.assign(a, "v", I);
          break;
        }
        case K_INDEXED:
          body = this.indexed(s, a, I) + this.assign(a, "v", I);
          break;
        case K_ARRAY: {
          const n = SIZE_OF[a.sub];
          body = `${I}if ((de - ds) % ${n} !== 0) {\n${I}  throw lengthError(${
            str(
              `${s.name}.${a.key} (${a.value}): an array of ${
                KIND_NAME[a.sub]
              } needs a multiple of ${n} bytes`,
            )
          }, de - ds, off);\n${I}}\n` +
            `${I}const v = [];\n` +
            `${I}for (let p = ds; p < de; p += ${n}) v.push(${readInt(a.sub, a.be, "p", 0)});\n` +
            this.assign(a, "v", I);
          break;
        }
        case K_NTV:
          body = this.typeValue(a, I) + this.assign(a, "v", I);
          break;
        default: {
          body = this.assign(a, this.leaf(s, a, a.kind, "ds", "de", "off"), I, true);
        }
      }
      // Braces only around declarations (no-case-declarations), to keep the module small.
      cases += /^ {8}(const|let) /m.test(body)
        ? `      case ${a.value}: {\n${guard}${body}${I}continue;\n      }\n`
        : `      case ${a.value}:\n${guard}${body}${I}continue;\n`;
    }
    let code = `function ${fn}(o, b, start, end, ${scoped ? "up" : "_up"}, d) {\n`;
    code += `  if (d > MAX_DEPTH) throw depthError(${str(s.name)}, start);\n`;
    if (scoped) code += `  let scope;\n`;
    code += `  let unknown;\n`;
    if (hasSub) code += `  let pending;\n`;
    code += `  let len = 0;\n`;
    code +=
      `  for (let off = start, index = 0; end - off >= 4; off += (len + 3) & ~3, index++) {\n`;
    code += `    len = ${inlineU16("off", 0, false)};\n`;
    code += `    if (len < 4 || len > end - off) throw attrHeaderError(len, off, end);\n`;
    code += `    const ds = off + 4;\n    const de = off + len;\n`;
    if (attrs.length > 0) {
      code += `    switch (${inlineU16("off", 2, false)} & 0x3fff) {\n${cases}    }\n`;
    }
    code += `    (unknown ??= []).push(rawAttr(b, off, ds, de, index));\n  }\n`;
    if (hasSub) code += this.pending(attrs.filter((a) => a.kind === K_SUBMSG));
    code += `  if (unknown !== undefined) o[UNKNOWN] = unknown;\n}\n`;
    return code;
  }

  /** Sub-messages whose selector came later in the nest. */
  pending(subs: CompiledAttr[]): string {
    const I = "        ";
    let code =
      `  if (pending !== undefined) {\n    for (const p of pending) {\n      switch (p.t) {\n`;
    for (const a of subs) {
      const msg = this.msgFn(a.subMessage!);
      const dup = a.multi ? "" : ` || ${prop("o", a.key)} !== undefined`;
      code += `      case ${a.value}: {\n` +
        `${I}const sel = lookupSelector(${str(a.selector)}, scope);\n` +
        `${I}const v = sel === undefined${dup} ? undefined : ${msg}(sel, b, p.ds, p.de, scope, d);\n` +
        `${I}if (v === undefined) {\n` +
        `${I}  (unknown ??= []).push(rawAttr(b, p.off, p.ds, p.de, p.index));\n` +
        `${I}  break;\n${I}}\n` +
        this.assign(a, "v", I) + `${I}break;\n      }\n`;
    }
    return code + `      }\n    }\n    if (unknown !== undefined) byIndex(unknown);\n  }\n`;
  }

  /** An indexed array into `v`. */
  indexed(s: AttributeSet<object>, a: CompiledAttr, I: string): string {
    let code = `${I}const v = [];\n${I}let ix;\n` +
      `${I}for (let p = ds; de - p >= 4;) {\n` +
      `${I}  const el = ${inlineU16("p", 0, false)};\n` +
      `${I}  if (el < 4 || el > de - p) throw attrHeaderError(el, p, de);\n` +
      `${I}  const et = ${inlineU16("p", 2, false)} & 0x3fff;\n` +
      `${I}  const eds = p + 4;\n${I}  const ede = p + el;\n`;
    if (a.sub === K_NEST) {
      code += `${I}  const e = {};\n` +
        `${I}  ${this.setFn(a.set!)}(e, b, eds, ede, ${this.scopeFor(a.set!)}, d + 1);\n`;
    } else {
      code += `${I}  const e = ${this.leaf(s, a, a.sub, "eds", "ede", "p")};\n`;
    }
    code += `${I}  if (ix === undefined && et !== v.length + 1) ix = oneToN(v.length);\n` +
      `${I}  if (ix !== undefined) ix.push(et);\n` +
      `${I}  v.push(e);\n${I}  p += (el + 3) & ~3;\n${I}}\n` +
      `${I}if (ix !== undefined) v[INDEXES] = ix;\n`;
    return code;
  }

  /** A nest-type-value into `v`: one loop per level, the leaf set decoded into each item. */
  typeValue(a: CompiledAttr, I: string): string {
    const levels = Math.max(1, a.typeValue.length);
    const key = (l: number) => a.typeValue[l] ?? `type${l}`;
    let code = `${I}const v = [];\n`;
    const loop = (l: number, ind: string, from: string, to: string): string => {
      const p = `p${l}`;
      const n = `n${l}`;
      const t = `t${l}`;
      const item = `i${l}`;
      let c = `${ind}for (let ${p} = ${from}; ${to} - ${p} >= 4;) {\n` +
        `${ind}  const ${n} = ${inlineU16(p, 0, false)};\n` +
        `${ind}  if (${n} < 4 || ${n} > ${to} - ${p}) throw attrHeaderError(${n}, ${p}, ${to});\n` +
        `${ind}  const ${t} = ${inlineU16(p, 2, false)} & 0x3fff;\n` +
        `${ind}  const ${item} = ${l === 0 ? "{}" : `{ ...i${l - 1} }`};\n` +
        `${ind}  ${prop(item, key(l))} = ${t};\n`;
      if (l + 1 < levels) {
        c += loop(l + 1, ind + "  ", `${p} + 4`, `(${p} + ${n})`);
      } else {
        c +=
          `${ind}  ${this.setFn(a.set!)}(${item}, b, ${p} + 4, ${p} + ${n}, ${
            this.scopeFor(a.set!)
          }, d + 1);\n` + `${ind}  v.push(${item});\n`;
      }
      return c + `${ind}  ${p} += (${n} + 3) & ~3;\n${ind}}\n`;
    };
    code += loop(0, I, "ds", "de");
    return code;
  }

  // ----- sub-messages -----

  subMessage(sm: CompiledSubMessage, fn: string): string {
    let code = `function ${fn}(sel, b, ds, de, scope, d) {\n  switch (sel) {\n`;
    // Numbers: the enum's (decided when the first user is emitted, see numbers()), then names
    // that are numbers (findFormat: byNumber first, then formats.get(String(n))).
    const bodies = new Map<CompiledFormat, string[]>();
    for (const f of sm.formats.values()) bodies.set(f, [str(f.name)]);
    const numbered = this.#msgNumbers.get(sm) ?? new Map<number, CompiledFormat>();
    for (const f of sm.formats.values()) {
      const n = Number(f.name);
      if (f.name !== "" && String(n) === f.name && !numbered.has(n)) bodies.get(f)!.push(f.name);
    }
    for (const [n, f] of numbered) bodies.get(f)!.push(String(n));
    for (const [f, labels] of bodies) {
      for (const l of labels) code += `    case ${l}:\n`;
      code += `    {\n${this.format(f)}    }\n`;
    }
    return code + `  }\n  return undefined;\n}\n`;
  }

  format(f: CompiledFormat): string {
    const I = "      ";
    let code = "";
    let start = "ds";
    if (f.struct !== undefined) {
      const size = compiledStruct(f.struct).size;
      const end = f.set === undefined ? "de" : `Math.min(de, ds + ${size})`;
      code += `${I}const o = ${this.structFn(f.struct)}(b, ds, ${end});\n`;
      if (f.set !== undefined) {
        code += `${I}const start = Math.min(de, ds + ${(size + 3) & ~3});\n`;
        start = "start";
      }
    } else code += `${I}const o = {};\n`;
    if (f.set !== undefined) {
      code += `${I}${this.setFn(f.set)}(o, b, ${start}, de, scope, d + 1);\n`;
    }
    return code + `${I}return o;\n`;
  }

  // ----- the module -----

  emit(): string {
    const f = this.ir;
    const structs = f.structs.map((s) => this.family.struct<object>(s.name));
    const sets = f.sets.map((s) => this.family.attributeSet<object>(s.name));
    // Name every family struct and set first (so their names do not depend on references).
    for (const s of structs) this.structFn(s);
    for (const s of sets) this.setFn(s);
    // Sets (and the renamed copies formats reach) and sub-message dispatchers, as they are
    // reached. A dispatcher is emitted after the set that named it, whose attribute fixed its
    // numbers (see numbers()).
    const setTexts: string[] = [];
    const msgTexts: string[] = [];
    const subMsgs: CompiledSubMessage[] = [];
    while (this.#setQueue.length > 0 || this.#msgQueue.length > 0) {
      if (this.#setQueue.length > 0) setTexts.push(this.set(this.#setQueue.shift()!));
      else {
        const sm = this.#msgQueue.shift()!;
        subMsgs.push(sm);
        msgTexts.push(this.subMessage(sm, this.names.get(sm)!));
      }
    }
    const structTexts = structs.map((s) => this.struct(s));
    for (const s of structs) {
      for (const m of compiledStruct(s).members) {
        if (m.struct !== undefined && !structs.includes(m.struct)) {
          throw new Error(`${f.file}: struct ${s.name} refers to a struct of another family`);
        }
      }
    }
    const msgs = msgTexts;

    const header =
      `// Generated by ${GENERATOR} from specs/${f.loaded.source.file} — do not edit.\n` +
      jsdoc(
        "",
        `${f.name}: straight-line decoders, one function per struct and attribute set, used by ` +
          "`decodeBody`, `decodeAttributeSet` and `decodeStruct` for this family's operations, " +
          "sets and structs (`tools/ynl/emit_decode.ts` says how they match the table " +
          "decoder of `codec/ynl/decode.ts`). Private: imported by the family's module only. " +
          "JavaScript, not TypeScript: Deno loads a transpiled module with its source map, " +
          "which cost more than the code itself (12 ms for tc's at start-up, against under 1 " +
          "as JavaScript); the tests hold every function to the table decoder instead." +
          "\n\n@module",
      );
    const helpers = [
      ...["flag", "u8", "s8", "u16", "u16be", "s16", "s16be", "u32", "u32be", "s32", "s32be"]
        .map((k) => `${k}At`),
      ...["u64", "u64be", "s64", "s64be", "uint", "sint", "bitfield"].map((k) => `${k}At`),
      "attrHeaderError",
      "big64",
      "byIndex",
      "copyBytes",
      "cString",
      "decodeString",
      "depthError",
      "int64",
      "lengthError",
      "lookupSelector",
      "MAX_DEPTH",
      "oddStruct",
      "oneToN",
      "rawAttr",
      "s32",
      "u16",
      "u16be",
      "u32",
      "u32be",
    ];
    const body = [...structTexts, ...setTexts, ...msgs].join("\n");
    const used = helpers.filter((h) => new RegExp(`\\b${h}\\b`).test(body));
    // The symbols by name (what the family decodes keeps them under).
    const symbols = ["INDEXES", "STRUCT_BYTES", "UNKNOWN"].filter((t) =>
      new RegExp(`\\b${t}\\b`).test(body)
    );
    let code = header;
    code += `import * as rt from "${RUNTIME_IMPORT}";\n`;
    if (symbols.length > 0) code += `import { ${symbols.join(", ")} } from "${RUNTIME_IMPORT}";\n`;
    code += "\n";
    code += "// Module-own constants: V8 inlines these calls (see codec/ynl/decode.ts).\n";
    code += `const { ${used.join(", ")} } = rt;\n`;
    code += "\n" + body;
    code += "\n/**\n * The decoders of every struct and attribute set of " + f.name + ".\n *\n" +
      ` * @type {import("${RUNTIME_IMPORT}").Decoders}\n */\n`;
    code += "export const decoders = {\n  structs: {\n";
    for (const s of structs) code += `    ${str(s.name)}: ${this.structFn(s)},\n`;
    code += "  },\n  sets: {\n";
    for (const s of sets) code += `    ${str(s.name)}: ${this.setFn(s)},\n`;
    code += "  },\n};\n";
    return code;
  }
}

/** The decode module of a family (before `deno fmt`). */
export function emitDecodeModule(f: FamilyIR): string {
  return new DecodeEmitter(f).emit();
}
