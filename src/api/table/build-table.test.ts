import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { buildTable, tableRowEvent, tableWatchEncoder } from "./build-table.ts";
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
