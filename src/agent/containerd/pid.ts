/**
 * Facts about a process by PID from /proc, for adopting a daemon a previous agent started.
 * A PID alone proves nothing (it may have been reused), so callers also check the command
 * line; a zombie counts as gone, since an adopted daemon is not our child to reap.
 */
import { readFileSync } from "node:fs";

/** True while `pid` runs (not a zombie). */
export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the parenthesised command name, which may itself hold ") ".
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The process's argv, or undefined when it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (args.at(-1) === "") args.pop();
    return args;
  } catch {
    return undefined;
  }
}

/** Resolves true once `pid` has exited, false if it still runs after timeoutMs. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    if (!isRunning(pid)) return true;
    if (Date.now() >= until) return false;
    await Bun.sleep(pause);
  }
}

/** Sends `signal` to `pid` alone; false when there was no such process. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  // kill(2) with 0 or a negative PID signals whole process groups: never that.
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`refusing to signal PID ${pid}`);
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}
