/** Percentiles and printing for benchmarks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(samples: number[]): { p50: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

export function rssMiB(pid: number): number {
  try {
    const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
    const m = status.match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Runs `worker` on `concurrency` lanes until `durationMs` passes; returns completed ops. */
export async function runFor(concurrency: number, durationMs: number, worker: (lane: number, i: number) => Promise<void>): Promise<{ ops: number; seconds: number }> {
  const end = performance.now() + durationMs;
  let ops = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      let i = 0;
      while (performance.now() < end) {
        await worker(lane, i++);
        ops++;
      }
    }),
  );
  return { ops, seconds: (performance.now() - start) / 1000 };
}

/** Connections this machine's TCP stack has accepted so far (all processes: a rough count on a shared box). */
export function tcpPassiveOpens(): number {
  const lines = (require("node:fs").readFileSync("/proc/net/snmp", "utf8") as string).split("\n").filter((l) => l.startsWith("Tcp:"));
  const names = lines[0]!.split(" ");
  return Number(lines[1]!.split(" ")[names.indexOf("PassiveOpens")]);
}
