/**
 * Usage from two cumulative readings, as metrics-server computes it (storage.resourceUsage):
 * CPU is the rate between them in nanocores, cut to a whole number, as a DecimalSI quantity
 * at scale -9 (`1234567n`, which Go prints canonically: `1500000n` → `1500u`); memory is the
 * newer working set as a BinarySI quantity (`636477440` → `621560Ki`). The window is the time
 * between the readings.
 *
 * @example usageBetween({ cpuNanos: 3e9, memoryBytes: 4096, timestampMs: 15000 }, { cpuNanos: 0, memoryBytes: 0, timestampMs: 0 })
 *   // → { usage: { cpu: "200m", memory: "4Ki" }, timestampMs: 15000, windowMs: 15000 }
 */
import { Quantity } from "../../model/quantity.ts";
import type { NodeUsage } from "../../resource-metrics/types.ts";

export interface CumulativePoint {
  /** CPU used since the start of the counter, in nanoseconds of one core. */
  cpuNanos: number;
  memoryBytes: number;
  timestampMs: number;
  /** When the container run started (unix ms); containers only, when known. */
  startTimeMs?: number;
}

/** Nanocores as Kubernetes prints a quantity (`0`, `1234567n`, `1500u`, `250m`, `2`). */
export function cpuQuantity(nanocores: number): string {
  return Quantity.parse(`${Math.max(0, Math.trunc(nanocores))}n`).toString();
}

/** Bytes as Kubernetes prints a BinarySI quantity (`1023`, `4Ki`, `3Mi`). */
export function memoryQuantity(bytes: number): string {
  return Quantity.fromValue(BigInt(Math.max(0, Math.trunc(bytes))), "BinarySI").toString();
}

/**
 * Undefined where metrics-server refuses the pair: the counter went down (a restart the
 * start times did not reveal) or no time passed between them.
 */
export function usageBetween(last: CumulativePoint, prev: CumulativePoint): NodeUsage | undefined {
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0 || last.cpuNanos < prev.cpuNanos) return undefined;
  const nanocores = (last.cpuNanos - prev.cpuNanos) / (windowMs / 1000);
  return { usage: { cpu: cpuQuantity(nanocores), memory: memoryQuantity(last.memoryBytes) }, timestampMs: last.timestampMs, windowMs };
}
