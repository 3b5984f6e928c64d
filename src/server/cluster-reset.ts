/**
 * `k3rs server --cluster-reset --cluster-reset-restore-path=FILE`, as K3s does it: the snapshot
 * replaces the store, the old database is kept aside (never deleted), and the server exits
 * telling how to start normally. The snapshot is checked before anything moves, so a bad file
 * changes nothing. Without a restore path there is nothing to reset: the store has one member.
 */
import { copyFileSync, existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { inspectSnapshot } from "../store/sqlite-snapshot.ts";
import { storePath } from "./snapshots/snapshot-dir.ts";

export interface ClusterResetResult {
  /** What to tell the operator, line by line. */
  lines: string[];
  /** Where the old database went, when there was one. */
  keptAside?: string;
}

export function clusterReset(dataDir: string, restorePath: string | undefined, nowMs = Date.now()): ClusterResetResult {
  if (!restorePath) {
    return { lines: ["The store has a single member: there is no membership to reset.", "Restart without --cluster-reset to serve it; to restore a snapshot, add --cluster-reset-restore-path=FILE."] };
  }
  const info = inspectSnapshot(restorePath);
  const db = storePath(dataDir);
  let keptAside: string | undefined;
  if (existsSync(db)) {
    keptAside = join(db, "..", `state-old-${Math.floor(nowMs / 1000)}.db`);
    // The WAL and its index belong with their database: they move under the matching name.
    for (const suffix of ["-wal", "-shm"]) if (existsSync(db + suffix)) renameSync(db + suffix, keptAside + suffix);
    renameSync(db, keptAside);
  }
  const partial = `${db}.restoring`;
  try {
    copyFileSync(restorePath, partial);
    renameSync(partial, db);
  } catch (cause) {
    rmSync(partial, { force: true });
    throw new Error(`restoring ${restorePath} to ${db}${keptAside ? ` (the old store is at ${keptAside})` : ""}`, { cause });
  }
  return {
    keptAside,
    lines: [
      `Restored the store from ${restorePath}: ${info.objects} objects at revision ${info.revision}.`,
      ...(keptAside ? [`The previous database was kept at ${keptAside}.`] : []),
      "Restart without --cluster-reset and --cluster-reset-restore-path to serve the restored cluster.",
    ],
  };
}
