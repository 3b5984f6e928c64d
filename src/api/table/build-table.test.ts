import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { buildTable, tableRow, tableRowEvent, tableRowJson, tableWatchEncoder } from "./build-table.ts";
import { withoutManagedFields } from "../../model/managed-fields.ts";
import { printerFor } from "./printers.ts";

const now = new Date("2024-05-01T12:00:00Z");
const cm = (name: string, rv: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: rv, creationTimestamp: "2024-05-01T11:59:00Z", labels: { app: "x" } },
  data: { a: "1" },
});

describe("buildTable", () => {
  const printer = printerFor("ConfigMap");

  test("list with metadata rows (the default includeObject)", () => {
    const t = buildTable([cm("a", "5"), cm("b", "6")], printer, {
      includeObject: "Metadata",
      listMeta: { resourceVersion: "9", continue: "tok", remainingItemCount: 3 },
      now,
    });
    expect(t).toEqual({
      kind: "Table",
      apiVersion: "meta.k8s.io/v1",
      metadata: { resourceVersion: "9", continue: "tok", remainingItemCount: 3 },
      columnDefinitions: printer.columns,
      rows: [
        { cells: ["a", 1, "60s"], object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: cm("a", "5").metadata } },
        { cells: ["b", 1, "60s"], object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: cm("b", "6").metadata } },
      ],
    });
  });

  test("full objects, no objects, empty list metadata left out", () => {
    const full = buildTable([cm("a", "5")], printer, { includeObject: "Object", listMeta: {}, now });
    expect(full.metadata).toEqual({});
    expect(full.rows[0]!.object).toEqual(cm("a", "5"));
    const none = buildTable([cm("a", "5")], printer, { includeObject: "None", listMeta: { resourceVersion: "5" }, now });
    expect(none.rows[0]!.object).toBeNull();
    expect(JSON.parse(JSON.stringify(none)).rows[0]).toEqual({ cells: ["a", 1, "60s"], object: null });
  });

  test("noHeaders drops column definitions; an empty list still has rows: []", () => {
    const t = buildTable([], printer, { includeObject: "Metadata", listMeta: { resourceVersion: "1" }, noHeaders: true, now });
    expect(t.columnDefinitions).toBeNull();
    expect(t.rows).toEqual([]);
  });

  test("column definitions are copies, so callers cannot mutate a printer", () => {
    const t = buildTable([], printer, { includeObject: "None", listMeta: {}, now });
    t.columnDefinitions![0]!.name = "changed";
    expect(printer.columns[0]!.name).toBe("Name");
  });
});

describe("watch", () => {
  test("tableRowEvent carries the object's resourceVersion and one row", () => {
    const t = tableRowEvent(cm("a", "42"), printerFor("ConfigMap"), { includeObject: "Metadata", withColumns: true, now });
    expect(t.metadata).toEqual({ resourceVersion: "42" });
    expect(t.columnDefinitions?.map((c) => c.name)).toEqual(["Name", "Data", "Age"]);
    expect(t.rows.map((r) => r.cells)).toEqual([["a", 1, "60s"]]);
  });

  test("the encoder sends column definitions with the first event only", () => {
    const encode = tableWatchEncoder(printerFor("ConfigMap"), "Metadata");
    const events = [encode(cm("a", "1"), now), encode(cm("b", "2"), now), encode(cm("a", "3"), now)];
    expect(events.map((e) => e.columnDefinitions === null)).toEqual([false, true, true]);
    expect(events.map((e) => e.metadata.resourceVersion)).toEqual(["1", "2", "3"]);
  });
});

describe("tableRowJson", () => {
  const pod = (metadata: unknown): KubeObject =>
    ({
      apiVersion: "v1",
      kind: "Pod",
      metadata,
      spec: { nodeName: "n1", containers: [{ name: "web", image: "nginx" }] },
      status: { phase: "Running", podIP: "10.42.0.9", containerStatuses: [{ name: "web", ready: true, restartCount: 2, state: { running: {} } }] },
    }) as KubeObject;
  const good = pod({
    name: "web-1",
    namespace: "default",
    creationTimestamp: "2024-05-01T11:00:00Z",
    labels: { app: "web" },
    managedFields: [{ manager: "kubectl", operation: "Update", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { 'k:{"name":"web"}': { ".": {}, "f:image": {} } } } }],
  });
  const printer = printerFor("Pod");

  test("is the row's JSON for every includeObject, its object copied from the stored text", () => {
    for (const include of ["Metadata", "Object", "None"] as const) {
      expect(tableRowJson(good, JSON.stringify(good), printer, include, now)).toBe(JSON.stringify(tableRow(good, printer, include, now)));
      expect(tableRowJson(good, undefined, printer, include, now)).toBe(JSON.stringify(tableRow(good, printer, include, now)));
    }
    // The metadata comes from the text: a text that differs shows it.
    const marked = JSON.stringify({ ...good, metadata: { ...(good.metadata as object), name: "from-text" } });
    expect(JSON.parse(tableRowJson(good, marked, printer, "Metadata", now)).object.metadata.name).toBe("from-text");
  });

  test("an object parsed without managedFields, with its text, makes the same row: managedFields come from the text", () => {
    const slim = withoutManagedFields(good);
    for (const include of ["Metadata", "Object", "None"] as const) {
      expect(tableRowJson(slim, JSON.stringify(good), printer, include, now)).toBe(JSON.stringify(tableRow(good, printer, include, now)));
    }
    // Repaired metadata is made from the text, whole, too.
    const bad = pod({ ...(good.metadata as object), labels: "not a map" });
    expect(tableRowJson(withoutManagedFields(bad), JSON.stringify(bad), printer, "Metadata", now)).toBe(JSON.stringify(tableRow(bad, printer, "Metadata", now)));
    expect(JSON.parse(tableRowJson(withoutManagedFields(bad), JSON.stringify(bad), printer, "Metadata", now)).object.metadata.managedFields).toEqual((good.metadata as any).managedFields);
  });

  test("metadata that does not fit ObjectMeta is left out as tableRow leaves it, not copied", () => {
    const bad = pod({ name: "web-2", labels: "not a map", creationTimestamp: "2024-05-01T11:00:00Z" });
    const row = tableRowJson(bad, JSON.stringify(bad), printer, "Metadata", now);
    expect(row).toBe(JSON.stringify(tableRow(bad, printer, "Metadata", now)));
    expect(JSON.parse(row).object.metadata.labels).toBeUndefined();
    const none = pod(undefined);
    expect(tableRowJson(none, JSON.stringify(none), printer, "Metadata", now)).toBe(JSON.stringify(tableRow(none, printer, "Metadata", now)));
  });
});
