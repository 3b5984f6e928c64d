import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 2, prefix: "ep" });
});
afterAll(async () => {
  await c?.close();
});

const merge = { headers: { "content-type": "application/merge-patch+json" } };

const deployment = (name: string, replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox", ports: [{ name: "http", containerPort: 8080 }] }] } },
  },
});

const service = (name: string, selector?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, labels: { tier: "front" } },
  spec: { ...(selector ? { selector } : {}), ports: [{ name: "web", port: 80, targetPort: "http" }] },
});

/** Running, ready pods with an IP (pods being deleted linger through their grace period). */
async function readyPods(app: string) {
  const items = (await c.json("GET", `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items as any[];
  return items.filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP && p.status.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"));
}

const endpoints = async (name: string) => (await c.json("GET", `/api/v1/namespaces/default/endpoints/${name}`)).body;
const ips = (list: any[] | undefined) => (list ?? []).map((a) => a.ip).sort();
const slices = async (service: string) =>
  (await c.json("GET", `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`)).body.items as any[];
/** Addresses of the ready endpoints across a service's slices. */
const readySliceIps = (list: any[]) => list.flatMap((s) => (s.endpoints ?? []).filter((e: any) => e.conditions.ready).map((e: any) => e.addresses[0])).sort();

describe("Endpoints controller on hollow nodes", () => {
  test("hollow pods get IPs from the fake runtime; the service's Endpoints list the ready ones", async () => {
    expect((await c.json("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web", 3))).status).toBe(201);
    expect((await c.json("POST", "/api/v1/namespaces/default/services", service("web", { app: "web" }))).status).toBe(201);
    const pods = await c.waitFor(async () => {
      const ps = await readyPods("web");
      return ps.length === 3 ? ps : undefined;
    }, "3 ready pods with IPs");
    const podIps = pods.map((p) => p.status.podIP).sort();
    const ep = await c.waitFor(async () => {
      const e = await endpoints("web");
      return Bun.deepEquals(ips(e.subsets?.[0]?.addresses), podIps) ? e : undefined;
    }, "endpoints with the 3 pod IPs");
    expect(ep.metadata.labels).toEqual({ tier: "front" });
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets[0].notReadyAddresses).toBeUndefined();
    expect(ep.subsets[0].ports).toEqual([{ name: "web", port: 8080, protocol: "TCP" }]);
    for (const a of ep.subsets[0].addresses) {
      const p = pods.find((x) => x.status.podIP === a.ip)!;
      expect(a).toEqual({ ip: p.status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: "Pod", namespace: "default", name: p.metadata.name, uid: p.metadata.uid } });
      expect(c.nodeNames).toContain(a.nodeName);
    }
  });

  test("the service's EndpointSlice holds the same pods, owned by the service", async () => {
    const pods = await readyPods("web");
    const podIps = pods.map((p) => p.status.podIP).sort();
    const [slice, ...more] = await c.waitFor(async () => {
      const list = await slices("web");
      return Bun.deepEquals(readySliceIps(list), podIps) ? list : undefined;
    }, "a slice with the 3 pod IPs");
    expect(more).toEqual([]);
    const svc = (await c.json("GET", "/api/v1/namespaces/default/services/web")).body;
    expect(slice.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice.metadata.generateName).toBe("web-");
    expect(slice.metadata.labels).toEqual({ tier: "front", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe("IPv4");
    expect(slice.ports).toEqual([{ name: "web", port: 8080, protocol: "TCP" }]);
    for (const e of slice.endpoints) {
      const p = pods.find((x) => x.status.podIP === e.addresses[0])!;
      expect(e).toEqual({
        addresses: [p.status.podIP],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: p.spec.nodeName,
        targetRef: { kind: "Pod", namespace: "default", name: p.metadata.name, uid: p.metadata.uid },
      });
    }
  });

  test("a slice another manager keeps is left alone", async () => {
    const foreign = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "web-foreign", labels: { "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "someone-else" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["192.0.2.1"], conditions: { ready: true } }],
      ports: [{ name: "web", port: 1234, protocol: "TCP" }],
    };
    expect((await c.json("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", foreign)).status).toBe(201);
    // Deleting our slice makes the controller look at the service again; it writes a new one.
    const [ours] = (await slices("web")).filter((s) => s.metadata.name !== "web-foreign");
    await c.json("DELETE", `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/${ours.metadata.name}`);
    await c.waitFor(async () => (await slices("web")).some((s) => s.metadata.name !== "web-foreign" && s.metadata.name !== ours.metadata.name && s.endpoints?.length === 3), "a new slice of ours");
    const kept = (await c.json("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-foreign")).body;
    expect(kept.endpoints).toEqual(foreign.endpoints);
    expect(kept.metadata.labels).toEqual(foreign.metadata.labels);
    await c.json("DELETE", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-foreign");
  });

  test("scaling down shrinks the Endpoints to the remaining pods", async () => {
    await c.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", { spec: { replicas: 1 } }, merge);
    const ep = await c.waitFor(async () => {
      const e = await endpoints("web");
      return e.subsets?.[0]?.addresses?.length === 1 && !e.subsets[0].notReadyAddresses ? e : undefined;
    }, "endpoints with 1 address");
    const [left] = await c.waitFor(async () => {
      const ps = await readyPods("web");
      return ps.length === 1 ? ps : undefined;
    }, "1 pod left");
    expect(ep.subsets[0].addresses[0].targetRef.name).toBe(left.metadata.name);
    // Slices list terminating pods until they are gone, then only the one left.
    const list = await c.waitFor(async () => {
      const l = await slices("web");
      return l.length === 1 && l[0].endpoints?.length === 1 ? l : undefined;
    }, "a slice with 1 endpoint");
    expect(list[0].endpoints[0]).toMatchObject({ addresses: [left.status.podIP], conditions: { ready: true, serving: true, terminating: false } });
  });

  test("a service without a selector keeps the Endpoints its owner wrote; default/kubernetes is untouched", async () => {
    const before = await endpoints("kubernetes");
    // The server keeps one slice for the API itself (as the apiserver does), beside its Endpoints.
    const apiSlices = await slices("kubernetes");
    expect(apiSlices.map((s: any) => [s.endpoints[0].addresses, s.ports[0].name])).toEqual([[before.subsets[0].addresses.map((a: any) => a.ip), "https"]]);
    expect((await c.json("POST", "/api/v1/namespaces/default/services", service("external"))).status).toBe(201);
    const mine = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "external" }, subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ name: "web", port: 9000, protocol: "TCP" }] }] };
    expect((await c.json("POST", "/api/v1/namespaces/default/endpoints", mine)).status).toBe(201);
    // A selector service created after it is a marker: once its Endpoints exist, the controller
    // has worked through the earlier events too.
    await c.json("POST", "/api/v1/namespaces/default/services", service("marker", { app: "web" }));
    await c.waitFor(async () => (await endpoints("marker")).subsets?.[0]?.addresses?.length === 1, "marker endpoints");
    const after = await endpoints("external");
    expect(after.subsets).toEqual(mine.subsets);
    expect(after.metadata.labels).toBeUndefined();
    expect(await endpoints("kubernetes")).toEqual(before);
    expect(await slices("external")).toEqual([]);
    expect(await slices("kubernetes")).toEqual(apiSlices);
  });

  test("deleting the service deletes its Endpoints, and its slices go with it", async () => {
    expect(await slices("marker")).toHaveLength(1);
    await c.json("DELETE", "/api/v1/namespaces/default/services/marker");
    await c.waitFor(async () => (await c.json("GET", "/api/v1/namespaces/default/endpoints/marker")).status === 404, "marker endpoints gone");
    await c.waitFor(async () => (await slices("marker")).length === 0, "marker slices collected");
  });
});

describe("ServiceAccount controller", () => {
  const sa = (ns: string) => c.json("GET", `/api/v1/namespaces/${ns}/serviceaccounts/default`);

  test("every namespace has a default ServiceAccount, a new one included", async () => {
    for (const ns of ["default", "kube-system", "kube-public"]) await c.waitFor(async () => (await sa(ns)).status === 200, `default SA in ${ns}`);
    expect((await c.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "ep-team" } })).status).toBe(201);
    const created = await c.waitFor(async () => {
      const r = await sa("ep-team");
      return r.status === 200 ? r.body : undefined;
    }, "default SA in ep-team");
    expect(created).toMatchObject({ kind: "ServiceAccount", metadata: { name: "default", namespace: "ep-team" } });
  });

  test("a deleted default ServiceAccount comes back", async () => {
    const before = (await sa("ep-team")).body;
    expect((await c.json("DELETE", "/api/v1/namespaces/ep-team/serviceaccounts/default")).status).toBe(200);
    const again = await c.waitFor(async () => {
      const r = await sa("ep-team");
      return r.status === 200 && r.body.metadata.uid !== before.metadata.uid ? r.body : undefined;
    }, "default SA recreated");
    expect(again.metadata.name).toBe("default");
  });

  test("a terminating namespace is not refilled: it goes away with its ServiceAccount", async () => {
    await c.json("DELETE", "/api/v1/namespaces/ep-team");
    await c.waitFor(async () => (await c.json("GET", "/api/v1/namespaces/ep-team")).status === 404, "namespace gone");
    expect((await sa("ep-team")).status).toBe(404);
  });
});
