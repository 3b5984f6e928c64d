/**
 * Objects with wrong-typed fields already in the store — written by an older version, restored
 * from a backup — when the server starts: every reader tolerates them. Lists answer 200 with a
 * row each, the agent refuses the pods it cannot read and still deletes them, the scheduler
 * tells why it cannot place one, and the controllers go on with the good objects.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";
import type { Store } from "../../src/store/types.ts";

const NS = "default";
const PODS = `/api/v1/namespaces/${NS}/pods`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const SERVICES = `/api/v1/namespaces/${NS}/services`;
const TABLE = { headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } };
const NODE = "hostile";

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: NS, uid: crypto.randomUUID(), creationTimestamp: "2026-01-01T00:00:00Z", generation: 1, ...extra });
const container = { name: "c", image: "busybox", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "IfNotPresent", resources: {} };
const podSpec = { containers: [container], restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst", securityContext: {}, schedulerName: "default-scheduler", serviceAccountName: "default", enableServiceLinks: true, priority: 0 };

/** A pod as the API stores it, then spoiled. */
function storedPod(name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { apiVersion: "v1", kind: "Pod", metadata: meta(name, { labels: { app: "hostile" } }), spec: { ...podSpec, nodeName: `${NODE}-0`, ...spec }, status: { phase: "Pending", qosClass: "BestEffort" }, ...extra };
}

/** Pods the agent cannot read, by what is wrong with them, and the path its refusal names. */
const UNREADABLE: [string, Record<string, unknown>, string][] = [
  ["bad-init", { initContainers: "garbage" }, "spec.initContainers"],
  ["bad-node-selector", { nodeSelector: "garbage" }, "spec.nodeSelector"],
  ["bad-command", { containers: [{ ...container, command: "notalist" }] }, "spec.containers[0].command"],
  ["bad-tolerations", { tolerations: "garbage" }, "spec.tolerations"],
  ["no-containers", { containers: undefined }, "spec.containers"],
  ["containers-number", { containers: 5 }, "spec.containers"],
];

function deployment(name: string, spec: Record<string, unknown> = {}) {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: meta(name),
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } }, ...spec },
  };
}

async function seed(store: Store) {
  const put = (key: string, obj: any) => store.create(key, obj);
  for (const [name, spec] of UNREADABLE) await put(`/pods/${NS}/${name}`, storedPod(name, spec));
  await put(`/pods/${NS}/bad-labels`, { ...storedPod("bad-labels", {}), metadata: meta("bad-labels", { labels: "garbage", ownerReferences: "garbage" }) });
  await put(`/pods/${NS}/bad-status`, storedPod("bad-status", {}, { status: "garbage" }));
  await put(`/pods/${NS}/bad-conditions`, storedPod("bad-conditions", {}, { status: { phase: "Pending", conditions: "garbage", startTime: 5 } }));
  await put(`/pods/${NS}/bad-managed-fields`, { ...storedPod("bad-managed-fields", {}), metadata: meta("bad-managed-fields", { managedFields: "garbage" }) });
  // Pending: the scheduler meets it.
  await put(`/pods/${NS}/unplaceable`, storedPod("unplaceable", { nodeName: undefined, nodeSelector: "garbage" }));
  await put(`/deployments.apps/${NS}/bad-selector`, deployment("bad-selector", { selector: { matchLabels: 5 } }));
  await put(`/deployments.apps/${NS}/bad-template`, deployment("bad-template", { template: "garbage" }));
  await put(`/deployments.apps/${NS}/bad-labels-dep`, { ...deployment("bad-labels-dep"), metadata: meta("bad-labels-dep", { labels: "garbage" }) });
  // Selected by the good service "web" created later; on no node of this cluster.
  await put(`/pods/${NS}/web-bad`, {
    ...storedPod("web-bad", { nodeName: "elsewhere", containers: [{ ...container, ports: "garbage" }] }),
    metadata: meta("web-bad", { labels: { app: "web" } }),
    status: { phase: "Running", podIP: "10.42.9.9", podIPs: "garbage", conditions: "garbage" },
  });
  await put(`/services/${NS}/bad-service`, { apiVersion: "v1", kind: "Service", metadata: meta("bad-service"), spec: { selector: "garbage", ports: "garbage", clusterIP: "10.43.0.99", type: "ClusterIP" } });
  await put(`/configmaps/${NS}/held`, { apiVersion: "v1", kind: "ConfigMap", metadata: meta("held", { labels: "garbage", finalizers: ["example.com/hold"] }), data: { a: "b" } });
  // Read by the ClusterIP/NodePort allocator as the server starts.
  await put(`/services/${NS}/ports-number`, { apiVersion: "v1", kind: "Service", metadata: meta("ports-number"), spec: { selector: { app: "x" }, ports: 5, clusterIP: 7 } });
}

setDefaultTimeout(60_000);

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 1, prefix: NODE, seed });
});
afterAll(async () => {
  await c?.close();
});

const pod = async (name: string) => (await c.json("GET", `${PODS}/${name}`)).body;

describe("lists and tables", () => {
  const names = ["bad-conditions", "bad-init", "bad-node-selector", "bad-command", "bad-tolerations", "no-containers", "bad-labels", "bad-status", "bad-managed-fields", "unplaceable"];

  test("listing pods as a Table answers 200 with a row for every pod, bad ones included", async () => {
    const res = await c.json("GET", PODS, undefined, TABLE);
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe("Table");
    const rows = new Map<string, any>(res.body.rows.map((r: any) => [r.cells[0], r]));
    for (const name of names) expect(rows.has(name)).toBe(true);
    // Metadata rows kubectl can decode: the wrong-typed labels are left out of the row.
    expect(rows.get("bad-labels").object.metadata.labels).toBeUndefined();
    expect(rows.get("bad-labels").object.metadata.name).toBe("bad-labels");
  });

  test("each bad pod alone as a Table answers 200, and filtered lists as well", async () => {
    for (const name of names) {
      const res = await c.json("GET", `${PODS}/${name}`, undefined, TABLE);
      expect(res.status).toBe(200);
      expect(res.body.rows[0].cells[0]).toBe(name);
    }
    const filtered = await c.json("GET", `/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE}-0&labelSelector=app`, undefined, TABLE);
    expect(filtered.status).toBe(200);
    expect(filtered.body.rows.map((r: any) => r.cells[0])).not.toContain("bad-labels");
  });

  test("services and deployments with bad shapes list as Tables too", async () => {
    const services = await c.json("GET", SERVICES, undefined, TABLE);
    expect(services.status).toBe(200);
    expect(services.body.rows.map((r: any) => r.cells[0])).toContain("bad-service");
    const deployments = await c.json("GET", DEPLOYMENTS, undefined, TABLE);
    expect(deployments.status).toBe(200);
    expect(deployments.body.rows.map((r: any) => r.cells[0])).toEqual(expect.arrayContaining(["bad-selector", "bad-template", "bad-labels-dep"]));
  });
});

describe("writes that end a bad object", () => {
  test("a finalizer can still be removed from an object whose stored labels are invalid, and the object goes", async () => {
    const path = `/api/v1/namespaces/${NS}/configmaps/held`;
    expect((await c.json("DELETE", path)).status).toBe(202);
    const patched = await c.json("PATCH", path, { metadata: { finalizers: null } }, { headers: { "content-type": "application/merge-patch+json" } });
    expect(patched.status).toBe(200);
    expect((await c.json("GET", path)).status).toBe(404);
  });
});

describe("the agent", () => {
  test("refuses each pod it cannot read: Failed, with the reason and what is wrong", async () => {
    for (const [name, , path] of UNREADABLE) {
      const p = await c.waitFor(async () => ((await pod(name)).status?.phase === "Failed" ? pod(name) : undefined), `${name} refused`);
      expect(p.status.reason).toBe("UnreadablePodSpec");
      expect(p.status.message).toStartWith(`Pod was rejected: ${path}`);
    }
    const refusal = await c.waitFor(async () => (await c.json("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Dbad-init,reason%3DUnreadablePodSpec`)).body.items[0], "refusal event");
    expect(refusal.type).toBe("Warning");
  });

  test("refuses a pod whose labels or ownerReferences cannot be read", async () => {
    const p = await c.waitFor(async () => ((await pod("bad-labels")).status?.phase === "Failed" ? pod("bad-labels") : undefined), "bad-labels refused");
    expect(p.status.message).toBe('Pod was rejected: metadata.labels in body must be of type object: "string", metadata.ownerReferences in body must be of type array: "string"');
  });

  test("stops a running pod whose spec turns unreadable underneath (a restore), and marks it Failed", async () => {
    const body = { apiVersion: "v1", kind: "Pod", metadata: { name: "turns-bad" }, spec: { nodeName: `${NODE}-0`, containers: [{ name: "c", image: "busybox" }] } };
    expect((await c.json("POST", PODS, body)).status).toBe(201);
    await c.waitFor(async () => (await pod("turns-bad")).status?.phase === "Running", "turns-bad running");
    const key = `/pods/${NS}/turns-bad`;
    const stored = (await c.store.get(key))!;
    await c.store.update(key, { ...stored.object, spec: { ...stored.object.spec, volumes: "garbage" } }, stored.revision);
    const p = await c.waitFor(async () => ((await pod("turns-bad")).status?.phase === "Failed" ? pod("turns-bad") : undefined), "turns-bad refused");
    expect(p.status.reason).toBe("UnreadablePodSpec");
    expect(p.status.message).toBe('Pod was rejected: spec.volumes in body must be of type array: "string"');
    expect((await c.json("DELETE", `${PODS}/turns-bad`)).status).toBe(200);
    await c.waitFor(async () => (await c.json("GET", `${PODS}/turns-bad`)).status === 404, "turns-bad gone");
  });

  test("runs a readable pod whose stored conditions are not a list", async () => {
    const p = await c.waitFor(async () => ((await pod("bad-conditions")).status?.phase === "Running" ? pod("bad-conditions") : undefined), "bad-conditions running");
    expect(p.status.conditions.find((x: any) => x.type === "Ready").status).toBe("True");
  });

  test("deleting a refused pod completes: the agent confirms and the API removes it", async () => {
    for (const [name] of UNREADABLE) expect((await c.json("DELETE", `${PODS}/${name}`)).status).toBe(200);
    for (const [name] of UNREADABLE) await c.waitFor(async () => (await c.json("GET", `${PODS}/${name}`)).status === 404, `${name} gone`);
  });
});

describe("the scheduler", () => {
  test("marks a pending pod it cannot read unschedulable, saying why", async () => {
    const cond = await c.waitFor(async () => (await pod("unplaceable")).status?.conditions?.find((x: any) => x.type === "PodScheduled" && x.status === "False"), "PodScheduled=False");
    expect(cond.reason).toBe("Unschedulable");
    expect(cond.message).toBe('pod spec cannot be read: spec.nodeSelector in body must be of type object: "string"');
    const ev = await c.waitFor(async () => (await c.json("GET", `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Dunplaceable,reason%3DFailedScheduling`)).body.items[0], "FailedScheduling");
    expect(ev.message).toBe(cond.message);
  });

  test("still binds a good pod", async () => {
    expect((await c.json("POST", PODS, { apiVersion: "v1", kind: "Pod", metadata: { name: "good" }, spec: { containers: [{ name: "c", image: "busybox" }] } })).status).toBe(201);
    expect(await c.waitFor(async () => (await pod("good")).spec.nodeName, "good bound")).toBe(`${NODE}-0`);
    await c.waitFor(async () => (await pod("good")).status?.phase === "Running", "good running");
  });
});

describe("controllers", () => {
  test("the Deployment controller reconciles a good deployment beside bad ones", async () => {
    const good = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } };
    expect((await c.json("POST", DEPLOYMENTS, good)).status).toBe(201);
    const d = await c.waitFor(async () => {
      const got = (await c.json("GET", `${DEPLOYMENTS}/web`)).body;
      return got.status?.availableReplicas === 2 ? got : undefined;
    }, "web available");
    expect(d.status.replicas).toBe(2);
    // The bad selector selected nothing (not every pod in the namespace) and adopted no pod.
    const pods = (await c.json("GET", PODS)).body.items as any[];
    expect(pods.filter((p) => p.metadata.ownerReferences?.some?.((r: any) => r.name?.startsWith?.("bad-")))).toEqual([]);
  });

  test("the quota controller counts a namespace's usage beside pods it cannot read", async () => {
    const quota = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" }, spec: { hard: { pods: "100", "requests.cpu": "10" } } };
    expect((await c.json("POST", `/api/v1/namespaces/${NS}/resourcequotas`, quota)).status).toBe(201);
    const used = await c.waitFor(async () => (await c.json("GET", `/api/v1/namespaces/${NS}/resourcequotas/q`)).body.status?.used, "quota used");
    expect(Number(used.pods)).toBeGreaterThan(0);
  });

  test("the endpoints controller fills a good service's endpoints beside a bad service and bad pods", async () => {
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };
    expect((await c.json("POST", SERVICES, svc)).status).toBe(201);
    const ep = await c.waitFor(async () => {
      const got = (await c.json("GET", `/api/v1/namespaces/${NS}/endpoints/web`)).body;
      return got.subsets?.[0]?.addresses?.length === 2 ? got : undefined;
    }, "web endpoints");
    expect(ep.subsets[0].ports).toEqual([{ port: 80, protocol: "TCP" }]);
  });
});
