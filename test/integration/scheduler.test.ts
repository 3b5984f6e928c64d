/** The in-server scheduler against the real API: binds pods to nodes that fit, explains the ones that do not. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const node = (name: string, cpu: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
  status: { capacity: { cpu, memory: "8Gi", pods: "110" }, allocatable: { cpu, memory: "8Gi", pods: "110" } },
});
const pod = (name: string, cpu: string, extra: any = {}) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu } } }], ...extra },
});

async function until<T>(f: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(20);
  }
}

test("pods are bound to a node that fits, with a Scheduled event", async () => {
  expect((await api.json("POST", "/api/v1/nodes", node("small", "1"))).status).toBe(201);
  expect((await api.json("POST", "/api/v1/nodes", node("big", "4", { disk: "ssd" }))).status).toBe(201);
  await api.json("POST", "/api/v1/namespaces/default/pods", pod("fits-big", "2"));
  await api.json("POST", "/api/v1/namespaces/default/pods", pod("wants-ssd", "100m", { nodeSelector: { disk: "ssd" } }));
  const a = await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/fits-big")).body.spec.nodeName);
  expect(a).toBe("big");
  expect(await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/wants-ssd")).body.spec.nodeName)).toBe("big");
  const bound = (await api.json("GET", "/api/v1/namespaces/default/pods/fits-big")).body;
  expect(bound.status.conditions.find((c: any) => c.type === "PodScheduled").status).toBe("True");
  const ev = await until(async () => (await api.json("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dfits-big,reason%3DScheduled")).body.items[0]);
  expect(ev.message).toBe("Successfully assigned default/fits-big to big");
});

test("a pod that fits nowhere waits with a FailedScheduling reason, and is placed when a node appears", async () => {
  await api.json("POST", "/api/v1/namespaces/default/pods", pod("huge", "8"));
  const cond = await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/huge")).body.status?.conditions?.find((c: any) => c.type === "PodScheduled" && c.status === "False"));
  expect(cond.reason).toBe("Unschedulable");
  expect(cond.message).toBe("0/2 nodes are available: 2 Insufficient cpu.");
  const ev = await until(async () => (await api.json("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dhuge,reason%3DFailedScheduling")).body.items[0]);
  expect(ev.type).toBe("Warning");
  await api.json("POST", "/api/v1/nodes", node("huge-node", "16"));
  expect(await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/huge")).body.spec.nodeName)).toBe("huge-node");
});
