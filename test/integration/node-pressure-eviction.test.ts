/**
 * Node-pressure eviction: the real agent (fake runtime) whose host readings say memory is
 * short evicts one pod per check — lowest priority first, critical pods never — reporting it
 * Failed/Evicted with the kubelet's message, a DisruptionTarget condition and an Evicted
 * event; a ReplicaSet's pod is replaced; once memory is back, nothing more is evicted.
 *
 * The readings are handed in (no test can safely exhaust this machine's memory); everything
 * else is the agent, scheduler and controllers as they run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { runAgent, type RunningAgent } from "../../src/agent/run.ts";
import type { HostReadings } from "../../src/agent/node/pressure.ts";
import { nodeClientOf, startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

const NODE = "pressure-node";
const NS = "/api/v1/namespaces/default";
const Mi = 1 << 20;
let api: TestApi;
let agent: RunningAgent;
let readings: HostReadings = { memAvailableBytes: 8 * 1024 * Mi };

beforeAll(async () => {
  api = await startTestApi();
  const client = nodeClientOf(api, NODE);
  agent = await runAgent({ client, nodeName: NODE, dataDir: api.dir, runtime: "fake", signal: new AbortController().signal, tuning: { leaseRenewMs: 1000, statusCheckMs: 300, backoffBaseMs: 200, hostReadings: () => readings } });
  expect((await api.json("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "valued" }, value: 1000 })).status).toBe(201);
});
afterAll(async () => {
  agent?.stop();
  await api?.close();
});


const spec = (priorityClassName?: string) => ({ containers: [{ name: "c", image: "busybox" }], ...(priorityClassName ? { priorityClassName } : {}) });
const get = async (name: string) => (await api.json("GET", `${NS}/pods/${name}`)).body;
const phaseOf = async (name: string) => (await get(name))?.status?.phase;

test("short of memory, the agent evicts the lowest-priority pod first, one at a time, never a critical one", async () => {
  for (const [name, cls] of [["critical", "system-node-critical"], ["valued", "valued"], ["plain", undefined]] as const) {
    expect((await api.json("POST", `${NS}/pods`, { metadata: { name }, spec: spec(cls) })).status).toBe(201);
  }
  const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web" }, spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: spec() } } };
  expect((await api.json("POST", "/apis/apps/v1/namespaces/default/replicasets", rs)).status).toBe(201);
  const webPod = async () => (await api.json("GET", `${NS}/pods?labelSelector=app=web`)).body.items;
  for (const name of ["critical", "valued", "plain"]) await waitFor(async () => (await phaseOf(name)) === "Running", `${name} to run`);
  const [first] = await waitFor(async () => {
    const pods = await webPod();
    return pods.length === 1 && pods[0].status?.phase === "Running" && pods;
  }, "the ReplicaSet's pod to run");

  readings = { memAvailableBytes: 60 * Mi };
  // Priority 0 goes before 1000: "plain" and the ReplicaSet's pod, one per check, then "valued".
  const order: string[] = [];
  await waitFor(async () => {
    for (const name of ["plain", "valued", first.metadata.name]) if (!order.includes(name) && (await phaseOf(name)) === "Failed") order.push(name);
    return order.length === 3;
  }, "the three pods to be evicted");
  expect(order.indexOf("valued")).toBe(2);
  const plain = await get("plain");
  expect(plain.status.reason).toBe("Evicted");
  expect(plain.status.message).toBe("The node was low on resource: memory. Threshold quantity: 100Mi, available: 60Mi. ");
  expect(plain.status.conditions.find((c: any) => c.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "TerminationByKubelet" });
  const events = (await api.json("GET", `${NS}/events?fieldSelector=involvedObject.name=plain`)).body.items;
  expect(events.some((e: any) => e.reason === "Evicted" && e.type === "Warning" && e.message === plain.status.message)).toBe(true);

  expect((await get(first.metadata.name)).status).toMatchObject({ phase: "Failed", reason: "Evicted" });
  // The ReplicaSet made a new pod for the evicted one (evicted pods stay, Failed).
  await waitFor(async () => (await webPod()).some((p: any) => p.metadata.name !== first.metadata.name), "a replacement pod");

  readings = { memAvailableBytes: 8 * 1024 * Mi };
  // Memory is back: what runs now keeps running (the replacement may have been evicted meanwhile).
  const replacement = await waitFor(async () => (await webPod()).find((p: any) => p.status?.phase === "Running"), "a replacement to run once memory is back");
  await Bun.sleep(1000);
  expect(await phaseOf(replacement.metadata.name)).toBe("Running");
  expect(await phaseOf("critical")).toBe("Running");
  expect((await get("critical")).status.conditions.some((c: any) => c.type === "DisruptionTarget")).toBe(false);
}, 60_000);
