/**
 * Cluster benchmark with hollow nodes: the built executable as server (`--disable-agent`) and
 * as `k3rs agent --simulate N` (fake runtime), driven over HTTPS like any client.
 *
 *   npm run build && bun bench/controllers.ts      (BENCH_NODES=1000 BENCH_PODS=10000 BENCH_REPLICAS=1000)
 *
 * Measures: hollow nodes joining; PODS pods created at once → bound (scheduler throughput) and
 * → Running (startup latency per pod, from our create to the Running status seen on a watch);
 * a REPLICAS-replica Deployment from apply to fully available, and a rolling update of it;
 * server and agent RSS. Prints figures beside Kubernetes' anchors; no thresholds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startE2EServer, K3RS_BIN } from "../test/helpers/e2e-server.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { fmt, rssMiB, summary } from "./lib/stats.ts";

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1000);
const CONCURRENCY = 64;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);

const line = (label: string, value: string) => console.log(`${label.padEnd(48)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

const server = await startE2EServer({ extraArgs: ["--cluster-cidr", "10.0.0.0/8"] });
const client = new RestClient(loadKubeconfig(server.kubeconfig));
const token = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
const peaks = { server: 0, agent: 0 };
let agentPid = 0;
const sampler = setInterval(() => {
  peaks.server = Math.max(peaks.server, rssMiB(server.proc.pid) || 0);
  if (agentPid) peaks.agent = Math.max(peaks.agent, rssMiB(agentPid) || 0);
}, 250);

async function until(what: string, fn: () => Promise<boolean>, everyMs = 200): Promise<number> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`timed out: ${what}`);
    await Bun.sleep(everyMs);
  }
  return performance.now() - t0;
}

async function inParallel<T>(items: T[], fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

try {
  // --- hollow nodes --------------------------------------------------------------------
  progress(`starting ${NODES} hollow nodes`);
  const t0 = performance.now();
  const agent = Bun.spawn([K3RS_BIN, "agent", "--server", `https://127.0.0.1:${server.port}`, "--token", token, "--simulate", String(NODES), "--node-name", "hollow", "--data-dir", join(server.dataDir, "agent-sim")], { stdout: "ignore", stderr: "pipe" });
  agentPid = agent.pid;
  await until("nodes Ready", async () => {
    const nodes = await client.request("/api/v1/nodes");
    return nodes.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")).length >= NODES;
  }, 500);
  const joinMs = performance.now() - t0;
  await Bun.sleep(1000);
  const idleServer = rssMiB(server.proc.pid);
  const idleAgent = rssMiB(agent.pid);

  // --- pods at once -------------------------------------------------------------------------
  progress(`creating ${PODS} pods`);
  const ns = "bench";
  await client.request("/api/v1/namespaces", { method: "POST", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
  const sentAt = new Map<string, number>();
  const boundAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const watchAbort = new AbortController();
  const list = await client.request(`/api/v1/namespaces/${ns}/pods`);
  const watching = (async () => {
    for await (const ev of client.watch(`/api/v1/namespaces/${ns}/pods`, { signal: watchAbort.signal, query: { resourceVersion: list.metadata.resourceVersion } })) {
      const p = ev.object;
      const name = p.metadata?.name;
      if (p.spec?.nodeName && !boundAt.has(name)) boundAt.set(name, performance.now());
      if (p.status?.phase === "Running" && !runningAt.has(name)) runningAt.set(name, performance.now());
    }
  })().catch(() => {});
  const names = Array.from({ length: PODS }, (_, i) => `p-${i}`);
  const tCreate = performance.now();
  await inParallel(names, async (name) => {
    sentAt.set(name, performance.now());
    await client.request(`/api/v1/namespaces/${ns}/pods`, {
      method: "POST",
      body: { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "burst" } }, spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
    });
  });
  const createMs = performance.now() - tCreate;
  await until("pods bound", async () => boundAt.size >= PODS, 100);
  const bindSeconds = (Math.max(...boundAt.values()) - tCreate) / 1000;
  await until("pods Running", async () => runningAt.size >= PODS, 100);
  const allRunningMs = Math.max(...runningAt.values()) - tCreate;
  const startup = summary(names.map((n) => runningAt.get(n)! - sentAt.get(n)!));
  const busyServer = rssMiB(server.proc.pid);
  const busyAgent = rssMiB(agent.pid);

  progress("deleting the pods");
  const tDelete = performance.now();
  await client.request(`/api/v1/namespaces/${ns}/pods`, { method: "DELETE" });
  await until("pods gone", async () => (await client.request(`/api/v1/namespaces/${ns}/pods`, { query: { limit: 1 } })).items.length === 0, 250);
  const deleteMs = performance.now() - tDelete;
  watchAbort.abort();
  await watching;

  // --- deployment ------------------------------------------------------------------------------
  progress(`deployment of ${REPLICAS}`);
  const deployment = (env: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: ns },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "busybox", env: [{ name: "V", value: env }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } },
    },
  });
  const dPath = `/apis/apps/v1/namespaces/${ns}/deployments`;
  const done = async () => {
    const d = await client.request(`${dPath}/web`);
    const s = d.status ?? {};
    return s.observedGeneration >= d.metadata.generation && s.updatedReplicas === REPLICAS && s.availableReplicas === REPLICAS && s.replicas === REPLICAS;
  };
  let deployMs = NaN;
  let rolloutMs = NaN;
  try {
    await client.request(dPath, { method: "POST", body: deployment("1") });
    deployMs = await until("deployment available", done, 200);
    await client.request(`${dPath}/web`, { method: "PATCH", contentType: "application/merge-patch+json", body: { spec: { template: { spec: { containers: [{ name: "web", image: "busybox", env: [{ name: "V", value: "2" }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } } } } });
    rolloutMs = await until("rollout finished", done, 200);
  } catch (e) {
    progress(`deployment: ${(e as Error).message}`);
  }

  clearInterval(sampler);
  console.log(`k3rs cluster benchmark: ${NODES} hollow nodes (one agent process, fake runtime), server and agent on one 2-core VM`);
  line("hollow nodes registered and Ready", `${fmt(joinMs / 1000)} s`);
  line(`${PODS} pods: create calls (${CONCURRENCY} clients)`, `${fmt(createMs / 1000)} s (${fmt(PODS / (createMs / 1000), 0)} creates/s)`);
  line(`${PODS} pods: scheduling throughput`, `${fmt(PODS / bindSeconds, 0)} pods/s bound   (anchor: scheduler_perf floor 680 pods/s on 5,000 nodes; aim ≥ 1,000)`);
  line(`${PODS} pods: all Running after`, `${fmt(allRunningMs / 1000)} s`);
  line("pod startup (create → Running) p50 / p99", `${fmt(startup.p50 / 1000, 2)} / ${fmt(startup.p99 / 1000, 2)} s   (anchor: Kubernetes SLO p99 ≤ 5 s; here all ${PODS} at once)`);
  line(`${PODS} pods: delete collection → gone`, `${fmt(deleteMs / 1000)} s`);
  line(`deployment of ${REPLICAS}: apply → available`, Number.isFinite(deployMs) ? `${fmt(deployMs / 1000)} s` : "did not finish");
  line(`deployment of ${REPLICAS}: rolling update`, Number.isFinite(rolloutMs) ? `${fmt(rolloutMs / 1000)} s` : "did not finish");
  line("server RSS idle / with pods / peak", `${fmt(idleServer)} / ${fmt(busyServer)} / ${fmt(peaks.server)} MiB   (anchor: K3s server ≈ 1.5 GB)`);
  line(`agent RSS (${NODES} hollow nodes) idle / busy / peak`, `${fmt(idleAgent)} / ${fmt(busyAgent)} / ${fmt(peaks.agent)} MiB`);
  agent.kill("SIGTERM");
  await agent.exited;
} finally {
  clearInterval(sampler);
  await server.stop();
}
