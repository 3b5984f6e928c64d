import { describe, expect, test } from "bun:test";
import type { PatchSchema } from "../patch/patch-schema.ts";
import { patchSchemaFor } from "./patch-schema-from-openapi.ts";

function at(root: PatchSchema | undefined, path: string): PatchSchema | undefined {
  let s = root;
  for (const part of path.split(".")) s = part === "[]" ? s?.items() : s?.field(part);
  return s;
}

describe("patchSchemaFor: Kubernetes' strategic merge keys", () => {
  test.each([
    ["", "v1", "Pod", "spec.containers", "name", "merge"],
    ["", "v1", "Pod", "spec.initContainers", "name", "merge"],
    ["", "v1", "Pod", "spec.volumes", "name", "merge,retainKeys"],
    ["", "v1", "Pod", "spec.imagePullSecrets", "name", "merge"],
    ["", "v1", "Pod", "spec.containers.[].ports", "containerPort", "merge"],
    ["", "v1", "Pod", "spec.containers.[].env", "name", "merge"],
    ["", "v1", "Pod", "spec.containers.[].volumeMounts", "mountPath", "merge"],
    ["", "v1", "Pod", "status.conditions", "type", "merge"],
    ["", "v1", "Pod", "metadata.ownerReferences", "uid", "merge"],
    ["", "v1", "Service", "spec.ports", "port", "merge"],
    ["", "v1", "Node", "status.addresses", "type", "merge"],
    ["", "v1", "ServiceAccount", "secrets", "name", "merge"],
    ["apps", "v1", "Deployment", "spec.template.spec.containers", "name", "merge"],
    ["apps", "v1", "Deployment", "status.conditions", "type", "merge"],
    ["batch", "v1", "CronJob", "spec.jobTemplate.spec.template.spec.containers.[].env", "name", "merge"],
  ])("%p/%s %s %s merges by %s", (g, v, k, path, key, strategy) => {
    const s = at(patchSchemaFor(g, v, k), path);
    expect(s?.type).toBe("array");
    expect(s?.patchMergeKey).toBe(key);
    expect(s?.patchStrategy).toBe(strategy);
  });

  test.each([
    ["", "v1", "Pod", "spec.tolerations"],
    ["", "v1", "Pod", "spec.containers.[].args"],
    ["apps", "v1", "Deployment", "spec.selector.matchExpressions"],
  ])("%p/%s %s %s is replaced whole", (g, v, k, path) => {
    const s = at(patchSchemaFor(g, v, k), path);
    expect(s?.type).toBe("array");
    expect(s?.patchStrategy).toBeUndefined();
    expect(s?.patchMergeKey).toBeUndefined();
  });

  test("finalizers merge as a set of primitives", () => {
    const s = at(patchSchemaFor("", "v1", "ConfigMap"), "metadata.finalizers");
    expect([s?.type, s?.patchStrategy, s?.patchMergeKey, s?.items()?.type]).toEqual(["array", "merge", undefined, "primitive"]);
  });

  test("a Deployment's strategy keeps only the keys it sets (retainKeys)", () => {
    const s = at(patchSchemaFor("apps", "v1", "Deployment"), "spec.strategy");
    expect([s?.type, s?.patchStrategy]).toEqual(["object", "retainKeys"]);
  });

  test.each([
    ["metadata.labels", "map"],
    ["data", "map"],
    ["metadata.name", "primitive"],
    ["metadata.managedFields.[].fieldsV1", "unknown"],
  ])("ConfigMap %s is a %s", (path, type) => expect(at(patchSchemaFor("", "v1", "ConfigMap"), path)?.type as string).toBe(type));

  test("unknown fields and kinds have no schema", () => {
    expect(patchSchemaFor("", "v1", "Pod")?.field("nope")).toBeUndefined();
    expect(patchSchemaFor("example.com", "v1", "Widget")).toBeUndefined();
  });
});
