/**
 * Rate specs and rate tables as iproute2's `tc/tc_core.c` computes them for shaping qdiscs and
 * classes (HTB, TBF): transmit times in psched ticks, struct tc_ratespec, and the 256-cell rate
 * table the kernel still accepts beside it.
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";
import { U32_MAX } from "./handles.ts";

/**
 * Kernel ticks per microsecond: psched ticks are 64 ns (`PSCHED_SHIFT` 6 in the kernel's
 * net/pkt_sched.h; /proc/net/psched gives t2us 1000 and us2t 64, as tc reads them).
 */
export const TICKS_PER_US = 1000 / 64;

/**
 * Clock rate tc assumes for default bursts: `get_hz()` reads /proc/net/psched, whose fourth
 * field is 1e9 with high-resolution timers (the kernel's NSEC_PER_SEC).
 */
export const PSCHED_HZ = 1e9;

/** Microseconds per second (tc's TIME_UNITS_PER_SEC). */
export const US_PER_SEC = 1e6;

/** Cells of a rate table: TC_RTAB_SIZE bytes of u32 transmit times. */
const RTAB_CELLS = tc.TC_RTAB_SIZE / Uint32Array.BYTES_PER_ELEMENT;
/** iproute2 tc_calc_rtable: the MTU assumed when none is given. */
const RTAB_DEFAULT_MTU = 2047;
/** iproute2 tc_calc_rtable: `r->cell_align = -1` (align to the cell boundary). */
const RTAB_CELL_ALIGN = -1;

/** iproute2 tc_calc_xmittime: ticks to send `size` bytes at `rate` bytes/s. */
export function xmittime(rate: number, size: number): number {
  return Math.min(U32_MAX, Math.floor(Math.floor(US_PER_SEC * (size / rate)) * TICKS_PER_US));
}

/** iproute2 tc_calc_xmitsize: bytes sent at `rate` bytes/s during `ticks`. */
export function xmitsize(rate: number, ticks: number): number {
  return Math.floor(rate * Math.floor(ticks / TICKS_PER_US) / US_PER_SEC);
}

/** A rate table and the cell_log its ratespec must carry. */
export interface RateTable {
  /** TC_RTAB_SIZE bytes: the transmit time of each cell, host order. */
  table: Uint8Array;
  /** log2 of the cell size in bytes. */
  cellLog: number;
}

/**
 * iproute2 tc_calc_rtable: the rate table (transmit time per size cell) and the cell_log, for
 * kernels without TC_LINKLAYER awareness (new ones ignore it when linklayer is set, as it is
 * here).
 */
export function rateTable(rate: number, mtu: number, mpu = 0): RateTable {
  if (mtu === 0) mtu = RTAB_DEFAULT_MTU;
  let cellLog = 0;
  while ((mtu >> cellLog) >= RTAB_CELLS) cellLog++;
  const times = new Uint32Array(RTAB_CELLS);
  for (let i = 0; i < RTAB_CELLS; i++) times[i] = xmittime(rate, Math.max((i + 1) << cellLog, mpu));
  return { table: new Uint8Array(times.buffer), cellLog };
}

/**
 * struct tc_ratespec for `rate` bytes/s on Ethernet, as tc fills it (a rate over 32 bits
 * saturates; the full rate goes in the kind's RATE64 attribute).
 */
export function ratespec(rate: number, cellLog: number, mpu = 0, overhead = 0): tc.TcRatespec {
  return {
    cellLog,
    linklayer: tc.TC_LINK_LAYER.ETHERNET,
    overhead,
    cellAlign: RTAB_CELL_ALIGN,
    mpu,
    rate: Math.min(rate, U32_MAX),
  };
}

/** An all-zero struct tc_ratespec (no peak rate). */
export const NO_RATE: tc.TcRatespec = {
  cellLog: 0,
  linklayer: tc.TC_LINK_LAYER.UNAWARE,
  overhead: 0,
  cellAlign: 0,
  mpu: 0,
  rate: 0,
};

/** Whether a rate in bytes/s needs its RATE64 attribute (struct tc_ratespec's rate is a u32). */
export function needs64(rate: number): boolean {
  return rate > U32_MAX;
}
