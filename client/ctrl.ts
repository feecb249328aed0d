/**
 * The generic netlink controller's view of the kernel, as `genl ctrl list` shows it: every
 * family with its id, version, header size, highest attribute, operations (with their
 * capability flags, named from nlctrl's `op-flags` enum) and multicast groups.
 *
 * @example
 * ```ts
 * import { Client, listGenlFamilies } from "@netlink/netlink";
 * import * as nlctrl from "@netlink/netlink/nlctrl";
 * await using ctrl = await Client.open(nlctrl.family);
 * for await (const f of listGenlFamilies(ctrl)) {
 *   console.log(f.name, f.id, f.operations?.map((op) => [op.id, op.capabilities]));
 * }
 * ```
 *
 * @module
 */
import { NetlinkError } from "../codec/netlink_error.ts";
import { INDEXES } from "../codec/ynl/mod.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import type { Client } from "./client.ts";
import { FamilyNotFoundError } from "./genl.ts";
import { enumToJson } from "./json.ts";

/** One operation of a family, as the controller lists it (`CTRL_ATTR_OPS` entry). */
export interface GenlOperation {
  /** Number of the entry in `CTRL_ATTR_OPS` (what `genl` prints as `#1`, `#2`, …). */
  index: number;
  /** `CTRL_ATTR_OP_ID`: the command. */
  id?: number;
  /** `CTRL_ATTR_OP_FLAGS`: `GENL_ADMIN_PERM`, `GENL_CMD_CAP_DO`, … (linux/genetlink.h). */
  flags?: number;
  /**
   * The flags by the names of nlctrl's `op-flags` enum: `admin-perm`, `cmd-cap-do`,
   * `cmd-cap-dump`, `cmd-cap-haspol`, `uns-admin-perm` (bits the spec does not name stay
   * numbers). Empty when the controller sent no flags.
   */
  capabilities: (string | number)[];
}

/** One multicast group of a family (`CTRL_ATTR_MCAST_GROUPS` entry). */
export interface GenlGroup {
  /** Number of the entry in `CTRL_ATTR_MCAST_GROUPS`. */
  index: number;
  /** `CTRL_ATTR_MCAST_GRP_ID`: the group id to join. */
  id?: number;
  /** `CTRL_ATTR_MCAST_GRP_NAME`. */
  name?: string;
}

/**
 * A generic netlink family as the controller describes it. Fields the controller did not
 * send are absent.
 */
export interface GenlFamily {
  /** `CTRL_ATTR_FAMILY_NAME`. */
  name?: string;
  /** `CTRL_ATTR_FAMILY_ID`: the `nlmsg_type` of its messages. */
  id?: number;
  /** `CTRL_ATTR_VERSION`. */
  version?: number;
  /** `CTRL_ATTR_HDRSIZE`: size of the family's own header after `genlmsghdr`. */
  hdrsize?: number;
  /** `CTRL_ATTR_MAXATTR`: highest attribute number of its top-level set. */
  maxattr?: number;
  /** `CTRL_ATTR_OPS`, in the order received. */
  operations?: GenlOperation[];
  /** `CTRL_ATTR_MCAST_GROUPS`, in the order received. */
  groups?: GenlGroup[];
}

function indexes(list: unknown[]): number[] {
  return (list as unknown[] & { [INDEXES]?: number[] })[INDEXES] ?? list.map((_, i) => i + 1);
}

/**
 * A decoded `CTRL_CMD_NEWFAMILY` as a {@link GenlFamily}.
 *
 * @example
 * ```ts
 * import { describeGenlFamily } from "@netlink/netlink";
 * const f = describeGenlFamily({ familyName: "nlctrl", familyId: 16, ops: [{ id: 3, flags: 14 }] });
 * f.operations?.[0].capabilities; // ["cmd-cap-do", "cmd-cap-dump", "cmd-cap-haspol"]
 * ```
 */
export function describeGenlFamily(attrs: nlctrl.CtrlAttrs): GenlFamily {
  const f: GenlFamily = {};
  if (attrs.familyName !== undefined) f.name = attrs.familyName;
  if (attrs.familyId !== undefined) f.id = attrs.familyId;
  if (attrs.version !== undefined) f.version = attrs.version;
  if (attrs.hdrsize !== undefined) f.hdrsize = attrs.hdrsize;
  if (attrs.maxattr !== undefined) f.maxattr = attrs.maxattr;
  if (attrs.ops !== undefined) {
    const ix = indexes(attrs.ops);
    f.operations = attrs.ops.map((op, i) => {
      const o = { index: ix[i] } as GenlOperation;
      if (op.id !== undefined) o.id = op.id;
      if (op.flags !== undefined) o.flags = op.flags;
      o.capabilities = op.flags === undefined
        ? []
        : enumToJson(nlctrl.family, "op-flags", op.flags, true) as (string | number)[];
      return o;
    });
  }
  if (attrs.mcastGroups !== undefined) {
    const ix = indexes(attrs.mcastGroups);
    f.groups = attrs.mcastGroups.map((g, i) => {
      const o: GenlGroup = { index: ix[i] };
      if (g.id !== undefined) o.id = g.id;
      if (g.name !== undefined) o.name = g.name;
      return o;
    });
  }
  return f;
}

/**
 * Every generic netlink family of the client's namespace (`CTRL_CMD_GETFAMILY` dump), as the
 * controller sends them.
 *
 * @example
 * ```ts
 * import { Client, listGenlFamilies } from "@netlink/netlink";
 * import * as nlctrl from "@netlink/netlink/nlctrl";
 * await using ctrl = await Client.open(nlctrl.family);
 * const names = [];
 * for await (const f of listGenlFamilies(ctrl)) names.push(f.name);
 * ```
 */
export async function* listGenlFamilies(
  client: Client,
  signal?: AbortSignal,
): AsyncGenerator<GenlFamily> {
  for await (const m of client.dump(nlctrl.operations.getfamily, { signal })) {
    yield describeGenlFamily(m.attrs);
  }
}

/**
 * One generic netlink family, by name or by id (`CTRL_CMD_GETFAMILY`).
 *
 * @throws {FamilyNotFoundError} when the kernel has no family of that name (or id).
 * @example
 * ```ts
 * import { Client, getGenlFamily } from "@netlink/netlink";
 * import * as nlctrl from "@netlink/netlink/nlctrl";
 * await using ctrl = await Client.open(nlctrl.family);
 * const ethtool = await getGenlFamily(ctrl, { name: "ethtool" });
 * console.log(ethtool.id, ethtool.groups?.map((g) => g.name)); // 21 ["monitor"]
 * ```
 */
export async function getGenlFamily(
  client: Client,
  by: { name: string } | { id: number },
  signal?: AbortSignal,
): Promise<GenlFamily> {
  const attrs: nlctrl.CtrlAttrs = "name" in by ? { familyName: by.name } : { familyId: by.id };
  try {
    return describeGenlFamily(
      (await client.get(nlctrl.operations.getfamily, { attrs, signal })).attrs,
    );
  } catch (e) {
    if (e instanceof NetlinkError && e.code === "ENOENT") {
      throw new FamilyNotFoundError("name" in by ? by.name : `id ${by.id}`, e);
    }
    throw e;
  }
}
