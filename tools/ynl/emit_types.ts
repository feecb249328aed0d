/**
 * The TypeScript types of one family's module: struct and attribute-set interfaces,
 * sub-message formats and the unions they select, the messages of each operation and the
 * `Operations` interface (emit_module.ts puts them between the values and the tables).
 *
 * @module
 */
import type { StructMember } from "./model.ts";
import type { FamilyIR, MessageIR, OpIR, SubMsgIR } from "./resolve.ts";
import { camelCase, docText, jsdoc, propKey } from "./text.ts";
import { attrTs, intTs, type TypeContext } from "./types.ts";

/** How the types of `f` name its structs, sets and sub-messages. */
export function typeContext(f: FamilyIR): TypeContext {
  const find = <T extends { iface: string }>(m: Map<string, T>, n: string, what: string) => {
    const x = m.get(n);
    if (x === undefined) throw new Error(`${f.file}: unknown ${what} ${n}`);
    return x.iface;
  };
  return {
    structIface: (n) => find(f.structByName, n, "struct"),
    setIface: (n) => find(f.setByName, n, "attribute set"),
    subMessageIface: (n) => find(f.subByName, n, "sub-message"),
  };
}

/** The TS type of one format of a sub-message (header fields and attributes in one object). */
function formatTs(f: FamilyIR, fm: SubMsgIR["formats"][number]): string {
  const ctx = typeContext(f);
  const parts: string[] = [];
  if (fm.fixedHeader !== undefined) parts.push(ctx.structIface(fm.fixedHeader));
  if (fm.attributeSet !== undefined) {
    // Attributes named like a struct member decode as `<name>Attr` (see codec/schema.ts).
    const members = new Set(
      (f.structByName.get(fm.fixedHeader ?? "")?.members ?? []).filter((m) => m.type !== "pad")
        .map((m) => camelCase(m.name)),
    );
    const clash = (f.setByName.get(fm.attributeSet)?.attrs ?? []).filter((a) =>
      members.has(a.key) && a.y.type !== "pad" && a.y.type !== "unused"
    ).map((a) => a.key);
    const iface = ctx.setIface(fm.attributeSet);
    if (clash.length === 0) parts.push(iface);
    else {
      parts.push(`Omit<${iface}, ${clash.map((k) => JSON.stringify(k)).join(" | ")}>`);
      parts.push(`{ ${clash.map((k) => `${k}Attr?: ${iface}[${JSON.stringify(k)}]`).join("; ")} }`);
    }
  }
  return parts.length === 0 ? "Record<string, never>" : parts.join(" & ");
}

function memberTs(f: FamilyIR, m: StructMember): string {
  return intTs(m.type) ??
    (m.struct !== undefined
      ? typeContext(f).structIface(m.struct)
      : m.type === "string"
      ? "string"
      : "Uint8Array");
}

function structTypes(f: FamilyIR): string {
  let out = "";
  for (const s of f.structs) {
    out += "\n" + jsdoc(
      "",
      `Struct \`${s.name}\` of ${f.name}, as decoded by {@link ${s.table}}.${
        s.doc ? "\n\n" + s.doc : ""
      }`,
    );
    const members = s.members.filter((m) => m.type !== "pad");
    if (members.length === 0) {
      out += `export type ${s.iface} = StructValues;\n`;
      continue;
    }
    out += `export interface ${s.iface} extends StructValues {\n`;
    for (const m of members) {
      const bits = [`\`${m.name}\`: ${m.type}`];
      if (m.len !== undefined) bits.push(`${m.len} bytes`);
      if (m["byte-order"] === "big-endian") bits.push("big-endian");
      if (m.enum !== undefined) {
        bits.push(`values of {@link ${f.enumByName.get(m.enum)?.exportName ?? m.enum}}`);
      }
      const d = docText(m.doc);
      out += jsdoc("  ", `${bits.join(", ")}.${d ? "\n\n" + d : ""}`);
      out += `  ${propKey(camelCase(m.name))}: ${memberTs(f, m)};\n`;
    }
    out += "}\n";
  }
  return out;
}

function setTypes(f: FamilyIR): string {
  const ctx = typeContext(f);
  let out = "";
  for (const s of f.sets) {
    out += "\n" + jsdoc(
      "",
      `Attributes of set \`${s.name}\` of ${f.name}, as decoded by {@link ${s.table}}.${
        s.doc ? "\n\n" + s.doc : ""
      }`,
    );
    const typed = s.attrs.map((a) => ({
      a,
      ts: attrTs(a.y, ctx, `${f.file}: ${s.name}.${a.yname}`),
    }))
      .filter((x) => x.ts !== undefined);
    if (typed.length === 0) {
      out += `export type ${s.iface} = AttrValues;\n`;
      continue;
    }
    out += `export interface ${s.iface} extends AttrValues {\n`;
    for (const { a, ts } of typed) {
      const y = a.y;
      const bits = [`\`${a.cName}\` (${a.value}): ${y.type}`];
      if (y["sub-type"] !== undefined) bits[0] += ` of ${y["sub-type"]}`;
      if (y.struct !== undefined) bits[0] += ` (struct \`${y.struct}\`)`;
      if (y["nested-attributes"] !== undefined) bits[0] += ` of \`${y["nested-attributes"]}\``;
      if (y["display-hint"] !== undefined) bits.push(`shown as ${y["display-hint"]}`);
      if (y["byte-order"] === "big-endian") bits.push("big-endian");
      if (y["multi-attr"]) bits.push("repeated");
      if (y.enum !== undefined) {
        bits.push(`values of {@link ${f.enumByName.get(y.enum)?.exportName ?? y.enum}}`);
      }
      if (y.type === "sub-message") bits.push(`format chosen by \`${camelCase(y.selector!)}\``);
      const d = docText(y.doc);
      out += jsdoc("  ", `${bits.join(", ")}.${d ? "\n\n" + d : ""}`);
      out += `  ${propKey(a.key)}?: ${ts};\n`;
    }
    out += "}\n";
  }
  return out;
}

function subMessageTypes(f: FamilyIR): string {
  let out = "";
  for (const sm of f.subMsgs) {
    out += "\n" +
      jsdoc("", `Formats of sub-message \`${sm.name}\` of ${f.name}, by selector value.`);
    out += `export interface ${sm.iface} {\n`;
    for (const fm of sm.formats) {
      const what = [
        fm.fixedHeader !== undefined ? `struct \`${fm.fixedHeader}\`` : "",
        fm.attributeSet !== undefined ? `attribute set \`${fm.attributeSet}\`` : "",
      ].filter((x) => x !== "").join(" followed by ");
      out += jsdoc("  ", `\`${fm.value}\`: ${what || "no content"}.`);
      out += `  ${propKey(fm.value)}: ${formatTs(f, fm)};\n`;
    }
    out += "}\n";
  }
  return out;
}

/** `Omit<Set, keys> & (variants) & …`: a set whose sub-messages are typed by their selector. */
function unionTypes(f: FamilyIR): string {
  let out = "";
  for (const s of f.sets) {
    const u = s.union;
    if (u === undefined) continue;
    const ctx = typeContext(f);
    const keys = u.selectors.flatMap((g) => [g.selector.key, ...g.members.map((m) => m.key)]);
    const which = u.selectors.map((g) =>
      `${g.members.map((m) => `\`${m.key}\``).join(" and ")} by \`${g.selector.key}\``
    ).join("; ");
    out += "\n" + jsdoc(
      "",
      `Set \`${s.name}\` of ${f.name} with its sub-messages typed by their selector: ${which}. ` +
        "A selector value without a format keeps the payload raw under `UNKNOWN`, so the " +
        "sub-message is absent.",
    );
    const groups = u.selectors.map((g) => {
      const selTs = g.selector.y.type === "string" ? "string" : attrTs(g.selector.y, ctx, s.name)!;
      const variants = g.variants.map((v) => {
        const fields = g.members.map((m, i) => {
          const fmt = v.formats[i];
          if (fmt === undefined) return `${propKey(m.key)}?: undefined`;
          const sm = f.subByName.get(m.y["sub-message"]!)!;
          const t = `${sm.iface}[${JSON.stringify(fmt)}]`;
          return `${propKey(m.key)}?: ${m.y["multi-attr"] ? `${t}[]` : t}`;
        });
        return `{ ${propKey(g.selector.key)}: ${v.literal}; ${fields.join("; ")} }`;
      });
      variants.push(
        `{ ${propKey(g.selector.key)}?: ${selTs}; ${
          g.members.map((m) => `${propKey(m.key)}?: undefined`).join("; ")
        } }`,
      );
      return `(\n${variants.map((v) => `  | ${v}`).join("\n")}\n)`;
    });
    out += `export type ${u.name} =\n  & Omit<${s.iface}, ${
      keys.map((k) => JSON.stringify(k)).join(" | ")
    }>\n` +
      groups.map((g) =>
        `  & ${g.replace(/\n/g, "\n  ")}`
      ).join("\n") + ";\n";
  }
  return out;
}

function messageTs(f: FamilyIR, op: OpIR, m: MessageIR): string {
  const set = op.attributeSet !== undefined ? f.setByName.get(op.attributeSet) : undefined;
  if (set === undefined) return "Record<string, never>";
  if (m.keys === undefined) return set.iface;
  if (m.keys.length === 0) return "Record<string, never>";
  return `Pick<${set.iface}, ${m.keys.map((k) => JSON.stringify(k)).join(" | ")}>`;
}

const SLOT_TEXT: Readonly<Record<MessageIR["slot"], string>> = {
  doRequest: "the `do` request",
  doReply: "the `do` reply",
  dumpRequest: "the `dump` request",
  dumpReply: "each `dump` reply",
  event: "the notification",
};

function operationTypes(f: FamilyIR): string {
  let out = "";
  for (const op of f.ops) {
    for (const m of op.messages) {
      const set = op.attributeSet;
      const how = set === undefined
        ? "it has no attributes"
        : m.keys === undefined
        ? `the spec lists none: any attribute of \`${set}\``
        : m.keys.length === 0
        ? "the spec lists none"
        : "as the spec lists them";
      out += "\n" +
        jsdoc("", `Attributes of ${SLOT_TEXT[m.slot]} of \`${op.yname}\` (${f.name}): ${how}.`);
      out += `export type ${m.name} = ${messageTs(f, op, m)};\n`;
    }
  }
  const structIface = (n: string) => typeContext(f).structIface(n);
  const setIface = (n: string) => typeContext(f).setIface(n);
  out += "\n" + jsdoc(
    "",
    `The operations of ${f.name}, typed by fixed header and attributes; the type-only ` +
      '`"~messages"` key carries the attributes of each message.',
  );
  if (f.ops.length === 0) return out + "export type Operations = Record<string, never>;\n";
  out += "export interface Operations {\n";
  for (const op of f.ops) {
    const h = op.fixedHeader !== undefined ? structIface(op.fixedHeader) : "Record<string, never>";
    const a = op.attributeSet !== undefined ? setIface(op.attributeSet) : "Record<string, never>";
    const ntf = op.y.notify !== undefined || op.y.event !== undefined;
    const nums = [
      op.requestValue !== undefined ? `request ${op.requestValue}` : "",
      op.replyValue !== undefined ? `${ntf ? "notification" : "reply"} ${op.replyValue}` : "",
    ].filter((x) => x !== "").join(", ");
    const d = docText(op.y.doc);
    out += jsdoc("  ", `\`${op.yname}\`${nums ? ` (${nums})` : ""}.${d ? "\n\n" + d : ""}`);
    // Inline (not the aliases above), so re-exporting `Operations` alone exposes no private type.
    const msgs = op.messages.map((m) => `${m.slot}: ${messageTs(f, op, m)}`).join("; ");
    out += `  readonly ${propKey(op.key)}: Operation<${h}, ${a}>${
      msgs === "" ? "" : ` & { readonly "~messages"?: { ${msgs} } }`
    };\n`;
  }
  return out + "}\n";
}

/** Every type of `f`, in module order. */
export function familyTypes(f: FamilyIR): string {
  return structTypes(f) + setTypes(f) + subMessageTypes(f) + unionTypes(f) + operationTypes(f);
}
