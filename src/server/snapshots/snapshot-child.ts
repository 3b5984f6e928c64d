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

export async function saveSnapshotApart(dataDir: string, node: string, command = selfCommand()): Promise<SavedSnapshot> {
  if (!command) return saveSnapshot(dataDir, { node });
  const child = Bun.spawn([...command, "snapshot", "save", "--data-dir", dataDir, "--node-name", node, "--json"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`k3rs snapshot save exited with ${code}: ${(err || out).trim().slice(-2000)}`);
  const line = out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as SavedSnapshot;
  } catch (cause) {
    throw new Error(`k3rs snapshot save printed no result: ${JSON.stringify(line.slice(0, 200))}`, { cause });
  }
}
