import { expect, test } from "bun:test";
import { isManifestFile, manifestName, parseManifest } from "./manifest-docs.ts";

test("documents, empty ones skipped, Lists expanded", () => {
  const r = parseManifest(`---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
# nothing here
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Secret, metadata: {name: b}}
- {apiVersion: v1, kind: Service, metadata: {name: c}}
`);
  expect(r.ok && r.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["ConfigMap/a", "Secret/b", "Service/c"]);
});

test.each([
  ["kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n---\n- a list\n", "document 2: not an object"],
  ["apiVersion: v1\nmetadata: {name: a}\n", "document 1: kind is missing"],
  ["apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "document 1: ConfigMap: metadata.name is missing"],
  ["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n", "document 1:"],
])("a file with a bad document is unreadable as a whole: %j", (text, error) => {
  const r = parseManifest(text);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.error).toContain(error);
});

test("a billion-laughs file is refused, not expanded", () => {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  const r = parseManifest(lines.join("\n") + "\n");
  expect(r.ok).toBe(false);
});

test.each([
  ["traefik.yaml", true, "traefik"],
  ["app.yml", true, "app"],
  ["app.json", true, "app"],
  [".app.yaml.swp", false, ".app.yaml.swp"],
  [".hidden.yaml", false, ".hidden"],
  ["notes.txt", false, "notes.txt"],
  ["traefik.yaml.skip", false, "traefik.yaml.skip"],
])("%s: read %p, named %p", (file, read, name) => {
  expect(isManifestFile(file)).toBe(read);
  expect(manifestName(file)).toBe(name);
});
