import { expect, test } from "bun:test";
import type { KubeObject } from "./object.ts";
import { unreadablePodMessage } from "./pod-shape.ts";

const pod = (spec: unknown, meta: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", uid: "u", ...meta }, spec }) as KubeObject;
const c = { name: "c", image: "busybox" };

test.each([
  ["initContainers a string", pod({ containers: [c], initContainers: "garbage" }), 'spec.initContainers in body must be of type array: "string"'],
  ["nodeSelector a string", pod({ containers: [c], nodeSelector: "garbage" }), 'spec.nodeSelector in body must be of type object: "string"'],
  ["command not a list", pod({ containers: [{ ...c, command: "notalist" }] }), 'spec.containers[0].command in body must be of type array: "string"'],
  ["tolerations a string", pod({ containers: [c], tolerations: "garbage" }), 'spec.tolerations in body must be of type array: "string"'],
  ["containers missing", pod({}), "spec.containers: Required value"],
  ["containers empty", pod({ containers: [] }), "spec.containers: Required value"],
  ["a container without a name", pod({ containers: [{ image: "busybox" }] }), "spec.containers[0].name: Required value"],
  ["no spec", pod(undefined), "spec: Required value"],
  ["spec a string", pod("garbage"), 'spec in body must be of type object: "string"'],
  ["labels a string", pod({ containers: [c] }, { labels: "garbage" }), 'metadata.labels in body must be of type object: "string"'],
  ["many problems", pod({ containers: "a", initContainers: "b", volumes: "c", tolerations: "d" }), 'spec.containers in body must be of type array: "string", spec.initContainers in body must be of type array: "string", spec.volumes in body must be of type array: "string", …'],
])("%s", (_, p, message) => {
  expect(unreadablePodMessage(p)).toBe(message);
});

test("a readable pod, and a bad status (the agent writes it) or managedFields (no one reads them) are no reason to refuse", () => {
  expect(unreadablePodMessage(pod({ containers: [c], initContainers: [{ name: "i", image: "busybox" }] }))).toBeUndefined();
  expect(unreadablePodMessage({ ...pod({ containers: [c] }), status: "garbage" } as KubeObject)).toBeUndefined();
  expect(unreadablePodMessage(pod({ containers: [c] }, { managedFields: "garbage" }))).toBeUndefined();
});

test.each([
  ["a label value that is a number", pod({ containers: [c] }, { labels: { app: 5 } }), 'metadata.labels.app in body must be of type string: "integer"'],
  ["a container that is null", pod({ containers: [null] }), 'spec.containers[0] in body must be of type object: "null"'],
  ["a request that is neither string nor number", pod({ containers: [{ ...c, resources: { requests: { cpu: true } } }] }), 'spec.containers[0].resources.requests.cpu in body must be of type integer or string: "boolean"'],
  ["a volume source of the wrong type", pod({ containers: [c], volumes: [{ name: "v", configMap: "x" }] }), 'spec.volumes[0].configMap in body must be of type object: "string"'],
])("also: %s", (_, p, message) => {
  expect(unreadablePodMessage(p)).toBe(message);
});

test("numbers as quantities, null fields and fields it does not read are no reason to refuse", () => {
  expect(unreadablePodMessage(pod({ containers: [{ ...c, command: null, resources: { requests: { cpu: 1 } } }], nodeSelector: null, futureField: "x" }))).toBeUndefined();
});
