/**
 * Preemption end to end inside one process: the real scheduler and a real agent (fake
 * runtime). A pod of a higher PriorityClass that fits nowhere evicts the least important pod
 * of lower priority, which is told why (DisruptionTarget, a Preempted event), and runs in its
 * place; a class with preemptionPolicy Never waits instead.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { runAgent, type RunningAgent } from "../../src/agent/run.ts";
import { Quantity } from "../../src/model/quantity.ts";
import { nodeClientOf, startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

const NODE = "preempt-node";
const NS = "/api/v1/namespaces/default";
const PC = "/apis/scheduling.k8s.io/v1/priorityclasses";
let api: TestApi;
let agent: RunningAgent;
/** Half the node's CPU, in millicores: two such pods fill it. */
let half: number;

beforeAll(async () => {
  api = await startTestApi();
  const client = nodeClientOf(api, NODE);
  agent = await runAgent({ client, nodeName: NODE, dataDir: api.dir, runtime: "fake", signal: new AbortController().signal, tuning: { leaseRenewMs: 1000, statusCheckMs: 1000, backoffBaseMs: 200 } });
  const node = await waitFor(async () => (await api.json("GET", `/api/v1/nodes/${NODE}`)).body?.status?.allocatable?.cpu, "the node to register");
  half = Math.floor(Number(Quantity.parse(node).milli()) / 2);
  for (const [name, value, preemptionPolicy] of [["important", 1000, undefined], ["polite", 1000, "Never"]] as const) {
    expect((await api.json("POST", PC, { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, ...(preemptionPolicy ? { preemptionPolicy } : {}) })).status).toBe(201);
  }
});
afterAll(async () => {
  agent?.stop();
  await api?.close();
});


const pod = (name: string, priorityClassName?: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: `${half}m` } } }], terminationGracePeriodSeconds: 1, ...(priorityClassName ? { priorityClassName } : {}) },
});
const get = async (name: string) => (await api.json("GET", `${NS}/pods/${name}`)).body;
const running = (name: string) => waitFor(async () => (await get(name))?.status?.phase === "Running", `${name} to run`);

test("a pod of higher priority that fits nowhere evicts the pod that matters least and runs", async () => {
  expect((await api.json("POST", `${NS}/pods`, pod("low-first"))).status).toBe(201);
  await running("low-first");
  expect((await api.json("POST", `${NS}/pods`, pod("low-second"))).status).toBe(201);
  await running("low-second");

  expect((await api.json("POST", `${NS}/pods`, pod("vip", "important"))).status).toBe(201);
  await running("vip");
  const vip = await get("vip");
  expect([vip.spec.nodeName, vip.status.nominatedNodeName, vip.spec.priority]).toEqual([NODE, NODE, 1000]);

  // The victim is the pod that started last; the first one keeps running.
  expect((await api.json("GET", `${NS}/pods/low-second`)).status).toBe(404);
  expect((await get("low-first")).status.phase).toBe("Running");
  const events = (await api.json("GET", `${NS}/events?fieldSelector=involvedObject.name=low-second`)).body.items;
  expect(events.find((e: any) => e.reason === "Preempted")?.message).toBe(`Preempted by pod ${vip.metadata.uid} on node ${NODE}`);
}, 60_000);

test("the victim is told why before it goes: DisruptionTarget, reason PreemptionByScheduler", async () => {
  // Watch the next victim from its creation on, to see the status it had while terminating.
  expect((await api.json("POST", `${NS}/pods`, pod("low-third"))).status).toBe(201);
  // The node is full (low-first, vip): low-third waits; a second important pod preempts low-first or low-third.
  const seen: any[] = [];
  const ac = new AbortController();
  const watching = (async () => {
    const r = await api.request("GET", `${NS}/pods?watch=1&fieldSelector=metadata.name=low-first`, undefined, { signal: ac.signal });
    const reader = r.body!.getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += new TextDecoder().decode(value);
      for (let nl; (nl = buf.indexOf("\n")) >= 0; buf = buf.slice(nl + 1)) seen.push(JSON.parse(buf.slice(0, nl)));
    }
  })();
  expect((await api.json("POST", `${NS}/pods`, pod("vip-2", "important"))).status).toBe(201);
  await running("vip-2");
  ac.abort();
  await watching;
  const marked = seen.map((e) => e.object?.status?.conditions?.find((c: any) => c.type === "DisruptionTarget")).find(Boolean);
  expect(marked).toMatchObject({ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod" });
  expect(seen.at(-1)?.type).toBe("DELETED");
}, 60_000);

test("a class with preemptionPolicy Never waits rather than evict", async () => {
  // Make way for low-third, so the node holds a pod of lower priority again.
  expect([200, 202]).toContain((await api.json("DELETE", `${NS}/pods/vip-2`)).status);
  await running("low-third");
  expect((await api.json("POST", `${NS}/pods`, pod("patient", "polite"))).status).toBe(201);
  const message = await waitFor(async () => (await get("patient"))?.status?.conditions?.find((c: any) => c.type === "PodScheduled" && c.status === "False")?.message, "patient to be found unschedulable");
  expect(message).toContain("Insufficient cpu");
  // Given the time a preemption takes here (the first test's), and some.
  await Bun.sleep(1000);
  const after = await get("patient");
  expect([after.spec.nodeName, after.status.nominatedNodeName, after.spec.preemptionPolicy]).toEqual([undefined, undefined, "Never"]);
  const low = await get("low-third");
  expect([low.status.phase, low.metadata.deletionTimestamp]).toEqual(["Running", undefined]);
}, 60_000);
