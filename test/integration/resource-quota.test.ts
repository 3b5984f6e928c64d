import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 2, prefix: "quota" });
});
afterAll(async () => {
  await c?.close();
});

async function namespace(name: string) {
  expect((await c.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } })).status).toBe(201);
}

async function quota(ns: string, name: string, hard: Record<string, string>) {
  const res = await c.json("POST", `/api/v1/namespaces/${ns}/resourcequotas`, { apiVersion: "v1", kind: "ResourceQuota", metadata: { name }, spec: { hard } });
  expect(res.status).toBe(201);
}

const pod = (name: string, resources?: object) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox", ...(resources ? { resources } : {}) }] },
});

const createPod = (ns: string, body: object) => c.json("POST", `/api/v1/namespaces/${ns}/pods`, body);

/** The quota's status once `used` reads as wanted. */
function usedBecomes(ns: string, name: string, used: Record<string, string>) {
  return c.waitFor(async () => {
    const q = (await c.json("GET", `/api/v1/namespaces/${ns}/resourcequotas/${name}`)).body;
    return Bun.deepEquals(q.status?.used, used) ? q.status : undefined;
  }, `quota ${ns}/${name} used ${JSON.stringify(used)}`);
}

describe("ResourceQuota on hollow nodes", () => {
  test("pods=2: the third pod is refused with Kubernetes' message; status counts; a delete frees room", async () => {
    await namespace("quota-pods");
    await quota("quota-pods", "quota", { pods: "2" });
    expect((await createPod("quota-pods", pod("p1"))).status).toBe(201);
    expect((await createPod("quota-pods", pod("p2"))).status).toBe(201);
    const refused = await createPod("quota-pods", pod("p3"));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      kind: "Status", status: "Failure", reason: "Forbidden", code: 403,
      message: 'pods "p3" is forbidden: exceeded quota: quota, requested: pods=1, used: pods=2, limited: pods=2',
      details: { name: "p3", kind: "pods" },
    });

    expect(await usedBecomes("quota-pods", "quota", { pods: "2" })).toEqual({ hard: { pods: "2" }, used: { pods: "2" } });

    // The hollow kubelet ends the pod; once it is gone the unit is free again.
    expect([200, 202]).toContain((await c.json("DELETE", "/api/v1/namespaces/quota-pods/pods/p1")).status);
    await c.waitFor(async () => (await c.json("GET", "/api/v1/namespaces/quota-pods/pods/p1")).status === 404, "p1 gone");
    await usedBecomes("quota-pods", "quota", { pods: "1" });
    expect((await createPod("quota-pods", pod("p3"))).status).toBe(201);
    await usedBecomes("quota-pods", "quota", { pods: "2" });
  });

  test("a Deployment of 3 under pods=2 gets 2 pods; its ReplicaSet reports FailedCreate and ReplicaFailure", async () => {
    await namespace("quota-deploy");
    await quota("quota-deploy", "quota", { pods: "2" });
    const labels = { app: "web" };
    const res = await c.json("POST", "/apis/apps/v1/namespaces/quota-deploy/deployments", {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
      spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
    });
    expect(res.status).toBe(201);

    const rs = await c.waitFor(async () => {
      const [set] = (await c.json("GET", "/apis/apps/v1/namespaces/quota-deploy/replicasets")).body.items;
      return set?.status?.conditions?.some((x: any) => x.type === "ReplicaFailure") ? set : undefined;
    }, "ReplicaFailure condition");
    const failure = rs.status.conditions.find((x: any) => x.type === "ReplicaFailure");
    expect(failure).toMatchObject({ status: "True", reason: "FailedCreate" });
    expect(failure.message).toMatch(/^pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: quota, requested: pods=1, used: pods=2, limited: pods=2$/);

    const event = await c.waitFor(async () => {
      const items = (await c.json("GET", `/api/v1/namespaces/quota-deploy/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${rs.metadata.name},reason=FailedCreate`)}`)).body.items as any[];
      return items[0];
    }, "FailedCreate event");
    expect(event).toMatchObject({ type: "Warning", involvedObject: { kind: "ReplicaSet", name: rs.metadata.name } });
    expect(event.message).toMatch(/^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: quota, requested: pods=1, used: pods=2, limited: pods=2$/);

    const pods = (await c.json("GET", "/api/v1/namespaces/quota-deploy/pods")).body.items as any[];
    expect(pods).toHaveLength(2);
    await usedBecomes("quota-deploy", "quota", { pods: "2" });
  });

  test("requests.cpu: a pod without a cpu request is refused; requests add up to the limit", async () => {
    await namespace("quota-cpu");
    await quota("quota-cpu", "cpu", { "requests.cpu": "1" });
    const lazy = await createPod("quota-cpu", pod("lazy"));
    expect(lazy.status).toBe(403);
    expect(lazy.body.message).toBe('pods "lazy" is forbidden: failed quota: cpu: must specify requests.cpu for: c');

    expect((await createPod("quota-cpu", pod("a", { requests: { cpu: "600m" } }))).status).toBe(201);
    // A limit alone is enough: the request defaults to it.
    const big = await createPod("quota-cpu", pod("b", { limits: { cpu: "500m" } }));
    expect(big.status).toBe(403);
    expect(big.body.message).toBe('pods "b" is forbidden: exceeded quota: cpu, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
    expect((await createPod("quota-cpu", pod("c", { limits: { cpu: "400m" } }))).status).toBe(201);
    expect(await usedBecomes("quota-cpu", "cpu", { "requests.cpu": "1" })).toEqual({ hard: { "requests.cpu": "1" }, used: { "requests.cpu": "1" } });
  });

  test("object counts of other kinds, and status follows creates and deletes", async () => {
    await namespace("quota-objects");
    await quota("quota-objects", "objects", { configmaps: "2", "count/secrets": "1", services: "5", "services.nodeports": "1" });
    await usedBecomes("quota-objects", "objects", { configmaps: "0", "count/secrets": "0", services: "0", "services.nodeports": "0" });
    const cm = (name: string) => c.json("POST", "/api/v1/namespaces/quota-objects/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
    expect((await cm("a")).status).toBe(201);
    expect((await cm("b")).status).toBe(201);
    expect((await cm("c")).body.message).toBe('configmaps "c" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=2, limited: configmaps=2');
    const svc = (name: string, type: string) => c.json("POST", "/api/v1/namespaces/quota-objects/services", { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { type, ports: [{ name: "a", port: 80 }, { name: "b", port: 81 }] } });
    const np = await svc("np", "NodePort");
    expect(np.status).toBe(403);
    expect(np.body.message).toBe('services "np" is forbidden: exceeded quota: objects, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
    expect((await svc("cip", "ClusterIP")).status).toBe(201);
    await usedBecomes("quota-objects", "objects", { configmaps: "2", "count/secrets": "0", services: "1", "services.nodeports": "0" });
    await c.json("DELETE", "/api/v1/namespaces/quota-objects/configmaps/a");
    await usedBecomes("quota-objects", "objects", { configmaps: "1", "count/secrets": "0", services: "1", "services.nodeports": "0" });
    expect((await cm("c")).status).toBe(201);
  });
});
