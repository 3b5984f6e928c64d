import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 3, prefix: "rs" });
});
afterAll(async () => {
  await c?.close();
});

const rs = (name: string, replicas: number, labels: Record<string, string>) => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name },
  spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
});

/** Pods that count: a pod the ReplicaSet deleted stays listed through its grace period. */
async function pods(selector: string) {
  const items = (await c.json("GET", `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)).body.items as any[];
  return items.filter((p) => !p.metadata.deletionTimestamp);
}

describe("ReplicaSet controller on hollow nodes", () => {
  test("creates its replicas, which run; status counts them", async () => {
    expect((await c.json("POST", "/apis/apps/v1/namespaces/default/replicasets", rs("web", 3, { app: "web" }))).status).toBe(201);
    const status = await c.waitFor(async () => {
      const s = (await c.json("GET", "/apis/apps/v1/namespaces/default/replicasets/web")).body.status;
      return s?.readyReplicas === 3 && s?.availableReplicas === 3 ? s : undefined;
    }, "3 ready replicas");
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    const ps = await pods("app=web");
    expect(ps).toHaveLength(3);
    for (const p of ps) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ReplicaSet", name: "web", controller: true, blockOwnerDeletion: true })]);
      expect(p.status.phase).toBe("Running");
    }
  });

  test("scales down, deleting the least useful pods, and back up", async () => {
    await c.json("PATCH", "/apis/apps/v1/namespaces/default/replicasets/web/scale", { spec: { replicas: 1 } }, { headers: { "content-type": "application/merge-patch+json" } });
    await c.waitFor(async () => (await pods("app=web")).length === 1, "1 pod left");
    await c.json("PATCH", "/apis/apps/v1/namespaces/default/replicasets/web", { spec: { replicas: 4 } }, { headers: { "content-type": "application/merge-patch+json" } });
    await c.waitFor(async () => (await c.json("GET", "/apis/apps/v1/namespaces/default/replicasets/web")).body.status?.readyReplicas === 4, "4 ready");
  });

  test("replaces a deleted pod and adopts a matching orphan instead of creating one", async () => {
    const [victim] = await pods("app=web");
    await c.json("DELETE", `/api/v1/namespaces/default/pods/${victim.metadata.name}`);
    await c.waitFor(async () => {
      const ps = await pods("app=web");
      return ps.length === 4 && !ps.some((p) => p.metadata.name === victim.metadata.name);
    }, "replacement");
    await c.json("POST", "/apis/apps/v1/namespaces/default/replicasets", rs("api", 2, { app: "api" }));
    await c.json("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "orphan", labels: { app: "api" } }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    await c.waitFor(async () => (await c.json("GET", "/apis/apps/v1/namespaces/default/replicasets/api")).body.status?.readyReplicas === 2, "api ready");
    const ps = await pods("app=api");
    expect(ps).toHaveLength(2);
    const orphan = ps.find((p) => p.metadata.name === "orphan");
    expect(orphan?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", name: "api", controller: true });
  });

  test("a pod relabelled out of the selector is released and replaced", async () => {
    const [p] = await pods("app=api");
    await c.json("PATCH", `/api/v1/namespaces/default/pods/${p.metadata.name}`, { metadata: { labels: { app: "debug" } } }, { headers: { "content-type": "application/merge-patch+json" } });
    const released = await c.waitFor(async () => {
      const cur = (await c.json("GET", `/api/v1/namespaces/default/pods/${p.metadata.name}`)).body;
      return !cur.metadata.ownerReferences ? cur : undefined;
    }, "release");
    expect(released.metadata.labels.app).toBe("debug");
    await c.waitFor(async () => (await pods("app=api")).length === 2, "replacement for the released pod");
  });
});
