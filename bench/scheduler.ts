/**
 * Scheduler benchmark, in process: a control plane on a temp SQLite store (as the
 * integration tests make one), BENCH_NODES Node objects (Ready, 4 cpu / 16Gi / 110 pods)
 * created directly through the API's write path, then BENCH_PODS pods created at once
 * (64 writers). Measures pods bound per second from the first create to the last bind (and
 * from the first bind, scheduling alone), plus the process RSS — this process is the server.
 *
 *   bun bench/scheduler.ts          (BENCH_NODES=1000 BENCH_PODS=10000 BENCH_PROFILE=default|binpack)
 *
 * Prints figures beside Kubernetes' anchor; no thresholds.
 *
 * TODO(hollow nodes): also run the nodes as hollow agents (test/helpers/hollow-cluster.ts,
 * `startHollowCluster({ nodes })`) and time create → Running per pod; bench/controllers.ts
 * measures that today against the built executable.
 */
import type { KubeObject } from "../src/model/object.ts";
import { listPrefix } from "../src/api/storage/keys.ts";
import { startTestApi } from "../test/helpers/api-harness.ts";
import { fmt, rssMiB } from "./lib/stats.ts";

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const PROFILE = process.env.BENCH_PROFILE ?? "default";
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
// A /8 cluster CIDR has a /24 for each of thousands of nodes (the default /16 has 256).
const api = await startTestApi({ schedulerProfile: PROFILE, controllerSettings: { clusterCidr: "10.0.0.0/8" } });
try {
  const nodeDef = api.registry.find("", "v1", "nodes")!;
  const podDef = api.registry.find("", "v1", "pods")!;
  const nsDef = api.registry.find("", "v1", "namespaces")!;

  progress(`creating ${NODES} nodes`);
  let t = performance.now();
  await inParallel(NODES, (i) => api.storage.create(nodeDef, undefined, node(i)));
  const nodesMs = performance.now() - t;
  await api.storage.create(nsDef, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
  // A settled cluster: node-ipam has handed out every pod CIDR before the pods come.
  for (const deadline = performance.now() + TIMEOUT_MS; ; await Bun.sleep(100)) {
    const nodes = (await api.storage.list(nodeDef, undefined)).items;
    if (nodes.every((n) => n.spec?.podCIDR)) break;
    if (performance.now() > deadline) throw new Error("timed out waiting for pod CIDRs");
  }
  await Bun.sleep(500);
  const idleRss = rssMiB(process.pid);

  // Bind times come from the store's watch, which sees each write as it commits.
  const boundAt: number[] = [];
  const seen = new Set<string>();
  const done = Promise.withResolvers<void>();
  const watchAbort = new AbortController();
  const list = await api.storage.list(podDef, "bench");
  api.store.watch(listPrefix(podDef, "bench"), { fromRevision: Number(list.metadata.resourceVersion), signal: watchAbort.signal }, (ev) => {
    if (ev.type === "DELETED" || !ev.object.spec?.nodeName || seen.has(ev.key)) return;
    seen.add(ev.key);
    boundAt.push(performance.now());
    if (seen.size === PODS) done.resolve();
  });

  progress(`creating ${PODS} pods`);
  const t0 = performance.now();
  let createdAt = 0;
  const creating = inParallel(PODS, (i) => api.storage.create(podDef, "bench", pod(i))).then(() => (createdAt = performance.now()));
  const timeout = setTimeout(() => done.reject(new Error(`timed out: ${seen.size}/${PODS} bound`)), TIMEOUT_MS);
  await Promise.all([creating, done.promise]);
  clearTimeout(timeout);
  watchAbort.abort();
  const last = boundAt[boundAt.length - 1]!;
  const first = boundAt[0]!;
  const perNode = new Map<string, number>();
  for (const p of (await api.storage.list(podDef, "bench")).items) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const counts = [...perNode.values()];

  console.log(`\nk3rs scheduler benchmark — ${NODES} nodes, ${PODS} pods, profile ${PROFILE}, in process on ${navigator.hardwareConcurrency} cpu(s)\n`);
  line(`${NODES} Node objects created`, `${fmt(nodesMs / 1000, 2)} s`);
  line(`${PODS} pods created (64 writers)`, `${fmt((createdAt - t0) / 1000, 2)} s (${fmt(PODS / ((createdAt - t0) / 1000), 0)} pods/s)`);
  line("pods bound, first create → last bind", `${fmt((last - t0) / 1000, 2)} s`);
  line("throughput (first create → last bind)", `${fmt(PODS / ((last - t0) / 1000), 0)} pods/s`);
  line("throughput (first bind → last bind)", `${fmt((PODS - 1) / ((last - first) / 1000), 0)} pods/s`);
  line("pods per node (min / max)", `${Math.min(...counts)} / ${Math.max(...counts)} over ${perNode.size} nodes`);
  line("  anchor: Kubernetes scheduler_perf floor", "680 pods/s on 5,000 nodes (large machines)");
  line("  aim here", "≥ 1,000 pods/s with 1,000 nodes");
  line("server RSS idle with nodes / peak", `${fmt(idleRss, 0)} MiB / ${fmt(Math.max(peakRss, rssMiB(process.pid)), 0)} MiB`);
} finally {
  clearInterval(sampler);
  await api.close();
}
process.exit(0);
