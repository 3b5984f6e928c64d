/**
 * A preemptor holds the room it made: while its victim is still terminating, a pod of lower
 * priority that would fit in what is free now does not take it (kube-scheduler counts the
 * nominated pod on its node), and the preemptor is bound once the victim is gone.
 *
 * The node has no kubelet here, so the victim stays terminating until the test deletes it at
 * once: that is the window a real node's grace period opens.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

const NS = "/api/v1/namespaces/default";
const NODE = "nominated-node";
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
  expect((await api.json("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "urgent" }, value: 100 })).status).toBe(201);
  const node = { apiVersion: "v1", kind: "Node", metadata: { name: NODE }, status: { allocatable: { cpu: "1", memory: "8Gi", pods: "110" }, capacity: { cpu: "1", memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] } };
  expect((await api.json("POST", "/api/v1/nodes", node)).status).toBe(201);
});
afterAll(async () => {
  await api?.close();
});

const pod = (name: string, cpu: string, priorityClassName?: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu } } }], ...(priorityClassName ? { priorityClassName } : {}) } });
const get = async (name: string) => (await api.json("GET", `${NS}/pods/${name}`)).body;
const bound = (name: string) => waitFor(async () => (await get(name))?.spec?.nodeName, `${name} to be bound`);
const unschedulable = (name: string) => waitFor(async () => (await get(name))?.status?.conditions?.find((c: any) => c.type === "PodScheduled" && c.status === "False"), `${name} to be found unschedulable`);

test("a lower-priority pod does not take the room a nominated preemptor waits for", async () => {
  for (const [name, cpu] of [["older", "200m"], ["victim", "600m"]]) {
    expect((await api.json("POST", `${NS}/pods`, pod(name!, cpu!))).status).toBe(201);
    expect(await bound(name!)).toBe(NODE);
  }
  // 200m free; the preemptor needs 700m: the victim (started last) is evicted, "older" kept.
  expect((await api.json("POST", `${NS}/pods`, pod("preemptor", "700m", "urgent"))).status).toBe(201);
  const nominated = await waitFor(async () => (await get("preemptor"))?.status?.nominatedNodeName, "the preemptor to be nominated");
  expect(nominated).toBe(NODE);
  const victim = await get("victim");
  expect(victim.metadata.deletionTimestamp).toBeDefined();
  expect((await get("older")).metadata.deletionTimestamp).toBeUndefined();

  // 150m would fit in the 200m free now, but not beside the preemptor's 700m.
  expect((await api.json("POST", `${NS}/pods`, pod("latecomer", "150m"))).status).toBe(201);
  await unschedulable("latecomer");
  expect((await get("latecomer")).spec.nodeName).toBeUndefined();

  // The victim goes (its kubelet would delete it after the grace period): the preemptor is bound.
  expect((await api.json("DELETE", `${NS}/pods/victim?gracePeriodSeconds=0`)).status).toBe(200);
  expect(await bound("preemptor")).toBe(NODE);
  expect((await get("latecomer")).spec.nodeName).toBeUndefined();
}, 60_000);
