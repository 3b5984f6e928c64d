import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { defaultPrinter, printerFor, printers } from "./printers.ts";

const now = new Date("2024-05-01T12:00:00Z");

test.each(Object.keys(printers))("%s: a bare object yields one cell per column, first column is the name", (kind) => {
  const p = printerFor(kind);
  const bare: KubeObject = { apiVersion: "v1", kind, metadata: { name: "bare" } };
  const cells = p.cells(bare, now);
  expect(cells).toHaveLength(p.columns.length);
  const nameAt = p.columns.findIndex((c) => c.format === "name");
  expect(nameAt).toBeGreaterThanOrEqual(0);
  expect(cells[nameAt]).toBe("bare");
  for (const c of p.columns) expect([0, 1]).toContain(c.priority);
});

test("unknown kinds fall back to NAME and AGE", () => {
  const p = printerFor("Widget");
  expect(p).toBe(defaultPrinter);
  expect(p.columns.map((c) => c.name)).toEqual(["Name", "Age"]);
  expect(p.cells({ apiVersion: "x/v1", kind: "Widget", metadata: { name: "w", creationTimestamp: "2024-05-01T11:59:00Z" } }, now)).toEqual(["w", "60s"]);
});

test("the served kinds each have their own printer", () => {
  for (const kind of ["Pod", "Deployment", "Service", "Node", "Event", "Namespace", "ConfigMap", "Secret", "ServiceAccount", "Endpoints",
    "PersistentVolumeClaim", "PersistentVolume", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Lease", "Ingress"]) {
    expect(printerFor(kind)).not.toBe(defaultPrinter);
  }
});
