/** HorizontalPodAutoscalers: autoscaling/v2 and v1 served from one object, and the controller scaling a Deployment from pod metrics. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { controllerContext } from "../../src/controllers/framework/context.ts";
import { HorizontalPodAutoscalerController } from "../../src/controllers/hpa/controller.ts";
import type { MetricsSource, PodUsage } from "../../src/resource-metrics/types.ts";

let api: TestApi;
const stop = new AbortController();
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  stop.abort();
  await api.close();
});

const NS = "/apis/apps/v1/namespaces/default";
const HPA2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const HPA1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";

test("v1 and v2 are one object: a v1 CPU target is v2's Resource metric, and back", async () => {
  const c = await api.json("POST", HPA1, {
    apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "one" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "none" }, maxReplicas: 3, targetCPUUtilizationPercentage: 60 },
  });
  expect(c.status).toBe(201);
  expect(c.body.apiVersion).toBe("autoscaling/v1");
  expect(c.body.spec).toMatchObject({ minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 });
  const v2 = await api.json("GET", `${HPA2}/one`);
  expect(v2.body.apiVersion).toBe("autoscaling/v2");
  expect(v2.body.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }]);
  const bad = await api.json("POST", HPA2, {
    apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "bad" },
    spec: { scaleTargetRef: { kind: "Deployment", name: "x" }, minReplicas: 5, maxReplicas: 2 },
  });
  expect(bad.status).toBe(422);
  expect(bad.body.details.causes[0]).toMatchObject({ field: "spec.maxReplicas" });
  const table = await api.json("GET", HPA2, undefined, { headers: { accept: "application/json;as=Table;g=meta.k8s.io;v=v1" } });
  expect(table.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]);
  const discovery = await api.json("GET", "/apis/autoscaling");
  expect(discovery.body.preferredVersion.version).toBe("v2");
});

test("the controller scales a Deployment up from CPU utilization, within maxReplicas, and says why", async () => {
  const labels = { app: "busy" };
  const d = await api.json("POST", `${NS}/deployments`, {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "busy" },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100m" } } }] } } },
  });
  expect(d.status).toBe(201);
  // Two pods of the Deployment, as its ReplicaSet would make them (no nodes run here).
  for (const n of ["busy-a", "busy-b"]) {
    const p = await api.json("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1", kind: "Pod", metadata: { name: n, labels },
      spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100m" } } }] },
    });
    expect(p.status).toBe(201);
  }
  const h = await api.json("POST", HPA2, {
    apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "busy" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "busy" }, minReplicas: 1, maxReplicas: 5,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
    },
  });
  expect(h.status).toBe(201);
  // Each pod uses 200m of its 100m request: 400 % of a 50 % target → 16 wanted, 5 allowed.
  const usage = (cpu: string): PodUsage => ({ timestampMs: Date.now(), windowMs: 15_000, containers: [{ name: "c", usage: { cpu, memory: "1Mi" } }] });
  let cpu = "200m";
  const metrics: MetricsSource = { node: () => undefined, pod: (_ns, name) => (name.startsWith("busy-") ? usage(cpu) : undefined) };
  const ctx = controllerContext({ storage: api.storage, registry: api.registry, signal: stop.signal });
  const hpa = new HorizontalPodAutoscalerController({ metrics });
  await hpa.setup(ctx, { add: () => {} });
  for (let i = 0; i < 100 && !hpa["hpas"].get("default/busy"); i++) await Bun.sleep(10);
  await hpa.reconcile("default/busy");
  expect((await api.json("GET", `${NS}/deployments/busy`)).body.spec.replicas).toBe(5);
  for (let i = 0; i < 100 && hpa["hpas"].get("default/busy")?.status?.desiredReplicas !== 5; i++) await Bun.sleep(10);
  const status = (await api.json("GET", `${HPA2}/busy`)).body.status;
  expect(status.desiredReplicas).toBe(5);
  expect(status.currentMetrics[0].resource.current.averageUtilization).toBe(200);
  expect(status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
    ["AbleToScale", "True", "SucceededRescale"], ["ScalingActive", "True", "ValidMetricFound"], ["ScalingLimited", "True", "TooManyReplicas"],
  ]);
  const events = await api.json("GET", "/api/v1/namespaces/default/events?fieldSelector=reason%3DSuccessfulRescale");
  expect(events.body.items[0].message).toBe("New size: 5; reason: cpu resource utilization (percentage of request) above target");

  // Idle now: the scale-down waits out its 300 s stabilization window.
  cpu = "1m";
  await hpa.reconcile("default/busy");
  expect((await api.json("GET", `${NS}/deployments/busy`)).body.spec.replicas).toBe(5);
});

test("min and max hold without metrics; the rescale is the controller manager's, so an apply of replicas conflicts", async () => {
  const labels = { app: "lonely" };
  const APPLY = { headers: { "content-type": "application/apply-patch+yaml" } };
  const manifest = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "lonely" }, spec: { replicas: 9, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox" }] } } } };
  expect((await api.json("PATCH", `${NS}/deployments/lonely?fieldManager=gitops`, manifest, APPLY)).status).toBe(201);
  expect((await api.json("POST", HPA2, {
    apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "lonely" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "lonely" }, minReplicas: 1, maxReplicas: 3 },
  })).status).toBe(201);
  const ctx = controllerContext({ storage: api.storage, registry: api.registry, signal: stop.signal });
  const hpa = new HorizontalPodAutoscalerController({ metrics: { node: () => undefined, pod: () => undefined } });
  await hpa.setup(ctx, { add: () => {} });
  for (let i = 0; i < 100 && !hpa["hpas"].get("default/lonely"); i++) await Bun.sleep(10);
  await hpa.reconcile("default/lonely");
  const scaled = (await api.json("GET", `${NS}/deployments/lonely`)).body;
  expect(scaled.spec.replicas).toBe(3);
  expect(scaled.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: "kube-controller-manager", operation: "Update", subresource: "scale", fieldsV1: { "f:spec": { "f:replicas": {} } } }));
  const again = await api.json("PATCH", `${NS}/deployments/lonely?fieldManager=gitops`, manifest, APPLY);
  expect(again.status).toBe(409);
  expect(again.body.message).toContain('conflict with "kube-controller-manager" with subresource "scale"');
  expect(again.body.message).toContain(".spec.replicas");
  // Without replicas in the manifest, the applier and the autoscaler share the Deployment.
  const { replicas: _, ...spec } = manifest.spec;
  expect((await api.json("PATCH", `${NS}/deployments/lonely?fieldManager=gitops`, { ...manifest, spec }, APPLY)).status).toBe(200);
  expect((await api.json("GET", `${NS}/deployments/lonely`)).body.spec.replicas).toBe(3);
});

test("a custom resource with a scale subresource is scaled the same way", async () => {
  const { widgetCrd } = await import("../helpers/crd-fixtures.ts");
  expect((await api.json("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd("hpa.example.com"))).status).toBe(201);
  const W = "/apis/hpa.example.com/v1/namespaces/default/widgets";
  for (let i = 0; i < 200 && (await api.json("GET", W)).status !== 200; i++) await Bun.sleep(25);
  expect((await api.json("POST", W, { apiVersion: "hpa.example.com/v1", kind: "Widget", metadata: { name: "wide" }, spec: { size: 1, replicas: 1 } })).status).toBe(201);
  expect((await api.json("PATCH", `${W}/wide/status`, { status: { replicas: 1, selector: "app=wide" } }, { headers: { "content-type": "application/merge-patch+json" } })).status).toBe(200);
  const p = await api.json("POST", "/api/v1/namespaces/default/pods", {
    apiVersion: "v1", kind: "Pod", metadata: { name: "wide-a", labels: { app: "wide" } },
    spec: { containers: [{ name: "c", image: "busybox", resources: { requests: { memory: "100Mi" } } }] },
  });
  expect(p.status).toBe(201);
  expect((await api.json("POST", HPA2, {
    apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "wide" },
    spec: {
      scaleTargetRef: { apiVersion: "hpa.example.com/v1", kind: "Widget", name: "wide" }, minReplicas: 1, maxReplicas: 4,
      metrics: [{ type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "50Mi" } } }],
    },
  })).status).toBe(201);
  const metrics: MetricsSource = {
    node: () => undefined,
    pod: (_ns, name) => (name === "wide-a" ? { timestampMs: Date.now(), windowMs: 15_000, containers: [{ name: "c", usage: { cpu: "1m", memory: "150Mi" } }] } : undefined),
  };
  const ctx = controllerContext({ storage: api.storage, registry: api.registry, signal: stop.signal });
  const hpa = new HorizontalPodAutoscalerController({ metrics });
  await hpa.setup(ctx, { add: () => {} });
  for (let i = 0; i < 100 && !hpa["hpas"].get("default/wide"); i++) await Bun.sleep(10);
  await hpa.reconcile("default/wide");
  // 150Mi on one pod against 50Mi per pod: 3 replicas, written at .spec.replicas through the scale paths.
  expect((await api.json("GET", `${W}/wide`)).body.spec.replicas).toBe(3);
});
