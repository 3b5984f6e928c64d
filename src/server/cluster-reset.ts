/**
 * `k3rs server --cluster-reset --cluster-reset-restore-path=FILE`, as K3s does it: the snapshot
 * replaces the store, the old database is kept aside (never deleted), and the server exits
 * telling how to start normally. The snapshot is checked before anything moves, so a bad file
 * changes nothing. Without a restore path there is nothing to reset: the store has one member.
 */
import { copyFileSync, existsSync, readdirSync, readlinkSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { inspectSnapshot } from "../store/sqlite-snapshot.ts";
import { openSqliteStore } from "../store/sqlite.ts";
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
  const holders = processesHolding(db);
  if (holders.length > 0) {
    throw new Error(`the store ${db} is open in process ${holders.join(", ")}: stop the server on this data dir first (nothing was changed)`);
  }
  let keptAside: string | undefined;
  const oldRevision = existsSync(db) ? revisionOrZero(db) : 0;
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
  // Revisions continue above the replaced store's (etcdutl's --bump-revision): clients that saw
  // the newer revisions must not see them handed out again for other states.
  const restored = openSqliteStore({ path: db });
  const revision = restored.bumpRevision(oldRevision + 1);
  void restored.close();
  return {
    keptAside,
    lines: [
      `Restored the store from ${restorePath}: ${info.objects} objects at revision ${info.revision}${revision !== info.revision ? `, revisions continue from ${revision}` : ""}.`,
      ...(keptAside ? [`The previous database was kept at ${keptAside}.`] : []),
      "Restart without --cluster-reset and --cluster-reset-restore-path to serve the restored cluster.",
    ],
  };
}

/** A damaged old store has no revision to continue from; the restore must still go on. */
function revisionOrZero(db: string): number {
  try {
    return inspectSnapshot(db).revision;
  } catch {
    return 0;
  }
}

/**
 * PIDs with the file open (Linux /proc): a running server must not have its database moved
 * from under it — it would go on writing to the file kept aside.
 */
function processesHolding(path: string): number[] {
  const out: number[] = [];
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return out; // no /proc: nothing to check with
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) {
          out.push(Number(pid));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return out;
}
