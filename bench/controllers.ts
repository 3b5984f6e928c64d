/**
 * Cluster benchmark with hollow nodes: the built executable as server (`--disable-agent`) and
 * as `k3rs agent --simulate N` (fake runtime), driven over HTTPS like any client.
 *
 *   npm run build && bun bench/controllers.ts      (BENCH_NODES=1000 BENCH_PODS=10000 BENCH_REPLICAS=1000)
 *
 * Measures: hollow nodes joining; PODS pods created at once (CONCURRENCY clients whose
 * connections are already open) → bound (pods/s from the first create to the last bind) and →
 * Running (startup latency per pod, from our create to the Running status seen on a watch),
 * each pod's time split by phase; server and agent RSS and the CPU each spent, the API requests
 * and store writes a pod cost; a REPLICAS-replica Deployment from apply to fully available and a
 * rolling update of it (BENCH_REPLICAS=0 skips it). Prints figures beside Kubernetes' anchors
 * and the machine's load average (the box is shared); no thresholds.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { startE2EServer, K3RS_BIN } from "../test/helpers/e2e-server.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { StatusError } from "../src/model/errors.ts";
import { cpuMs, systemCpuMs } from "./lib/cpu-time.ts";
import { fmt, rssMiB, summary, tcpPassiveOpens } from "./lib/stats.ts";

const cpuSeconds = (pid: number) => cpuMs(pid) / 1000;
const systemSeconds = (pid: number) => systemCpuMs(pid) / 1000;

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1000);
const CONCURRENCY = 64;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);

const line = (label: string, value: string) => console.log(`${label.padEnd(48)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(" ");
// BENCH_AGENT_BIN likewise for the hollow nodes' agent.
// BENCH_SERVER_BIN: another server executable (a profiling wrapper, an older build) against the same agents.
const server = await startE2EServer({ extraArgs: ["--cluster-cidr", "10.0.0.0/8"], bin: process.env.BENCH_SERVER_BIN || undefined });
const client = new RestClient(loadKubeconfig(server.kubeconfig));
const token = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
/**
 * The hollow nodes' data dir (their pods' volume files, ~10 directories a pod, as a kubelet
 * makes): on tmpfs by default, as this benchmark measures the control plane. On this VM's ext4
 * one mkdir costs 30–300 µs of kernel CPU by where its parent lies (the Orlov allocator's
 * search), which moved the agent's cost from 2 to 8 ms a pod between runs of the same build.
 * BENCH_AGENT_DATA_DIR=DIR puts them on a disk instead.
 */
const agentDataDir = mkdtempSync(join(process.env.BENCH_AGENT_DATA_DIR || "/dev/shm", "k3rs-bench-agent-"));
const peaks = { server: 0, agent: 0 };
let agentPid = 0;
let agentExited: Promise<number> = Promise.resolve(0);
let agentOutput = "";
const sampler = setInterval(() => {
  peaks.server = Math.max(peaks.server, rssMiB(server.proc.pid) || 0);
  if (agentPid) peaks.agent = Math.max(peaks.agent, rssMiB(agentPid) || 0);
}, 250);

async function until(what: string, fn: () => Promise<boolean>, everyMs = 200): Promise<number> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`timed out: ${what}`);
    if (agentPid && (await Promise.race([agentExited.then(() => true), Bun.sleep(0).then(() => false)]))) throw new Error(`the agent exited while waiting for: ${what}`);
    await Bun.sleep(everyMs);
  }
  return performance.now() - t0;
}

/** API requests by verb and resource so far, and the store's revision, from the server's /metrics. */
async function requestCounts(): Promise<{ byKind: Map<string, number>; revision: number; closes: Map<string, number> }> {
  const text = await (await client.raw("/metrics", { accept: "text/plain" })).text();
  const byKind = new Map<string, number>();
  let revision = NaN;
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const kind = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ""}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + Number(m[2]));
  }
  const rev = /^k3rs_store_revision (\d+)/m.exec(text);
  if (rev) revision = Number(rev[1]);
  // Connections the server closed itself (a missed deadline): each is a client's request failing or retried.
  const closes = new Map<string, number>();
  for (const m of text.matchAll(/^k3rs_apiserver_connections_closed_total\{reason="([^"]*)"\} (\d+)/gm)) closes.set(m[1]!, Number(m[2]));
  return { byKind, revision, closes };
}

/** CPU µs one mkdir costs in `dir`: the agent makes ~10 directories a pod. */
function mkdirCost(dir: string): number {
  const probe = join(dir, `mkdir-probe-${process.pid}`);
  mkdirSync(probe, { recursive: true });
  const n = 200;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) mkdirSync(join(probe, String(i)));
  const used = process.cpuUsage(c0);
  rmSync(probe, { recursive: true, force: true });
  return (used.user + used.system) / n;
}

/**
 * A request sent again when its connection failed (the server's answers are not retried): on a
 * loaded box a connection can miss the server's handshake deadline. A create that had landed
 * before its connection broke answers AlreadyExists the second time, which is success.
 */
let connectionRetries = 0;
async function retried<T>(send: () => Promise<T>): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      if (e instanceof StatusError) {
        if (attempt > 1 && e.reason === "AlreadyExists") return undefined;
        throw e;
      }
      if (attempt >= 5) throw e;
      connectionRetries++;
    }
  }
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
  const agent = Bun.spawn([process.env.BENCH_AGENT_BIN || K3RS_BIN, "agent", "--server", `https://127.0.0.1:${server.port}`, "--token", token, "--simulate", String(NODES), "--node-name", "hollow", "--data-dir", agentDataDir], { stdout: "ignore", stderr: "pipe" });
  agentPid = agent.pid;
  agentExited = agent.exited;
  void (async () => {
    // BENCH_AGENT_LOG=FILE keeps all of the agent's log (the last 20,000 characters are kept anyway).
    const logFile = process.env.BENCH_AGENT_LOG ? Bun.file(process.env.BENCH_AGENT_LOG).writer() : undefined;
    for await (const chunk of agent.stderr as ReadableStream<Uint8Array>) {
      logFile?.write(chunk);
      agentOutput = (agentOutput + new TextDecoder().decode(chunk)).slice(-20_000);
    }
    await logFile?.end();
  })();
  // Listed every 2 s, no more: a list of a thousand Nodes is itself work for the server.
  let lastReady = -1;
  await until("nodes Ready", async () => {
    const nodes = await client.request("/api/v1/nodes");
    const ready = nodes.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")).length;
    if (ready !== lastReady) progress(`${ready} of ${NODES} nodes Ready`);
    lastReady = ready;
    return ready >= NODES;
  }, 2000);
  const joinMs = performance.now() - t0;
  await Bun.sleep(1000);
  const idleServer = rssMiB(server.proc.pid);
  const idleAgent = rssMiB(agent.pid);
  const mkdirMicros = mkdirCost(agentDataDir);

  // --- pods at once -------------------------------------------------------------------------
  progress(`creating ${PODS} pods`);
  const ns = "bench";
  await client.request("/api/v1/namespaces", { method: "POST", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
  const sentAt = new Map<string, number>();
  const createdAt = new Map<string, number>();
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
  // The clients' connections are open before the clock starts, as a controller's are: a burst
  // of TLS handshakes is the transport's benchmark (bench/api.ts), not this one's.
  await inParallel(Array.from({ length: CONCURRENCY * 2 }, (_, i) => i), async () => void (await retried(() => client.request(`/api/v1/namespaces/${ns}/pods`, { query: { limit: 1 } }))));
  const names = Array.from({ length: PODS }, (_, i) => `p-${i}`);
  const cpu0 = { server: cpuSeconds(server.proc.pid), agent: cpuSeconds(agent.pid) };
  const client0 = process.cpuUsage();
  const sys0 = { server: systemSeconds(server.proc.pid), agent: systemSeconds(agent.pid) };
  const opens0 = tcpPassiveOpens();
  const requests0 = await requestCounts();
  const tCreate = performance.now();
  await inParallel(names, async (name) => {
    sentAt.set(name, performance.now());
    const body = { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "burst" } }, spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } };
    await retried(() => client.request(`/api/v1/namespaces/${ns}/pods`, { method: "POST", body }));
    createdAt.set(name, performance.now());
  });
  const createMs = performance.now() - tCreate;
  await until("pods bound", async () => boundAt.size >= PODS, 100);
  const bindSeconds = (Math.max(...boundAt.values()) - tCreate) / 1000;
  await until("pods Running", async () => runningAt.size >= PODS, 100);
  const allRunningMs = Math.max(...runningAt.values()) - tCreate;
  const clientUsed = process.cpuUsage(client0);
  const cpu = { server: cpuSeconds(server.proc.pid) - cpu0.server, agent: cpuSeconds(agent.pid) - cpu0.agent, client: (clientUsed.user + clientUsed.system) / 1e6 };
  const sys = { server: systemSeconds(server.proc.pid) - sys0.server, agent: systemSeconds(agent.pid) - sys0.agent };
  const newConnections = tcpPassiveOpens() - opens0;
  const requests1 = await requestCounts();
  const requestMix = [...requests1.byKind].map(([k, n]) => [k, n - (requests0.byKind.get(k) ?? 0)] as const).filter(([, n]) => n >= PODS / 10).sort((a, b) => b[1] - a[1]);
  const startup = summary(names.map((n) => runningAt.get(n)! - sentAt.get(n)!));
  const phase = {
    create: summary(names.map((n) => createdAt.get(n)! - sentAt.get(n)!)),
    bind: summary(names.map((n) => boundAt.get(n)! - createdAt.get(n)!)),
    run: summary(names.map((n) => runningAt.get(n)! - boundAt.get(n)!)),
  };
  const busyServer = rssMiB(server.proc.pid);
  const busyAgent = rssMiB(agent.pid);
  // The same phases from the server's own timestamps (whole seconds), which no watch delay can skew.
  const stamped = (await client.request(`/api/v1/namespaces/${ns}/pods`)).items as any[];
  const at = (p: any, type: string) => Date.parse(p.status?.conditions?.find((c: any) => c.type === type)?.lastTransitionTime ?? "") - Date.parse(p.metadata.creationTimestamp);
  const serverSide = { bound: summary(stamped.map((p) => at(p, "PodScheduled"))), ready: summary(stamped.map((p) => at(p, "Ready"))) };

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
  if (REPLICAS > 0) try {
    await client.request(dPath, { method: "POST", body: deployment("1") });
    deployMs = await until("deployment available", done, 200);
    await client.request(`${dPath}/web`, { method: "PATCH", contentType: "application/merge-patch+json", body: { spec: { template: { spec: { containers: [{ name: "web", image: "busybox", env: [{ name: "V", value: "2" }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } } } } });
    rolloutMs = await until("rollout finished", done, 200);
  } catch (e) {
    progress(`deployment: ${(e as Error).message}`);
  }

  clearInterval(sampler);
  console.log(`k3rs cluster benchmark: ${NODES} hollow nodes (one agent process, fake runtime), server and agent on one ${cpus().length}-core VM; load average ${loadAtStart} at start, ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end`);
  line("hollow nodes registered and Ready", `${fmt(joinMs / 1000)} s`);
  line(`${PODS} pods on ${NODES} hollow nodes: bound`, `${fmt(PODS / bindSeconds, 0)} pods/s   (first create → last bind; anchor: scheduler_perf floor 680 pods/s on 5,000 nodes; aim ≥ 1,000)`);
  line("pod startup (create → Running) p50 / p99", `${fmt(startup.p50 / 1000, 2)} / ${fmt(startup.p99 / 1000, 2)} s   (anchor: Kubernetes SLO p99 ≤ 5 s; here all ${PODS} at once)`);
  line(`server / agent RSS with ${PODS} pods`, `${fmt(busyServer)} / ${fmt(busyAgent)} MiB   (peaks ${fmt(peaks.server)} / ${fmt(peaks.agent)} MiB)`);
  line(`  create calls (${CONCURRENCY} clients)`, `${fmt(createMs / 1000)} s (${fmt(PODS / (createMs / 1000), 0)} creates/s)`);
  line("  per pod p50 / p99: create call", `${fmt(phase.create.p50, 0)} / ${fmt(phase.create.p99, 0)} ms`);
  line("  per pod p50 / p99: created → bound", `${fmt(phase.bind.p50, 0)} / ${fmt(phase.bind.p99, 0)} ms`);
  line("  per pod p50 / p99: bound → Running", `${fmt(phase.run.p50, 0)} / ${fmt(phase.run.p99, 0)} ms`);
  line("  server's timestamps p50 / p99: created → scheduled", `${fmt(serverSide.bound.p50 / 1000, 0)} / ${fmt(serverSide.bound.p99 / 1000, 0)} s   (whole seconds)`);
  line("  server's timestamps p50 / p99: created → Ready", `${fmt(serverSide.ready.p50 / 1000, 0)} / ${fmt(serverSide.ready.p99 / 1000, 0)} s`);
  line("  TCP connections accepted on this machine meanwhile", `${newConnections}   (our client's requests sent again after a connection failed: ${connectionRetries})`);
  const serverCloses = [...requests1.closes].map(([r, n]) => [r, n - (requests0.closes.get(r) ?? 0)] as const).filter(([, n]) => n > 0);
  line("  connections the server closed for a deadline", serverCloses.length ? serverCloses.map(([r, n]) => `${r} ${n}`).join(", ") : "none");
  line("  store writes a pod", fmt((requests1.revision - requests0.revision) / PODS, 2));
  line("  API requests a pod", requestMix.map(([k, n]) => `${k} ${fmt(n / PODS, 2)}`).join(", "));
  line(`  all ${PODS} Running after`, `${fmt(allRunningMs / 1000)} s`);
  line("  CPU used, burst to all Running: server / agent", `${fmt(cpu.server)} / ${fmt(cpu.agent)} s   (${fmt((cpu.server * 1000) / PODS, 2)} / ${fmt((cpu.agent * 1000) / PODS, 2)} ms a pod)`);
  // What the aim would take of this box at this cost: server, hollow nodes and this client share its cores.
  line("  cores for 1,000 pods/s at this cost a pod", `${fmt(((cpu.server + cpu.agent + cpu.client) * 1000) / PODS, 1)} (server + agent + this bench's client, ${fmt((cpu.client * 1000) / PODS, 2)} ms a pod); this box has ${cpus().length}`);
  // In the kernel: the agent's volume directories and files, the server's fsyncs and sockets.
  line("    of which in the kernel (system time)", `${fmt(sys.server)} / ${fmt(sys.agent)} s   (the agent's data dir ${agentDataDir.startsWith("/dev/shm/") ? "on tmpfs" : "on disk"}, one mkdir there ${fmt(mkdirMicros, 0)} µs of CPU)`);
  line(`${PODS} pods: delete collection → gone`, `${fmt(deleteMs / 1000)} s`);
  if (REPLICAS > 0) {
    line(`deployment of ${REPLICAS}: apply → available`, Number.isFinite(deployMs) ? `${fmt(deployMs / 1000)} s` : "did not finish");
    line(`deployment of ${REPLICAS}: rolling update`, Number.isFinite(rolloutMs) ? `${fmt(rolloutMs / 1000)} s` : "did not finish");
  }
  line("server RSS idle / with pods / peak", `${fmt(idleServer)} / ${fmt(busyServer)} / ${fmt(peaks.server)} MiB   (anchor: K3s server ≈ 1.5 GB)`);
  line(`agent RSS (${NODES} hollow nodes) idle / busy / peak`, `${fmt(idleAgent)} / ${fmt(busyAgent)} / ${fmt(peaks.agent)} MiB`);
} catch (e) {
  process.stderr.write(server.logs().split("\n").slice(-30).join("\n") + "\n");
  process.stderr.write(`agent's last words:\n${agentOutput.split("\n").slice(-30).join("\n")}\n`);
  throw e;
} finally {
  clearInterval(sampler);
  if (agentPid) {
    try {
      process.kill(agentPid, "SIGTERM");
    } catch {
      // already gone
    }
    await agentExited;
  }
  // BENCH_SERVER_LOG=FILE keeps the server's log of the run.
  if (process.env.BENCH_SERVER_LOG) await Bun.write(process.env.BENCH_SERVER_LOG, server.logs());
  await server.stop();
  rmSync(agentDataDir, { recursive: true, force: true });
}
