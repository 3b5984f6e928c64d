/**
 * CPU time spent by processes, from /proc (Linux): on a shared, loaded box the wall-clock
 * timings of a benchmark move with everyone else's work several-fold, the CPU time a burst
 * costs each process far less (measured on a 2-core VM at load 20–45: ±25%, contention's own
 * cost), so it says where the work is and how the parts compare within one run.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux build that matters). */
const TICKS_PER_SECOND = 100;

/**
 * The process's own user + system time in ms, and with `children` also that of the children
 * it has waited for (containerd's CNI plugins, a shim's runc runs); NaN when it is gone.
 */
export function cpuMs(pid: number, children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the state (field 3).
    const own = Number(f[11]) + Number(f[12]);
    const waited = children ? Number(f[13]) + Number(f[14]) : 0;
    return ((own + waited) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The process's own kernel (system) time in ms: the part of `cpuMs` spent in system calls. */
export function systemCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[12]) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
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
