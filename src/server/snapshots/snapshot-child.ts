/**
 * A running server's scheduled snapshot, taken by `k3rs snapshot save` in a process of its
 * own. VACUUM INTO is one synchronous call of bun:sqlite: in the server's process it held the
 * one thread that serves every request and watch for as long as the copy took (67–350 ms for
 * 13 MiB measured, seconds for a store near its quota). The child is a reader of its own, as
 * the CLI always is while a server runs. Where there is no executable to run (a test runner's
 * process), the snapshot is taken in process as before.
 */
import { selfCommand } from "../../lib/self-command.ts";
import { saveSnapshot, type SnapshotFile } from "./snapshot-dir.ts";
import type { SnapshotInfo } from "../../store/sqlite-snapshot.ts";

export type SavedSnapshot = SnapshotFile & SnapshotInfo;

/** A child that has not finished by then is killed: the schedule waits for each snapshot, and one stuck must not stop the others. */
const SNAPSHOT_TIMEOUT_MS = 15 * 60_000;

export async function saveSnapshotApart(dataDir: string, node: string, command = selfCommand(), timeoutMs = SNAPSHOT_TIMEOUT_MS): Promise<SavedSnapshot> {
  if (!command) return saveSnapshot(dataDir, { node });
  const child = Bun.spawn([...command, "snapshot", "save", "--data-dir", dataDir, "--node-name", node, "--json"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(undefined);
    }, timeoutMs);
  });
  // Not waiting for the pipes once it is killed: a process it left behind may hold them open.
  const finished = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const result = await Promise.race([finished, timedOut]).finally(() => clearTimeout(timer));
  if (!result) throw new Error(`k3rs snapshot save did not finish in ${timeoutMs / 1000} s and was killed`);
  const [out, err, code] = result;
  if (code !== 0) throw new Error(`k3rs snapshot save exited with ${code}: ${(err || out).trim().slice(-2000)}`);
  const line = out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as SavedSnapshot;
  } catch (cause) {
    throw new Error(`k3rs snapshot save printed no result: ${JSON.stringify(line.slice(0, 200))}`, { cause });
  }
}
