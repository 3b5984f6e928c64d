/**
 * The node's own CPU and memory usage, as the kubelet reports them for the node on
 * `/metrics/resource` (cAdvisor's root container):
 * - CPU: busy time since boot in core-seconds, from /proc/stat's `cpu` line — user, nice,
 *   system, irq and softirq. Idle and iowait are not work; steal is time the hypervisor gave
 *   to someone else; guest time is already inside user and nice.
 * - memory: the working set, usage less inactive page cache. With a cgroup v1 memory
 *   hierarchy (this project's VMs mount v1 controllers beside a v2 tree) that is the root
 *   cgroup's `memory.usage_in_bytes` less `total_inactive_file`, what cAdvisor reads. Without
 *   one (pure v2, whose root has no memory.current) it is what runc derives for the root from
 *   /proc/meminfo: MemTotal − MemFree − Inactive(file).
 */
import { readFileSync } from "node:fs";
import type { NodeUsagePoint } from "../../resource-metrics/types.ts";

/** Linux's USER_HZ: /proc/stat counts in these ticks on every architecture the kernel exports to userspace. */
const USER_HZ = 100;

export type ReadText = (path: string) => string | undefined;

function readHostText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Busy core-seconds from /proc/stat's aggregate `cpu` line. */
export function busyCoreSeconds(procStat: string): number | undefined {
  const line = /^cpu\s+(.*)$/m.exec(procStat)?.[1];
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).map(Number);
  if (f.length < 7 || f.slice(0, 7).some((n) => !Number.isFinite(n))) return undefined;
  const [user, nice, system, , , irq, softirq] = f as [number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq) / USER_HZ;
}

/** The root memory cgroup's working set (cgroup v1): usage less total_inactive_file, never below 0. */
export function cgroupV1WorkingSet(usageInBytes: string, memoryStat: string): number | undefined {
  const usage = Number(usageInBytes.trim());
  const inactive = Number(/^total_inactive_file\s+(\d+)$/m.exec(memoryStat)?.[1]);
  if (!Number.isFinite(usage) || !Number.isFinite(inactive)) return undefined;
  return Math.max(0, usage - inactive);
}

/** MemTotal − MemFree − Inactive(file), in bytes. */
export function meminfoWorkingSet(meminfo: string): number | undefined {
  const kb = (key: string) => Number(new RegExp(`^${key.replace(/[()]/g, "\\$&")}:\\s+(\\d+) kB$`, "m").exec(meminfo)?.[1]);
  const total = kb("MemTotal");
  const free = kb("MemFree");
  const inactive = kb("Inactive(file)");
  if (![total, free, inactive].every(Number.isFinite)) return undefined;
  return Math.max(0, total - free - inactive) * 1024;
}

export interface NodeUsageOptions {
  read?: ReadText;
  now?: () => number;
  /** Where the cgroup v1 memory controller is mounted. */
  memoryCgroup?: string;
}

/** One reading of the node; undefined when the host does not tell (not Linux, /proc hidden). */
export function readNodeUsage(o: NodeUsageOptions = {}): NodeUsagePoint | undefined {
  const read = o.read ?? readHostText;
  const timestampMs = (o.now ?? Date.now)();
  const stat = read("/proc/stat");
  const cpu = stat === undefined ? undefined : busyCoreSeconds(stat);
  const cg = o.memoryCgroup ?? "/sys/fs/cgroup/memory";
  const usage = read(`${cg}/memory.usage_in_bytes`);
  const memStat = usage === undefined ? undefined : read(`${cg}/memory.stat`);
  let memory = usage !== undefined && memStat !== undefined ? cgroupV1WorkingSet(usage, memStat) : undefined;
  if (memory === undefined) {
    const meminfo = read("/proc/meminfo");
    memory = meminfo === undefined ? undefined : meminfoWorkingSet(meminfo);
  }
  if (cpu === undefined || memory === undefined) return undefined;
  return { cpuCoreSeconds: cpu, memoryWorkingSetBytes: memory, timestampMs };
}
