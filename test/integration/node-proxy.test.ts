/**
 * `nodes/{name}/proxy/{path}` end to end without containerd: a real server (HTTPS, client
 * certificates), an agent holding the tunnel with its node certificate and serving its kubelet
 * API (with a metrics registry of its own) over it, and an admin client reading through the
 * apiserver's node proxy as `kubectl get --raw /api/v1/nodes/<n>/proxy/metrics` does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import client from "prom-client";
import type { ServerHandle } from "../../src/server/run.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { FakeRuntime } from "../../src/agent/runtime/fake.ts";
import { createKubeletApi, type KubeletApi } from "../../src/agent/kubelet-api/kubelet-api.ts";
import { connectTunnel, startHttpsTestServer } from "../helpers/https-server.ts";

const NODE = "netbench-proxy-node";
const OFFLINE = "netbench-offline-node";
let server: ServerHandle;
let admin: RestClient;
let dataDir: string;
let agentApi: KubeletApi;
const runtime = new FakeRuntime();
const stop = new AbortController();
const registry = new client.Registry();

async function get(path: string): Promise<{ status: number; type: string | null; body: string; json?: any }> {
  const res = await admin.raw(path, { accept: "application/json, */*" });
  const body = await res.text();
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {}
  return { status: res.status, type: res.headers.get("content-type"), body, json };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "netbench-node-proxy-"));
  server = await startHttpsTestServer(dataDir, "netbench-proxy-int");
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
  for (const name of [NODE, OFFLINE]) await admin.request("/api/v1/nodes", { method: "POST", body: { apiVersion: "v1", kind: "Node", metadata: { name } } });
  new client.Counter({ name: "netbench_agent_probe_total", help: "a metric only the agent's registry has", registers: [registry] }).inc(7);
  agentApi = createKubeletApi({ podByName: () => undefined, runtime, logRoot: join(dataDir, "logs"), metrics: registry });
  await connectTunnel({ server, dataDir, nodeName: NODE, signal: stop.signal, serve: (s) => agentApi.serveConnection(s) });
}, 60_000); // a hang guard: the server's start is slow on a loaded machine

afterAll(async () => {
  stop.abort();
  agentApi?.close();
  runtime.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("nodes/proxy through the agent tunnel", () => {
  test("the agent's /metrics, as `kubectl get --raw /api/v1/nodes/<n>/proxy/metrics` reads it", async () => {
    const r = await get(`/api/v1/nodes/${NODE}/proxy/metrics`);
    expect(r.status).toBe(200);
    expect(r.type).toContain("text/plain");
    expect(r.body).toMatch(/^netbench_agent_probe_total 7$/m);
  });

  test("other kubelet paths and the query pass through; the kubelet's answer code too", async () => {
    expect(await get(`/api/v1/nodes/${NODE}/proxy/healthz`)).toMatchObject({ status: 200, body: "ok" });
    expect(await get(`/api/v1/nodes/${NODE}:10250/proxy/healthz?verbose=1`)).toMatchObject({ status: 200, body: "ok" });
    expect(await get(`/api/v1/nodes/${NODE}/proxy/no-such-path`)).toMatchObject({ status: 404, body: "404 page not found" });
  });

  test("the apiserver's answers: unknown node 404, node without tunnel 503, other port 400, a write 405", async () => {
    expect((await get("/api/v1/nodes/ghost/proxy/metrics")).json).toMatchObject({ kind: "Status", code: 404, reason: "NotFound", message: 'nodes "ghost" not found' });
    expect((await get(`/api/v1/nodes/${OFFLINE}/proxy/metrics`)).json).toMatchObject({ code: 503, reason: "ServiceUnavailable", message: `node "${OFFLINE}" has no tunnel to this server: its agent is not connected` });
    expect((await get(`/api/v1/nodes/${NODE}:8080/proxy/metrics`)).json).toMatchObject({ code: 400, reason: "BadRequest" });
    const post = await admin.raw(`/api/v1/nodes/${NODE}/proxy/metrics`, { method: "POST", body: {} });
    expect(post.status).toBe(405);
  });

  test("discovery lists nodes/proxy as the apiserver does", async () => {
    const list = await admin.request("/api/v1");
    expect(list.resources.find((r: any) => r.name === "nodes/proxy")).toMatchObject({ kind: "NodeProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] });
  });
});
