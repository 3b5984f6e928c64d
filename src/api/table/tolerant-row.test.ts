import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { buildTable } from "./build-table.ts";
import { printerFor, printers } from "./printers.ts";

const now = new Date("2026-01-01T00:01:00Z");
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: "default", uid: `u-${name}`, creationTimestamp: "2026-01-01T00:00:00Z", ...extra });
const pod = (name: string, spec: unknown, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: meta(name), spec, status: { phase: "Pending" }, ...extra }) as KubeObject;
const container = { name: "c", image: "busybox" };

test("a pod with wrong-typed fields gets its row, read from what can be read, and the good pods theirs", () => {
  const table = buildTable([
    pod("good", { containers: [container], nodeName: "n1" }),
    pod("bad-init", { containers: [container], initContainers: "garbage", nodeName: "n1" }),
    pod("no-containers", { nodeName: "n1" }),
    pod("bad-status", { containers: [container] }, { status: "garbage" }),
    pod("bad-statuses", { containers: [container] }, { status: { phase: "Running", containerStatuses: "garbage", conditions: 7 } }),
    pod("bad-spec", "garbage"),
    { apiVersion: "v1", kind: "Pod", metadata: "garbage" } as unknown as KubeObject,
  ], printerFor("Pod"), { includeObject: "None", listMeta: {}, now });
  expect(table.rows.map((r) => r.cells)).toEqual([
    ["good", "0/1", "Pending", "0", "60s", "<none>", "n1", "<none>", "<none>"],
    ["bad-init", "0/1", "Pending", "0", "60s", "<none>", "n1", "<none>", "<none>"],
    ["no-containers", "0/0", "Pending", "0", "60s", "<none>", "n1", "<none>", "<none>"],
    ["bad-status", "0/1", "", "0", "60s", "<none>", "<none>", "<none>", "<none>"],
    ["bad-statuses", "0/1", "Running", "0", "60s", "<none>", "<none>", "<none>", "<none>"],
    ["bad-spec", "0/0", "Pending", "0", "60s", "<none>", "<none>", "<none>", "<none>"],
    ["", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"],
  ]);
});

test("rows carry metadata kubectl can decode: wrong-typed fields left out of the row's object only", () => {
  const bad = pod("bad", { containers: [container] });
  bad.metadata = { ...bad.metadata, labels: "garbage" as any, managedFields: "garbage" as any, annotations: { a: "b" } };
  const table = buildTable([bad], printerFor("Pod"), { includeObject: "Metadata", listMeta: {}, now });
  expect((table.rows[0]!.object as any).metadata).toEqual({ ...meta("bad"), annotations: { a: "b" } });
  expect(bad.metadata.labels as unknown).toBe("garbage");
});

// Each printed kind with each top-level field (and each field under spec and status) replaced
// by values of every wrong type: the row is there and names its object.
const GVK: Record<string, string> = {
  Deployment: "apps/v1", ReplicaSet: "apps/v1", StatefulSet: "apps/v1", DaemonSet: "apps/v1", Job: "batch/v1", CronJob: "batch/v1",
  Lease: "coordination.k8s.io/v1", Ingress: "networking.k8s.io/v1", NetworkPolicy: "networking.k8s.io/v1", EndpointSlice: "discovery.k8s.io/v1",
  HorizontalPodAutoscaler: "autoscaling/v2", StorageClass: "storage.k8s.io/v1", Role: "rbac.authorization.k8s.io/v1",
  ClusterRole: "rbac.authorization.k8s.io/v1", RoleBinding: "rbac.authorization.k8s.io/v1", ClusterRoleBinding: "rbac.authorization.k8s.io/v1",
  NodeMetrics: "metrics.k8s.io/v1beta1", PodMetrics: "metrics.k8s.io/v1beta1",
};
const WRONG = ["garbage", 7, true, [1], { x: 1 }, [null]];
const FIELDS = ["spec", "status", "data", "subsets", "endpoints", "ports", "rules", "subjects", "roleRef", "containers", "usage", "involvedObject", "source", "count", "reason"];
const SUBFIELDS = ["containers", "initContainers", "selector", "template", "ports", "replicas", "conditions", "containerStatuses", "loadBalancer", "clusterIPs", "rules", "tls", "jobTemplate", "metrics", "addresses", "capacity", "accessModes", "hard", "used", "nodeInfo", "taints", "addresses"];

test.each(Object.keys(printers))("%s rows survive wrong-typed fields", (kind) => {
  const objects: KubeObject[] = [];
  let i = 0;
  for (const w of WRONG) {
    for (const f of FIELDS) objects.push({ apiVersion: GVK[kind] ?? "v1", kind, metadata: meta(`o${i++}`), [f]: w } as KubeObject);
    for (const top of ["spec", "status"]) for (const f of SUBFIELDS) objects.push({ apiVersion: GVK[kind] ?? "v1", kind, metadata: meta(`o${i++}`), [top]: { [f]: w } } as KubeObject);
    objects.push({ apiVersion: GVK[kind] ?? "v1", kind, metadata: meta(`o${i++}`, { labels: w, ownerReferences: w }) } as KubeObject);
  }
  const printer = printerFor(kind);
  const nameAt = printer.columns.findIndex((c) => c.format === "name");
  const table = buildTable(objects, printer, { includeObject: "Metadata", listMeta: {}, now });
  expect(table.rows.map((r) => r.cells[nameAt])).toEqual(objects.map((o) => o.metadata.name));
});
