/**
 * metrics.k8s.io end to end without containerd: a real server (HTTPS, client certificates,
 * its store in a temp dir) whose scraper reads `/metrics/resource` through a real agent
 * tunnel, from an agent API answering fixed readings — each scrape 15 s of virtual time later,
 * so the rates are exact — and an admin client reading the API as kubectl top does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerHandle } from "../../src/server/run.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { createKubeletApi, type KubeletApi } from "../../src/agent/kubelet-api/kubelet-api.ts";
import { TunnelClient } from "../../src/tunnel/agent.ts";
import type { Runtime } from "../../src/agent/runtime/types.ts";
import type { ContainerUsagePoint } from "../../src/resource-metrics/types.ts";
import { connectTunnel, startHttpsTestServer } from "../helpers/https-server.ts";

const NODE = "metrics-int-node";
const HOLLOW = "metrics-int-hollow";
const NS = "metrics-int";
const STEP_MS = 15_000;
const T0 = Math.floor(Date.now() / 1000) * 1000;
const LONG_AGO = T0 / 1000 - 3600;

let server: ServerHandle;
let admin: RestClient;
let dataDir: string;
let agentApi: KubeletApi;
let tunnel: TunnelClient;
const stop = new AbortController();

/** Virtual time advances one step per scrape: node at 0.25 cores, busy at 1 core, idle at 1 millicore. */
let round = 0;
function containers(t: number, i: number): ContainerUsagePoint[] {
  const c = (pod: string, container: string, cores: number, mem: number): ContainerUsagePoint => ({
    namespace: NS, pod, container, cpuCoreSeconds: 1 + i * (STEP_MS / 1000) * cores, memoryWorkingSetBytes: mem, timestampMs: t, startTimeSeconds: LONG_AGO,
  });
  return [
    c("busy", "main", 1, 2 * 1024 * 1024),
    c("idle", "main", 0.001, 512 * 1024),
    c("duo", "first", 0.5, 4096),
    c("duo", "second", 0.002, 8192),
    c("pending", "main", 1, 4096),
  ];
}
const runtime = {
  async usageStats() {
    return { containers: containers(T0 + round * STEP_MS, round) };
  },
} as unknown as Runtime;
const nodeUsage = () => {
  const i = round++;
  return { cpuCoreSeconds: 1000 + i * (STEP_MS / 1000) * 0.25, memoryWorkingSetBytes: 1536 * 1024 * 1024, timestampMs: T0 + i * STEP_MS };
};

async function get(path: string, accept = "application/json"): Promise<{ status: number; body: any }> {
  const res = await admin.raw(path, { accept });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

async function createPod(name: string, containerNames: string[], labels: Record<string, string>, phase: string, nodeName = NODE): Promise<void> {
  await admin.request(`/api/v1/namespaces/${NS}/pods`, {
    method: "POST",
    body: { apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { nodeName, containers: containerNames.map((c) => ({ name: c, image: "busybox" })) } },
  });
  await admin.request(`/api/v1/namespaces/${NS}/pods/${name}/status`, { method: "PATCH", contentType: "application/merge-patch+json", body: { status: { phase } } });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-metrics-int-"));
  server = await startHttpsTestServer(dataDir, "metrics-int", { metricResolutionMs: 50 });
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
  await admin.request("/api/v1/namespaces", { method: "POST", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } } });
  for (const [name, labels] of [[NODE, { tier: "real" }], [HOLLOW, { tier: "hollow" }]] as const) {
    await admin.request("/api/v1/nodes", { method: "POST", body: { apiVersion: "v1", kind: "Node", metadata: { name, labels } } });
  }
  // The duo's spec lists "second" first: that is the order its metrics keep.
  await createPod("busy", ["main"], { app: "busy" }, "Running");
  await createPod("idle", ["main"], { app: "idle" }, "Running");
  await createPod("duo", ["second", "first"], { app: "duo" }, "Running");
  await createPod("pending", ["main"], { app: "pending" }, "Pending");
  await createPod("elsewhere", ["main"], { app: "elsewhere" }, "Running", HOLLOW);

  agentApi = createKubeletApi({ podByName: () => undefined, runtime, nodeUsage });
  tunnel = await connectTunnel({ server, dataDir, nodeName: NODE, signal: stop.signal, serve: (s) => agentApi.serveConnection(s) });
});

afterAll(async () => {
  stop.abort();
  agentApi?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const BASE = "/apis/metrics.k8s.io/v1beta1";

describe("metrics.k8s.io from a tunnelled agent", () => {
  test("discovery: the group, its two resources, get and list only", async () => {
    const groups = (await get("/apis")).body.groups.map((g: any) => g.name);
    expect(groups).toContain("metrics.k8s.io");
    const list = (await get(BASE)).body;
    expect(list.groupVersion).toBe("metrics.k8s.io/v1beta1");
    expect(list.resources.map((r: any) => [r.name, r.kind, r.namespaced, r.verbs])).toEqual([
      ["nodes", "NodeMetrics", false, ["get", "list"]],
      ["pods", "PodMetrics", true, ["get", "list"]],
    ]);
  });

  test("NodeMetrics: the CPU rate between two scrapes, the working set, timestamp and window; a node without a tunnel is left out", async () => {
    const items = await until("node metrics", async () => {
      const r = await get(`${BASE}/nodes`);
      return r.body.items?.length ? r.body.items : undefined;
    });
    expect(items).toHaveLength(1);
    const [m] = items;
    expect(m.metadata.name).toBe(NODE);
    expect(m.metadata.labels).toEqual({ tier: "real" });
    expect(m.usage).toEqual({ cpu: "250m", memory: "1536Mi" });
    expect(m.window).toBe("15s");
    expect(m.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(m.timestamp)).toBeGreaterThan(T0);
    const one = await get(`${BASE}/nodes/${NODE}`);
    expect(one.body).toMatchObject({ kind: "NodeMetrics", apiVersion: "metrics.k8s.io/v1beta1", metadata: { name: NODE }, usage: { cpu: "250m" } });
    expect((await get(`${BASE}/nodes?labelSelector=tier%3Dhollow`)).body.items).toEqual([]);
  });

  test("gets name what is missing: the node, or its metrics", async () => {
    expect((await get(`${BASE}/nodes/${HOLLOW}`)).body).toMatchObject({ code: 404, reason: "NotFound", message: `nodemetrics.metrics.k8s.io "${HOLLOW}" not found` });
    expect((await get(`${BASE}/nodes/ghost`)).body).toMatchObject({ code: 404, message: 'nodes "ghost" not found' });
    expect((await get(`${BASE}/namespaces/${NS}/pods/pending`)).body).toMatchObject({ code: 404, message: `podmetrics.metrics.k8s.io "${NS}/pending" not found` });
    expect((await get(`${BASE}/namespaces/${NS}/pods/ghost`)).body).toMatchObject({ code: 404, message: 'pods "ghost" not found' });
  });

  test("PodMetrics: Running pods on reachable nodes, per-container usage in spec order, labels; selectors and all namespaces", async () => {
    const items = await until("pod metrics", async () => {
      const r = await get(`${BASE}/namespaces/${NS}/pods`);
      return r.body.items?.length === 3 ? r.body.items : undefined;
    });
    expect(items.map((p: any) => p.metadata.name)).toEqual(["busy", "duo", "idle"]);
    const [busy, duo, idle] = items;
    expect(busy.containers).toEqual([{ name: "main", usage: { cpu: "1", memory: "2Mi" } }]);
    expect(idle.containers).toEqual([{ name: "main", usage: { cpu: "1m", memory: "512Ki" } }]);
    expect(duo.containers).toEqual([
      { name: "second", usage: { cpu: "2m", memory: "8Ki" } },
      { name: "first", usage: { cpu: "500m", memory: "4Ki" } },
    ]);
    expect(busy.metadata).toMatchObject({ name: "busy", namespace: NS, labels: { app: "busy" } });
    expect(busy.window).toBe("15s");
    expect(busy.kind).toBeUndefined();
    const selected = (await get(`${BASE}/namespaces/${NS}/pods?labelSelector=app%20in%20(busy,idle)`)).body.items.map((p: any) => p.metadata.name);
    expect(selected).toEqual(["busy", "idle"]);
    const all = (await get(`${BASE}/pods`)).body;
    expect(all.kind).toBe("PodMetricsList");
    expect(all.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([`${NS}/busy`, `${NS}/duo`, `${NS}/idle`]);
    const one = (await get(`${BASE}/namespaces/${NS}/pods/busy`)).body;
    expect(one).toMatchObject({ kind: "PodMetrics", metadata: { name: "busy" }, containers: [{ name: "main" }] });
  });

  test("tables with metrics-server's columns; watch and writes are refused", async () => {
    await until("node metrics", async () => (await get(`${BASE}/nodes`)).body.items?.length);
    const table = (await get(`${BASE}/nodes`, "application/json;as=Table;g=meta.k8s.io;v=v1")).body;
    expect(table.kind).toBe("Table");
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "cpu", "memory", "Window"]);
    expect(table.rows[0].cells).toEqual([NODE, "250m", "1536Mi", "15s"]);
    const pods = (await get(`${BASE}/namespaces/${NS}/pods`, "application/json;as=Table;g=meta.k8s.io;v=v1")).body;
    expect(pods.rows.find((r: any) => r.cells[0] === "duo").cells).toEqual(["duo", "502m", "12Ki", "15s"]);
    expect((await get(`${BASE}/nodes?watch=1`)).body).toMatchObject({ code: 405, message: 'watch is not supported on resources of kind "nodemetrics.metrics.k8s.io"' });
    const post = await admin.raw(`${BASE}/nodes`, { method: "POST", body: { kind: "NodeMetrics" } });
    expect(post.status).toBe(405);
  });

  test("the agent gone: its node and pods leave the lists", async () => {
    await until("node metrics", async () => (await get(`${BASE}/nodes`)).body.items?.length);
    stop.abort();
    await until("node metrics gone", async () => (await get(`${BASE}/nodes`)).body.items?.length === 0);
    expect((await get(`${BASE}/namespaces/${NS}/pods`)).body.items).toEqual([]);
  });
});
