/**
 * Where an extended ACK points: the byte offset the kernel reports, turned into the path of
 * the attribute in the request, by the operation's tables: in C names as the uAPI headers
 * spell them (`IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID`, what errors print) or in YNL spec
 * names (`.linkinfo.data.id`, as the kernel's YNL tools print them).
 *
 * @module
 */
import type { AttributeSpec, Family, MemberSpec, Operation } from "../codec/ynl/mod.ts";
import { screamingSnake } from "../codec/ynl/mod.ts";
import { specNameOf } from "./json_values.ts";

/** Options of {@link attributePath}. */
export interface AttributePathOptions {
  /**
   * `"c"`: the uAPI headers' names joined by `/` (`IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID`,
   * `WGDEVICE_A_PEERS[0]/WGPEER_A_PUBLIC_KEY`); `"spec"` (the default): YNL names, each after
   * a dot (`.linkinfo.data.id`), as the kernel's tools/net/ynl prints them.
   */
  names?: "c" | "spec";
}

/**
 * The C name of attribute `attr` of set `set` of `family` (`IFLA_VXLAN_ID`): its own `cName`,
 * else the set's prefix ({@link FamilySpec.attributePrefixes}) and its YNL name in
 * SCREAMING_SNAKE, as the generator derives them from the spec (tools/ynl/c_names.ts);
 * undefined for a family whose tables do not carry C names.
 *
 * @example
 * ```ts
 * import { attributeCName, rtLink } from "@netlink/netlink";
 * const set = rtLink.linkinfoVxlanAttrs;
 * attributeCName(rtLink.family, set.name, set.attribute("id")!); // "IFLA_VXLAN_ID"
 * ```
 */
export function attributeCName(
  family: Family,
  set: string,
  attr: AttributeSpec,
): string | undefined {
  if (attr.cName !== undefined) return attr.cName;
  const prefix = family.spec.attributePrefixes?.[set];
  return prefix === undefined ? undefined : prefix + screamingSnake(specNameOf(attr));
}

/** One step of a path: an attribute of a set (`index`: an element of an indexed array). */
interface Step {
  set: string;
  type: number;
  attr?: AttributeSpec;
  index?: number;
}

/**
 * The attribute at byte `offset` of a request of `op` (the whole message, `nlmsghdr` first, as
 * the kernel's extended ACK counts), as a path through the nests, indexed arrays and
 * sub-messages (`IFLA_INFO_DATA`, chosen by `IFLA_INFO_KIND`) of the request; by default in
 * YNL names (`".header.dev-name"`), with `{ names: "c" }` in C names
 * (`"ETHTOOL_A_LINKINFO_HEADER/ETHTOOL_A_HEADER_DEV_NAME"`). For an offset inside the fixed
 * header, the member (`.ifi-index`; in C form the struct and the member as the spec names
 * them, `ifinfomsg.ifi-index`: the tables do not carry C member names). An attribute the
 * tables do not know is named by its number.
 * `undefined` when the offset is not inside an attribute or header member of the request.
 *
 * @example
 * ```ts
 * import { attributePath, buildMessage } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * const op = ethtool.operations.linkinfoGet;
 * const bytes = buildMessage(op, { type: 21, attrs: { header: { devName: "nope" } } });
 * attributePath(op, bytes, 24); // ".header.dev-name"
 * attributePath(op, bytes, 24, { names: "c" }); // "ETHTOOL_A_LINKINFO_HEADER/ETHTOOL_A_HEADER_DEV_NAME"
 * ```
 */
export function attributePath<H extends object, A extends object>(
  op: Operation<H, A>,
  request: Uint8Array,
  offset: number,
  options: AttributePathOptions = {},
): string | undefined {
  const o = op as unknown as Operation<object, object>;
  const c = options.names === "c";
  let off = 16 + (o.family.isGenetlink ? 4 : 0);
  const fixed = o.fixedHeader;
  if (fixed !== undefined) {
    if (offset < off + fixed.size) {
      const m = memberAt(o.family, fixed.members, off, offset);
      if (m === undefined) return undefined;
      const name = specNameOf(m);
      return c ? `${o.spec.fixedHeader}.${name}` : `.${name}`;
    }
    off += (fixed.size + 3) & ~3;
  }
  const set = o.spec.attributeSet;
  if (set === undefined) return undefined;
  const steps: Step[] = [];
  descend(o.family, set, request, off, request.length, offset, steps);
  if (steps.length === 0) return undefined;
  return c
    ? steps.map((s) => cStep(o.family, s)).join("/")
    : steps.map((s) =>
      `.${s.attr === undefined ? String(s.type) : specNameOf(s.attr)}${
        s.index === undefined ? "" : `[${s.index}]`
      }`
    ).join("");
}

function cStep(family: Family, s: Step): string {
  const name = s.attr === undefined
    ? String(s.type)
    : attributeCName(family, s.set, s.attr) ?? specNameOf(s.attr);
  return s.index === undefined ? name : `${name}[${s.index}]`;
}

const SIZES: Record<string, number> = {
  u8: 1,
  s8: 1,
  u16: 2,
  s16: 2,
  u32: 4,
  s32: 4,
  u64: 8,
  s64: 8,
};

/** The member of a fixed header (at `start`) that byte `offset` falls in, as the codec lays it out. */
function memberAt(
  family: Family,
  members: readonly MemberSpec[],
  start: number,
  offset: number,
): MemberSpec | undefined {
  let at = start;
  let found: MemberSpec | undefined;
  for (const m of members) {
    const size = m.struct !== undefined
      ? family.struct(m.struct).size
      : m.len ?? SIZES[m.type] ?? 0;
    const align = m.len !== undefined || m.struct !== undefined ? 1 : size;
    at = (at + align - 1) & ~(align - 1);
    if (offset >= at && offset < at + size && m.type !== "pad") found = m;
    at += size;
  }
  return found;
}

/** Append to `steps` the path to `target` among the attributes of `setName` in `b[start, end)`. */
function descend(
  family: Family,
  setName: string,
  b: Uint8Array,
  start: number,
  end: number,
  target: number,
  steps: Step[],
): void {
  const set = family.spec.attributeSets[setName];
  if (set === undefined) return;
  for (let off = start; end - off >= 4;) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || off + len > end) return;
    const type = (b[off + 2] | (b[off + 3] << 8)) & 0x3fff;
    if (target >= off && target < off + len) {
      const a = set.find((x) => x.value === type && x.type !== "pad");
      steps.push({ set: setName, type, attr: a });
      if (target === off || a === undefined) return;
      if (a.type === "indexed-array" && a.subType === "nest" && a.nested !== undefined) {
        element(family, a.nested, b, off + 4, off + len, target, steps);
        return;
      }
      const inner = innerSet(family, a, set, b, start, end);
      if (inner !== undefined) {
        descend(family, inner.set, b, off + 4 + inner.skip, off + len, target, steps);
      }
      return;
    }
    off += (len + 3) & ~3;
  }
}

/**
 * The element of an indexed array (in `b[start, end)`) holding `target`, numbered by its
 * position (the kernel reads the arrays with nla_for_each_nested, whatever their types), and on
 * into it.
 */
function element(
  family: Family,
  nested: string,
  b: Uint8Array,
  start: number,
  end: number,
  target: number,
  steps: Step[],
): void {
  for (let e = start, i = 0; end - e >= 4; i++) {
    const elen = b[e] | (b[e + 1] << 8);
    if (elen < 4 || e + elen > end) return;
    if (target >= e && target < e + elen) {
      steps[steps.length - 1].index = i;
      if (target !== e) descend(family, nested, b, e + 4, e + elen, target, steps);
      return;
    }
    e += (elen + 3) & ~3;
  }
}

/**
 * The attribute set inside `a`: a nest's, or a sub-message's format chosen by the value of its
 * selector among `siblings` (in `b[start, end)`), with the bytes of the format's fixed header.
 */
function innerSet(
  family: Family,
  a: AttributeSpec,
  siblings: readonly AttributeSpec[],
  b: Uint8Array,
  start: number,
  end: number,
): { set: string; skip: number } | undefined {
  if (a.type === "nest" && a.nested !== undefined) return { set: a.nested, skip: 0 };
  if (a.type !== "sub-message" || a.subMessage === undefined || a.selector === undefined) {
    return undefined;
  }
  const sel = siblings.find((x) => x.name === a.selector);
  const formats = family.spec.subMessages?.[a.subMessage];
  if (sel === undefined || formats === undefined) return undefined;
  for (let off = start; end - off >= 4;) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || off + len > end) return undefined;
    if (((b[off + 2] | (b[off + 3] << 8)) & 0x3fff) === sel.value) {
      const format = formats[selectorKey(family, sel, b.subarray(off + 4, off + len), formats)];
      if (format?.attributeSet === undefined) return undefined;
      let skip = 0;
      if (format.fixedHeader !== undefined) {
        try {
          skip = (family.struct(format.fixedHeader).size + 3) & ~3;
        } catch {
          return undefined;
        }
      }
      return { set: format.attributeSet, skip };
    }
    off += (len + 3) & ~3;
  }
  return undefined;
}

/** The sub-message format key a selector's payload names: a string, or a number (or its enum entry). */
function selectorKey(
  family: Family,
  sel: AttributeSpec,
  v: Uint8Array,
  formats: Readonly<Record<string, unknown>>,
): string {
  if (sel.type === "string") return new TextDecoder().decode(v).replace(/\0.*$/s, "");
  let n = 0;
  for (let i = Math.min(v.length, 4) - 1; i >= 0; i--) n = n * 256 + v[i];
  if (String(n) in formats) return String(n);
  const entries = sel.enum === undefined ? undefined : family.spec.enums?.[sel.enum]?.entries;
  return Object.keys(formats).find((k) => entries?.[screamingSnake(k)] === n) ?? String(n);
}
