/** The API's object lifecycle through HTTP: create, read, list, update, patch, delete, watch. */
import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { readWatchEvents } from "../helpers/watch-events.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const deployment = (name: string, replicas = 1) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image: "busybox:1.36", ports: [{ containerPort: 80 }] }] } },
  },
});

test("system namespaces exist from the start", async () => {
  const r = await api.json("GET", "/api/v1/namespaces");
  expect(r.status).toBe(200);
  expect(r.body.kind).toBe("NamespaceList");
  expect(r.body.items.map((n: any) => n.metadata.name).sort()).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
  expect(r.body.items[0].status.phase).toBe("Active");
});

test("create fills system fields and defaults; get returns it", async () => {
  const c = await api.json("POST", "/apis/apps/v1/namespaces/default/deployments", deployment("web"));
  expect(c.status).toBe(201);
  const m = c.body.metadata;
  expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
  expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(m.generation).toBe(1);
  expect(Number(m.resourceVersion)).toBeGreaterThan(0);
  expect(c.body.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  expect(c.body.spec.template.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
  expect(c.body.spec.template.spec.containers[0].ports[0].protocol).toBe("TCP");
  const g = await api.json("GET", "/apis/apps/v1/namespaces/default/deployments/web");
  expect(g.body).toEqual(c.body);
});

test("generateName makes a unique name", async () => {
  const c = await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" } });
  expect(c.status).toBe(201);
  expect(c.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
});

test("dryRun=All validates and defaults but writes nothing", async () => {
  const before = api.store.revision();
  const c = await api.json("POST", "/apis/apps/v1/namespaces/default/deployments?dryRun=All", deployment("dry"));
  expect(c.status).toBe(201);
  expect(c.body.spec.revisionHistoryLimit).toBe(10);
  expect(api.store.revision()).toBe(before);
  expect((await api.json("GET", "/apis/apps/v1/namespaces/default/deployments/dry")).status).toBe(404);
});

test("spec changes bump generation, metadata changes do not; status is ignored on the main resource", async () => {
  const cur = (await api.json("GET", "/apis/apps/v1/namespaces/default/deployments/web")).body;
  const labelled = await api.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", { metadata: { labels: { tier: "front" } } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(labelled.status).toBe(200);
  expect(labelled.body.metadata.generation).toBe(cur.metadata.generation);
  const scaled = await api.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", { spec: { replicas: 3 }, status: { replicas: 99 } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(scaled.body.metadata.generation).toBe(cur.metadata.generation + 1);
  expect(scaled.body.status?.replicas).toBeUndefined();
  const st = await api.json("PUT", "/apis/apps/v1/namespaces/default/deployments/web/status", { ...scaled.body, status: { replicas: 3, observedGeneration: 2 } });
  expect(st.status).toBe(200);
  expect(st.body.status.replicas).toBe(3);
  expect(st.body.metadata.generation).toBe(scaled.body.metadata.generation);
});

test("strategic merge patch merges containers by name; json patch works", async () => {
  const smp = await api.json(
    "PATCH",
    "/apis/apps/v1/namespaces/default/deployments/web",
    { spec: { template: { spec: { containers: [{ name: "sidecar", image: "busybox:1.36" }] } } } },
    { headers: { "content-type": "application/strategic-merge-patch+json" } },
  );
  expect(smp.status).toBe(200);
  expect(smp.body.spec.template.spec.containers.map((c: any) => c.name).sort()).toEqual(["sidecar", "web"]);
  const jp = await api.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", [{ op: "replace", path: "/spec/replicas", value: 5 }], { headers: { "content-type": "application/json-patch+json" } });
  expect(jp.body.spec.replicas).toBe(5);
  const failing = await api.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", [{ op: "test", path: "/spec/replicas", value: 1 }], { headers: { "content-type": "application/json-patch+json" } });
  expect(failing.status).toBe(422);
});

test("scale subresource reads and writes replicas", async () => {
  const s = await api.json("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale");
  expect(s.body).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 5 }, status: { selector: "app=web" } });
  const p = await api.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", { spec: { replicas: 2 } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect({ status: p.status, replicas: p.body.spec?.replicas, body: p.status === 200 ? undefined : p.body }).toEqual({ status: 200, replicas: 2, body: undefined });
  expect((await api.json("GET", "/apis/apps/v1/namespaces/default/deployments/web")).body.spec.replicas).toBe(2);
});

test("list with label and field selectors, limit and continue", async () => {
  for (const [i, tier] of ["a", "b", "a", "b", "a"].entries()) {
    await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `sel-${i}`, labels: { tier } } });
  }
  const a = await api.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=tier%3Da");
  expect(a.body.items.map((x: any) => x.metadata.name)).toEqual(["sel-0", "sel-2", "sel-4"]);
  const notA = await api.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=tier%20notin%20(a),tier");
  expect(notA.body.items.map((x: any) => x.metadata.name)).toEqual(["sel-1", "sel-3"]);
  const byName = await api.json("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dsel-3");
  expect(byName.body.items.map((x: any) => x.metadata.name)).toEqual(["sel-3"]);
  // Across namespaces, paged, and with another requirement beside the name.
  expect((await api.json("POST", "/api/v1/namespaces", { metadata: { name: "sel-other" } })).status).toBe(201);
  expect((await api.json("POST", "/api/v1/namespaces/sel-other/configmaps", { metadata: { name: "sel-3", labels: { tier: "c" } } })).status).toBe(201);
  const everywhere = await api.json("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-3");
  expect(everywhere.body.items.map((x: any) => `${x.metadata.namespace}/${x.metadata.name}`)).toEqual(["default/sel-3", "sel-other/sel-3"]);
  const first = await api.json("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-3&limit=1");
  expect(first.body.items.map((x: any) => x.metadata.namespace)).toEqual(["default"]);
  const second = await api.json("GET", `/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-3&limit=1&continue=${first.body.metadata.continue}`);
  expect(second.body.items.map((x: any) => x.metadata.namespace)).toEqual(["sel-other"]);
  expect(second.body.metadata.continue).toBeUndefined();
  // The name reaches the store, which skips the other objects unparsed (a label must parse them all).
  const parses = async (path: string) => {
    const spy = spyOn(JSON, "parse");
    try {
      const r = await api.request("GET", path);
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  };
  expect(await parses("/api/v1/configmaps?labelSelector=tier")).toBeGreaterThanOrEqual(6);
  expect(await parses("/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-3")).toBeLessThanOrEqual(2);
  const narrowed = await api.json("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-3,metadata.namespace!%3Ddefault&labelSelector=tier%3Dc");
  expect(narrowed.body.items.map((x: any) => x.metadata.namespace)).toEqual(["sel-other"]);
  const badField = await api.json("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=spec.nope%3D1");
  expect(badField.status).toBe(400);
  const page1 = await api.json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=tier&limit=2");
  expect(page1.body.items).toHaveLength(2);
  expect(page1.body.metadata.continue).toBeTruthy();
  const page2 = await api.json("GET", `/api/v1/namespaces/default/configmaps?labelSelector=tier&limit=2&continue=${page1.body.metadata.continue}`);
  const page3 = await api.json("GET", `/api/v1/namespaces/default/configmaps?labelSelector=tier&limit=2&continue=${page2.body.metadata.continue}`);
  expect([...page1.body.items, ...page2.body.items, ...page3.body.items].map((x: any) => x.metadata.name)).toEqual(["sel-0", "sel-1", "sel-2", "sel-3", "sel-4"]);
  expect(page3.body.metadata.continue).toBeUndefined();
});

test("list across namespaces and Table output", async () => {
  const all = await api.json("GET", "/api/v1/configmaps");
  expect(all.body.items.length).toBeGreaterThan(5);
  const table = await api.json("GET", "/apis/apps/v1/namespaces/default/deployments", undefined, {
    headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json" },
  });
  expect(table.body.kind).toBe("Table");
  expect(table.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
  expect(table.body.rows[0].cells[0]).toBe("web");
  expect(table.body.rows[0].object.kind).toBe("PartialObjectMetadata");
});

test("watch from a resourceVersion delivers changes in order, with selectors applied to transitions", async () => {
  const start = (await api.json("GET", "/api/v1/namespaces/default/configmaps")).body.metadata.resourceVersion;
  const ac = new AbortController();
  const res = await api.request("GET", `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${start}&labelSelector=w%3Dyes`, undefined, { signal: ac.signal });
  await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w1", labels: { w: "yes" } } });
  await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "w2", labels: { w: "no" } } });
  await api.json("PATCH", "/api/v1/namespaces/default/configmaps/w2", { metadata: { labels: { w: "yes" } } }, { headers: { "content-type": "application/merge-patch+json" } });
  await api.json("PATCH", "/api/v1/namespaces/default/configmaps/w1", { metadata: { labels: { w: "no" } } }, { headers: { "content-type": "application/merge-patch+json" } });
  await api.json("DELETE", "/api/v1/namespaces/default/configmaps/w2");
  const events = await readWatchEvents(res, (evs) => evs.length >= 4);
  ac.abort();
  expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED w1", "ADDED w2", "DELETED w1", "DELETED w2"]);
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
});

test("finalizers hold a delete until they are removed", async () => {
  await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", finalizers: ["example.com/hold"] } });
  const del = await api.json("DELETE", "/api/v1/namespaces/default/configmaps/held");
  expect(del.status).toBe(202);
  const g = await api.json("GET", "/api/v1/namespaces/default/configmaps/held");
  expect(g.body.metadata.deletionTimestamp).toBeTruthy();
  const rm = await api.json("PATCH", "/api/v1/namespaces/default/configmaps/held", { metadata: { finalizers: null } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(rm.status).toBe(200);
  expect((await api.json("GET", "/api/v1/namespaces/default/configmaps/held")).status).toBe(404);
});

test("services get a ClusterIP and NodePorts from their ranges, never twice", async () => {
  const svc = (name: string, extra: any = {}) => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...extra } });
  const a = await api.json("POST", "/api/v1/namespaces/default/services", svc("a", { type: "NodePort" }));
  expect(a.status).toBe(201);
  expect(a.body.spec.clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
  expect(a.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
  expect(a.body.spec.ports[0].targetPort).toBe(80);
  const dupIp = await api.json("POST", "/api/v1/namespaces/default/services", svc("b", { clusterIP: a.body.spec.clusterIP }));
  expect(dupIp.status).toBe(422);
  const dupPort = await api.json("POST", "/api/v1/namespaces/default/services", svc("c", { type: "NodePort", ports: [{ port: 80, nodePort: a.body.spec.ports[0].nodePort }] }));
  expect(dupPort.status).toBe(422);
  expect((await api.json("DELETE", "/api/v1/namespaces/default/services/a")).status).toBe(200);
  const reuse = await api.json("POST", "/api/v1/namespaces/default/services", svc("b", { clusterIP: a.body.spec.clusterIP }));
  expect(reuse.status).toBe(201);
  const k = await api.json("GET", "/api/v1/namespaces/default/services/kubernetes");
  expect(k.body.spec.clusterIP).toBe("10.43.0.1");
});

test("discovery: legacy and aggregated", async () => {
  const v1 = await api.json("GET", "/api/v1");
  expect(v1.body.resources.find((r: any) => r.name === "pods")).toMatchObject({ kind: "Pod", namespaced: true, shortNames: ["po"] });
  expect(v1.body.resources.some((r: any) => r.name === "pods/status")).toBe(true);
  const groups = await api.json("GET", "/apis");
  expect(groups.body.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining(["apps", "batch", "coordination.k8s.io", "networking.k8s.io"]));
  const agg = await api.json("GET", "/apis", undefined, { headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" } });
  expect(agg.body.kind).toBe("APIGroupDiscoveryList");
  expect(agg.headers.get("content-type")).toContain("as=APIGroupDiscoveryList");
});

test("deleting a namespace removes its content, then the namespace", async () => {
  await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
  await api.json("POST", "/api/v1/namespaces/doomed/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } });
  await api.json("POST", "/apis/apps/v1/namespaces/doomed/deployments", deployment("d"));
  const del = await api.json("DELETE", "/api/v1/namespaces/doomed");
  expect(del.status).toBe(202);
  expect(del.body.status.phase).toBe("Terminating");
  const deadline = Date.now() + 5000;
  while ((await api.json("GET", "/api/v1/namespaces/doomed")).status !== 404 && Date.now() < deadline) await Bun.sleep(20);
  expect((await api.json("GET", "/api/v1/namespaces/doomed")).status).toBe(404);
  expect((await api.json("GET", "/api/v1/namespaces/doomed/configmaps")).body.items).toEqual([]);
});

test("system namespaces cannot be deleted", async () => {
  const r = await api.json("DELETE", "/api/v1/namespaces/kube-system");
  expect(r.status).toBe(403);
});

test("metrics count requests by verb, resource and code", async () => {
  await api.json("GET", "/api/v1/namespaces/default/configmaps/nope");
  const text = await (await api.request("GET", "/metrics")).text();
  expect(text).toMatch(/apiserver_request_total\{verb="GET",resource="configmaps",subresource="",code="404"\} \d+/);
  expect(text).toContain("apiserver_request_duration_seconds_bucket");
  expect(text).toMatch(/k3rs_store_revision \d+/);
  expect((await api.request("GET", "/metrics", undefined, { anonymous: true })).status).toBe(401);
});

test("watch bookmarks and the initial-events marker", async () => {
  const ac = new AbortController();
  const res = await api.request("GET", "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&labelSelector=tier%3Da", undefined, { signal: ac.signal });
  const events = await readWatchEvents(res, (evs) => evs.some((e) => e.type === "BOOKMARK"));
  ac.abort();
  expect(events.filter((e) => e.type === "ADDED").map((e) => e.object.metadata.name)).toEqual(["sel-0", "sel-2", "sel-4"]);
  const bm = events.find((e) => e.type === "BOOKMARK");
  expect(bm.object.metadata.annotations["k8s.io/initial-events-end"]).toBe("true");
  expect(Number(bm.object.metadata.resourceVersion)).toBeGreaterThan(0);
});

test("a WAL that cannot be synced shows in /metrics as writes refused", async () => {
  let broken = false;
  const fail = () => {
    if (broken) throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
  };
  const failing = await startTestApi({ walSync: { sync: async () => fail(), syncNow: fail, close: () => {} } });
  try {
    const refused = async () => /^k3rs_store_writes_refused (\d+)$/m.exec(await (await failing.request("GET", "/metrics")).text())?.[1];
    expect(await refused()).toBe("0");
    broken = true;
    const w = await failing.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "lost" } });
    expect(w.status).toBe(500);
    expect(await refused()).toBe("1");
  } finally {
    await failing.close();
  }
});
