/**
 * The {@link Xfrm} client: states, policies, SPD/SAD info, default actions, events.
 *
 * @module
 */
import { Client, type ClientOptions } from "../../client/client.ts";
import { NETLINK_XFRM, NLM_F_REQUEST } from "../../codec/mod.ts";
import { buildMessage } from "../../codec/ynl/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import type { ReceivedMessage } from "../../socket/socket.ts";
import * as x from "../generated/xfrm.ts";
import { explainProtocolError } from "../protocols.ts";
import { byName } from "./_util.ts";
import { XFRM_PROTOS } from "./names.ts";
import type { Policy, PolicyId, PolicyInput, State, StateId, StateInput } from "./types.ts";
import {
  policyIdMessage,
  policyMessage,
  policyTypeAttr,
  stateIdMessage,
  stateMessage,
} from "./convert.ts";
import { type XfrmEvent, xfrmEvent, type XfrmGroup } from "./events.ts";
// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/** Options of {@link Xfrm.open}. */
export type XfrmOptions = ClientOptions;

/** SPD counters and hash settings (`ip xfrm policy count`). */
export interface SpdInfo {
  /** Policies per direction. */
  info?: x.XfrmuSpdinfo;
  /** Hash buckets. */
  hinfo?: x.XfrmuSpdhinfo;
  /** IPv4 hash thresholds. */
  ipv4Hthresh?: x.XfrmuSpdhthresh;
  /** IPv6 hash thresholds. */
  ipv6Hthresh?: x.XfrmuSpdhthresh;
}

/** A `NETLINK_XFRM` client. */
export class Xfrm implements AsyncDisposable {
  /** The generic client underneath. */
  readonly client: Client;

  private constructor(client: Client) {
    this.client = client;
  }

  /**
   * Open a `NETLINK_XFRM` socket (in `options.netns`, if given).
   *
   * @throws {ProtocolUnavailableError} when the kernel has no `CONFIG_XFRM_USER`.
   */
  static async open(options: XfrmOptions = {}): Promise<Xfrm> {
    try {
      return new Xfrm(await Client.open(x.family, options));
    } catch (e) {
      throw explainProtocolError(NETLINK_XFRM, e);
    }
  }

  /** Use a client (of the xfrm family) that is already open, e.g. over a fake kernel. */
  static fromClient(client: Client): Xfrm {
    return new Xfrm(client);
  }

  async #do<H extends object, A extends object>(
    op: x.Operations[keyof x.Operations],
    header: H,
    attrs: A,
    flags = 0,
  ): Promise<void> {
    await this.client.call(op as never, { header: header as never, attrs: attrs as never, flags });
  }

  /** Send a get whose answer is a message of another type; decode it by its type. */
  async #get(
    op: x.Operations["getsa"] | x.Operations["getpolicy"],
    header: object,
    attrs: x.XfrmAttrs,
  ): Promise<XfrmEvent> {
    const bytes = buildMessage(op as never, { header: header as never, attrs: attrs as never });
    const reply = await this.client.socket.request(bytes, { operation: `xfrm ${op.name}` });
    return xfrmEvent(reply);
  }

  /** Dump with a bare request (no fixed header), decoding each message by its type. */
  async *#dump(type: number, attrs?: Uint8Array): AsyncGenerator<XfrmEvent> {
    const req = encodeMessage({ type, flags: NLM_F_REQUEST, payload: attrs });
    for await (const m of this.client.socket.dump(req, { operation: `xfrm dump (type ${type})` })) {
      yield xfrmEvent(m);
    }
  }

  // ----- SAs -----

  /** Add an SA (`ip xfrm state add`). */
  addState(s: StateInput): Promise<void> {
    const m = stateMessage(s);
    return this.#do(x.operations.newsa, m.header, m.attrs);
  }

  /** Replace an SA (`ip xfrm state update`). */
  updateState(s: StateInput): Promise<void> {
    const m = stateMessage(s);
    return this.#do(x.operations.updsa, m.header, m.attrs);
  }

  /** Delete an SA (`ip xfrm state delete`). */
  deleteState(id: StateId): Promise<void> {
    const m = stateIdMessage(id);
    return this.#do(x.operations.delsa, m.header, m.attrs);
  }

  /** One SA (`ip xfrm state get`). */
  async getState(id: StateId): Promise<State> {
    const m = stateIdMessage(id);
    const e = await this.#get(x.operations.getsa, m.header, m.attrs);
    if (e.kind !== "new-sa") throw new TypeError(`XFRM_MSG_GETSA answered with ${e.kind}`);
    return e.state;
  }

  /** Every SA (`ip xfrm state list`). */
  async states(): Promise<State[]> {
    const out: State[] = [];
    for await (const e of this.#dump(x.XFRM_MSG_GETSA)) if (e.kind === "new-sa") out.push(e.state);
    return out;
  }

  /** Delete the SAs of a protocol, or all (`ip xfrm state flush [proto P]`). */
  flushStates(proto: number | string = 255): Promise<void> {
    return this.#do(x.operations.flushsa, {
      proto: byName(XFRM_PROTOS, proto, "XFRM protocol"),
    }, {});
  }

  /** SAD counters (`ip xfrm state count`). */
  async sadInfo(): Promise<{ count?: number; hinfo?: x.XfrmuSadhinfo }> {
    const r = await this.client.get(x.operations.getsadinfo, { header: { flags: 0xffffffff } });
    return { count: r.attrs.cnt, hinfo: r.attrs.hinfo };
  }

  // ----- policies -----

  /** Add a policy (`ip xfrm policy add`). */
  addPolicy(p: PolicyInput): Promise<void> {
    const m = policyMessage(p);
    return this.#do(x.operations.newpolicy, m.header, m.attrs);
  }

  /** Add or replace a policy (`ip xfrm policy update`). */
  updatePolicy(p: PolicyInput): Promise<void> {
    const m = policyMessage(p);
    return this.#do(x.operations.updpolicy, m.header, m.attrs);
  }

  /** Delete a policy (`ip xfrm policy delete`). */
  deletePolicy(id: PolicyId): Promise<void> {
    const m = policyIdMessage(id);
    return this.#do(x.operations.delpolicy, m.header, m.attrs);
  }

  /** One policy (`ip xfrm policy get`). */
  async getPolicy(id: PolicyId): Promise<Policy> {
    const m = policyIdMessage(id);
    const e = await this.#get(x.operations.getpolicy, m.header, m.attrs);
    if (e.kind !== "new-policy") throw new TypeError(`XFRM_MSG_GETPOLICY answered with ${e.kind}`);
    return e.policy;
  }

  /** Every policy, the per-socket ones included (`ip xfrm policy list`). */
  async policies(): Promise<Policy[]> {
    const out: Policy[] = [];
    for await (const e of this.#dump(x.XFRM_MSG_GETPOLICY)) {
      if (e.kind === "new-policy") out.push(e.policy);
    }
    return out;
  }

  /** Delete the policies of a type (`ip xfrm policy flush [ptype sub]`). */
  flushPolicies(type?: "main" | "sub"): Promise<void> {
    const attrs: x.XfrmAttrs = {};
    if (type !== undefined) attrs.policyType = policyTypeAttr(type);
    return this.#do(x.operations.flushpolicy, {}, attrs);
  }

  /** SPD counters and hash settings (`ip xfrm policy count`). */
  async spdInfo(): Promise<SpdInfo> {
    const r = await this.client.get(x.operations.getspdinfo, { header: { flags: 0xffffffff } });
    return r.attrs;
  }

  /** Set the policy hash thresholds (`ip xfrm policy set hthresh4 L R hthresh6 L R`). */
  setSpdHashThresholds(t: { ipv4?: [number, number]; ipv6?: [number, number] }): Promise<void> {
    const attrs: x.XfrmSpdAttrs = {};
    if (t.ipv4) attrs.ipv4Hthresh = { lbits: t.ipv4[0], rbits: t.ipv4[1] };
    if (t.ipv6) attrs.ipv6Hthresh = { lbits: t.ipv6[0], rbits: t.ipv6[1] };
    return this.#do(x.operations.newspdinfo, { flags: 0 }, attrs);
  }

  /** The default actions (`ip xfrm policy getdefault`): 1 block, 2 accept. */
  async getDefault(): Promise<x.XfrmUserpolicyDefault> {
    return (await this.client.get(x.operations.getdefault, {})).header;
  }

  // ----- events -----

  /**
   * Join groups and iterate their events, typed. Abort with `signal`.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@netlink/netlink/xfrm";
   * await using xfrm = await Xfrm.open();
   * for await (const e of xfrm.events(["policy", "sa"])) console.log(e.kind);
   * ```
   */
  async *events(
    groups: readonly XfrmGroup[],
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<XfrmEvent> {
    for (const g of groups) {
      const id = x.family.spec.mcastGroups?.[`xfrmnlgrp-${g}`];
      if (typeof id !== "number") throw new TypeError(`Unknown XFRM group "${g}"`);
      this.client.socket.join(id);
    }
    for await (const m of this.client.socket.subscribe({ signal: options.signal })) {
      yield xfrmEvent(m as ReceivedMessage);
    }
  }

  /** Close the socket. */
  close(): void {
    this.client.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
