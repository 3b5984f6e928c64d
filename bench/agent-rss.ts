/**
 * The agent's memory, cheaply: the built executable as server (`--disable-agent`) and as one
 * `k3rs agent --runtime fake` joined to it (no containerd, no root), its RSS read idle, just
 * after BENCH_PODS pods bound to it run, and settled: 65 s after each, so that the agent's
 * once-a-minute memory trim (agent/memory-trim.ts) has run. RSS is split into anonymous
 * memory (JS heap, JIT code, malloc) and pages of the executable (Bun itself, embedded code).
 * For the real agent's figures (containerd, node network) see bench/pods.ts.
 *
 *   npm run build && bun bench/agent-rss.ts
 *
 *   BENCH_PODS=30           pods bound to the agent
 *   BENCH_RUNS=3            server + agent started afresh this many times
 *   BENCH_AGENT_BIN=…       another executable for the agent (A/B of two builds; the server stays bin/k3rs)
 *   BENCH_AGENT_BUN_OPTIONS=--smol   Bun's options for the agent process only (BUN_OPTIONS)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startE2EServer, K3RS_BIN } from "../test/helpers/e2e-server.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { cpuMs } from "./lib/cpu-time.ts";

const PODS = Number(process.env.BENCH_PODS ?? 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const AGENT_BIN = process.env.BENCH_AGENT_BIN ?? K3RS_BIN;
const AGENT_BUN_OPTIONS = process.env.BENCH_AGENT_BUN_OPTIONS;
const NODE = "rss-bench";
/** Longer than the memory trim's period. */
const SETTLE_MS = 65_000;

interface Memory { rss: number; anon: number; file: number }

function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) / 1024;
  return { rss: mib("VmRSS"), anon: mib("RssAnon"), file: mib("RssFile") };
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await Bun.sleep(200);
  }
}

function pod(i: number) {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: `rss-${i}`, labels: { app: "rss" } },
    spec: { nodeName: NODE, containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"], env: [{ name: "A", value: "1" }] }] },
  };
}

async function once(): Promise<{ idle: Memory; pods: Memory; settled: Memory; cpuMs: number }> {
  const server = await startE2EServer({ dataDir: mkdtempSync(join(tmpdir(), "rss-bench-server-")) });
  const agentDir = mkdtempSync(join(tmpdir(), "rss-bench-agent-"));
  const token = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
  const agent = Bun.spawn([AGENT_BIN, "agent", "--server", `https://127.0.0.1:${server.port}`, "--token", token, "--node-name", NODE, "--data-dir", agentDir, "--runtime", "fake"], {
    stdout: "ignore", stderr: "ignore",
    env: AGENT_BUN_OPTIONS ? { ...process.env, BUN_OPTIONS: AGENT_BUN_OPTIONS } : process.env,
  });
  try {
    const client = new RestClient(loadKubeconfig(server.kubeconfig));
    const ready = async () => {
      const node = await client.request(`/api/v1/nodes/${NODE}`).catch(() => undefined) as any;
      return node?.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") ?? false;
    };
    await until("the agent's node is Ready", ready);
    await Bun.sleep(SETTLE_MS);
    const idle = memory(agent.pid);
    const cpuBefore = cpuMs(agent.pid, false);
    for (let i = 0; i < PODS; i++) await client.request("/api/v1/namespaces/default/pods", { method: "POST", body: pod(i) });
    await until(`${PODS} pods Running`, async () => {
      const list = await client.request("/api/v1/namespaces/default/pods?labelSelector=app%3Drss") as any;
      return list.items.filter((p: any) => p.status?.phase === "Running").length === PODS;
    });
    const pods = memory(agent.pid);
    await Bun.sleep(SETTLE_MS);
    return { idle, pods, settled: memory(agent.pid), cpuMs: cpuMs(agent.pid, false) - cpuBefore };
  } finally {
    agent.kill();
    await agent.exited;
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    rmSync(agentDir, { recursive: true, force: true });
  }
}

const f = (m: Memory) => `${m.rss.toFixed(1).padStart(6)} ${m.anon.toFixed(1).padStart(6)} ${m.file.toFixed(1).padStart(6)}`;
console.log(`agent ${AGENT_BIN}${AGENT_BUN_OPTIONS ? ` BUN_OPTIONS=${AGENT_BUN_OPTIONS}` : ""}, ${PODS} fake pods; MiB as RSS anon file`);
console.log(`${"run".padEnd(5)} ${"idle (65 s)".padEnd(20)} ${`${PODS} pods`.padEnd(20)} ${"settled (65 s)".padEnd(20)} agent CPU from the pods' creation`);
for (let r = 1; r <= RUNS; r++) {
  const m = await once();
  console.log(`${String(r).padEnd(5)} ${f(m.idle)}  ${f(m.pods)}  ${f(m.settled)}  ${Math.round(m.cpuMs)} ms`);
}
