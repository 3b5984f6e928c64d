import { expect, test } from "bun:test";
import { fields, renderDescription } from "./describe.ts";

const now = new Date("2026-01-01T00:10:00Z");

test("identity, labels, annotations without last-applied, fields, no events", () => {
  const text = renderDescription(
    {
      kind: "ConfigMap",
      metadata: { name: "c", namespace: "shop", creationTimestamp: "2026-01-01T00:00:00Z", labels: { app: "web", tier: "x" }, annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", note: "hi" } },
      data: { a: "1" },
    },
    [],
    now,
  );
  expect(text).toBe(
    [
      "Name:         c",
      "Namespace:    shop",
      "Labels:       app=web",
      "              tier=x",
      "Annotations:  note: hi",
      "CreationTimestamp:  Thu, 01 Jan 2026 00:00:00 +0000",
      "Data:",
      "  A:          1",
      "Events:       <none>",
      "",
    ].join("\n"),
  );
});

test("cluster-scoped objects have no Namespace line; empty maps are <none>", () => {
  const text = renderDescription({ kind: "Namespace", metadata: { name: "shop" }, status: { phase: "Active" } }, [], now);
  expect(text).toBe("Name:         shop\nLabels:       <none>\nAnnotations:  <none>\nStatus:\n  Phase:      Active\nEvents:       <none>\n");
});

test("Secret values are sizes, never contents", () => {
  const text = renderDescription({ kind: "Secret", metadata: { name: "s" }, data: { password: Buffer.from("hunter2").toString("base64") } }, [], now);
  expect(text).toContain("Password:   7 bytes");
  expect(text).not.toContain("hunter2");
});

test("events as kubectl's indented table", () => {
  const text = renderDescription({ kind: "Pod", metadata: { name: "p", namespace: "default" } }, [
    { type: "Warning", reason: "FailedScheduling", lastTimestamp: "2026-01-01T00:05:00Z", source: { component: "default-scheduler" }, message: "0/1 nodes are available" },
  ], now);
  const lines = text.split("\n");
  const at = lines.indexOf("Events:");
  expect(lines.slice(at + 1)).toEqual([
    "  Type     Reason            Age  From               Message",
    "  ----     ------            ---  ----               -------",
    "  Warning  FailedScheduling  5m   default-scheduler  0/1 nodes are available",
    "",
  ]);
});

test.each([
  ["nested objects indent two per level", { replicas: 2, template: { metadata: { labels: { app: "web" } } } }, "  Replicas:   2\n  Template:\n    Metadata:\n      Labels:\n        App:  web\n"],
  ["empty values are <none>", { selector: {}, ports: [] }, "  Selector:   <none>\n  Ports:      <none>\n"],
  ["lists of objects get dashes", { ports: [{ port: 80, name: "http" }] }, "  Ports:\n  - Port:     80\n    Name:     http\n"],
  ["lists of scalars one per line", { args: ["-f", "-p"] }, "  Args:\n    -f\n    -p\n"],
])("fields: %s", (_n, value, want) => {
  expect(fields(value, 2)).toBe(want);
});
