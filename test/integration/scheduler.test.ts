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
  expect(cond.message).toBe("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
  const ev = await until(async () => (await api.json("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dhuge,reason%3DFailedScheduling")).body.items[0]);
  expect(ev.type).toBe("Warning");
  await api.json("POST", "/api/v1/nodes", node("huge-node", "16"));
  expect(await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/huge")).body.spec.nodeName)).toBe("huge-node");
});

test("required anti-affinity by hostname spreads a 3-replica ReplicaSet over 3 nodes; a 4th replica has nowhere to go", async () => {
  for (const n of ["anti-1", "anti-2", "anti-3"]) await api.json("POST", "/api/v1/nodes", node(n, "4", { pool: "anti" }));
  const labels = { app: "spread-me" };
  const rs = {
    apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "spread-me" },
    spec: {
      replicas: 3, selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: {
        nodeSelector: { pool: "anti" },
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" }] } },
        containers: [{ name: "c", image: "busybox" }],
      } },
    },
  };
  expect((await api.json("POST", "/apis/apps/v1/namespaces/default/replicasets", rs)).status).toBe(201);
  const listed = async () => (await api.json("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dspread-me")).body.items as any[];
  const nodes = await until(async () => {
    const items = await listed();
    return items.length === 3 && items.every((p) => p.spec.nodeName) ? items.map((p) => p.spec.nodeName).sort() : undefined;
  });
  expect(nodes).toEqual(["anti-1", "anti-2", "anti-3"]);

  await api.json("PATCH", "/apis/apps/v1/namespaces/default/replicasets/spread-me", { spec: { replicas: 4 } }, { headers: { "content-type": "application/merge-patch+json" } });
  const message = await until(async () => (await listed()).map((p) => p.status?.conditions?.find((c: any) => c.type === "PodScheduled" && c.status === "False")?.message).find(Boolean));
  // small, big and huge-node (earlier tests) are outside the pool; Go sorts "Pod's" before "pod".
  expect(message).toBe("0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 3 node(s) didn't match pod anti-affinity rules. preemption: 0/6 nodes are available: 3 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.");
});

test("a DoNotSchedule zone spread constraint splits pods evenly over uneven zones", async () => {
  const zones: Record<string, string> = { "tsc-a1": "a", "tsc-a2": "a", "tsc-a3": "a", "tsc-b1": "b" };
  for (const [n, z] of Object.entries(zones)) await api.json("POST", "/api/v1/nodes", node(n, "4", { pool: "tsc", "topology.kubernetes.io/zone": z }));
  const labels = { app: "zoned" };
  for (let i = 0; i < 6; i++) {
    await api.json("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1", kind: "Pod", metadata: { name: `zoned-${i}`, labels },
      spec: {
        nodeSelector: { pool: "tsc" },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } }],
        containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100m" } } }],
      },
    });
  }
  const placed = await until(async () => {
    const items = (await api.json("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dzoned")).body.items as any[];
    return items.length === 6 && items.every((p) => p.spec.nodeName) ? items.map((p) => zones[p.spec.nodeName]) : undefined;
  });
  expect(placed.filter((z) => z === "a")).toHaveLength(3);
  expect(placed.filter((z) => z === "b")).toHaveLength(3);
});

test("a pod whose required affinity matches nothing waits, and follows the first matching pod once it is bound", async () => {
  const follower = {
    apiVersion: "v1", kind: "Pod", metadata: { name: "follower" },
    spec: {
      nodeSelector: { pool: "anti" },
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "leader" } }, topologyKey: "kubernetes.io/hostname" }] } },
      containers: [{ name: "c", image: "busybox" }],
    },
  };
  await api.json("POST", "/api/v1/namespaces/default/pods", follower);
  const cond = await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/follower")).body.status?.conditions?.find((c: any) => c.type === "PodScheduled" && c.status === "False"));
  expect(cond.message).toContain("3 node(s) didn't match pod affinity rules");
  await api.json("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "leader", labels: { app: "leader" } }, spec: { nodeSelector: { pool: "anti" }, containers: [{ name: "c", image: "busybox" }] } });
  const leaderNode = await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/leader")).body.spec.nodeName);
  expect(await until(async () => (await api.json("GET", "/api/v1/namespaces/default/pods/follower")).body.spec.nodeName)).toBe(leaderNode);
});
