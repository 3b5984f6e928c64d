/**
 * Continuous replication of the store with Litestream (`--datastore-replica`): the embedded
 * binary extracted, its config written owner-only, the database restored from the replica
 * when this box has none, then Litestream supervised beside the server, its replica lag read
 * from its metrics into k3rs's /metrics.
 *
 * Order matters: prepare (restore) before the store opens; start after it opened (Litestream
 * needs the file, and the store runs with wal_autocheckpoint=0: Litestream checkpoints, so no
 * WAL frame is checkpointed away before it has copied it); stop after the store closed, so
 * its last sync has every commit.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import client from "prom-client";
import { registry } from "../../api/request-metrics.ts";
import { log } from "../../log.ts";
import { checkAndRepairIndexes } from "../../store/sqlite-integrity.ts";
import { removeDatabaseFiles } from "../../store/sqlite-schema.ts";
import { extractLitestream, LITESTREAM_VERSION } from "./litestream-binary.ts";
import { describeReplica, litestreamConfig, type ReplicaSettings } from "./litestream-config.ts";
import { LitestreamProcess, restoreFromReplica } from "./litestream-process.ts";
import { parsePositions, ReplicaLag } from "./replica-lag.ts";

const gauges = {
  lag: new client.Gauge({ name: "k3rs_replica_lag_seconds", help: "How long the store's replica has been behind the WAL Litestream copied (0: caught up).", registers: [registry] }),
  up: new client.Gauge({ name: "k3rs_replica_up", help: "1 while Litestream runs and answers.", registers: [registry] }),
  restarts: new client.Gauge({ name: "k3rs_replica_restarts", help: "Times Litestream was restarted after exiting.", registers: [registry] }),
};

export interface ReplicationOptions {
  dataDir: string;
  dbPath: string;
  replica: ReplicaSettings;
  /** How often the lag is sampled. Default 1 s (Litestream's sync interval). */
  lagSampleMs?: number;
}

export interface Replication {
  /** Whether this start restored the database from the replica. */
  restored: boolean;
  start(): void;
  stop(): Promise<void>;
  /** The supervised process (tests kill it to see it come back). */
  process: LitestreamProcess;
  /** Litestream's own Prometheus endpoint (loopback), for the benchmark. */
  metricsUrl: string;
}

export async function prepareReplication(o: ReplicationOptions): Promise<Replication> {
  const binary = await extractLitestream(join(o.dataDir, "server", "bin"));
  const metricsAddr = `127.0.0.1:${await freeLoopbackPort()}`;
  const configPath = join(dirname(o.dbPath), "litestream.yml");
  mkdirSync(dirname(configPath), { recursive: true, mode: 0o700 });
  writeFileSync(configPath, litestreamConfig({ dbPath: o.dbPath, replica: o.replica, metricsAddr }), { mode: 0o600 });
  chmodSync(configPath, 0o600);

  const t0 = performance.now();
  let restored: boolean;
  try {
    restored = await restoreFromReplica(binary, configPath, o.dbPath);
  } catch (cause) {
    throw new Error(`restoring the store from its replica ${o.replica.url}`, { cause });
  }
  if (restored) {
    log.info("store restored from its replica", { ...describeReplica(o.replica), ms: Math.round(performance.now() - t0) });
    trustRestored(o.dbPath, o.replica);
  }

  const process = new LitestreamProcess({
    binary,
    configPath,
    onStart: (pid, restarts) => {
      gauges.restarts.set(restarts);
      log.info("litestream started", { pid, version: LITESTREAM_VERSION, ...describeReplica(o.replica) });
    },
    onExit: () => gauges.up.set(0),
  });
  const lag = new ReplicaLag();
  let timer: ReturnType<typeof setInterval> | undefined;
  const sample = async () => {
    try {
      const r = await fetch(`http://${metricsAddr}/metrics`, { signal: AbortSignal.timeout(900) });
      const positions = parsePositions(await r.text());
      gauges.up.set(1);
      if (positions) gauges.lag.set(lag.observe(positions, Date.now()));
    } catch {
      gauges.up.set(0);
    }
  };
  return {
    restored,
    process,
    metricsUrl: `http://${metricsAddr}/metrics`,
    start() {
      process.start();
      timer ??= setInterval(() => void sample(), o.lagSampleMs ?? 1000);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await process.stop();
      gauges.up.set(0);
    },
  };
}

/**
 * A restored file is checked before the store opens it (sqlite-integrity.ts says why); indexes
 * that disagree with their rows are rebuilt. A file that stays damaged is removed, so the next
 * start restores afresh, and the start fails saying what the check found.
 */
function trustRestored(dbPath: string, replica: ReplicaSettings): void {
  const t0 = performance.now();
  const result = checkAndRepairIndexes(dbPath);
  if (result.ok) {
    if (result.repaired.length > 0) log.warn("the restored store was inconsistent: its indexes disagreed with its rows and were rebuilt; objects written shortly before the loss may be missing", { problems: result.repaired.slice(0, 10), found: result.repaired.length });
    log.info("restored store checked", { ms: Math.round(performance.now() - t0) });
    return;
  }
  removeDatabaseFiles(dbPath);
  const said = result.problems.slice(0, 5).join("; ") || String(result.cause);
  throw new Error(`the store restored from its replica ${replica.url} is damaged beyond its indexes (${said}); the restored file was removed`, { cause: result.cause });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
