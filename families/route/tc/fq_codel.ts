/**
 * fq_codel, fair queuing with controlled delay (`tc qdisc add … fq_codel`): TCA_FQ_CODEL_*
 * attributes.
 *
 * @module
 */
import type * as tc from "../../generated/tc.ts";
import { type Duration, parseDuration, parseSize, type Size } from "./handles.ts";

/** fq_codel qdisc (`tc qdisc add … fq_codel`). */
export interface FqCodelQdiscConfig {
  /** Kind. */
  kind: "fq_codel";
  /** Queue limit, packets. */
  limit?: number;
  /** Number of flows. */
  flows?: number;
  /** Target queue delay, microseconds. */
  target?: Duration;
  /** Interval, microseconds. */
  interval?: Duration;
  /** Bytes dequeued per flow per round. */
  quantum?: Size;
  /** Mark ECN instead of dropping. */
  ecn?: boolean;
  /** CE marking threshold, microseconds. */
  ceThreshold?: Duration;
  /** Memory limit, bytes. */
  memoryLimit?: Size;
  /** Packets dropped at once over the limit. */
  dropBatchSize?: number;
}

/** TCA_OPTIONS of an fq_codel qdisc: the attributes given, the kernel's defaults for the rest. */
export function encodeFqCodel(f: FqCodelQdiscConfig): tc.FqCodelAttrs {
  const options: tc.FqCodelAttrs = {};
  if (f.limit !== undefined) options.limit = f.limit;
  if (f.flows !== undefined) options.flows = f.flows;
  if (f.target !== undefined) options.target = parseDuration(f.target);
  if (f.interval !== undefined) options.interval = parseDuration(f.interval);
  if (f.quantum !== undefined) options.quantum = parseSize(f.quantum);
  if (f.ecn !== undefined) options.ecn = f.ecn ? 1 : 0;
  if (f.ceThreshold !== undefined) options.ceThreshold = parseDuration(f.ceThreshold);
  if (f.memoryLimit !== undefined) options.memoryLimit = parseSize(f.memoryLimit);
  if (f.dropBatchSize !== undefined) options.dropBatchSize = f.dropBatchSize;
  return options;
}

/** The configuration of an fq_codel qdisc from its TCA_OPTIONS. */
export function decodeFqCodel(f: tc.FqCodelAttrs): FqCodelQdiscConfig {
  const c: FqCodelQdiscConfig = { kind: "fq_codel" };
  if (f.limit !== undefined) c.limit = f.limit;
  if (f.flows !== undefined) c.flows = f.flows;
  if (f.target !== undefined) c.target = f.target;
  if (f.interval !== undefined) c.interval = f.interval;
  if (f.quantum !== undefined) c.quantum = f.quantum;
  if (f.ecn !== undefined) c.ecn = f.ecn !== 0;
  if (f.ceThreshold !== undefined) c.ceThreshold = f.ceThreshold;
  if (f.memoryLimit !== undefined) c.memoryLimit = f.memoryLimit;
  if (f.dropBatchSize !== undefined) c.dropBatchSize = f.dropBatchSize;
  return c;
}
