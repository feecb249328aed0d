/**
 * TBF, the token bucket filter (`tc qdisc add … tbf`): struct tc_tbf_qopt with its rate
 * tables, as iproute2's `tc/q_tbf.c` fills it and prints it back.
 *
 * @module
 */
import { NetlinkDecodeError } from "../../../codec/errors.ts";
import type * as tc from "../../generated/tc.ts";
import {
  type Duration,
  parseDuration,
  parseSize,
  type Rate,
  rateBits,
  rateBytes,
  type Size,
  u32,
} from "./handles.ts";
import {
  needs64,
  NO_RATE,
  ratespec,
  rateTable,
  TICKS_PER_US,
  US_PER_SEC,
  xmitsize,
  xmittime,
} from "./ratespec.ts";

/** TBF qdisc (`tc qdisc add … tbf`): give `limit` or `latency`. */
export interface TbfQdiscConfig {
  /** Kind. */
  kind: "tbf";
  /** Rate, bits per second. */
  rate: Rate;
  /** Bucket size, bytes. */
  burst: Size;
  /** Queue limit, bytes. */
  limit?: Size;
  /** Maximum time a packet may wait, microseconds (sets `limit`). */
  latency?: Duration;
  /** Peak rate, bits per second (needs `mtu`). */
  peakrate?: Rate;
  /** Peak-rate bucket size, bytes. */
  mtu?: Size;
}

/**
 * TCA_OPTIONS of a TBF qdisc: TCA_TBF_PARMS (struct tc_tbf_qopt), TCA_TBF_BURST, the rate
 * tables, and the peak rate's when there is one.
 *
 * @throws {RangeError} for a rate or burst of 0; {@link TypeError} without limit or latency.
 */
export function encodeTbf(t: TbfQdiscConfig): tc.TbfAttrs {
  const rate = rateBytes(t.rate);
  const burst = parseSize(t.burst);
  if (rate === 0) throw new RangeError("tbf needs a rate above 0");
  if (burst === 0) throw new RangeError("tbf needs a burst above 0");
  let limit: number;
  if (t.limit !== undefined) limit = parseSize(t.limit);
  else if (t.latency !== undefined) {
    limit = Math.floor(rate * parseDuration(t.latency) / US_PER_SEC + burst);
  } else throw new TypeError("tbf needs a limit or a latency");
  const mtu = t.mtu === undefined ? 0 : parseSize(t.mtu);
  const rtab = rateTable(rate, 0);
  const prate = t.peakrate === undefined ? 0 : rateBytes(t.peakrate);
  const ptab = prate > 0 ? rateTable(prate, mtu) : undefined;
  const options: tc.TbfAttrs = {
    parms: {
      rate: ratespec(rate, rtab.cellLog),
      peakrate: ptab === undefined ? NO_RATE : ratespec(prate, ptab.cellLog),
      limit: u32(limit, "tbf limit"),
      buffer: xmittime(rate, burst),
      mtu: ptab === undefined ? 0 : xmittime(prate, mtu),
    },
    burst: u32(burst, "tbf burst"),
  };
  if (needs64(rate)) options.rate64 = BigInt(rate);
  options.rtab = rtab.table;
  if (ptab !== undefined) {
    options.pburst = u32(mtu, "tbf mtu");
    if (needs64(prate)) options.prate64 = BigInt(prate);
    options.ptab = ptab.table;
  }
  return options;
}

/**
 * The configuration of a TBF qdisc from its TCA_OPTIONS and their TCA_TBF_PARMS `p`, as tc
 * prints it.
 */
export function decodeTbf(t: tc.TbfAttrs, p: tc.TcTbfQopt): TbfQdiscConfig {
  if (p.rate === undefined || p.peakrate === undefined) {
    // struct tc_tbf_qopt is fixed (the 64-bit rates came as attributes): shorter is malformed.
    throw new NetlinkDecodeError("TCA_TBF_PARMS is shorter than struct tc_tbf_qopt (36 bytes)", 0);
  }
  const rate = t.rate64 !== undefined ? Number(t.rate64) : p.rate.rate;
  const c: TbfQdiscConfig = {
    kind: "tbf",
    rate: rateBits(rate),
    burst: xmitsize(rate, p.buffer),
    limit: p.limit,
    // tc: latency = TIME_UNITS_PER_SEC * (limit / rate) - tick2time(buffer)
    latency: Math.max(
      0,
      Math.floor(US_PER_SEC * (p.limit / rate) - Math.floor(p.buffer / TICKS_PER_US)),
    ),
  };
  const prate = t.prate64 !== undefined ? Number(t.prate64) : p.peakrate.rate;
  if (prate > 0) {
    c.peakrate = rateBits(prate);
    c.mtu = t.pburst ?? xmitsize(prate, p.mtu);
  }
  return c;
}
