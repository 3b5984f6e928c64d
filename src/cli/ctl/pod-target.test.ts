import { expect, test } from "bun:test";
import { byLogging, defaultContainer, selectorOf } from "./pod-target.ts";

const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; restarts?: number; created?: string } = {}) => ({
  metadata: { name, creationTimestamp: o.created ?? "2026-01-01T00:00:00Z" },
  spec: { nodeName: o.node ?? "n1" },
  status: { phase: o.phase ?? "Running", conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }], containerStatuses: [{ restartCount: o.restarts ?? 0 }] },
});

test("kubectl's logging order: scheduled, running, ready, most restarts, oldest", () => {
  const pods = [
    pod("unscheduled", { node: "" }),
    pod("pending", { phase: "Pending" }),
    pod("unready", { ready: false }),
    pod("young", { created: "2026-01-02T00:00:00Z" }),
    pod("restarted", { restarts: 3, created: "2026-01-03T00:00:00Z" }),
  ];
  expect(pods.sort(byLogging).map((p) => p.metadata.name)).toEqual(["restarted", "young", "unready", "pending", "unscheduled"]);
});

test("the default container: the annotation, else the first with a note when there are others", () => {
  const p = { metadata: { name: "p", namespace: "d", annotations: {} as Record<string, string> }, spec: { containers: [{ name: "a" }, { name: "b" }], initContainers: [{ name: "i" }] } };
  expect(defaultContainer(p)).toEqual({ name: "a", note: 'Defaulted container "a" out of: a, b, i (init)\n' });
  p.metadata.annotations["kubectl.kubernetes.io/default-container"] = "b";
  expect(defaultContainer(p)).toEqual({ name: "b" });
  expect(defaultContainer({ metadata: {}, spec: { containers: [{ name: "only" }] } })).toEqual({ name: "only", note: undefined });
});

test("a workload's selector as a query; a Service's map", () => {
  expect(selectorOf({ kind: "Deployment", spec: { selector: { matchLabels: { app: "web" } } } })).toBe("app=web");
  expect(selectorOf({ kind: "Service", spec: { selector: { app: "web", tier: "x" } } })).toBe("app=web,tier=x");
  expect(selectorOf({ kind: "Service", spec: {} })).toBeUndefined();
});
