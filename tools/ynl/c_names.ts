/**
 * The C names of a spec's attributes, as the kernel's tools/net/ynl/pyynl/ynl_gen_c.py renders
 * a uAPI header from it (AttrSet, Type.resolve): c_upper(prefix + attribute), the prefix being
 * the attribute's own `name-prefix`, else its set's, else `<family>-a-<set>-` (`<family>-a-`
 * for the set named like the family); a subset takes its main set's. Where a spec's names are
 * not the C names (written before C was generated from it), {@link ATTR_C} lists the
 * difference with the reason.
 *
 * The one derivation of these names: the generator writes them into the JSDoc and into the
 * tables (`attributePrefixes`, and an attribute's `cName` where the prefix does not give it),
 * and tests/uapi_layout.test.ts compiles them against the headers.
 *
 * @module
 */
import type { Attribute, AttributeSet, Spec } from "./model.ts";

/** `c_upper` of ynl_gen_c.py. */
export const cUpper = (s: string): string => s.toUpperCase().replace(/[-.]/g, "_");

/** The name prefix of the attributes of set `set` (a subset: its main set's). */
export function setPrefix(spec: Spec, set: AttributeSet): string {
  if (set["subset-of"] !== undefined) {
    const main = spec["attribute-sets"].find((s) => s.name === set["subset-of"]);
    if (main !== undefined) return setPrefix(spec, main);
  }
  if (set["name-prefix"] !== undefined) return set["name-prefix"];
  return set.name === spec.name ? `${spec.name}-a-` : `${spec.name}-a-${set.name}-`;
}

/** C name of attribute `a` of set `set`. */
export function attrCName(spec: Spec, set: AttributeSet, a: Attribute): string {
  const fix = ATTR_C[`${spec.name} ${set.name} ${a.name}`];
  if (fix !== undefined) return fix;
  if (spec.name === "tcp_metrics" && set.name === "metrics") {
    // linux/tcp_metrics.h numbers TCP_METRIC_* from 0; TCP_METRICS_ATTR_VALS nests them from 1
    // (the spec says so in its doc), and spells "reodering" REORDERING.
    return `TCP_METRIC_${cUpper(a.name === "reodering" ? "reordering" : a.name)} + 1`;
  }
  return cUpper((a["name-prefix"] ?? setPrefix(spec, set)) + a.name);
}

/** Attributes whose C name the rules do not give, by "<family> <set> <attribute>". */
const ATTR_C: Record<string, string> = {
  // conntrack.yaml: the old 32-bit counters, and an attribute name with a space.
  "conntrack counter-attrs packets-old": "CTA_COUNTERS32_PACKETS",
  "conntrack counter-attrs bytes-old": "CTA_COUNTERS32_BYTES",
  "conntrack conntrack-attrs labels mask": "CTA_LABELS_MASK",
  // nftables.yaml: NFTA_HOOK_HOOKNUM, and an attribute name with a space.
  "nftables nft-hook-attrs num": "NFTA_HOOK_HOOKNUM",
  "nftables expr-lookup-attrs set id": "NFTA_LOOKUP_SET_ID",
};
