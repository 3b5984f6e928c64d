import { expect, test } from "bun:test";
import { readableCopy, shapeProblemText, shapeProblems, specProblems, trustedObjectMeta, withoutBadShapes } from "./stored-shape.ts";

const pod = (spec: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec, ...extra });

test.each([
  ["initContainers a string", pod({ containers: [{ name: "c" }], initContainers: "garbage" }), ["spec.initContainers array string"]],
  ["nodeSelector a string", pod({ containers: [{ name: "c" }], nodeSelector: "garbage" }), ["spec.nodeSelector object string"]],
  ["command not a list", pod({ containers: [{ name: "c", command: "notalist" }] }), ["spec.containers[0].command array string"]],
  ["a container that is null", pod({ containers: [null] }), ["spec.containers[0] object null"]],
  ["labels a string", { ...pod({ containers: [] }), metadata: { name: "p", labels: "x" } }, ["metadata.labels object string"]],
  ["a label value that is a number", { ...pod({ containers: [] }), metadata: { name: "p", labels: { a: 1 } } }, ["metadata.labels.a string integer"]],
  ["spec a string", pod("garbage"), ["spec object string"]],
  ["status a string", pod({ containers: [] }, { status: "garbage" }), ["status object string"]],
] as const)("%s", (_, obj, want) => {
  expect(shapeProblems(obj).map((p) => `${p.path} ${p.expected} ${p.got}`)).toEqual([...want]);
});

test.each([
  ["null fields are zero values", pod({ containers: [{ name: "c", command: null }], nodeSelector: null })],
  ["quantities may be numbers", pod({ containers: [{ name: "c", resources: { requests: { cpu: 1, memory: "1Gi" } } }] })],
  ["int-or-string ports may be either", pod({ containers: [{ name: "c", livenessProbe: { httpGet: { port: "http" } } }, { name: "d", livenessProbe: { httpGet: { port: 80 } } }] })],
  ["opaque managedFields content", pod({ containers: [] }, { metadata: { name: "p", managedFields: [{ fieldsV1: { "f:x": 3 } }] } })],
  ["unknown fields are not this module's business", pod({ containers: [], foo: 3 })],
  ["kinds without a schema", { apiVersion: "example.com/v1", kind: "Widget", spec: "anything" }],
])("no problem: %s", (_, obj) => {
  expect(shapeProblems(obj)).toEqual([]);
});

test("only and limit narrow the search", () => {
  const obj = pod({ containers: "x", initContainers: "y" }, { status: "z" });
  expect(shapeProblems(obj, { only: ["status"] }).map((p) => p.path)).toEqual(["status"]);
  expect(shapeProblems(obj, { limit: 1 })).toHaveLength(1);
  expect(shapeProblems("garbage")).toEqual([{ path: "", expected: "object", got: "string" }]);
});

test("withoutBadShapes copies with the bad values left out and the original untouched", () => {
  const obj = pod({ containers: [{ name: "c", image: "i", command: "x" }, null, "y"], initContainers: "garbage", nodeName: "n" }, { status: "garbage" });
  const clean = withoutBadShapes(obj);
  expect(clean).toEqual({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i" }], nodeName: "n" } } as any);
  expect((obj as any).status).toBe("garbage");
  expect(shapeProblems(clean)).toEqual([]);
});

test("a hostile deep value stops being walked instead of exhausting the stack", () => {
  let deep: any = {};
  for (let i = 0; i < 20_000; i++) deep = { openAPIV3Schema: { properties: { x: deep } } };
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "x" }, spec: { versions: [{ name: "v1", schema: deep }] } };
  expect(() => shapeProblems(crd)).not.toThrow();
});

test("the message is worded as the apiserver's schema validation words it", () => {
  expect(shapeProblemText({ path: "spec.initContainers", expected: "array", got: "string" })).toBe('spec.initContainers in body must be of type array: "string"');
});

test("trustedObjectMeta keeps a good metadata as it is and copies a bad one without its bad fields", () => {
  const good = { name: "p", labels: { a: "b" } };
  expect(trustedObjectMeta(good)).toBe(good);
  const bad = { name: "p", labels: "garbage", managedFields: "garbage", annotations: { a: "b" } };
  expect(trustedObjectMeta(bad)).toEqual({ name: "p", annotations: { a: "b" } });
  expect(bad.labels).toBe("garbage");
  expect(trustedObjectMeta("garbage")).toEqual({});
});

test("readableCopy: the object itself when it fits; else a clean copy that still tells its spec problems", () => {
  const good = pod({ containers: [{ name: "c" }] });
  expect(readableCopy(good)).toBe(good);
  const bad = pod({ containers: [{ name: "c" }], nodeSelector: "garbage" }, { status: "garbage", metadata: { name: "p", managedFields: "x" } });
  const copy = readableCopy(bad);
  expect(copy).toEqual({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } } as any);
  expect(specProblems(copy).map((p) => p.path)).toEqual(["spec.nodeSelector"]);
  expect(specProblems(bad).map((p) => p.path)).toEqual(["spec.nodeSelector"]);
  const statusOnly = readableCopy(pod({ containers: [] }, { status: "garbage" }));
  expect(specProblems(statusOnly)).toEqual([]);
});
