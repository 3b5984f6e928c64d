/**
 * CPU time spent by processes, from /proc (Linux): on a shared, loaded box the wall-clock
 * timings of a benchmark move with everyone else's work several-fold, the CPU time a burst
 * costs each process far less (measured on a 2-core VM at load 20–45: ±25%, contention's own
 * cost), so it says where the work is and how the parts compare within one run.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime of /proc/<pid>/stat in ms; undefined when the process is gone. */
function times(pid: number): [number, number, number, number] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    // Fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the state (field 3).
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").slice(11, 15).map((t) => (Number(t) * 1000) / TICKS_PER_SECOND);
    return f as [number, number, number, number];
  } catch {
    return undefined;
  }
}

/**
 * The process's own user + system time in ms, and with `children` also that of the children
 * it has waited for (containerd's CNI plugins, a shim's runc runs); NaN when it is gone.
 */
export function cpuMs(pid: number, children = false): number {
  const t = times(pid);
  if (!t) return NaN;
  return t[0] + t[1] + (children ? t[2] + t[3] : 0);
}

/** The process's own kernel (system) time in ms: the part of `cpuMs` spent in system calls. */
export function systemCpuMs(pid: number): number {
  return times(pid)?.[1] ?? NaN;
}

/** Processes whose command line holds `arg` as one argument (a containerd's shims name its socket). */
export function pidsWithArg(arg: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").includes(arg)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU ms of every live process with `arg` on its command line, their waited-for children included. */
export function cpuMsOfAll(arg: string): number {
  return pidsWithArg(arg).reduce((sum, pid) => sum + (cpuMs(pid, true) || 0), 0);
}
