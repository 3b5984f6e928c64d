import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 2, prefix: "gc" });
});
afterAll(async () => {
  await c?.close();
});

const cm = (name: string, owner?: any, block = false) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...(owner ? { ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: owner.metadata.name, uid: owner.metadata.uid, ...(block ? { blockOwnerDeletion: true } : {}) }] } : {}) },
});
const base = "/api/v1/namespaces/default/configmaps";
const exists = async (name: string) => (await c.json("GET", `${base}/${name}`)).status === 200;

function deployment(name: string) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
  };
}

async function podCount(app: string): Promise<number> {
  return (await c.json("GET", `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items.length;
}

describe("garbage collector", () => {
  test("background: dependents go after their owner", async () => {
    const owner = (await c.json("POST", base, cm("bg-owner"))).body;
    await c.json("POST", base, cm("bg-dep", owner));
    await c.json("DELETE", `${base}/bg-owner`);
    await c.waitFor(async () => !(await exists("bg-dep")), "dependent deleted");
  });

  test("a dependent with a live owner, or one of two owners left, stays", async () => {
    const a = (await c.json("POST", base, cm("two-a"))).body;
    const b = (await c.json("POST", base, cm("two-b"))).body;
    const dep = cm("two-dep", a);
    dep.metadata.ownerReferences!.push({ apiVersion: "v1", kind: "ConfigMap", name: "two-b", uid: b.metadata.uid });
    await c.json("POST", base, dep);
    await c.json("DELETE", `${base}/two-a`);
    await Bun.sleep(300);
    expect(await exists("two-dep")).toBe(true);
    await c.json("DELETE", `${base}/two-b`);
    await c.waitFor(async () => !(await exists("two-dep")), "dependent deleted after its last owner");
  });

  test("an owner reference to a uid that no longer exists makes an orphan that is collected", async () => {
    await c.json("POST", base, { ...cm("stale"), metadata: { name: "stale", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "never-was", uid: "00000000-0000-0000-0000-000000000000" }] } });
    await c.waitFor(async () => !(await exists("stale")), "stale dependent deleted");
  });

  test("foreground: the owner stays until blocking dependents are gone", async () => {
    const owner = (await c.json("POST", base, cm("fg-owner"))).body;
    await c.json("POST", base, cm("fg-dep", owner, true));
    const r = await c.json("DELETE", `${base}/fg-owner`, { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Foreground" });
    expect(r.body.metadata.finalizers).toContain("foregroundDeletion");
    await c.waitFor(async () => !(await exists("fg-owner")) && !(await exists("fg-dep")), "owner and dependent gone");
  });

  test("orphan: dependents lose the owner reference and stay", async () => {
    const owner = (await c.json("POST", base, cm("or-owner"))).body;
    await c.json("POST", base, cm("or-dep", owner));
    await c.json("DELETE", `${base}/or-owner`, { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Orphan" });
    await c.waitFor(async () => !(await exists("or-owner")), "owner gone");
    const dep = (await c.json("GET", `${base}/or-dep`)).body;
    expect(dep.metadata.ownerReferences).toBeUndefined();
  });

  test("deleting a Deployment takes its ReplicaSets and pods (background), or leaves them (orphan)", async () => {
    await c.json("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("gone"));
    await c.waitFor(async () => (await podCount("gone")) === 2, "pods up");
    await c.json("DELETE", "/apis/apps/v1/namespaces/default/deployments/gone");
    await c.waitFor(async () => (await podCount("gone")) === 0, "pods collected");
    expect((await c.json("GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dgone")).body.items).toHaveLength(0);

    await c.json("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("kept"));
    await c.waitFor(async () => (await podCount("kept")) === 2, "pods up");
    await c.json("DELETE", "/apis/apps/v1/namespaces/default/deployments/kept", { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Orphan" });
    await c.waitFor(async () => (await c.json("GET", "/apis/apps/v1/namespaces/default/deployments/kept")).status === 404, "deployment gone");
    const sets = (await c.json("GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dkept")).body.items;
    expect(sets).toHaveLength(1);
    expect(sets[0].metadata.ownerReferences).toBeUndefined();
    expect(await podCount("kept")).toBe(2);
  });
});
