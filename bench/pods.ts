/**
 * Real pod benchmark: the built executable as server (`--disable-agent`) and as one
 * `k3rs agent` process running pods on its own containerd (root, containerd/runc/CNI
 * installed; the busybox test image is imported from the agent's images dir, nothing is
 * pulled).
 *
 *   npm run build && bun bench/pods.ts
 *
 *   BENCH_BURST=30          pods per burst
 *   BENCH_ROUNDS=2          bursts through k3rs, each followed by one straight through the CRI
 *   BENCH_NAME=bench        node name and data dir prefix (helpers sharing a box: their own)
 *   BENCH_CLUSTER_CIDR=…    the server's --cluster-cidr (the node gets its first /24)
 *   BENCH_AGENT_BIN=…       another executable for the agent (A/B of two builds; the server stays bin/k3rs)
 *   BENCH_AGENT_BUN_OPTIONS=--smol   Bun's options for the agent process only (BUN_OPTIONS)
 *   BENCH_CRI_CONCURRENCY=N also a CRI-direct burst per round with at most N pods in the making
 *                           at once (default: the agent's own bound, agent/pods/start-gate.ts; 0: no such burst)
 *
 * Measures pod startup (create → Running seen on a watch; image present) for 1 pod and for
 * BURST pods at once, delete latency (delete → gone), and RSS of the agent, its containerd and
 * the server with 0 and with BURST pods. Each k3rs burst is followed by the same number of
 * sandboxes + containers made straight through the CRI on the agent's containerd, all at once
 * and as many at a time as the agent starts (bench/lib/cri-burst.ts): the limits k3rs is held against. k3rs's time per pod is
 * split into phases from the agent's startup trace (agent/pods/startup-trace.ts, --debug).
 * Prints the load average beside the timings (they move with it), the CPU time a burst costs
 * each process per pod (which moves far less: bench/lib/cpu-time.ts), and
 * Kubernetes' and K3s's anchors; no thresholds.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { containerdSocketPath } from "../src/agent/containerd/config.ts";
import { criBurst, type CriPodTiming } from "./lib/cri-burst.ts";
import { CriClient } from "../src/agent/cri/cri-client.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startE2EServer, K3RS_BIN } from "../test/helpers/e2e-server.ts";
import { addSafetyRoutes, CAN_RUN_PODS, cleanupRealNode } from "../test/helpers/real-node.ts";
import { ensureTestImages } from "../test/helpers/test-images.ts";
import { bridgeNameFor } from "../src/agent/cni/cni-config.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { fmt, rssMiB, summary } from "./lib/stats.ts";
import { cpuMs, cpuMsOfAll } from "./lib/cpu-time.ts";
import { startConcurrencyFor } from "../src/agent/pods/start-gate.ts";

const BURST = Number(process.env.BENCH_BURST ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const NAME = process.env.BENCH_NAME ?? "bench";
const CLUSTER_CIDR = process.env.BENCH_CLUSTER_CIDR;
const AGENT_BIN = process.env.BENCH_AGENT_BIN ?? K3RS_BIN;
const AGENT_BUN_OPTIONS = process.env.BENCH_AGENT_BUN_OPTIONS;
/** A second CRI-direct burst per round, at most this many pods at once: by default the agent's own start bound; 0: none. */
const CRI_BOUND = Number(process.env.BENCH_CRI_CONCURRENCY ?? startConcurrencyFor(navigator.hardwareConcurrency)) || undefined;
const NODE = `${NAME}-node`;
/** RSS split into anonymous memory (heap, JIT, malloc) and pages of the executable and other files. */
function rssSplit(pid: number): string {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(t)?.[1] ?? 0);
    return `anon ${fmt(kib("Anonymous") / 1024)} + file ${fmt((kib("Rss") - kib("Anonymous")) / 1024)}`;
  } catch {
    return "n/a";
  }
}
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const line = (label: string, value: string) => console.log(`${label.padEnd(50)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

if (!CAN_RUN_PODS) {
  console.error("bench/pods.ts runs real pods: it needs root and containerd, runc and the CNI plugins (apt-get install containerd runc containernetworking-plugins)");
  process.exit(1);
}

await addSafetyRoutes();
const images = await ensureTestImages();
const server = await startE2EServer({ dataDir: mkdtempSync(join(tmpdir(), `${NAME}-server-`)), extraArgs: CLUSTER_CIDR ? ["--cluster-cidr", CLUSTER_CIDR] : [] });
const client = new RestClient(loadKubeconfig(server.kubeconfig));
const token = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
const agentDir = mkdtempSync(join(tmpdir(), `${NAME}-agent-`));
mkdirSync(join(agentDir, "agent", "images"), { recursive: true });
copyFileSync(images.busybox, join(agentDir, "agent", "images", "busybox.tar"));
const agent = Bun.spawn([AGENT_BIN, "agent", "--server", `https://127.0.0.1:${server.port}`, "--token", token, "--node-name", NODE, "--data-dir", agentDir, "--debug"], {
  stdout: "ignore", stderr: "pipe",
  // Bun's own options for the agent alone (e.g. --smol: JSC's small heap), to weigh memory against speed.
  env: AGENT_BUN_OPTIONS ? { ...process.env, BUN_OPTIONS: AGENT_BUN_OPTIONS } : process.env,
});
const containerdPid = () => Number(readFileSync(join(agentDir, "agent", "containerd", "containerd.pid"), "utf8").trim());
const containerdSocket = containerdSocketPath(join(agentDir, "agent", "containerd"));

/** CPU ms a burst costs each process, from its start until every pod runs; shims count whole (all are new). */
interface BurstCpu { agent: number; server: number; containerd: number; shims: number; client: number }
function cpuSnapshot(): BurstCpu {
  const self = process.cpuUsage();
  return {
    agent: cpuMs(agent.pid, true), server: cpuMs(server.proc.pid, true),
    // Its CNI plugins are children it waits for: counted here.
    containerd: cpuMs(containerdPid(), true), shims: cpuMsOfAll(containerdSocket),
    client: (self.user + self.system) / 1000,
  };
}
function cpuSince(before: BurstCpu): BurstCpu {
  const now = cpuSnapshot();
  return { agent: now.agent - before.agent, server: now.server - before.server, containerd: now.containerd - before.containerd, shims: now.shims, client: now.client - before.client };
}
const ns = NAME;

/** The agent's startup traces by pod (namespace/name); its stderr is read all along so it never blocks. */
const traces = new Map<string, Record<string, number>>();
void (async () => {
  let rest = "";
  for await (const chunk of agent.stderr as ReadableStream<Uint8Array>) {
    const lines = (rest + new TextDecoder().decode(chunk)).split("\n");
    rest = lines.pop()!;
    for (const l of lines) {
      if (!l.includes('"agent: pod startup"')) continue;
      try {
        const e = JSON.parse(l);
        traces.set(e.pod, e);
      } catch {}
    }
  }
})();

async function until(what: string, fn: () => Promise<boolean>, everyMs = 50, timeoutMs = 180_000): Promise<void> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await Bun.sleep(everyMs);
  }
}

/** Creates `n` pods at once; returns each one's create → Running and the delete → gone time. */
async function round(prefix: string, n: number): Promise<{ startup: number[]; deleteMs: number; busy: { agent: number; agentSplit: string; containerd: number; server: number }; settledAgent: number; phases: Record<string, number[]>; load: string; cpu: BurstCpu }> {
  const sentAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const scheduledAt = new Map<string, number>();
  const list = await client.request(`/api/v1/namespaces/${ns}/pods`);
  const abort = new AbortController();
  const watching = (async () => {
    for await (const ev of client.watch(`/api/v1/namespaces/${ns}/pods`, { signal: abort.signal, query: { resourceVersion: list.metadata.resourceVersion } })) {
      const p = ev.object;
      if (p.spec?.nodeName && !scheduledAt.has(p.metadata.name)) scheduledAt.set(p.metadata.name, Date.now());
      if (p.status?.phase === "Running" && !runningAt.has(p.metadata.name)) runningAt.set(p.metadata.name, Date.now());
    }
  })().catch(() => {});
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const cpuBefore = cpuSnapshot();
  await Promise.all(names.map(async (name) => {
    sentAt.set(name, Date.now());
    await client.request(`/api/v1/namespaces/${ns}/pods`, {
      method: "POST",
      body: { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { round: prefix } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "busybox", imagePullPolicy: "Never", command: ["sleep", "3600"] }] } },
    });
  }));
  await until(`${n} pods Running`, async () => runningAt.size >= n);
  const cpu = cpuSince(cpuBefore);
  const load = loadavg();
  await Bun.sleep(1000);
  const busy = { agent: rssMiB(agent.pid), agentSplit: rssSplit(agent.pid), containerd: rssMiB(containerdPid()), server: rssMiB(server.proc.pid) };
  // And once the burst's garbage has had time to be collected: the steady state with n pods.
  await Bun.sleep(Number(process.env.BENCH_SETTLE_MS ?? 15_000));
  const settledAgent = rssMiB(agent.pid);
  const t0 = performance.now();
  await client.request(`/api/v1/namespaces/${ns}/pods`, { method: "DELETE", query: { labelSelector: `round=${prefix}` } });
  await until("pods gone", async () => (await client.request(`/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: `round=${prefix}` } })).items.length === 0);
  const deleteMs = performance.now() - t0;
  abort.abort();
  await watching;
  const phases: Record<string, number[]> = {};
  const add = (phase: string, ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms)) (phases[phase] ??= []).push(ms);
  };
  for (const nm of names) {
    const t = traces.get(`${ns}/${nm}`);
    const sent = sentAt.get(nm)!;
    add("create → scheduled (seen on the bench's watch)", scheduledAt.get(nm)! - sent);
    if (!t) continue;
    add("create → the agent's pod worker starts", t.seen! - sent);
    add("worker → RunPodSandbox called (volumes, start slot)", t.sandboxStart! - t.seen!);
    add("sandbox: RunPodSandbox + status (CNI inside)", t.sandboxDone! - t.sandboxStart!);
    add("sandbox → container work (next pass, relists)", t.containerStart! - t.sandboxDone!);
    add("image check", t.imageDone! - t.containerStart!);
    add("config + waiting for a start slot", t.createStart! - t.imageDone!);
    add("create: CreateContainer", t.createDone! - t.createStart!);
    add("start: StartContainer", t.startDone! - t.createDone!);
    add("status: relist + PATCH pods/status", t.statusDone! - t.startDone!);
    add("status written → Running seen on the watch", runningAt.get(nm)! - t.statusDone!);
  }
  return { startup: names.map((nm) => runningAt.get(nm)! - sentAt.get(nm)!), deleteMs, busy, settledAgent, phases, load, cpu };
}

async function criRound(prefix: string, n: number, concurrency?: number): Promise<{ timings: CriPodTiming[]; load: string; cpu: BurstCpu }> {
  const endpoint = `unix://${containerdSocketPath(join(agentDir, "agent", "containerd"))}`;
  // The k3rs burst's pods are gone from the API before their sandboxes are torn down (CNI DEL
  // included): start only when containerd holds none of them, so the two do not overlap.
  const cri = new CriClient(endpoint);
  try {
    await until("the k3rs burst's sandboxes removed", async () => {
      const { items } = await cri.call("RuntimeService", "ListPodSandbox", {});
      return !items.some((s: any) => s.metadata?.namespace === ns);
    }, 200);
  } finally {
    cri.close();
  }
  await Bun.sleep(1000);
  const before = cpuSnapshot();
  let cpu!: BurstCpu;
  const timings = await criBurst({
    concurrency,
    onAllStarted: () => (cpu = cpuSince(before)),
    endpoint,
    logRoot: join(agentDir, "cri-direct-logs"),
    namespace: `${ns}-cri`, prefix, count: n, image: "docker.io/library/busybox:latest", command: ["sleep", "3600"],
  });
  return { timings, load: loadavg(), cpu };
}

let podCidr: string | undefined;
try {
  progress("waiting for the node");
  await until("node Ready", async () => {
    const n = await client.request(`/api/v1/nodes/${NODE}`).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") ?? false;
  }, 200);
  await client.request("/api/v1/namespaces", { method: "POST", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
  await client.request(`/api/v1/namespaces/${ns}/serviceaccounts/default`).catch(() => Bun.sleep(500));
  await Bun.sleep(1000);
  const idle = { agent: rssMiB(agent.pid), agentSplit: rssSplit(agent.pid), containerd: rssMiB(containerdPid()), server: rssMiB(server.proc.pid) };

  progress("warm-up pod");
  await round("warm", 1);
  progress("1 pod");
  const single: number[] = [];
  let singleDelete = 0;
  for (let i = 0; i < 5; i++) {
    const r = await round(`one${i}`, 1);
    single.push(...r.startup);
    singleDelete = Math.max(singleDelete, r.deleteMs);
  }
  const bursts: Awaited<ReturnType<typeof round>>[] = [];
  const direct: Awaited<ReturnType<typeof criRound>>[] = [];
  const bounded: Awaited<ReturnType<typeof criRound>>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    progress(`${BURST} pods at once through k3rs (round ${r + 1})`);
    bursts.push(await round(`burst${r}`, BURST));
    progress(`${BURST} sandboxes + containers straight through the CRI (round ${r + 1})`);
    direct.push(await criRound(`cri${r}`, BURST));
    if (CRI_BOUND) {
      progress(`${BURST} straight through the CRI, ${CRI_BOUND} at a time (round ${r + 1})`);
      bounded.push(await criRound(`crib${r}`, BURST, CRI_BOUND));
    }
  }
  const burst = bursts.at(-1)!;

  const s1 = summary(single);
  const sb = summary(bursts.flatMap((b) => b.startup));
  const sd = summary(direct.flatMap((d) => d.timings.map((t) => t.totalMs)));
  console.log(`\nk3rs real pod benchmark — containerd ${"(agent's own)"}, runc, CNI bridge, busybox image present; server and agent on one ${navigator.hardwareConcurrency}-core VM\n`);
  line("agent executable", `${AGENT_BIN}${AGENT_BUN_OPTIONS ? ` (BUN_OPTIONS=${AGENT_BUN_OPTIONS})` : ""}`);
  line("load average (1/5/15 min) at the end", loadavg());
  line("1 pod: create → Running p50 / p99 (5 runs)", `${fmt(s1.p50, 0)} / ${fmt(s1.p99, 0)} ms`);
  line(`${BURST} pods at once: create → Running p50 / p99`, `${fmt(sb.p50, 0)} / ${fmt(sb.p99, 0)} ms   (aim: p50 < 1 s, p99 < 2 s; anchor: Kubernetes SLO p99 ≤ 5 s)`);
  line(`${BURST} straight through the CRI: start → started p50 / p99`, `${fmt(sd.p50, 0)} / ${fmt(sd.p99, 0)} ms   (the limit on this box)`);
  line(`k3rs ÷ CRI-direct, p50 / p99`, `${fmt(sb.p50 / sd.p50, 2)}× / ${fmt(sb.p99 / sd.p99, 2)}×   (aim ≤ 1.2×)`);
  if (CRI_BOUND) {
    const sc = summary(bounded.flatMap((d) => d.timings.map((t) => t.totalMs)));
    line(`${BURST} through the CRI, ${CRI_BOUND} at a time: p50 / p99`, `${fmt(sc.p50, 0)} / ${fmt(sc.p99, 0)} ms   (k3rs ÷ this: ${fmt(sb.p50 / sc.p50, 2)}× / ${fmt(sb.p99 / sc.p99, 2)}×)`);
  }
  for (let r = 0; r < ROUNDS; r++) {
    const k = summary(bursts[r]!.startup);
    const d = summary(direct[r]!.timings.map((t) => t.totalMs));
    const b = CRI_BOUND ? summary(bounded[r]!.timings.map((t) => t.totalMs)) : undefined;
    line(`  round ${r + 1}: k3rs p50/p99 | CRI p50/p99${b ? " | bounded" : ""}`, `${fmt(k.p50, 0)}/${fmt(k.p99, 0)} ms (load ${bursts[r]!.load}) | ${fmt(d.p50, 0)}/${fmt(d.p99, 0)} ms (load ${direct[r]!.load})${b ? ` | ${fmt(b.p50, 0)}/${fmt(b.p99, 0)} ms` : ""}`);
  }
  // What each process spends per pod: it moves far less with the box's load than wall-clock time does.
  const perPod = (runs: { cpu: BurstCpu }[], pick: (c: BurstCpu) => number) => runs.reduce((sum, r) => sum + pick(r.cpu), 0) / (runs.length * BURST);
  const k3rsCpu = (c: BurstCpu) => c.agent + c.server + c.containerd + c.shims;
  const criCpu = (c: BurstCpu) => c.client + c.containerd + c.shims;
  console.log(`\nCPU time per pod of a burst (ms, create → all Running; the bench's own client aside):`);
  line("  k3rs: agent + server + containerd (CNI in) + shims (runc in)", `${fmt(perPod(bursts, (c) => c.agent), 0)} + ${fmt(perPod(bursts, (c) => c.server), 0)} + ${fmt(perPod(bursts, (c) => c.containerd), 0)} + ${fmt(perPod(bursts, (c) => c.shims), 0)} = ${fmt(perPod(bursts, k3rsCpu), 0)}`);
  line("  CRI-direct: client + containerd (CNI in) + shims (runc in)", `${fmt(perPod(direct, (c) => c.client), 0)} + ${fmt(perPod(direct, (c) => c.containerd), 0)} + ${fmt(perPod(direct, (c) => c.shims), 0)} = ${fmt(perPod(direct, criCpu), 0)}   (k3rs ÷ this: ${fmt(perPod(bursts, k3rsCpu) / perPod(direct, criCpu), 2)}×)`);
  console.log(`\nwhere a k3rs burst pod's time goes (p50 / p99 over ${ROUNDS} × ${BURST} pods), beside the same calls made directly:`);
  const phases: Record<string, number[]> = {};
  for (const b of bursts) for (const [k, v] of Object.entries(b.phases)) (phases[k] ??= []).push(...v);
  for (const [k, v] of Object.entries(phases)) {
    const s = summary(v);
    line(`  ${k}`, `${fmt(s.p50, 0)} / ${fmt(s.p99, 0)} ms`);
  }
  const direct1 = direct.flatMap((d) => d.timings);
  for (const [label, pick] of [["RunPodSandbox", (t: CriPodTiming) => t.sandboxMs], ["CreateContainer", (t: CriPodTiming) => t.createMs], ["StartContainer", (t: CriPodTiming) => t.startMs]] as const) {
    const s = summary(direct1.map(pick));
    line(`  CRI-direct ${label}`, `${fmt(s.p50, 0)} / ${fmt(s.p99, 0)} ms`);
  }
  console.log("");
  line("delete → gone: 1 pod (worst of 5) / all of the burst", `${fmt(singleDelete, 0)} / ${fmt(burst.deleteMs, 0)} ms`);
  line(`agent RSS with 0 / ${BURST} pods`, `${fmt(idle.agent)} / ${fmt(burst.busy.agent)} MiB   (aim < 60 MiB with 30 pods; anchor: K3s agent ≈ 275 MB)`);
  line(`  agent RSS with ${BURST} pods, ${Number(process.env.BENCH_SETTLE_MS ?? 15_000) / 1000} s later`, `${fmt(burst.settledAgent)} MiB`);
  line(`  agent RSS split, 0 pods | ${BURST} pods`, `${idle.agentSplit} | ${burst.busy.agentSplit} MiB`);
  line(`its containerd RSS with 0 / ${BURST} pods`, `${fmt(idle.containerd)} / ${fmt(burst.busy.containerd)} MiB`);
  line(`server RSS with 0 / ${BURST} pods`, `${fmt(idle.server)} / ${fmt(burst.busy.server)} MiB   (anchor: K3s server ≈ 1.5 GB)`);
} finally {
  podCidr = (await client.request(`/api/v1/nodes/${NODE}`).catch(() => undefined))?.spec?.podCIDR;
  await client.request(`/api/v1/namespaces/${ns}`, { method: "DELETE" }).catch(() => undefined);
  agent.kill("SIGTERM");
  await agent.exited;
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
  await cleanupRealNode({ dataDir: agentDir, bridge: bridgeNameFor(agentDir), podCidr: podCidr ?? "10.42.0.0/24" });
}
