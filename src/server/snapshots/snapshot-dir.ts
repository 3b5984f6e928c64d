/**
 * The snapshots directory, `<data-dir>/server/db/snapshots`, as `k3s etcd-snapshot` keeps
 * its own: each snapshot one file named `<name>-<node>-<unix seconds>`, listed newest first,
 * pruned per name (scheduled snapshots share one name, so pruning them never touches a
 * snapshot an operator saved under another).
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { snapshotDatabase, type SnapshotInfo } from "../../store/sqlite-snapshot.ts";

/** Also spelled out in cli/snapshot-command.ts, which loads this module only when it runs. */
export const DEFAULT_SNAPSHOT_NAME = "k3rs-snapshot";

export interface SnapshotFile {
  name: string;
  path: string;
  bytes: number;
  /** From the name's timestamp (what K3s sorts by); the file's mtime when the name has none. */
  createdMs: number;
}

export function snapshotsDir(dataDir: string): string {
  return join(dataDir, "server", "db", "snapshots");
}

export function storePath(dataDir: string): string {
  return join(dataDir, "server", "db", "state.db");
}

/** The file name of a snapshot saved now under `name` by `node`. */
export function snapshotFileName(name: string, node: string, nowMs: number): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(name)) throw new Error(`invalid snapshot name ${JSON.stringify(name)} (letters, digits, '.', '_', '-')`);
  return `${name}-${node}-${Math.floor(nowMs / 1000)}`;
}

export function saveSnapshot(dataDir: string, opts: { name?: string; node: string; nowMs?: number }): SnapshotFile & SnapshotInfo {
  const file = join(snapshotsDir(dataDir), snapshotFileName(opts.name ?? DEFAULT_SNAPSHOT_NAME, opts.node, opts.nowMs ?? Date.now()));
  const info = snapshotDatabase(storePath(dataDir), file);
  return { ...info, ...describe(file) };
}

/** Every snapshot, newest first. */
export function listSnapshots(dataDir: string): SnapshotFile[] {
  const dir = snapshotsDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.endsWith(".partial") && !f.startsWith("."))
    .map((f) => describe(join(dir, f)))
    .sort((a, b) => b.createdMs - a.createdMs || b.name.localeCompare(a.name));
}

/** Deletes snapshots by file name; refuses names that are not snapshots in the directory. */
export function deleteSnapshots(dataDir: string, names: string[]): string[] {
  const known = new Set(listSnapshots(dataDir).map((s) => s.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) throw new Error(`no such snapshot: ${missing.join(", ")}`);
  for (const n of names) rmSync(join(snapshotsDir(dataDir), n), { force: true });
  return names;
}

/** Keeps the newest `retention` snapshots saved under `name`; returns the names deleted. */
export function pruneSnapshots(dataDir: string, name: string, retention: number): string[] {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-.+-\\d+$`);
  const mine = listSnapshots(dataDir).filter((s) => pattern.test(s.name));
  const doomed = mine.slice(Math.max(0, retention)).map((s) => s.name);
  for (const n of doomed) rmSync(join(snapshotsDir(dataDir), n), { force: true });
  return doomed;
}

function describe(path: string): SnapshotFile {
  const st = statSync(path);
  const name = basename(path);
  const stamp = /-(\d+)$/.exec(name);
  return { name, path, bytes: st.size, createdMs: stamp ? Number(stamp[1]) * 1000 : st.mtimeMs };
}
