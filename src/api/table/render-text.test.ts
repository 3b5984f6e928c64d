import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { buildTable } from "./build-table.ts";
import { printerFor } from "./printers.ts";
import { layoutColumns, renderTableText } from "./render-text.ts";

const now = new Date("2024-05-01T12:00:00Z");

function pod(name: string, ns: string, labels: Record<string, string> | undefined, status: any, nodeName?: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels, creationTimestamp: "2024-05-01T11:57:00Z" },
    spec: { containers: [{ name: "c" }], nodeName },
    status,
  };
}

const pods = [
  pod("web-7d4b9c6f5-abcde", "default", { app: "web", "pod-template-hash": "7d4b9c6f5" }, {
    phase: "Running",
    podIP: "10.42.0.12",
    containerStatuses: [{ name: "c", ready: true, restartCount: 0, state: { running: {} } }],
  }, "node-1"),
  pod("db-0", "data", undefined, { phase: "Pending" }),
];

describe("renderTableText", () => {
  const table = buildTable(pods, printerFor("Pod"), { includeObject: "Metadata", listMeta: {}, now });

  test("default output, as kubectl get pods prints it", () => {
    expect(renderTableText(table)).toBe(
      [
        "NAME                  READY   STATUS    RESTARTS   AGE",
        "web-7d4b9c6f5-abcde   1/1     Running   0          3m",
        "db-0                  0/1     Pending   0          3m",
        "",
      ].join("\n"),
    );
  });

  test("wide, all namespaces, labels", () => {
    expect(renderTableText(table, { wide: true, namespaceColumn: true, showLabels: true })).toBe(
      [
        "NAMESPACE   NAME                  READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES   LABELS",
        "default     web-7d4b9c6f5-abcde   1/1     Running   0          3m    10.42.0.12   node-1   <none>           <none>            app=web,pod-template-hash=7d4b9c6f5",
        "data        db-0                  0/1     Pending   0          3m    <none>       <none>   <none>           <none>            <none>",
        "",
      ].join("\n"),
    );
  });

  test("no headers", () => {
    expect(renderTableText(table, { noHeaders: true })).toBe(
      ["web-7d4b9c6f5-abcde   1/1   Running   0     3m", "db-0                  0/1   Pending   0     3m", ""].join("\n"),
    );
  });

  test("an empty table prints nothing, not even headers", () => {
    expect(renderTableText(buildTable([], printerFor("Pod"), { includeObject: "Metadata", listMeta: {}, now }))).toBe("");
  });

  test("rows without objects leave NAMESPACE and LABELS blank", () => {
    const t = buildTable([pods[1]!], printerFor("Namespace"), { includeObject: "None", listMeta: {}, now });
    expect(renderTableText(t, { namespaceColumn: true, showLabels: true })).toBe(
      ["NAMESPACE   NAME   STATUS    AGE   LABELS", " ".repeat(12) + "db-0   Pending   3m    ", ""].join("\n"),
    );
  });
});

describe("layoutColumns (kubectl's tabwriter: min width 6, padding 3)", () => {
  test.each<[string, string[][], string]>([
    ["short cells pad to the minimum width", [["A", "B", "C"], ["x", "y", "z"]], "A     B     C\nx     y     z\n"],
    ["widest cell plus three", [["NAME", "AGE"], ["a-long-name", "5s"]], "NAME" + " ".repeat(10) + "AGE\n" + "a-long-name" + " ".repeat(3) + "5s\n"],
    ["the last column is never padded", [["A", "LAST"], ["b", "a much longer value"]], "A     LAST\nb     a much longer value\n"],
    ["width counts characters, not bytes", [["ÄÖÜ", "x"], ["a", "y"]], "ÄÖÜ   x\na     y\n"],
  ])("%s", (_n, lines, want) => {
    expect(layoutColumns(lines)).toBe(want);
  });

  test("cells are printed as Go prints them; multi-line strings stop at the newline", () => {
    const t = {
      kind: "Table" as const,
      apiVersion: "meta.k8s.io/v1" as const,
      metadata: {},
      columnDefinitions: [
        { name: "Name", type: "string" as const, format: "name", description: "", priority: 0 },
        { name: "Count", type: "integer" as const, format: "", description: "", priority: 0 },
        { name: "Flag", type: "boolean" as const, format: "", description: "", priority: 0 },
        { name: "Message", type: "string" as const, format: "", description: "", priority: 0 },
      ],
      rows: [{ cells: ["n", 3, true, "line one\nline two"], object: null }],
    };
    expect(renderTableText(t)).toBe("NAME   COUNT   FLAG   MESSAGE\nn      3       true   line one...\n");
  });
});
