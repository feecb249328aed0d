// What the fuzzer (tests/fuzz/run.ts, tools/fuzz.ts, tests/codec_fuzz_exports.test.ts) feeds:
// every decoder the package exports, found from its entry points (deno.json "exports"). Each
// exported function is either a decoder, with a harness here that turns bytes into its input
// the way the library does, or named in NOT_DECODERS with the reason; `inventory()` reports any
// export that is neither (a new decoder cannot be forgotten) and any entry point missing below.
// Every exported Family is fuzzed operation by operation (as the package has it, with the
// generated straight-line decoders where wired; through the tables; through the generated
// decoders), and every attribute set and struct of it on its own. Pure: no permissions.
import denoJson from "../../deno.json" with { type: "json" };
import * as root from "../../mod.ts";
import * as codec from "../../codec/mod.ts";
import * as familiesIndex from "../../client/families.ts";
import * as protocols from "../../families/protocols.ts";
import * as testing from "../../testing/mod.ts";
import * as capture from "../../capture/mod.ts";
import * as nlctrl from "../../families/generated/nlctrl.ts";
import * as ethtool from "../../families/generated/ethtool.ts";
import * as netdev from "../../families/generated/netdev.ts";
import * as devlink from "../../families/generated/devlink.ts";
import * as nl80211 from "../../families/generated/nl80211.ts";
import * as wireguard from "../../families/generated/wireguard.ts";
import * as dpll from "../../families/generated/dpll.ts";
import * as team from "../../families/generated/team.ts";
import * as ovsDatapath from "../../families/generated/ovs_datapath.ts";
import * as ovsFlow from "../../families/generated/ovs_flow.ts";
import * as ovsVport from "../../families/generated/ovs_vport.ts";
import * as mptcpPm from "../../families/generated/mptcp_pm.ts";
import * as tcpMetrics from "../../families/generated/tcp_metrics.ts";
import * as handshake from "../../families/generated/handshake.ts";
import * as netShaper from "../../families/generated/net_shaper.ts";
import * as conntrack from "../../families/netfilter/conntrack.ts";
import * as nftables from "../../families/netfilter/nftables.ts";
import * as fou from "../../families/generated/fou.ts";
import * as connector from "../../families/connector/mod.ts";
import * as fibLookup from "../../families/fib_lookup/mod.ts";
import * as crypto from "../../families/crypto/mod.ts";
import * as audit from "../../families/audit/mod.ts";
import * as xfrm from "../../families/xfrm/mod.ts";
import * as sockDiag from "../../families/sock_diag/mod.ts";
import {
  AttributeSet,
  decodeAttributeSet,
  decodeBody,
  decodeStruct,
  defineFamily,
  Family,
  type Operation,
  StructType,
} from "../../codec/mod.ts";
import { useDecoders } from "../../codec/ynl/_runtime.ts";
import { DECODERS, WIRED } from "../../families/generated/decoders.ts";
import { MESSAGES } from "../../families/generated/registry.ts";
import { CORPUS } from "../fixtures/rtnl_corpus.ts";
import { ERRORS, UEVENTS } from "../fixtures/fuzz_seeds.ts";
import { TAGGED, UNTAGGED } from "../fixtures/udev_monitor.ts";
import { NEWPREFIX_HEX } from "../fixtures/rtm_newprefix.ts";
import { randomSet, type Rng } from "../codec_generated_helpers.ts";

type Module = Record<string, unknown>;
type AnyOp = Operation<object, object>;

/** The package's entry points (deno.json "exports"), each with its module. */
export const ENTRY_POINTS: Record<string, [path: string, module: Module]> = {
  ".": ["./mod.ts", root],
  "./codec": ["./codec/mod.ts", codec],
  "./families": ["./client/families.ts", familiesIndex],
  "./protocols": ["./families/protocols.ts", protocols],
  "./testing": ["./testing/mod.ts", testing],
  "./capture": ["./capture/mod.ts", capture],
  "./nlctrl": ["./families/generated/nlctrl.ts", nlctrl],
  "./ethtool": ["./families/generated/ethtool.ts", ethtool],
  "./netdev": ["./families/generated/netdev.ts", netdev],
  "./devlink": ["./families/generated/devlink.ts", devlink],
  "./nl80211": ["./families/generated/nl80211.ts", nl80211],
  "./wireguard": ["./families/generated/wireguard.ts", wireguard],
  "./dpll": ["./families/generated/dpll.ts", dpll],
  "./team": ["./families/generated/team.ts", team],
  "./ovs_datapath": ["./families/generated/ovs_datapath.ts", ovsDatapath],
  "./ovs_flow": ["./families/generated/ovs_flow.ts", ovsFlow],
  "./ovs_vport": ["./families/generated/ovs_vport.ts", ovsVport],
  "./mptcp_pm": ["./families/generated/mptcp_pm.ts", mptcpPm],
  "./tcp_metrics": ["./families/generated/tcp_metrics.ts", tcpMetrics],
  "./handshake": ["./families/generated/handshake.ts", handshake],
  "./net-shaper": ["./families/generated/net_shaper.ts", netShaper],
  "./conntrack": ["./families/netfilter/conntrack.ts", conntrack],
  "./nftables": ["./families/netfilter/nftables.ts", nftables],
  "./fou": ["./families/generated/fou.ts", fou],
  "./connector": ["./families/connector/mod.ts", connector],
  "./fib-lookup": ["./families/fib_lookup/mod.ts", fibLookup],
  "./crypto": ["./families/crypto/mod.ts", crypto],
  "./audit": ["./families/audit/mod.ts", audit],
  "./xfrm": ["./families/xfrm/mod.ts", xfrm],
  "./sock-diag": ["./families/sock_diag/mod.ts", sockDiag],
};

/**
 * Entry points that are programs, not libraries: everything under `./examples/` (a command-line
 * tool that runs when imported, built on the library's decoders). Nothing to fuzz; not imported.
 */
export function isProgram(entry: string): boolean {
  return entry.startsWith("./examples/");
}

/**
 * Exported functions and classes that are not decoders of received bytes, by why. A name is
 * `name` for the first entry point that exports it and `entry:name` for another function of
 * the same name from a later one.
 */
export const NOT_DECODERS: Record<string, readonly string[]> = {
  // Decoders' value types, error types and classes whose decoding goes through the functions
  // and families fuzzed here (a Family/AttributeSet/StructType is fuzzed by value below).
  classes: [
    "AttributeSet",
    "AttributeWriter",
    "Audit",
    "AuditLog",
    "BatchError",
    "ByteOutput",
    "CapabilityError",
    "CaptureTransport",
    "Client",
    "Conntrack",
    "DumpInterruptedError",
    "DumpTracker",
    "FakeEndpoint",
    "FakeGenl",
    "FakeKernel",
    "Family",
    "FamilyNotFoundError",
    "FibLookup",
    "FilterError",
    "InitialNamespaceOnlyError",
    "LinkNotFoundError",
    "MessageBuilder",
    "NetlinkDecodeError",
    "NetlinkError",
    "NetlinkSocket",
    "NetlinkSocketBase",
    "Nftables",
    "Operation",
    "PcapWriter",
    "RawMessage",
    "ProcEvents",
    "ProtocolUnavailableError",
    "Rtnl",
    "RtnlError",
    "SockDiag",
    "StructType",
    "Transaction",
    "UeventMonitor",
    "Xfrm",
  ],
  // Requests to a socket (they decode through the decoders fuzzed here).
  operations: [
    "addAction",
    "addAddress",
    "addAltNames",
    "addClass",
    "addFdb",
    "addFilter",
    "addLink",
    "addNeighbour",
    "addNetns",
    "addQdisc",
    "addRoute",
    "addRule",
    "addressView",
    "changeClass",
    "changeFilter",
    "changeQdisc",
    "classView",
    "clientView",
    "createTunTap",
    "cryptoAlgorithm",
    "cryptoAlgorithms",
    "deleteAction",
    "deleteAddress",
    "deleteAltNames",
    "deleteClass",
    "deleteFdb",
    "deleteFilter",
    "deleteLink",
    "deleteNeighbour",
    "deleteNetns",
    "deleteQdisc",
    "deleteRoute",
    "deleteRule",
    "describeGenlFamily",
    "dumpList",
    "fibLookup",
    "flushAddresses",
    "flushNeighbours",
    "flushRoutes",
    "flushRules",
    "followTable",
    "getGenlFamily",
    "getLink",
    "getLinkStats",
    "getNetconf",
    "getNsid",
    "getRoute",
    "linkNames",
    "linkStats",
    "linkView",
    "listActions",
    "listAddresses",
    "listAnycast",
    "listClasses",
    "listFdb",
    "listFilters",
    "listGenlFamilies",
    "listLinkStats",
    "listLinks",
    "listMulticast",
    "listNeighTables",
    "listNeighbours",
    "listNetconf",
    "listNetns",
    "listNsids",
    "listQdiscs",
    "listRoutes",
    "listRules",
    "neighbourView",
    "openCrypto",
    "openNetns",
    "openProtocol",
    "qdiscView",
    "readConsistent",
    "reconcile",
    "reloadNames",
    "replaceClass",
    "replaceFilter",
    "replaceQdisc",
    "replaceRoute",
    "resolveFamily",
    "routeView",
    "ruleView",
    "runInNetns",
    "setLink",
    "setNeighTable",
    "setNsid",
    "streamRoutes",
    "watch",
    "clearFamilyCache",
    "closePcapFile",
    "pcapFile",
  ],
  // Encoders and request builders (bytes out, not in).
  encoders: [
    "algorithmValue",
    "buildMessage",
    "buildUserdata",
    "bigToBytes",
    "chainToAttrs",
    "commentBytes",
    "compileFilter",
    "compileRule",
    "cookieBytes",
    "elementToAttrs",
    "encodeAttributeSet",
    "encodeAttributes",
    "encodeCnMessage",
    "encodeErrorMessage",
    "encodeMessage",
    "encodeStruct",
    "encodeTemplates",
    "encodeUevent",
    "entryToAttrs",
    "fibLookupRequest",
    "filterBytecode",
    "filterRequest",
    "flowtableToAttrs",
    "inetRequest",
    "inetRequestHeader",
    "limitExpr",
    "logExpr",
    "netlinkRequest",
    "nfnetlinkBatch",
    "nftMessage",
    "objectToAttrs",
    "packetRequest",
    "pcapHeader",
    "pcapRecord",
    "pcapTimestamp",
    "policyMessage",
    "procListenRequest",
    "quotaExpr",
    "replyPayload",
    "ruleToAttrs",
    "selectorStruct",
    "setToAttrs",
    "stateMessage",
    "tableToAttrs",
    "transactionFromJson",
    "tupleToAttrs",
    "unixRequest",
    "userAvcMessage",
    "verdictData",
    "writeHeader",
    "xfrmAddress",
    "requestFromJson",
    "attrsFromJson",
    "structFromJson",
    "bytesFromJson",
    "setFromJson",
    "defineFamily",
    "reverseTuple",
  ],
  // Text parsers (command-line and configuration text, not received bytes; they throw
  // TypeError/RangeError for bad text).
  text: [
    "parseDuration",
    "parseFilter",
    "parseHandle",
    "parseIp",
    "parseIpv4",
    "parseIpv6",
    "parseMac",
    "parseNameFile",
    "parseNumber",
    "parsePrefix",
    "parseRate",
    "parseSize",
    "parseStates",
    "parseU32Handle",
    "parseValue",
  ],
  // Formatters and lookups of caller-given values (a wrong argument is the caller's
  // TypeError/RangeError); the decoders that call them on received bytes are fuzzed.
  values: [
    "align",
    "attributeCName",
    "attributeMap",
    "bitNames",
    "bytesToJson",
    "camelCase",
    "concatTypeId",
    "concatTypes",
    "ctKeyNumber",
    "ctMessageType",
    "datatypeById",
    "datatypeByName",
    "defaultClassMinor",
    "entryName",
    "enumToJson",
    "errnoMessage",
    "errnoName",
    "explainProtocolError",
    "extensionMask",
    "familyInfo",
    "familyName",
    "familyNames",
    "familyNumber",
    "findFamily",
    "findOperation",
    "flagMask",
    "flagNames",
    "formatFilter",
    "formatHandle",
    "formatIp",
    "formatLinkAddress",
    "formatMac",
    "formatPrefix",
    "formatQdiscHandle",
    "formatU32Handle",
    "formatValue",
    "formatXfrmAddress",
    "groupList",
    "hookName",
    "hookNames",
    "hookNumber",
    "inPrefix",
    "inetFilterTarget",
    "integerType",
    "inetProtocolNumber",
    "ipFamily",
    "isOverrun",
    "limitJson",
    "linkIndex",
    "linkTypeName",
    "logJson",
    "maskPrefix",
    "matchFilter",
    "messageTypeName",
    "metaKeyNumber",
    "nameOf",
    "namesOf",
    "newFlags",
    "numberOf",
    "operationModes",
    "operationName",
    "payloadProtocol",
    "prefixFlagsLayout",
    "procEventMask",
    "protocolInfo",
    "protocolName",
    "protocolNumber",
    "protocolOf",
    "quotaJson",
    "rateUnit",
    "regSize",
    "registerOf",
    "requiredCapability",
    "retriesOf",
    "routeKey",
    "routeMessageName",
    "safeNumber",
    "sameData",
    "screamingSnake",
    "specName",
    "specNameOf",
    "ssStateName",
    "stateMask",
    "stateName",
    "symbolName",
    "symbolValue",
    "unavailableReason",
    "unixFilterTarget",
    "verdictName",
    "answered",
    "groupFwdMaskText",
    "linkFlagNames",
    "linkModeName",
    "nameIn",
    "operstateName",
    "realmsOf",
    "u32HandleParts",
    "vlanProtocolName",
    "./sock-diag:flagNames",
    "./sock-diag:protocolNumber",
  ],
};

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/** One thing to fuzz: how bytes reach it, real bytes of its input, and a shaped input. */
export interface Target {
  /** The export's name, or `family <name> <variant> op|set|struct <name>`. */
  name: string;
  /** Decode `bytes` as the library would; throws what the decoder throws. */
  run(bytes: Uint8Array): unknown;
  /** Captured bytes of this input (empty when none is committed). */
  seeds: readonly Uint8Array[];
  /** A well-formed-looking input: valid headers, random attributes. */
  shape(rng: Rng): Uint8Array;
}

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const te = new TextEncoder();

/** struct nlmsghdr + payload. */
export function nlmsg(type: number, flags: number, payload: Uint8Array, seq = 1): Uint8Array {
  const b = new Uint8Array(16 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq, true);
  b.set(payload, 16);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) (out.set(p, off), off += p.length);
  return out;
}

const pad4 = (b: Uint8Array) =>
  b.length % 4 === 0 ? b : concat(b, new Uint8Array(4 - b.length % 4));

/** Random attributes of no set: random types, lengths that fit, nests now and then. */
function randomAttrs(rng: Rng, depth = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = rng.int(6);
  for (let i = 0; i < n; i++) {
    const data = depth < 3 && rng.chance(0.25)
      ? randomAttrs(rng, depth + 1)
      : rng.bytes(rng.int(20));
    const h = new Uint8Array(4);
    const len = 4 + data.length;
    const type = (rng.chance(0.7) ? rng.int(40) : rng.int(0x10000)) & 0xffff;
    h[0] = len & 0xff, h[1] = len >> 8, h[2] = type & 0xff, h[3] = type >> 8;
    parts.push(pad4(concat(h, data)));
  }
  return concat(...parts);
}

/** The body of a message of `op`: genlmsghdr, the fixed header, attributes of its set. */
function opBody(rng: Rng, op: AnyOp): Uint8Array {
  const parts: Uint8Array[] = [];
  if (op.family.isGenetlink) {
    parts.push(Uint8Array.of(op.replyValue ?? op.requestValue ?? rng.int(256), 1, 0, 0));
  }
  const fixed = op.fixedHeader as StructType<object> | undefined;
  if (fixed !== undefined) parts.push(pad4(rng.bytes(fixed.size)));
  const set = op.attributeSet as AttributeSet<object> | undefined;
  parts.push(set !== undefined ? randomSet(rng, set, 0) : randomAttrs(rng));
  return concat(...parts);
}

/** Attributes nested `levels` deep, each level `type` with NLA_F_NESTED (a nesting bomb). */
export function nestBomb(type: number, levels: number, inner = new Uint8Array(0)): Uint8Array {
  const total = inner.length + 4 * levels;
  const b = new Uint8Array(total);
  b.set(inner, total - inner.length);
  for (let i = 0; i < levels; i++) {
    const off = 4 * i;
    const len = total - off;
    b[off] = len & 0xff, b[off + 1] = (len >> 8) & 0xff;
    b[off + 2] = type & 0xff, b[off + 3] = ((type >> 8) & 0x7f) | 0x80;
  }
  return b;
}

// Real payloads (after struct nlmsghdr) of the rtnetlink and nlctrl corpus, by operation.
const CORPUS_BY_OP = new Map<string, Uint8Array[]>();
for (const c of CORPUS) {
  let key: string;
  if (c.family === "route") {
    const e = (MESSAGES.route as Record<number, { family: string; operation: string }>)[c.type];
    if (e === undefined) continue;
    key = `${e.family} ${c.type}`;
  } else key = `${c.family} ${parseInt(c.hex.slice(0, 2), 16)}`;
  const list = CORPUS_BY_OP.get(key) ?? [];
  list.push(hex(c.hex));
  CORPUS_BY_OP.set(key, list);
}

/** Captured payloads of `op`: the messages of its reply type (genetlink: its command). */
function seedsOf(op: AnyOp): Uint8Array[] {
  const reply = op.replyValue;
  return reply === undefined ? [] : CORPUS_BY_OP.get(`${op.family.name} ${reply}`) ?? [];
}

/** Every captured message, whole (struct nlmsghdr included), and the error captures. */
const DATAGRAMS: Uint8Array[] = [
  ...CORPUS.filter((c) => c.family === "route").map((c, i) =>
    nlmsg(c.type, 2, /* NLM_F_MULTI */ hex(c.hex), i + 1)
  ),
  ...CORPUS.filter((c) => c.family !== "route").map((c, i) => nlmsg(0x10, 2, hex(c.hex), i + 1)),
  ...ERRORS.map(hex),
  ...NEWPREFIX_HEX.map(hex),
];
const ERROR_DATAGRAMS = ERRORS.map(hex);
const UEVENT_SEEDS = [...UEVENTS.map(hex), ...[...UNTAGGED, ...TAGGED].map((u) => hex(u.hex))];
const ALL_PAYLOADS = CORPUS.map((c) => hex(c.hex));

/** A message decoded with `op`, the way the typed helpers get them. */
function decoded(op: AnyOp, bytes: Uint8Array) {
  return decodeBody(op, bytes);
}

/** A decoder of messages of `op` followed by the typed helper `then`. */
function viaOp(name: string, op: AnyOp, then: (m: never) => unknown): Target {
  return {
    name,
    run: (b) => then(decoded(op, b) as never),
    seeds: seedsOf(op),
    shape: (rng) => opBody(rng, op),
  };
}

/** A decoder of bytes with a given shape. */
function viaBytes(
  name: string,
  run: (b: Uint8Array) => unknown,
  seeds: readonly Uint8Array[],
  shape: (rng: Rng) => Uint8Array,
): Target {
  return { name, run, seeds, shape };
}

/** Datagrams: several messages of random types with random attributes after a fixed header. */
function shapeDatagram(rng: Rng): Uint8Array {
  const n = 1 + rng.int(3);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.2)) {
      const err = new Uint8Array(4);
      new DataView(err.buffer).setInt32(0, -rng.int(130), true);
      const req = rng.pick(DATAGRAMS);
      const echoed = rng.chance(0.5) ? req.subarray(0, 16) : req;
      const tlvs = rng.chance(0.6) ? randomAttrs(rng) : new Uint8Array(0);
      parts.push(nlmsg(2, rng.pick([0, 0x100, 0x200, 0x300]), concat(err, echoed, tlvs)));
    } else {parts.push(
        nlmsg(
          rng.int(120),
          rng.int(0x10000),
          concat(rng.bytes(rng.pick([0, 4, 12, 16])), randomAttrs(rng)),
        ),
      );}
  }
  return concat(...parts);
}

function shapeUevent(rng: Rng): Uint8Array {
  const keys = ["ACTION", "DEVPATH", "SUBSYSTEM", "SEQNUM", "IFINDEX", "INTERFACE", "MAJOR", "X"];
  const body = Array.from(
    { length: rng.int(8) },
    () => `${rng.pick(keys)}=${rng.chance(0.5) ? rng.int(1e6) : "/devices/x"}\0`,
  ).join("");
  if (rng.chance(0.5)) {
    return te.encode(`${rng.pick(["add", "remove", "change", "", "x"])}@/devices/x\0${body}`);
  }
  const u = rng.pick(UEVENT_SEEDS.slice(UEVENTS.length));
  return concat(u.subarray(0, 40), te.encode(body));
}

// The route and tc operations of the typed helpers.
const rt = root as unknown as Record<string, { operations: Record<string, AnyOp> }>;
const rop = (ns: string, op: string) => rt[ns].operations[op];
const op = (family: string, name: string) =>
  FAMILIES.find((f) => f.name === family)!.operation(name) as AnyOp;

/** The exported families, found by walking every entry point's values. */
const FAMILIES: Family[] = [];
const SETS: AttributeSet<object>[] = [];
const STRUCTS: StructType<object>[] = [];
{
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number) => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Family) FAMILIES.push(v);
    else if (v instanceof AttributeSet) SETS.push(v as AttributeSet<object>);
    else if (v instanceof StructType) STRUCTS.push(v as StructType<object>);
    else if (
      depth === 0 && (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "Module"
    ) {
      for (const x of Object.values(v)) walk(x, depth + 1);
    }
  };
  for (const [, mod] of Object.values(ENTRY_POINTS)) for (const v of Object.values(mod)) walk(v, 0);
}

/** The family targets: operations in three variants, and every set and struct. */
function familyTargetsOf(f: Family): Target[] {
  const out: Target[] = [];
  const variants: [string, Family][] = [["package", f], ["tables", defineFamily(f.spec)]];
  const decoders = DECODERS[f.name];
  if (decoders !== undefined && !WIRED.includes(f.name)) {
    variants.push(["generated", useDecoders(defineFamily(f.spec), decoders)]);
  }
  for (const [variant, fam] of variants) {
    for (const o of fam.operations()) {
      out.push({
        name: `family ${f.name} ${variant} op ${o.name}`,
        run: (b) => decodeBody(o, b),
        seeds: seedsOf(o),
        shape: (rng) => opBody(rng, o),
      });
    }
  }
  // Family.decodeMessage: the operation found by message type (genetlink: command), both ways.
  const ops = f.operations();
  out.push({
    name: `family ${f.name} decodeMessage`,
    run: (b) => {
      const type = b.length >= 2 ? b[0] | (b[1] << 8) : 0;
      f.decodeMessage(type, b.subarray(2), "reply");
      f.decodeMessage(type, b.subarray(2), "request");
    },
    seeds: ops.flatMap((o) =>
      seedsOf(o).map((s) => {
        const v = o.replyValue ?? 0;
        return Uint8Array.of(v & 0xff, v >> 8, ...s);
      })
    ),
    shape: (rng) => {
      if (ops.length === 0) return rng.bytes(rng.int(40));
      const o = rng.pick(ops);
      const v = (rng.chance(0.5) ? o.replyValue : o.requestValue) ?? rng.int(300);
      return Uint8Array.of(v & 0xff, v >> 8, ...opBody(rng, o));
    },
  });
  // messageToJson (client/json.ts) of whatever an operation decodes.
  for (const o of ops) {
    out.push({
      name: `family ${f.name} messageToJson ${o.name}`,
      run: (b) => root.messageToJson(decodeBody(o, b)),
      seeds: seedsOf(o),
      shape: (rng) => opBody(rng, o),
    });
  }
  for (const name of Object.keys(f.spec.attributeSets)) {
    const set = f.attributeSet(name) as AttributeSet<object>;
    const selfNest = set.attributes.find((a) => a.type === "nest" && a.nested === name);
    out.push({
      name: `family ${f.name} set ${name}`,
      run: (b) => decodeAttributeSet(set, b),
      seeds: [],
      shape: (rng) =>
        selfNest !== undefined && rng.chance(0.1)
          ? nestBomb(selfNest.value as number, 20 + rng.int(3000))
          : randomSet(rng, set, 0),
    });
  }
  for (const name of Object.keys(f.spec.structs ?? {})) {
    const st = f.struct(name) as StructType<object>;
    out.push({
      name: `family ${f.name} struct ${name}`,
      run: (b) => decodeStruct(st, b),
      seeds: [],
      shape: (rng) => rng.bytes(Math.max(0, st.size + rng.int(9) - 4)),
    });
  }
  return out;
}

/**
 * The decoder functions, by export name: how bytes reach each. Typed helpers get a message
 * decoded with the operation the library decodes their input with.
 */
function functionTargets(): Target[] {
  const c = codec;
  const attrsShape = (rng: Rng) => randomAttrs(rng);
  const readers = [
    "readU8",
    "readU16",
    "readU32",
    "readU64",
    "readS8",
    "readS16",
    "readS32",
    "readS64",
    "readU16be",
    "readU32be",
    "readU64be",
    "readS16be",
    "readS32be",
    "readUint",
    "readSint",
    "readString",
    "readFlag",
  ] as const;
  const tcQdisc = rop("tc", "getqdisc");
  const tcClass = rop("tc", "gettclass");
  const tcFilter = rop("tc", "gettfilter");
  const tcAction = rop("tc", "getaction");
  const nft = (n: string) => op("nftables", n);
  const nfFamily = (m: { header: { nfgenFamily: number } }) => m.header.nfgenFamily;
  type M = { header: Record<string, number>; attrs: Record<string, unknown> };
  const out: Target[] = [
    viaBytes("parseMessages", (b) => c.parseMessages(b), DATAGRAMS, shapeDatagram),
    viaBytes("forEachMessage", (b) => c.forEachMessage(b, () => {}), DATAGRAMS, shapeDatagram),
    viaBytes("readHeader", (b) => c.readHeader(b, 0), DATAGRAMS, shapeDatagram),
    viaBytes("parseAttributes", (b) => c.parseAttributes(b), ALL_PAYLOADS, attrsShape),
    viaBytes(
      "forEachAttribute",
      (b) => c.forEachAttribute(b, 0, b.length, () => {}),
      ALL_PAYLOADS,
      attrsShape,
    ),
    viaBytes("readNested", (b) => c.readNested(b), ALL_PAYLOADS, attrsShape),
    viaBytes("readIndexedArray", (b) => c.readIndexedArray(b), ALL_PAYLOADS, attrsShape),
    ...readers.map((r) =>
      viaBytes(
        r,
        (b) => (c[r] as (b: Uint8Array) => unknown)(b),
        [],
        (rng) => rng.bytes(rng.int(12)),
      )
    ),
    viaBytes(
      "decodeErrorMessage",
      (b) => {
        for (const m of c.parseMessages(b)) {
          const e = c.decodeErrorMessage(m.payload, m.flags);
          if (e.extAck) c.formatExtendedAck(e.extAck);
        }
      },
      ERROR_DATAGRAMS,
      shapeDatagram,
    ),
    viaBytes(
      "decodeExtendedAck",
      (b) => c.formatExtendedAck(c.decodeExtendedAck(b, 0)),
      ERROR_DATAGRAMS.map((d) => d.subarray(20)),
      attrsShape,
    ),
    viaBytes(
      "formatExtendedAck",
      (b) => {
        for (const m of c.parseMessages(b)) {
          const e = c.decodeErrorMessage(m.payload, m.flags | 0x200);
          if (e.extAck) c.formatExtendedAck(e.extAck);
        }
      },
      ERROR_DATAGRAMS,
      shapeDatagram,
    ),
    viaBytes("decodeUevent", (b) => c.decodeUevent(b), UEVENT_SEEDS, shapeUevent),
    // Route and tc typed helpers.
    viaOp("toRoute", rop("rtRoute", "getroute"), (m) => root.toRoute(m)),
    viaOp("toAddress", rop("rtAddr", "getaddr"), (m) => root.toAddress(m)),
    viaOp("toRule", rop("rtRule", "getrule"), (m) => root.toRule(m)),
    viaOp("toLink", rop("rtLink", "getlink"), (m) => root.toLink(m)),
    viaBytes(
      "decodeVia",
      (b) => (root as unknown as { decodeVia(b: Uint8Array): unknown }).decodeVia(b),
      [],
      (rng) => rng.bytes(rng.int(20)),
    ),
    viaOp("decodeVia", rop("rtRoute", "getroute"), (m: M) => {
      const via = m.attrs.via as Uint8Array | undefined;
      return via === undefined
        ? undefined
        : (root as unknown as { decodeVia(b: Uint8Array): unknown }).decodeVia(via);
    }),
    viaOp("toCounters", rop("rtLink", "getlink"), (m: M) => {
      const s = m.attrs.stats64;
      return s === undefined ? undefined : root.toCounters(s as never);
    }),
    viaOp("toLinkStats", rop("rtLink", "getstats"), (m) => root.toLinkStats(m)),
    viaOp("toNeighbour", rop("rtNeigh", "getneigh"), (m) => root.toNeighbour(m)),
    viaOp("toNeighTable", rop("rtNeigh", "getneightbl"), (m) => root.toNeighTable(m)),
    viaOp("decodeNetconf", rop("rtNetconf", "getnetconf"), (m) => root.decodeNetconf(m)),
    {
      ...viaOp("decodePrefix", rop("rtAddr", "newprefix"), (m) => root.decodePrefix(m)),
      seeds: NEWPREFIX_HEX.map((h) => hex(h).subarray(16)),
    },
    viaOp("decodeQdisc", tcQdisc, (m) => root.decodeQdisc(m)),
    viaOp("decodeClass", tcClass, (m) => root.decodeClass(m)),
    viaOp("decodeFilter", tcFilter, (m) => root.decodeFilter(m)),
    viaOp("decodeActionList", tcAction, (m: M) => root.decodeActionList(m.attrs.tab as never)),
    viaOp("decodeAction", tcAction, (m: M) => {
      const tab = (m.attrs.tab ?? []) as never[];
      return tab.map((a, i) => root.decodeAction(a, i + 1));
    }),
    {
      name: "toWatchEvent",
      run: (b) => {
        for (const m of c.parseMessages(b)) {
          const e = root.toWatchEvent({ ...m, sender: 0, group: 0 }) as { error?: unknown };
          // toWatchEvent keeps a message that does not decode as a raw event with its error:
          // that error too must be a decode error.
          if (e.error !== undefined) throw e.error;
        }
      },
      seeds: DATAGRAMS,
      shape: (rng) => {
        const types = Object.keys(MESSAGES.route).map(Number);
        const t = rng.pick(types);
        const e = (MESSAGES.route as Record<number, { family: string; operation: string }>)[t];
        const o = rt[nsOf(e.family)]?.operations[e.operation];
        return nlmsg(t, 0, o === undefined ? randomAttrs(rng) : opBody(rng, o));
      },
    },
    {
      name: "messageToJson",
      run: (b) => root.messageToJson(decodeBody(rop("rtLink", "getlink"), b)),
      seeds: seedsOf(rop("rtLink", "getlink")),
      shape: (rng) => opBody(rng, rop("rtLink", "getlink")),
    },
    ...[["rtRoute", "getroute"], ["tc", "getqdisc"], ["tc", "gettfilter"], [
      "rtNeigh",
      "getneightbl",
    ]].map(([ns, o]) => ({
      ...viaOp("messageToJson", rop(ns, o), (m) => root.messageToJson(m)),
    })),
    viaOp(
      "attrsToJson",
      rop("rtRoute", "getroute"),
      (m: M) => root.attrsToJson(rop("rtRoute", "getroute").attributeSet!, m.attrs),
    ),
    viaOp(
      "structToJson",
      rop("rtRoute", "getroute"),
      (m: M) => root.structToJson(rop("rtRoute", "getroute").fixedHeader!, m.header),
    ),
    // attributePath maps an error's offset (hostile) into the request (ours).
    viaBytes(
      "attributePath",
      (b) => {
        for (const m of c.parseMessages(b)) {
          const e = c.decodeErrorMessage(m.payload, m.flags);
          const off = e.extAck?.offset ?? m.length;
          const request = e.requestPayload.length >= 16 ? e.requestPayload : b;
          root.attributePath(rop("rtLink", "getlink"), request, off);
          root.attributePath(rop("rtLink", "newlink"), request, off, { names: "c" });
        }
      },
      ERROR_DATAGRAMS,
      shapeDatagram,
    ),
    // connector
    viaBytes(
      "decodeCnMessage",
      (b) => connector.decodeCnMessage(b),
      [],
      (rng) => concat(rng.bytes(20), rng.bytes(rng.int(80))),
    ),
    viaBytes(
      "decodeProcEvent",
      (b) => connector.decodeProcEvent(b),
      [],
      (rng) => rng.bytes(16 + rng.int(64)),
    ),
    viaBytes(
      "eventsOf",
      (b) => connector.eventsOf({ type: 3, /* NLMSG_DONE */ payload: b }),
      [],
      (rng) => {
        const ev = rng.bytes(16 + rng.int(48));
        ev[0] = rng.pick([0, 1, 2, 4, 0x80, 0x100 & 0xff, 0x40]);
        const cn = new Uint8Array(20);
        cn[0] = 1, cn[4] = 1;
        new DataView(cn.buffer).setUint16(16, ev.length, true);
        return concat(cn, ev);
      },
    ),
    // fib_lookup
    viaBytes(
      "decodeFibLookup",
      (b) => fibLookup.decodeFibLookup(b),
      [],
      (rng) => rng.bytes(fibLookup.fibResultNl.size + rng.int(8) - 4),
    ),
    // crypto
    viaOp("toAlgorithm", op("crypto", "getalg"), (m) => crypto.toAlgorithm(m)),
    // audit
    viaBytes("decodeAuditRule", (b) => audit.decodeAuditRule(b), [], (rng) => {
      const fixed = rng.bytes(audit.auditRuleData.size);
      new DataView(fixed.buffer).setUint32(fixed.length - 4, rng.int(64), true); // buflen
      return concat(fixed, rng.bytes(rng.int(64)));
    }),
    viaBytes(
      "parseAuditRecord",
      (b) => {
        const t = b.length > 0 ? 1000 + b[0] * 4 : 1100;
        return audit.parseAuditRecord(t, b.subarray(1));
      },
      [],
      (rng) =>
        concat(
          Uint8Array.of(rng.int(256)),
          rng.chance(0.5)
            ? rng.bytes(rng.int(200))
            : te.encode(`audit(1.2:3): a=b c="d" e=${rng.int(99)}`),
        ),
    ),
    // xfrm
    viaBytes(
      "decodeTemplates",
      (b) => xfrm.decodeTemplates(b),
      [],
      (rng) => rng.bytes(rng.int(4) * xfrm.xfrmUserTmpl.size + rng.int(8)),
    ),
    viaOp(
      "toState",
      op("xfrm", "newsa"),
      (m: M) => xfrm.toState(m.header as never, m.attrs as never),
    ),
    viaOp(
      "toPolicy",
      op("xfrm", "newpolicy"),
      (m: M) => xfrm.toPolicy(m.header as never, m.attrs as never),
    ),
    {
      name: "xfrmEvent",
      run: (b) => {
        for (const m of c.parseMessages(b)) xfrm.xfrmEvent(m);
      },
      seeds: [],
      shape: (rng) => {
        const ops = op("xfrm", "newsa").family.operations();
        const o = rng.pick(ops);
        return nlmsg(o.replyValue ?? o.requestValue ?? 16, 0, opBody(rng, o));
      },
    },
    // sock_diag
    viaOp("decodeInet", op("sock-diag", "inetDiagMsg"), () => undefined),
    viaOp("decodeUnix", op("sock-diag", "unixDiagMsg"), () => undefined),
    viaOp("decodePacket", op("sock-diag", "packetDiagMsg"), () => undefined),
    viaOp("decodeNetlink", op("sock-diag", "netlinkDiagMsg"), () => undefined),
    viaBytes("cookieOf", (b) => sockDiag.cookieOf(b), [], (rng) => rng.bytes(rng.int(12))),
    viaBytes("unixName", (b) => sockDiag.unixName(b), [], (rng) => rng.bytes(rng.int(110))),
    viaOp(
      "skMeminfo",
      op("sock-diag", "inetDiagMsg"),
      (m: M) => sockDiag.skMeminfo(m.attrs.skmeminfo as never),
    ),
    viaOp(
      "tcpInfoBits",
      op("sock-diag", "inetDiagMsg"),
      (m: M) =>
        m.attrs.info === undefined ? undefined : sockDiag.tcpInfoBits(m.attrs.info as never),
    ),
    // conntrack
    viaOp(
      "entryFromAttrs",
      op("conntrack", "get"),
      (m: M) => conntrack.entryFromAttrs(nfFamily(m as never), m.attrs as never),
    ),
    viaOp(
      "tupleFromAttrs",
      op("conntrack", "get"),
      (m: M) => conntrack.tupleFromAttrs(m.attrs.tupleOrig as never),
    ),
    viaOp(
      "tupleFamily",
      op("conntrack", "get"),
      (m: M) => conntrack.tupleFamily(conntrack.tupleFromAttrs(m.attrs.tupleReply as never)),
    ),
    // nftables
    viaOp(
      "tableFromAttrs",
      nft("gettable"),
      (m: M) => nftables.tableFromAttrs(nfFamily(m as never), m.attrs as never),
    ),
    viaOp(
      "chainFromAttrs",
      nft("getchain"),
      (m: M) => nftables.chainFromAttrs(nfFamily(m as never), m.attrs as never),
    ),
    viaOp(
      "ruleFromAttrs",
      nft("getrule"),
      (m: M) => nftables.ruleFromAttrs(nfFamily(m as never), m.attrs as never),
    ),
    viaOp("ruleStatements", nft("getrule"), (m: M) => {
      const family = nfFamily(m as never);
      return nftables.ruleStatements(nftables.ruleFromAttrs(family, m.attrs as never), {
        family,
        sets: new Map(),
      });
    }),
    viaOp(
      "setFromAttrs",
      nft("getset"),
      (m: M) => nftables.setFromAttrs(nfFamily(m as never), m.attrs as never),
    ),
    viaOp(
      "setTypeJson",
      nft("getset"),
      (m: M) => nftables.setTypeJson(nftables.setFromAttrs(nfFamily(m as never), m.attrs as never)),
    ),
    viaOp(
      "elementFromAttrs",
      nft("getsetelem"),
      (m: M) =>
        (((m.attrs.elements as { elem?: never[] } | undefined)?.elem ?? []) as never[]).map((e) =>
          nftables.elementFromAttrs(e)
        ),
    ),
    viaOp(
      "objectFromAttrs",
      nft("getobj"),
      (m: M) => nftables.objectFromAttrs(nfFamily(m as never), m.attrs as never),
    ),
    viaOp(
      "flowtableFromAttrs",
      nft("getflowtable"),
      (m: M) => nftables.flowtableFromAttrs(nfFamily(m as never), m.attrs as never),
    ),
    viaBytes("parseUserdata", (b) => nftables.parseUserdata(b), [], (rng) => {
      const parts: Uint8Array[] = [];
      for (let i = rng.int(5); i > 0; i--) {
        const v = rng.bytes(rng.int(10));
        parts.push(Uint8Array.of(rng.int(8), rng.chance(0.9) ? v.length : rng.int(256)), v);
      }
      return concat(...parts);
    }),
    viaBytes(
      "bytesToBig",
      (b) => (nftables.bytesToBig(b, "host"), nftables.bytesToBig(b, "big")),
      [],
      (rng) => rng.bytes(rng.int(20)),
    ),
    viaBytes(
      "echoedHandle",
      (b) => {
        for (const m of c.parseMessages(b)) nftables.echoedHandle(m.type & 0xff, m.payload);
      },
      [],
      (rng) => {
        const o = rng.pick([
          nft("newtable"),
          nft("newchain"),
          nft("newrule"),
          nft("newset"),
          nft("newobj"),
          nft("newflowtable"),
        ]);
        return nlmsg((10 << 8) | (o.requestValue ?? 0), 0, opBody(rng, o));
      },
    ),
    viaOp("elementsJson", nft("getsetelem"), (m: M) => {
      const set = nftables.setFromAttrs(nfFamily(m as never), {} as never);
      const elements =
        (((m.attrs.elements as { elem?: never[] } | undefined)?.elem ?? []) as never[]).map((e) =>
          nftables.elementFromAttrs(e)
        );
      return nftables.elementsJson({ set, elements });
    }),
    {
      name: "rulesetJson",
      run: (b) => {
        const kinds = ["gettable", "getchain", "getrule", "getset", "getobj", "getflowtable"];
        const k = kinds[b.length % kinds.length];
        const m = decodeBody(nft(k), b) as unknown as M;
        const f = nfFamily(m as never);
        const rs = {
          tables: [],
          chains: [],
          rules: [],
          sets: [],
          objects: [],
          flowtables: [],
        } as Record<string, unknown[]>;
        const a = m.attrs as never;
        if (k === "gettable") rs.tables.push(nftables.tableFromAttrs(f, a));
        if (k === "getchain") rs.chains.push(nftables.chainFromAttrs(f, a));
        if (k === "getrule") rs.rules.push(nftables.ruleFromAttrs(f, a));
        if (k === "getset") rs.sets.push({ set: nftables.setFromAttrs(f, a), elements: [] });
        if (k === "getobj") rs.objects.push(nftables.objectFromAttrs(f, a));
        if (k === "getflowtable") rs.flowtables.push(nftables.flowtableFromAttrs(f, a));
        return nftables.rulesetJson(rs as never);
      },
      seeds: [],
      shape: (rng) => {
        const kinds = ["gettable", "getchain", "getrule", "getset", "getobj", "getflowtable"];
        for (;;) {
          const k = rng.pick(kinds);
          const body = opBody(rng, nft(k));
          if (body.length % kinds.length === kinds.indexOf(k)) return body;
        }
      },
    },
  ];
  // The sock_diag decoders take the payload itself.
  const sd: Record<string, (b: Uint8Array) => unknown> = {
    decodeInet: (b) => sockDiag.decodeInet(b, [6, 17, 132, 0, 255][b.length % 5]),
    decodeUnix: (b) => sockDiag.decodeUnix(b),
    decodePacket: (b) => sockDiag.decodePacket(b),
    decodeNetlink: (b) => sockDiag.decodeNetlink(b),
  };
  for (const t of out) if (sd[t.name] !== undefined) t.run = sd[t.name];
  return out;
}

function nsOf(family: string): string {
  return family.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Names of the exported decoder functions the targets above cover (besides family tables). */
export const FAMILY_DECODERS = ["decodeBody", "decodeAttributeSet", "decodeStruct"];

let cache: { targets: Target[]; functions: Target[]; families: Target[] } | undefined;

/** Every target: decoder functions, and operations, sets and structs of every exported family. */
export function targets(): { targets: Target[]; functions: Target[]; families: Target[] } {
  if (cache !== undefined) return cache;
  const functions = functionTargets();
  const families = FAMILIES.flatMap(familyTargetsOf);
  // Exported sets and structs of no exported family (none today) still get a target.
  const own = new Set(FAMILIES);
  for (const s of SETS) {
    if (own.has(s.family)) continue;
    families.push({
      name: `set ${s.name}`,
      run: (b) => decodeAttributeSet(s, b),
      seeds: [],
      shape: (rng) => randomSet(rng, s, 0),
    });
  }
  for (const s of STRUCTS) {
    if (own.has(s.family)) continue;
    families.push({
      name: `struct ${s.name}`,
      run: (b) => decodeStruct(s, b),
      seeds: [],
      shape: (rng) => rng.bytes(s.size),
    });
  }
  cache = { targets: [...functions, ...families], functions, families };
  return cache;
}

/** The exported functions by name (`entry:name` for a later different one of the same name). */
export function exportedFunctions(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [entry, [, mod]] of Object.entries(ENTRY_POINTS)) {
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v !== "function") continue;
      const prev = out.get(name);
      if (prev === undefined) out.set(name, v);
      else if (prev !== v) out.set(`${entry}:${name}`, v);
    }
  }
  return out;
}

/**
 * What is wrong with the inventory: an entry point of deno.json with no module here (or a
 * different path), an exported function that is neither a decoder with a target nor listed in
 * NOT_DECODERS, a name listed twice, a listed name that is no longer exported.
 */
export function inventory(): string[] {
  const problems: string[] = [];
  const exports = denoJson.exports as Record<string, string>;
  for (const [k, path] of Object.entries(exports)) {
    if (isProgram(k)) continue;
    const e = ENTRY_POINTS[k];
    if (e === undefined) {
      problems.push(`entry point ${k} (${path}) is not imported by tests/fuzz/targets.ts`);
    } else if (e[0] !== path) {
      problems.push(`entry point ${k} is ${path}, tests/fuzz/targets.ts has ${e[0]}`);
    }
  }
  for (const k of Object.keys(ENTRY_POINTS)) {
    if (!(k in exports)) {
      problems.push(`tests/fuzz/targets.ts lists ${k}, which deno.json does not export`);
    }
  }
  const decoders = new Set([...targets().functions.map((t) => t.name), ...FAMILY_DECODERS]);
  const listed = new Map<string, string>();
  for (const [why, names] of Object.entries(NOT_DECODERS)) {
    for (const n of names) {
      if (listed.has(n)) problems.push(`${n} is listed twice in NOT_DECODERS`);
      listed.set(n, why);
      if (decoders.has(n)) problems.push(`${n} has a fuzz target and is listed in NOT_DECODERS`);
    }
  }
  const fns = exportedFunctions();
  for (const name of fns.keys()) {
    if (!decoders.has(name) && !listed.has(name)) {
      problems.push(
        `exported function ${name}: give it a fuzz target (tests/fuzz/targets.ts) or list it in NOT_DECODERS with why`,
      );
    }
  }
  for (const n of [...decoders, ...listed.keys()]) {
    if (!fns.has(n)) {
      problems.push(`${n} is in tests/fuzz/targets.ts but no entry point exports it`);
    }
  }
  return problems;
}
