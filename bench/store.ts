/**
 * Store benchmark: durable writes/s at 1, 16 and 64 concurrent writers of ~1 KB objects,
 * list latency over 10k objects, and memory. Prints figures only; no thresholds.
 *
 *   bun bench/store.ts [seconds per writer level, default 3]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../src/model/object.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";

const seconds = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-store-"));

function pod(i: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${i}`, namespace: "default", uid: crypto.randomUUID(), labels: { app: "web", shard: String(i % 10) }, creationTimestamp: new Date().toISOString() },
    spec: { nodeName: "node-1", containers: [{ name: "app", image: "registry.local/app:1.0", command: ["/bin/app", "--port=8080"], resources: { requests: { cpu: "100m", memory: "64Mi" } } }], pad: "x".repeat(560) },
    status: { phase: "Running", podIP: `10.42.0.${i % 250}`, conditions: [{ type: "Ready", status: "True" }] },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function writes(concurrency: number): Promise<void> {
  const path = join(dir, `writes-${concurrency}.db`);
  let commits = 0;
  const store = openSqliteStore({ path, onCommit: () => commits++ });
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = n++;
        await store.create(`/pods/default/pod-${i}`, pod(i));
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  console.log(`writes  concurrency=${String(concurrency).padStart(2)}  ${Math.round(n / elapsed).toLocaleString("en").padStart(7)} writes/s  (${n} writes, ${commits} transactions, ${(n / commits).toFixed(1)} writes/transaction)`);
  await store.close();
}

async function lists(): Promise<void> {
  const path = join(dir, "list.db");
  const store = openSqliteStore({ path });
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => store.create(`/pods/default/pod-${String(i).padStart(5, "0")}`, pod(i))));
  await store.create("/pods/other/pod-0", pod(0));
  const bytes = (await store.list("/pods/default/")).items.reduce((sum, i) => sum + JSON.stringify(i.object).length, 0);
  console.log(`list    10,000 objects, ${(bytes / 10_000).toFixed(0)} bytes each on average`);

  const cases: [string, () => Promise<unknown>][] = [
    ["list all 10k", () => store.list("/pods/default/")],
    ["list all 10k + JSON.stringify (≈ API response)", async () => JSON.stringify({ items: (await store.list("/pods/default/")).items.map((i) => i.object) })],
    ["list 10k with a label filter (1 in 10 match)", () => store.list("/pods/default/", { filter: (o) => o.metadata.labels?.shard === "3" })],
    ["list page of 500 (limit)", () => store.list("/pods/default/", { limit: 500, afterKey: "/pods/default/pod-05000" })],
    ["get one", () => store.get("/pods/default/pod-04242")],
  ];
  for (const [name, run] of cases) {
    Bun.gc(true); // start each case from a collected heap; collections during it still count
    const times: number[] = [];
    const runs = name.startsWith("get") ? 10_000 : 50;
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`        ${name.padEnd(48)} p50 ${percentile(times, 50).toFixed(3)} ms  p99 ${percentile(times, 99).toFixed(3)} ms`);
  }

  Bun.gc(true);
  const mem = process.memoryUsage();
  console.log(`memory  with 10k objects cached: rss ${(mem.rss / 2 ** 20).toFixed(1)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(1)} MiB; store ${(store.stats().sizeBytes / 2 ** 20).toFixed(1)} MiB on disk`);
  await store.close();

  // A fresh process's view: open the file and load the cache, nothing else.
  const t = performance.now();
  const reopened = openSqliteStore({ path });
  console.log(`open    reopen with 10k objects (load into memory): ${(performance.now() - t).toFixed(1)} ms`);
  await reopened.close();
}

try {
  Bun.gc(true);
  console.log(`baseline rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB (bun ${Bun.version})`);
  for (const c of [1, 16, 64]) await writes(c);
  await lists();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
