import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { planSlices, portKey } from "./plan.ts";
import { podToEndpoint, sliceLabels } from "./endpoint.ts";

function svc(spec: any = {}, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "ns", uid: "svc-uid", ...(labels ? { labels } : {}) },
    spec: { clusterIP: "10.43.0.10", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }], ...spec },
  };
}

function pod(name: string, o: { ip?: string; ready?: boolean; phase?: string; deleting?: boolean; ports?: any[] } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}`, labels: { app: "web" }, ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { nodeName: "n1", containers: [{ name: "c", ports: o.ports ?? [] }] },
    status: {
      phase: o.phase ?? "Running",
      ...(o.ip === "" ? {} : { podIP: o.ip ?? `10.42.0.${Number(name.replace(/\D/g, "") || 1) + 1}` }),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

const pods = (n: number) => Array.from({ length: n }, (_, i) => pod(`p${String(i).padStart(3, "0")}`, { ip: `10.42.${Math.floor(i / 200)}.${(i % 200) + 2}` }));
const names = (eps: any[]) => eps.map((e) => e.targetRef.name);
const HTTP = [{ name: "http", port: 8080, protocol: "TCP" }];

/** Applies a plan as the API would: created slices get names, everything else as planned. */
function apply(existing: KubeObject[], plan: ReturnType<typeof planSlices>): KubeObject[] {
  let n = 0;
  const gone = new Set(plan.delete.map((s) => s.metadata.name));
  const updated = new Map(plan.update.map((s) => [s.metadata.name, s]));
  return [
    ...existing.filter((s) => !gone.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s),
    ...plan.create.map((s) => ({ ...s, metadata: { ...s.metadata, name: `web-new${n++}` } })),
  ];
}

describe("podToEndpoint", () => {
  test.each([
    ["ready", {}, {}, { ready: true, serving: true, terminating: false }],
    ["not ready", { ready: false }, {}, { ready: false, serving: false, terminating: false }],
    ["terminating but still ready", { deleting: true }, {}, { ready: false, serving: true, terminating: true }],
    ["publishNotReadyAddresses", { ready: false, deleting: true }, { publishNotReadyAddresses: true }, { ready: true, serving: false, terminating: true }],
  ])("%s", (_what, p, spec, conditions) => {
    expect(podToEndpoint(pod("a", p), svc(spec))).toEqual({
      addresses: ["10.42.0.2"],
      conditions,
      nodeName: "n1",
      targetRef: { kind: "Pod", namespace: "ns", name: "a", uid: "uid-a" },
    });
  });

  test("an IPv6-only pod has no IPv4 endpoint", () => {
    expect(podToEndpoint(pod("a", { ip: "fd00::2" }), svc())).toBeUndefined();
  });
});

test("sliceLabels: service labels without reserved keys, then service name and manager", () => {
  expect(sliceLabels(svc({ clusterIP: "None" }, { app: "web", "kubernetes.io/service-name": "spoof" }))).toEqual({
    app: "web",
    "service.kubernetes.io/headless": "",
    "kubernetes.io/service-name": "web",
    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
  });
});

test("portKey ignores order", () => {
  expect(portKey([{ name: "a", port: 1, protocol: "TCP" }, { name: "b", port: 2, protocol: "UDP" }]))
    .toBe(portKey([{ name: "b", port: 2, protocol: "UDP" }, { name: "a", port: 1, protocol: "TCP" }]));
});

describe("planSlices", () => {
  test("a new service gets one slice with its endpoints, labels, owner and ports", () => {
    const plan = planSlices(svc({}, { tier: "front" }), [pod("a1"), pod("b2", { ready: false }), pod("c3", { ip: "" }), pod("d4", { phase: "Failed" }), pod("e5", { deleting: true })], []);
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.create).toHaveLength(1);
    const [s] = plan.create;
    expect(s!.metadata).toEqual({
      generateName: "web-",
      namespace: "ns",
      labels: { tier: "front", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "svc-uid", controller: true, blockOwnerDeletion: true }],
    });
    expect(s!.addressType).toBe("IPv4");
    expect(s!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(names(s!.endpoints)).toEqual(["a1", "b2", "e5"]);
    expect(s!.endpoints.map((e: any) => e.conditions.ready)).toEqual([true, false, false]);
  });

  test("an unchanged cluster plans nothing", () => {
    const ps = [pod("a1"), pod("b2")];
    const first = apply([], planSlices(svc(), ps, []));
    expect(planSlices(svc(), ps, first)).toEqual({ create: [], update: [], delete: [] });
  });

  test("more than maxPerSlice endpoints fill several slices; the remainder goes into its own", () => {
    const plan = planSlices(svc(), pods(250), []);
    expect(plan.create.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
    const all = plan.create.flatMap((s) => names(s.endpoints));
    expect(new Set(all).size).toBe(250);
  });

  test("removed pods leave their slice (an update); endpoints stay where they are", () => {
    const ps = pods(150);
    const slices = apply([], planSlices(svc(), ps, []));
    const plan = planSlices(svc(), ps.filter((_, i) => i !== 3), slices);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.metadata.name).toBe(slices[0]!.metadata.name);
    expect(plan.update[0]!.endpoints).toHaveLength(99);
  });

  test("new endpoints go into a slice that changes anyway, then into the fullest unchanged one that takes them", () => {
    const ps = pods(150);
    const slices = apply([], planSlices(svc(), ps, []));
    // One pod gone from the 100-slice, two new ones: one refills it, the other follows.
    const next = [...ps.filter((_, i) => i !== 0), pod("z1", { ip: "10.42.9.1" }), pod("z2", { ip: "10.42.9.2" })];
    const plan = planSlices(svc(), next, slices);
    expect(plan.create).toEqual([]);
    expect(plan.update.map((s) => s.endpoints.length).sort()).toEqual([100, 51]);
  });

  test("all pods gone: one empty placeholder slice is kept, and kept as it is", () => {
    const slices = apply([], planSlices(svc(), pods(150), []));
    const plan = planSlices(svc(), [], slices);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toHaveLength(1);
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.endpoints).toEqual([]);
    expect(plan.update[0]!.ports).toEqual([]);
    const after = apply(slices, plan);
    expect(planSlices(svc(), [], after)).toEqual({ create: [], update: [], delete: [] });
    expect(planSlices(svc(), [], [])).toMatchObject({ create: [{ endpoints: [], ports: [] }], update: [], delete: [] });
  });

  test("pods serving different ports (named targetPort) get separate slices", () => {
    const s = svc({ ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }] });
    const plan = planSlices(s, [
      pod("a1", { ports: [{ name: "web", containerPort: 8080, protocol: "TCP" }] }),
      pod("b2", { ports: [{ name: "web", containerPort: 9090, protocol: "TCP" }] }),
      pod("c3", { ports: [{ name: "web", containerPort: 8080, protocol: "TCP" }] }),
    ], []);
    const byPort = Object.fromEntries(plan.create.map((x) => [x.ports[0].port, names(x.endpoints)]));
    expect(byPort).toEqual({ 8080: ["a1", "c3"], 9090: ["b2"] });
  });

  test("a service port change moves endpoints by reusing the old slice", () => {
    const slices = apply([], planSlices(svc(), [pod("a1")], []));
    const moved = svc({ ports: [{ name: "http", port: 80, targetPort: 9000, protocol: "TCP" }] });
    const plan = planSlices(moved, [pod("a1")], slices);
    expect(plan).toMatchObject({ create: [], delete: [] });
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.metadata.name).toBe(slices[0]!.metadata.name);
    expect(plan.update[0]!.ports).toEqual([{ name: "http", port: 9000, protocol: "TCP" }]);
  });

  test("a changed endpoint (readiness) or service label updates the slice", () => {
    const slices = apply([], planSlices(svc(), [pod("a1")], []));
    expect(planSlices(svc(), [pod("a1", { ready: false })], slices).update[0]!.endpoints[0].conditions.ready).toBe(false);
    expect(planSlices(svc({}, { v: "2" }), [pod("a1")], slices).update[0]!.metadata.labels!.v).toBe("2");
  });

  test("a slice of an earlier service with the same name, or of another address type, is deleted", () => {
    const stale = { ...apply([], planSlices(svc(), [pod("a1")], []))[0]!, metadata: { name: "web-old", namespace: "ns", labels: sliceLabels(svc()), ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "earlier", controller: true }] } };
    const v6 = { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-v6", ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "svc-uid", controller: true }] }, addressType: "IPv6", endpoints: [], ports: HTTP };
    const plan = planSlices(svc(), [pod("a1")], [stale, v6]);
    expect(plan.delete.map((s) => s.metadata.name).sort()).toEqual(["web-old", "web-v6"]);
    expect(plan.create).toHaveLength(1);
  });
});
