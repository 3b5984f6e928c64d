import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 1, prefix: "adopt" });
});
afterAll(async () => {
  await c?.close();
});

const MERGE = { headers: { "content-type": "application/merge-patch+json" } };
const spec = { containers: [{ name: "c", image: "busybox" }] };

async function ownerOf(name: string): Promise<any> {
  const p = (await c.json("GET", `/api/v1/namespaces/default/pods/${name}`)).body;
  return (p.metadata.ownerReferences ?? []).find((r: any) => r.controller);
}

describe("orphans are adopted, strays released", () => {
  // OnDelete: under RollingUpdate an adopted pod without the template hash is replaced at once, as in Kubernetes.
  test("a DaemonSet (OnDelete) adopts a matching orphan pod on its node instead of making another", async () => {
    await c.json("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "stray-agent", labels: { app: "ds" } }, spec: { ...spec, nodeName: "adopt-0" } });
    await c.json("POST", "/apis/apps/v1/namespaces/default/daemonsets", {
      apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" },
      spec: { updateStrategy: { type: "OnDelete" }, selector: { matchLabels: { app: "ds" } }, template: { metadata: { labels: { app: "ds" } }, spec } },
    });
    await c.waitFor(async () => (await ownerOf("stray-agent"))?.kind === "DaemonSet", "adopted by the DaemonSet");
    expect(await ownerOf("stray-agent")).toMatchObject({ kind: "DaemonSet", name: "ds", controller: true, blockOwnerDeletion: true });
    const ds = await c.waitFor(async () => {
      const s = (await c.json("GET", "/apis/apps/v1/namespaces/default/daemonsets/ds")).body.status;
      return s?.observedGeneration === 1 ? s : undefined;
    }, "status");
    expect(ds.currentNumberScheduled).toBe(1);
    expect((await c.json("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dds")).body.items.map((p: any) => p.metadata.name)).toEqual(["stray-agent"]);
  });

  test("a StatefulSet adopts an orphan with a member's name; not one with another name", async () => {
    for (const name of ["db-0", "other-0"]) {
      await c.json("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "db" } }, spec });
    }
    await c.json("POST", "/apis/apps/v1/namespaces/default/statefulsets", {
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" },
      spec: { replicas: 1, serviceName: "db", selector: { matchLabels: { app: "db" } }, template: { metadata: { labels: { app: "db" } }, spec } },
    });
    await c.waitFor(async () => (await ownerOf("db-0"))?.kind === "StatefulSet", "db-0 adopted");
    expect(await ownerOf("other-0")).toBeUndefined();
  });

  test("a pod relabelled out of a DaemonSet's selector is released and replaced", async () => {
    await c.json("PATCH", "/api/v1/namespaces/default/pods/stray-agent", { metadata: { labels: { app: "elsewhere" } } }, MERGE);
    await c.waitFor(async () => (await ownerOf("stray-agent")) === undefined, "released");
    await c.waitFor(async () => {
      const pods = (await c.json("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dds")).body.items;
      return pods.length === 1 && pods[0].metadata.name !== "stray-agent";
    }, "a new daemon pod");
  });
});
