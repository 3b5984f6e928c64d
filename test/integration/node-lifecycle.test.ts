import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

/**
 * Node loss on hollow nodes with short clocks: a node is silent after 3 s, pods tolerate
 * its taints for 1 s, and pods of a deleted node are collected after 0.5 s.
 */
let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({
    nodes: 1,
    prefix: "lost",
    controllerSettings: { nodeMonitorGracePeriodMs: 3000, notReadyTolerationSeconds: 1, unreachableTolerationSeconds: 1, orphanPodQuarantineMs: 500 },
  });
});
afterAll(async () => {
  await c?.close();
});

const MERGE = { headers: { "content-type": "application/merge-patch+json" } };

async function pods(selector: string): Promise<any[]> {
  return (await c.json("GET", `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)).body.items;
}

async function node(name: string): Promise<any> {
  return (await c.json("GET", `/api/v1/nodes/${name}`)).body;
}

const taintKeys = (n: any) => (n.spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();

describe("node lifecycle on hollow nodes", () => {
  test("new pods tolerate not-ready and unreachable for the configured time", async () => {
    const res = await c.json("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "tol" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    expect(res.body.spec.tolerations).toEqual([
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 1 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 1 },
    ]);
    await c.json("DELETE", "/api/v1/namespaces/default/pods/tol?gracePeriodSeconds=0");
  });

  test("cordon taints the node unschedulable; uncordon removes it", async () => {
    await c.json("PATCH", "/api/v1/nodes/lost-0", { spec: { unschedulable: true } }, MERGE);
    await c.waitFor(async () => taintKeys(await node("lost-0")).includes("node.kubernetes.io/unschedulable:NoSchedule"), "unschedulable taint");
    await c.json("PATCH", "/api/v1/nodes/lost-0", { spec: { unschedulable: null } }, MERGE);
    await c.waitFor(async () => taintKeys(await node("lost-0")).length === 0, "taint gone");
  });

  test("a silent node goes Unknown and tainted; its pods are evicted and replaced on live nodes", async () => {
    const deployment = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    };
    await c.json("POST", "/apis/apps/v1/namespaces/default/deployments", deployment);
    await c.waitFor(async () => (await pods("app=web")).filter((p) => p.status?.phase === "Running").length === 2, "2 running on lost-0");
    const live = await c.addNodes(2, "alive");
    c.stopNodes("lost");

    const lost = await c.waitFor(async () => {
      const n = await node("lost-0");
      return n.status.conditions.find((x: any) => x.type === "Ready").status === "Unknown" && taintKeys(n).length === 2 ? n : undefined;
    }, "lost-0 Unknown and tainted");
    expect(lost.status.conditions.find((x: any) => x.type === "Ready")).toMatchObject({ reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    expect(taintKeys(lost)).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
    expect(lost.spec.taints.find((t: any) => t.effect === "NoExecute").timeAdded).toMatch(/Z$/);

    const replaced = await c.waitFor(async () => {
      const all = await pods("app=web");
      const running = all.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running" && live.includes(p.spec.nodeName));
      return running.length === 2 ? all : undefined;
    }, "replacements running on live nodes");
    const evicted = replaced.filter((p) => p.spec.nodeName === "lost-0");
    expect(evicted).toHaveLength(2);
    for (const p of evicted) {
      // No kubelet confirms the deletion: the pods stay Terminating, marked not ready and disrupted.
      expect(p.metadata.deletionTimestamp).toBeDefined();
      expect(p.status.conditions.find((x: any) => x.type === "Ready").status).toBe("False");
      expect(p.status.conditions.find((x: any) => x.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "DeletionByTaintManager" });
    }
    const evs = (await c.json("GET", "/api/v1/namespaces/default/events")).body.items.map((e: any) => e.reason);
    expect(evs).toEqual(expect.arrayContaining(["NodeNotReady", "TaintManagerEviction"]));
  });

  test("deleting the dead node lets the pod GC remove its terminating pods", async () => {
    expect((await c.json("DELETE", "/api/v1/nodes/lost-0")).status).toBe(200);
    await c.waitFor(async () => (await pods("app=web")).every((p) => p.spec.nodeName !== "lost-0"), "pods of lost-0 collected");
    expect((await pods("app=web")).filter((p) => p.status?.phase === "Running")).toHaveLength(2);
  });
});
