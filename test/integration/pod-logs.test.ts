/**
 * `pods/log` end to end without containerd: a real server (HTTPS, client certificates, its
 * store in a temp dir), an agent that holds the tunnel with its node certificate and serves
 * its API over it — the fake runtime for containers, CRI log files written by the test in
 * the agent's log dir — and an admin client reading logs over HTTPS as kubectl does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerHandle } from "../../src/server/run.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { FakeRuntime } from "../../src/agent/runtime/fake.ts";
import { createKubeletApi, type KubeletApi } from "../../src/agent/kubelet-api/kubelet-api.ts";
import { TunnelClient } from "../../src/tunnel/agent.ts";
import { podLogDirectory } from "../../src/agent/pods/pod-files.ts";
import { containerConfigFor, sandboxConfigFor } from "../helpers/fake-pod-configs.ts";
import type { KubeObject } from "../../src/model/object.ts";
import { connectTunnel, startHttpsTestServer } from "../helpers/https-server.ts";

const NODE = "logs-int-node";
const NS = "default";
let server: ServerHandle;
let admin: RestClient;
let dataDir: string;
let logRoot: string;
let agentApi: KubeletApi;
let tunnel: TunnelClient;
const runtime = new FakeRuntime();
const stop = new AbortController();
/** What the agent's pod manager would know: pods by namespace/name, as read from the API. */
const agentPods = new Map<string, KubeObject>();

async function createPod(name: string, containers: string[], extra: Record<string, unknown> = {}): Promise<KubeObject> {
  return admin.request(`/api/v1/namespaces/${NS}/pods`, {
    method: "POST",
    body: { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: containers.map((c) => ({ name: c, image: "busybox" })), ...extra } },
  });
}

/** A pod on the agent's node with one running run per container and these lines in its log files. */
async function runningPod(name: string, logs: Record<string, string[]>): Promise<KubeObject> {
  const pod = await createPod(name, Object.keys(logs), { nodeName: NODE });
  agentPods.set(`${NS}/${name}`, pod);
  const sb = await runtime.runPodSandbox(sandboxConfigFor(pod), undefined);
  for (const [c, lines] of Object.entries(logs)) {
    await runtime.startContainer(await runtime.createContainer(sb, containerConfigFor({ name: c, image: "busybox" }), sandboxConfigFor(pod)));
    writeLog(pod, c, 0, lines);
  }
  return pod;
}

function writeLog(pod: KubeObject, container: string, attempt: number, lines: string[]): string {
  const dir = join(podLogDirectory(pod, logRoot), container);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${attempt}.log`);
  writeFileSync(path, lines.map((l, i) => `2024-05-01T10:00:0${i}.5Z ${i % 2 ? "stderr" : "stdout"} F ${l}\n`).join(""));
  return path;
}

async function logs(pod: string, query = ""): Promise<{ status: number; body: string; json?: any }> {
  const res = await admin.raw(`/api/v1/namespaces/${NS}/pods/${pod}/log${query}`, { accept: "application/json, */*" });
  const body = await res.text();
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {}
  return { status: res.status, body, json };
}

async function until(what: string, fn: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "k3rs-logs-int-"));
  logRoot = join(dataDir, "agent-logs");
  server = await startHttpsTestServer(dataDir, "logs-int");
  admin = new RestClient(loadKubeconfig(server.kubeconfigPath));
  agentApi = createKubeletApi({ podByName: (ns, n) => agentPods.get(`${ns}/${n}`), runtime, logRoot, pollMs: 20 });
  tunnel = await connectTunnel({ server, dataDir, nodeName: NODE, signal: stop.signal, serve: (s) => agentApi.serveConnection(s) });
});

afterAll(async () => {
  stop.abort();
  agentApi?.close();
  runtime.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("pods/log through the agent tunnel", () => {
  test("the log of a one-container pod, with tail and timestamps", async () => {
    await runningPod("solo", { app: ["one", "two", "three"] });
    expect(await logs("solo")).toMatchObject({ status: 200, body: "one\ntwo\nthree\n" });
    expect((await logs("solo", "?tailLines=1")).body).toBe("three\n");
    expect((await logs("solo", "?tailLines=2&timestamps=true")).body).toBe("2024-05-01T10:00:01.500000000Z two\n2024-05-01T10:00:02.500000000Z three\n");
    expect((await logs("solo", "?limitBytes=5")).body).toBe("one\nt");
    expect((await logs("solo", "?container=app&sinceTime=2024-05-01T10:00:02Z")).body).toBe("three\n");
  });

  test("several containers: one must be named, and must exist", async () => {
    await runningPod("duo", { web: ["from web"], sidecar: ["from sidecar"] });
    expect((await logs("duo", "?container=sidecar")).body).toBe("from sidecar\n");
    const none = await logs("duo");
    expect(none.status).toBe(400);
    expect(none.json).toMatchObject({ kind: "Status", reason: "BadRequest", message: "a container name must be specified for pod duo, choose one of: [web sidecar]" });
    const wrong = await logs("duo", "?container=nope");
    expect(wrong.json).toMatchObject({ code: 400, message: "container nope is not valid for pod duo" });
  });

  test("the apiserver's answers: unknown pod 404, invalid options 422, unscheduled pod 204", async () => {
    expect((await logs("ghost")).json).toMatchObject({ code: 404, reason: "NotFound", message: 'pods "ghost" not found' });
    await runningPod("opts", { app: ["x"] });
    expect((await logs("opts", "?tailLines=-1")).json).toMatchObject({ code: 422, reason: "Invalid" });
    expect((await logs("opts", "?follow=maybe")).json).toMatchObject({ code: 400 });
    await createPod("unscheduled", ["app"], { schedulerName: "nobody-schedules-this" });
    expect(await logs("unscheduled")).toMatchObject({ status: 204, body: "" });
  });

  test("the agent's refusals come through with its words", async () => {
    const pod = await createPod("waiting", ["app"], { nodeName: NODE });
    agentPods.set(`${NS}/waiting`, { ...pod, status: { containerStatuses: [{ name: "app", state: { waiting: { reason: "ContainerCreating" } } }] } });
    expect((await logs("waiting")).json).toMatchObject({ code: 400, message: 'container "app" in pod "waiting" is waiting to start: ContainerCreating' });
    expect((await logs("waiting", "?previous=true")).json).toMatchObject({ code: 400, message: 'previous terminated container "app" in pod "waiting" not found' });
    await createPod("unknown-to-agent", ["app"], { nodeName: NODE });
    expect((await logs("unknown-to-agent")).json).toMatchObject({ code: 404, message: 'pod "unknown-to-agent" does not exist' });
  });

  test("follow streams new lines as they are written; the client leaving ends it on the agent", async () => {
    const pod = await runningPod("follow", { app: ["start"] });
    const path = join(podLogDirectory(pod, logRoot), "app", "0.log");
    const ac = new AbortController();
    const res = await admin.raw(`/api/v1/namespaces/${NS}/pods/follow/log?follow=true`, { accept: "*/*", signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let got = "";
    while (!got.includes("start\n")) got += dec.decode((await reader.read()).value);
    for (const line of ["tick 1", "tick 2"]) {
      appendFileSync(path, `2024-05-01T10:01:00Z stdout F ${line}\n`);
      while (!got.includes(`${line}\n`)) got += dec.decode((await reader.read()).value);
    }
    expect(got).toBe("start\ntick 1\ntick 2\n");
    expect(agentApi.connections).toBeGreaterThan(0);
    ac.abort();
    await until("the agent's follow ended", () => agentApi.connections === 0);
  });

  test("follow ends by itself once the container has stopped", async () => {
    await runningPod("stops", { app: ["only line"] });
    const res = await admin.raw(`/api/v1/namespaces/${NS}/pods/stops/log?follow=true`, { accept: "*/*" });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe("only line\n");
    const sb = (await runtime.listPodSandboxes()).find((s) => s.name === "stops")!;
    for (const c of await runtime.listContainers(sb.id)) await runtime.stopContainer(c.id);
    for (let r = await reader.read(); !r.done; r = await reader.read());
  });

  test("a node without a tunnel is a clear 503; a hollow node answers an empty log", async () => {
    for (const [name, runtimeVersion] of [["gone-node", "containerd://1.6.20"], ["hollow-node", "fake://0.1.0"]]) {
      await admin.request("/api/v1/nodes", { method: "POST", body: { apiVersion: "v1", kind: "Node", metadata: { name } } });
      await admin.request(`/api/v1/nodes/${name}/status`, { method: "PATCH", contentType: "application/merge-patch+json", body: { status: { nodeInfo: { containerRuntimeVersion: runtimeVersion } } } });
      await createPod(`on-${name}`, ["app"], { nodeName: name });
    }
    expect((await logs("on-gone-node")).json).toMatchObject({ code: 503, reason: "ServiceUnavailable", message: 'node "gone-node" has no tunnel to this server: its agent is not connected' });
    expect(await logs("on-hollow-node")).toMatchObject({ status: 200, body: "" });
  });

  test("logs flow again after the agent's connection is replaced", async () => {
    await runningPod("again", { app: ["still here"] });
    // A second connection for the node (a restarted agent) takes over; the first gives up.
    const second = new AbortController();
    const next = await connectTunnel({ server, dataDir, nodeName: NODE, signal: second.signal, serve: (s) => agentApi.serveConnection(s) });
    stop.abort();
    await until("the first connection closed", () => !tunnel.connected);
    expect((await logs("again")).body).toBe("still here\n");
    second.abort();
  });
});
