/**
 * Scheduler benchmark, in process: a control plane on a temp SQLite store (as the
 * integration tests make one), BENCH_NODES Node objects (Ready, 4 cpu / 16Gi / 110 pods)
 * created directly through the API's write path, then BENCH_PODS pods created at once
 * (64 writers). Measures pods bound per second from the first create to the last bind (and
 * from the first bind, scheduling alone), plus the process RSS — this process is the server.
 *
 *   bun bench/scheduler.ts          (BENCH_NODES=1000 BENCH_PODS=10000 BENCH_PROFILE=default|binpack)
 *   BENCH_HOLLOW=1 bun bench/scheduler.ts
 *
 * With BENCH_HOLLOW=1 the nodes are hollow agents in the same process (test/helpers/
 * hollow-cluster.ts, fake runtime) instead of bare Node objects, and the time from create to
 * Running is measured per pod as well (bench/controllers.ts does the same against the built
 * executable over HTTPS). Prints figures beside Kubernetes' anchor; no thresholds.
 */
import type { KubeObject } from "../src/model/object.ts";
import { listPrefix } from "../src/api/storage/keys.ts";
import { startTestApi } from "../test/helpers/api-harness.ts";
import { startHollowCluster } from "../test/helpers/hollow-cluster.ts";
import { fmt, rssMiB, summary } from "./lib/stats.ts";

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const PROFILE = process.env.BENCH_PROFILE ?? "default";
const HOLLOW = process.env.BENCH_HOLLOW === "1";
const WRITERS = 64;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);

const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

async function inParallel(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (next < count) await fn(next++);
  }));
}

function node(i: number): KubeObject {
  const name = `node-${String(i).padStart(4, "0")}`;
  const resources = { cpu: "4", memory: "16Gi", pods: "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    },
  };
}

/** Like scheduler_perf's pod-default: one container requesting 100m / 500Mi. */
function pod(i: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${i}`, namespace: "bench", labels: { app: "bench" } },
    spec: { containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "100m", memory: "500Mi" } } }] },
  };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(process.pid) || 0)), 250);
const started = performance.now();
// A /8 cluster CIDR has a /24 for each of thousands of nodes (the default /16 has 256).
const options = { schedulerProfile: PROFILE, controllerSettings: { clusterCidr: "10.0.0.0/8" } };
if (HOLLOW) progress(`starting ${NODES} hollow nodes`);
// Hollow nodes renew leases and report status every 10 s, as a quiet real cluster would.
const api = HOLLOW ? await startHollowCluster({ ...options, nodes: NODES, tuning: { leaseRenewMs: 10_000, statusCheckMs: 10_000 } }) : await startTestApi(options);
const hollowJoinMs = performance.now() - started;
try {
  const nodeDef = api.registry.find("", "v1", "nodes")!;
  const podDef = api.registry.find("", "v1", "pods")!;
  const nsDef = api.registry.find("", "v1", "namespaces")!;

  let t = performance.now();
  if (!HOLLOW) {
    progress(`creating ${NODES} nodes`);
    await inParallel(NODES, (i) => api.storage.create(nodeDef, undefined, node(i)));
  }
  const nodesMs = performance.now() - t;
  await api.storage.create(nsDef, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
  // A settled cluster: every node Ready, node-ipam has handed out every pod CIDR before the pods come.
  for (const deadline = performance.now() + TIMEOUT_MS; ; await Bun.sleep(100)) {
    const nodes = (await api.storage.list(nodeDef, undefined)).items;
    const ready = (n: KubeObject) => n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
    if (nodes.length >= NODES && nodes.every((n) => n.spec?.podCIDR && ready(n))) break;
    if (performance.now() > deadline) throw new Error("timed out waiting for pod CIDRs");
  }
  await Bun.sleep(500);
  const idleRss = rssMiB(process.pid);

  // Bind times come from the store's watch, which sees each write as it commits.
  const boundAt: number[] = [];
  const seen = new Set<string>();
  const sentAt = new Map<string, number>();
  const startup: number[] = [];
  const done = Promise.withResolvers<void>();
  const running = Promise.withResolvers<void>();
  if (!HOLLOW) running.resolve();
  const watchAbort = new AbortController();
  const list = await api.storage.list(podDef, "bench");
  const isRunning = new Set<string>();
  api.store.watch(listPrefix(podDef, "bench"), { fromRevision: Number(list.metadata.resourceVersion), signal: watchAbort.signal }, (ev) => {
    if (ev.type === "DELETED" || !ev.object.spec?.nodeName) return;
    if (!seen.has(ev.key)) {
      seen.add(ev.key);
      boundAt.push(performance.now());
      if (seen.size === PODS) done.resolve();
    }
    if (HOLLOW && ev.object.status?.phase === "Running" && !isRunning.has(ev.key)) {
      isRunning.add(ev.key);
      startup.push(performance.now() - (sentAt.get(ev.object.metadata.name!) ?? NaN));
      if (isRunning.size === PODS) running.resolve();
    }
  });

  progress(`creating ${PODS} pods`);
  const t0 = performance.now();
  let createdAt = 0;
  const creating = inParallel(PODS, (i) => {
    sentAt.set(`pod-${i}`, performance.now());
    return api.storage.create(podDef, "bench", pod(i));
  }).then(() => (createdAt = performance.now()));
  const timeout = setTimeout(() => {
    done.reject(new Error(`timed out: ${seen.size}/${PODS} bound`));
    running.reject(new Error(`timed out: ${isRunning.size}/${PODS} running`));
  }, TIMEOUT_MS);
  await Promise.all([creating, done.promise]);
  const boundDone = performance.now();
  await running.promise;
  const runningDone = performance.now();
  clearTimeout(timeout);
  watchAbort.abort();
  const last = boundAt[boundAt.length - 1]!;
  const first = boundAt[0]!;
  const perNode = new Map<string, number>();
  for (const p of (await api.storage.list(podDef, "bench")).items) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const counts = [...perNode.values()];

  console.log(`\nk3rs scheduler benchmark — ${NODES} ${HOLLOW ? "hollow nodes" : "Node objects"}, ${PODS} pods, profile ${PROFILE}, in process on ${navigator.hardwareConcurrency} cpu(s)\n`);
  line(`${NODES} ${HOLLOW ? "hollow nodes registered" : "Node objects created"}`, `${fmt((HOLLOW ? hollowJoinMs : nodesMs) / 1000, 2)} s`);
  line(`${PODS} pods created (64 writers)`, `${fmt((createdAt - t0) / 1000, 2)} s (${fmt(PODS / ((createdAt - t0) / 1000), 0)} pods/s)`);
  line("pods bound, first create → last bind", `${fmt((last - t0) / 1000, 2)} s`);
  line("throughput (first create → last bind)", `${fmt(PODS / ((last - t0) / 1000), 0)} pods/s`);
  line("throughput (first bind → last bind)", `${fmt((PODS - 1) / ((last - first) / 1000), 0)} pods/s`);
  if (HOLLOW) {
    const st = summary(startup);
    line("all pods Running, first create → last Running", `${fmt((runningDone - t0) / 1000, 2)} s (last bind at ${fmt((boundDone - t0) / 1000, 2)} s)`);
    line("pod startup create → Running p50 / p99", `${fmt(st.p50 / 1000, 2)} s / ${fmt(st.p99 / 1000, 2)} s`);
    line("  anchor: Kubernetes SLO", "p99 pod startup ≤ 5 s (stateless pods, images pre-pulled)");
  }
  line("pods per node (min / max)", `${Math.min(...counts)} / ${Math.max(...counts)} over ${perNode.size} nodes`);
  line("  anchor: Kubernetes scheduler_perf floor", "680 pods/s on 5,000 nodes (large machines)");
  line("  aim here", "≥ 1,000 pods/s with 1,000 nodes");
  line("server RSS idle with nodes / peak", `${fmt(idleRss, 0)} MiB / ${fmt(Math.max(peakRss, rssMiB(process.pid)), 0)} MiB`);
} finally {
  clearInterval(sampler);
  await api.close();
}
process.exit(0);
