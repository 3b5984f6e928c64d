/**
 * Real pod benchmark: the built executable as server (`--disable-agent`) and as one
 * `k3rs agent` process running pods on its own containerd (root, containerd/runc/CNI
 * installed; the busybox test image is imported from the agent's images dir, nothing is
 * pulled).
 *
 *   npm run build && bun bench/pods.ts        (BENCH_BURST=30)
 *
 * Measures pod startup (create → Running seen on a watch; image present) for 1 pod and for
 * BURST pods at once, delete latency (delete → gone), and RSS of the agent, its containerd and
 * the server with 0 and with BURST pods. Prints Kubernetes' and K3s's anchors beside them; no
 * thresholds.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startE2EServer, K3RS_BIN } from "../test/helpers/e2e-server.ts";
import { addSafetyRoutes, CAN_RUN_PODS, cleanupRealNode } from "../test/helpers/real-node.ts";
import { ensureTestImages } from "../test/helpers/test-images.ts";
import { bridgeNameFor } from "../src/agent/cni/cni-config.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { fmt, rssMiB, summary } from "./lib/stats.ts";

const BURST = Number(process.env.BENCH_BURST ?? 30);
const line = (label: string, value: string) => console.log(`${label.padEnd(50)} ${value}`);
const progress = (what: string) => process.stderr.write(`[bench] ${what}\n`);

if (!CAN_RUN_PODS) {
  console.error("bench/pods.ts runs real pods: it needs root and containerd, runc and the CNI plugins (apt-get install containerd runc containernetworking-plugins)");
  process.exit(1);
}

await addSafetyRoutes();
const images = await ensureTestImages();
const server = await startE2EServer({});
const client = new RestClient(loadKubeconfig(server.kubeconfig));
const token = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
const agentDir = mkdtempSync(join(tmpdir(), "k3rs-bench-agent-"));
mkdirSync(join(agentDir, "agent", "images"), { recursive: true });
copyFileSync(images.busybox, join(agentDir, "agent", "images", "busybox.tar"));
const agent = Bun.spawn([K3RS_BIN, "agent", "--server", `https://127.0.0.1:${server.port}`, "--token", token, "--node-name", "bench-node", "--data-dir", agentDir], { stdout: "ignore", stderr: "pipe" });
const containerdPid = () => Number(readFileSync(join(agentDir, "agent", "containerd", "containerd.pid"), "utf8").trim());
const ns = "bench";

async function until(what: string, fn: () => Promise<boolean>, everyMs = 50, timeoutMs = 180_000): Promise<void> {
  const t0 = performance.now();
  while (!(await fn())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await Bun.sleep(everyMs);
  }
}

/** Creates `n` pods at once; returns each one's create → Running and the delete → gone time. */
async function round(prefix: string, n: number): Promise<{ startup: number[]; deleteMs: number; busy: { agent: number; containerd: number; server: number } }> {
  const sentAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const list = await client.request(`/api/v1/namespaces/${ns}/pods`);
  const abort = new AbortController();
  const watching = (async () => {
    for await (const ev of client.watch(`/api/v1/namespaces/${ns}/pods`, { signal: abort.signal, query: { resourceVersion: list.metadata.resourceVersion } })) {
      const p = ev.object;
      if (p.status?.phase === "Running" && !runningAt.has(p.metadata.name)) runningAt.set(p.metadata.name, performance.now());
    }
  })().catch(() => {});
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  await Promise.all(names.map(async (name) => {
    sentAt.set(name, performance.now());
    await client.request(`/api/v1/namespaces/${ns}/pods`, {
      method: "POST",
      body: { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { round: prefix } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "busybox", imagePullPolicy: "Never", command: ["sleep", "3600"] }] } },
    });
  }));
  await until(`${n} pods Running`, async () => runningAt.size >= n);
  await Bun.sleep(1000);
  const busy = { agent: rssMiB(agent.pid), containerd: rssMiB(containerdPid()), server: rssMiB(server.proc.pid) };
  const t0 = performance.now();
  await client.request(`/api/v1/namespaces/${ns}/pods`, { method: "DELETE", query: { labelSelector: `round=${prefix}` } });
  await until("pods gone", async () => (await client.request(`/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: `round=${prefix}` } })).items.length === 0);
  const deleteMs = performance.now() - t0;
  abort.abort();
  await watching;
  return { startup: names.map((nm) => runningAt.get(nm)! - sentAt.get(nm)!), deleteMs, busy };
}

try {
  progress("waiting for the node");
  await until("node Ready", async () => {
    const n = await client.request("/api/v1/nodes/bench-node").catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") ?? false;
  }, 200);
  await client.request("/api/v1/namespaces", { method: "POST", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
  await client.request(`/api/v1/namespaces/${ns}/serviceaccounts/default`).catch(() => Bun.sleep(500));
  await Bun.sleep(1000);
  const idle = { agent: rssMiB(agent.pid), containerd: rssMiB(containerdPid()), server: rssMiB(server.proc.pid) };

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
  progress(`${BURST} pods at once`);
  const burst = await round("burst", BURST);

  const s1 = summary(single);
  const sb = summary(burst.startup);
  console.log(`\nk3rs real pod benchmark — containerd ${"(agent's own)"}, runc, CNI bridge, busybox image present; server and agent on one ${navigator.hardwareConcurrency}-core VM\n`);
  line("1 pod: create → Running p50 / p99 (5 runs)", `${fmt(s1.p50, 0)} / ${fmt(s1.p99, 0)} ms`);
  line(`${BURST} pods at once: create → Running p50 / p99`, `${fmt(sb.p50, 0)} / ${fmt(sb.p99, 0)} ms   (aim: p50 < 1 s, p99 < 2 s; anchor: Kubernetes SLO p99 ≤ 5 s)`);
  line("delete → gone: 1 pod (worst of 5) / all of the burst", `${fmt(singleDelete, 0)} / ${fmt(burst.deleteMs, 0)} ms`);
  line(`agent RSS with 0 / ${BURST} pods`, `${fmt(idle.agent)} / ${fmt(burst.busy.agent)} MiB   (aim < 60 MiB with 30 pods; anchor: K3s agent ≈ 275 MB)`);
  line(`its containerd RSS with 0 / ${BURST} pods`, `${fmt(idle.containerd)} / ${fmt(burst.busy.containerd)} MiB`);
  line(`server RSS with 0 / ${BURST} pods`, `${fmt(idle.server)} / ${fmt(burst.busy.server)} MiB   (anchor: K3s server ≈ 1.5 GB)`);
} finally {
  await client.request(`/api/v1/namespaces/${ns}`, { method: "DELETE" }).catch(() => undefined);
  agent.kill("SIGTERM");
  await agent.exited;
  await server.stop();
  await cleanupRealNode({ dataDir: agentDir, bridge: bridgeNameFor(agentDir), podCidr: "10.42.0.0/24" });
}
