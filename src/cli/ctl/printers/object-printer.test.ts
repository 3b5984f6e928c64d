import { expect, test } from "bun:test";
import { goIndentJson, nameOf, objectPrinter, toYaml } from "./object-printer.ts";

test("YAML as go-yaml writes it: 1.1 look-alikes double-quoted, syntax quoting single, lists flush with their key", () => {
  const data = { a: "2026-12-06T12:33:43Z", b: "yes", c: "1", d: "on", i: "", j: "a: b", k: "line1\nline2\n", l: ["x"], plain: "hello" };
  expect(toYaml({ data })).toBe(`data:\n  a: "2026-12-06T12:33:43Z"\n  b: "yes"\n  c: "1"\n  d: "on"\n  i: ""\n  j: 'a: b'\n  k: |\n    line1\n    line2\n  l:\n  - x\n  plain: hello\n`);
});

test("JSON as json.MarshalIndent writes a map: sorted keys, four spaces, <>& escaped", () => {
  expect(goIndentJson({ b: 1, a: { d: "<x>", c: [] } })).toBe('{\n    "a": {\n        "c": [],\n        "d": "\\u003cx\\u003e"\n    },\n    "b": 1\n}');
});

test("names and printer errors", () => {
  expect(nameOf({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } })).toBe("deployment.apps/web");
  expect(nameOf({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } })).toBe("pod/p");
  expect(() => objectPrinter("bogus")).toThrow('unable to match a printer suitable for the output format "bogus"');
  expect(objectPrinter("wide")).toBeUndefined();
});

test("managedFields are left out unless asked for, as kubectl's OmitManagedFieldsPrinter does", () => {
  const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", managedFields: [{ manager: "kubectl" }] } };
  expect(objectPrinter("json")!.print(obj, [obj])).not.toContain("managedFields");
  const list = { apiVersion: "v1", kind: "List", items: [obj] };
  expect(objectPrinter("yaml")!.print(list, list.items)).not.toContain("managedFields");
  expect(objectPrinter("json", { showManagedFields: true })!.print(obj, [obj])).toContain('"manager": "kubectl"');
  expect(obj.metadata.managedFields).toHaveLength(1);
});
