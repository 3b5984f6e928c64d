import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { parseFieldPath, statusWriteCauses } from "./status-ratchet.ts";

test.each([
  ["spec", ["spec"]],
  ["spec.containers[0].command", ["spec", "containers", 0, "command"]],
  ["metadata.labels[example.com/a]", ["metadata", "labels", "example.com/a"]],
  ["spec..x", undefined],
  ["", undefined],
  ["spec[0", undefined],
] as const)("parseFieldPath(%p)", (field, want) => {
  expect(parseFieldPath(field)).toEqual(want as any);
});

const old = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: "garbage" }, spec: { initContainers: "garbage" }, status: { phase: "Pending" } } as unknown as KubeObject;

test("a status write answers for the status and for what it changed, not for what was stored before it", () => {
  const next = { ...old, metadata: { name: "p", labels: "garbage" }, status: { phase: "Failed", conditions: "x" } } as unknown as KubeObject;
  const causes = [
    { field: "spec.containers", message: "Required value" },
    { field: "spec.initContainers", message: "must be a list" },
    { field: "metadata.labels", message: "must be a map of strings" },
    { field: "status.conditions", message: "must be a list" },
    { message: "no field" },
  ];
  expect(statusWriteCauses(causes, next, old)).toEqual([{ field: "status.conditions", message: "must be a list" }, { message: "no field" }]);
  const relabelled = { ...next, metadata: { name: "p", labels: { a: 5 } } } as unknown as KubeObject;
  expect(statusWriteCauses([{ field: "metadata.labels", message: "must be a map of strings" }], relabelled, old)).toHaveLength(1);
});
