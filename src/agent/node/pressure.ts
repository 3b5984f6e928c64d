/**
 * Node pressure from real host readings, with the kubelet's default hard eviction
 * thresholds (pkg/kubelet/eviction, DefaultEvictionHard on Linux):
 *
 *   memory.available  < 100Mi   → MemoryPressure   (MemAvailable from /proc/meminfo)
 *   nodefs.available  < 10%     → DiskPressure     (statfs of the agent's data dir)
 *   pid.available     < 1000    → PIDPressure      (min(pid_max, threads-max) less the tasks in /proc/loadavg)
 *
 * The kubelet has no default pid.available threshold; k3rs uses 1000 so that PIDPressure
 * means something without configuration. Allocatable is capacity less the memory and
 * nodefs thresholds, as the kubelet computes it with no kube/system reservations.
 * Readings are pure inputs here; readHostReadings() is the one place that touches /proc.
 */
import { readFileSync, statfsSync } from "node:fs";
import { parseQuantity, Quantity } from "../../model/quantity.ts";

/** An amount of a resource, or a share of the node's capacity of it (`10%`). */
export type Threshold = { bytes: number } | { fraction: number };

/**
 * Hard eviction thresholds, as `--kubelet-arg eviction-hard=memory.available<500Mi,…` sets
 * them: a signal left out has none (the kubelet's rule once any is given).
 */
export interface EvictionHard {
  memoryAvailable?: Threshold;
  nodefsAvailable?: Threshold;
  pidAvailable?: number;
}

export const EVICTION_HARD: Readonly<Required<EvictionHard>> = {
  memoryAvailable: { bytes: 100 * 1024 * 1024 },
  nodefsAvailable: { fraction: 0.1 },
  pidAvailable: 1000,
};

/** A threshold in bytes for a resource whose capacity is `capacityBytes`. */
export function thresholdBytes(t: Threshold | undefined, capacityBytes: number): number | undefined {
  if (!t) return undefined;
  return "bytes" in t ? t.bytes : Math.ceil(capacityBytes * t.fraction);
}

export interface HostReadings {
  memAvailableBytes?: number;
  nodefs?: { availableBytes: number; capacityBytes: number };
  pids?: { max: number; running: number };
}

export interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

/**
 * Which thresholds the readings cross; a missing reading or threshold is no pressure (as the
 * kubelet without stats). `memoryBytes` is the node's memory capacity, for a `%` threshold.
 */
export function pressureFrom(r: HostReadings, t: EvictionHard = EVICTION_HARD, memoryBytes = 0): Pressure {
  const memory = thresholdBytes(t.memoryAvailable, memoryBytes);
  const nodefs = r.nodefs && r.nodefs.capacityBytes > 0 ? thresholdBytes(t.nodefsAvailable, r.nodefs.capacityBytes) : undefined;
  return {
    memory: memory !== undefined && r.memAvailableBytes !== undefined && r.memAvailableBytes < memory,
    disk: nodefs !== undefined && r.nodefs!.availableBytes < nodefs,
    pid: t.pidAvailable !== undefined && !!r.pids && r.pids.max - r.pids.running < t.pidAvailable,
  };
}

export interface ConditionText {
  type: string;
  status: "True" | "False";
  reason: string;
  message: string;
}

/** The kubelet's wording for each pressure condition (pkg/kubelet/nodestatus/setters.go). */
export function pressureConditions(p: Pressure): ConditionText[] {
  return [
    p.memory
      ? { type: "MemoryPressure", status: "True", reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available" }
      : { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    p.disk
      ? { type: "DiskPressure", status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure" }
      : { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    p.pid
      ? { type: "PIDPressure", status: "True", reason: "KubeletHasInsufficientPID", message: "kubelet has insufficient PID available" }
      : { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
  ];
}

/**
 * What the eviction thresholds hold back from pods: 100Mi of memory and 10 % of the node
 * filesystem (rounded up to whole bytes).
 *
 * @example evictionReserved({ memory: "8Gi", "ephemeral-storage": "100Gi" }) // { memory: "100Mi", "ephemeral-storage": "10737418240" }
 */
export function evictionReserved(capacity: { memory: string; "ephemeral-storage"?: string }, t: EvictionHard = EVICTION_HARD): { memory: string; "ephemeral-storage"?: string } {
  const bytesOf = (q: string) => Number(parseQuantity(q).value());
  const memory = thresholdBytes(t.memoryAvailable, bytesOf(capacity.memory)) ?? 0;
  const out: { memory: string; "ephemeral-storage"?: string } = { memory: Quantity.fromValue(memory, "BinarySI").toString() };
  const eph = capacity["ephemeral-storage"];
  const nodefs = eph ? thresholdBytes(t.nodefsAvailable, bytesOf(eph)) : undefined;
  if (nodefs !== undefined) out["ephemeral-storage"] = String(nodefs);
  return out;
}

/** `MemAvailable` from /proc/meminfo, in bytes. */
export function parseMeminfo(text: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+)\s*kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The number of tasks (the y of the fourth field `x/y`) in /proc/loadavg. */
export function parseLoadavgTasks(text: string): number | undefined {
  const m = /^\S+\s+\S+\s+\S+\s+\d+\/(\d+)\s/.exec(text);
  return m ? Number(m[1]) : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Reads the host now: a few small procfs files and one statfs, cheap enough for every status check. */
export function readHostReadings(dataDir: string): HostReadings {
  const r: HostReadings = {};
  const mem = readText("/proc/meminfo");
  if (mem) r.memAvailableBytes = parseMeminfo(mem);
  try {
    const s = statfsSync(dataDir);
    r.nodefs = { availableBytes: s.bavail * s.bsize, capacityBytes: s.blocks * s.bsize };
  } catch {
    // No reading, no pressure.
  }
  // The kubelet takes the smaller of the two system-wide task limits.
  const limits = ["/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"].map((p) => Number(readText(p)?.trim())).filter((n) => Number.isFinite(n) && n > 0);
  const running = parseLoadavgTasks(readText("/proc/loadavg") ?? "");
  if (limits.length && running !== undefined) r.pids = { max: Math.min(...limits), running };
  return r;
}
