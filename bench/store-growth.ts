/**
 * Durability benchmark: what the store's file does under churn, what compaction costs the
 * writers, and what replication costs. Prints figures only; no thresholds.
 *
 *   1. churn: 10,000 objects of ≈ 1 KB, then N updates spread over them, then all deleted —
 *      database + WAL size at each step, with and without the incremental vacuum that
 *      compaction runs, and the longest write latency while the vacuum runs;
 *   2. writes/s with Litestream replicating to a file:// replica vs without (same run), and
 *      the replica lag (p50/p99, sampled every 100 ms) while writing;
 *   3. snapshot save time and restore time (litestream restore) for 10,000 objects.
 *
 *   bun bench/store-growth.ts [updates, default 100000] [seconds per throughput run, default 5]
 *
 * With BENCH_S3=http://127.0.0.1:PORT/BUCKET (e.g. scripts/swift-s3.sh start DIR PORT BUCKET;
 * keys test:tester / testing) the replicated run is repeated against that S3 server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../src/model/object.ts";
import { openSqliteStore, type SqliteStore } from "../src/store/sqlite.ts";
import { snapshotDatabase } from "../src/store/sqlite-snapshot.ts";
import { prepareReplication } from "../src/server/replication/replication.ts";
import { parsePositions, ReplicaLag } from "../src/server/replication/replica-lag.ts";

const updates = Number(process.argv[2] ?? 100_000);
const seconds = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-growth-"));
const MiB = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;

function configMap(i: number, version = 0): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, namespace: "default", labels: { app: "bench" } }, data: { version: String(version), pad: "x".repeat(900) } };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function sizes(store: SqliteStore): string {
  const s = store.stats();
  return `db ${MiB(s.dbBytes ?? 0)} + WAL ${MiB(s.walBytes ?? 0)}`;
}

async function churn(vacuum: boolean): Promise<void> {
  const label = vacuum ? "with vacuum   " : "without vacuum";
  const store = openSqliteStore({ path: join(dir, `churn-${vacuum}.db`) });
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => store.create(`/configmaps/default/cm-${i}`, configMap(i))));
  const afterCreate = sizes(store);
  const t0 = performance.now();
  let version = 0;
  // 16 writers updating round-robin: group commit as the API server sees it.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < updates) {
        const i = next++;
        await store.update(`/configmaps/default/cm-${i % 10_000}`, configMap(i % 10_000, ++version));
      }
    }),
  );
  const rate = updates / ((performance.now() - t0) / 1000);
  const afterUpdates = sizes(store);
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => store.delete(`/configmaps/default/cm-${i}`)));
  store.checkpoint();
  const afterDelete = sizes(store);
  let maintenance = "";
  if (vacuum) {
    // A writer that keeps going during the vacuum: its slowest write is the stall compaction causes.
    const latencies: number[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const t = performance.now();
        await store.create(`/configmaps/bench/w-${i}`, configMap(i));
        latencies.push(performance.now() - t);
      }
    })();
    const report = await store.maintain();
    stop = true;
    await writer;
    store.checkpoint();
    maintenance = `; vacuum: ${report.steps} steps, ${MiB(report.freedPages * 4096)} freed, longest step ${report.longestStepMs.toFixed(1)} ms; a writer meanwhile: ${latencies.length} writes, p50 ${percentile(latencies, 50).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`;
  }
  console.log(`churn ${label}: 10,000 created → ${afterCreate}; ${updates.toLocaleString("en")} updates at ${Math.round(rate).toLocaleString("en")}/s → ${afterUpdates}; all deleted → ${afterDelete}; after compaction → ${sizes(store)}${maintenance}`);
  await store.close();
}

type Target = "none" | "file" | "s3";

function replicaFor(target: Target) {
  if (target === "file") return { url: `file://${join(dir, "replica")}` };
  const m = /^(https?:\/\/[^/]+)\/([^/]+)$/.exec(process.env.BENCH_S3 ?? "");
  if (!m) throw new Error("BENCH_S3 must be http://HOST:PORT/BUCKET");
  return { url: `s3://${m[2]}/bench-${Date.now()}`, endpoint: m[1], accessKey: "test:tester", secretKey: "testing" };
}

async function throughput(target: Target): Promise<number> {
  const replicated = target !== "none";
  const dataDir = join(dir, `tp-${target}`);
  const dbPath = join(dataDir, "server", "db", "state.db");
  const replication = replicated ? await prepareReplication({ dataDir, dbPath, replica: replicaFor(target) }) : undefined;
  const store = openSqliteStore({ path: dbPath, walAutoCheckpoint: replicated ? 0 : 1000 });
  replication?.start();
  const lags: number[] = [];
  const lag = new ReplicaLag();
  let sampling = true;
  const sampler = (async () => {
    while (replication && sampling) {
      try {
        const p = parsePositions(await (await fetch(replication.metricsUrl)).text());
        if (p) lags.push(lag.observe(p, Date.now()));
      } catch {
        // not up yet
      }
      await Bun.sleep(100);
    }
  })();
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) {
        const i = n++;
        await store.create(`/configmaps/default/cm-${i}`, configMap(i));
      }
    }),
  );
  const rate = n / ((performance.now() - start) / 1000);
  sampling = false;
  await sampler;
  console.log(`writes ${replicated ? `replicated (${target}://)`.padEnd(20) : "not replicated      "}: ${Math.round(rate).toLocaleString("en")} writes/s (16 writers, ${n.toLocaleString("en")} objects)${replicated ? `; replica lag p50 ${percentile(lags, 50).toFixed(1)} s, p99 ${percentile(lags, 99).toFixed(1)} s, max ${Math.max(0, ...lags).toFixed(1)} s (${lags.length} samples)` : ""}`);
  await store.close();
  await replication?.stop();
  return rate;
}

async function snapshotAndRestore(): Promise<void> {
  const dataDir = join(dir, "restore");
  const dbPath = join(dataDir, "server", "db", "state.db");
  const replica = `file://${join(dir, "replica-restore")}`;
  const replication = await prepareReplication({ dataDir, dbPath, replica: { url: replica } });
  const store = openSqliteStore({ path: dbPath, walAutoCheckpoint: 0 });
  replication.start();
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => store.create(`/configmaps/default/cm-${i}`, configMap(i))));
  let t = performance.now();
  const snap = snapshotDatabase(dbPath, join(dataDir, "snapshot.db"));
  console.log(`snapshot of 10,000 objects: ${(performance.now() - t).toFixed(0)} ms, ${MiB(snap.bytes)}`);
  await Bun.sleep(2000); // let Litestream ship the last WAL
  await store.close();
  await replication.stop();
  const target = join(dir, "restored", "state.db");
  t = performance.now();
  await restoreBeside(join(dataDir, "server", "bin", "litestream-v0.3.13"), join(dataDir, "server", "db", "litestream.yml"), dbPath, target);
  const restoredIn = performance.now() - t;
  const reopened = openSqliteStore({ path: target });
  console.log(`restore of 10,000 objects from a file:// replica: ${restoredIn.toFixed(0)} ms (litestream restore), ${reopened.stats().keys} objects back`);
  await reopened.close();
}

/** `litestream restore -o TARGET DB`: what the server runs at start, into a path beside the original. */
async function restoreBeside(binary: string, config: string, db: string, target: string): Promise<void> {
  const p = Bun.spawn([binary, "restore", "-config", config, "-o", target, db], { stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`litestream restore failed: ${await new Response(p.stderr).text()}`);
}

try {
  await churn(false);
  await churn(true);
  const off = await throughput("none");
  const on = await throughput("file");
  console.log(`replication to file:// costs ${(100 * (1 - on / off)).toFixed(1)}% of write throughput`);
  if (process.env.BENCH_S3) {
    const s3 = await throughput("s3");
    console.log(`replication to S3 costs ${(100 * (1 - s3 / off)).toFixed(1)}% of write throughput`);
  }
  await snapshotAndRestore();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
