import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, readManifests } from "./manifests.ts";

const FIXTURES = resolve(import.meta.dir, "../../../test/fixtures/manifests");
const dir = mkdtempSync(join(tmpdir(), "k3rs-manifests-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const names = (ms: { object: any }[]) => ms.map((m) => `${m.object.kind}/${m.object.metadata.name}`);

test.each([
  ["multi-document YAML, empty documents skipped", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n", ["ConfigMap/a", "Secret/b"]],
  ["JSON", '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}', ["ConfigMap/j"]],
  ["a List is its items", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: y}}\n", ["ConfigMap/x", "ConfigMap/y"]],
  ["a typed list (ConfigMapList) too", '{"apiVersion":"v1","kind":"ConfigMapList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"z"}}]}', ["ConfigMap/z"]],
  ["comments only", "# nothing here\n", []],
])("parse: %s", (_n, text, want) => {
  expect(names(parse(text, "t"))).toEqual(want);
});

test.each([
  ["no kind", "apiVersion: v1\nmetadata: {name: a}\n", /apiVersion or kind not set/],
  ["a scalar document", "just text\n", /a document must be an object/],
  ["broken YAML", "a: [1\n", /error parsing t:/],
])("parse refuses %s", (_n, text, message) => {
  expect(() => parse(text, "t")).toThrow(message);
});

test("a directory: its .yaml/.yml/.json files in name order, not its subdirectories", () => {
  mkdirSync(join(dir, "d", "nested"), { recursive: true });
  writeFileSync(join(dir, "d", "b.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
  writeFileSync(join(dir, "d", "a.json"), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}');
  writeFileSync(join(dir, "d", "notes.txt"), "not a manifest");
  writeFileSync(join(dir, "d", "nested", "c.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  const ms = readManifests([join(dir, "d")]);
  expect(names(ms)).toEqual(["ConfigMap/a", "ConfigMap/b"]);
  expect(ms[0]!.source).toBe(join(dir, "d", "a.json"));
});

test("files, directories and stdin together, in order", () => {
  const ms = readManifests([join(FIXTURES, "dir"), "-", join(FIXTURES, "web.yaml")], () => "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: piped}\n");
  expect(names(ms)).toEqual(["ConfigMap/settings", "Secret/creds", "ConfigMap/piped", "Namespace/shop", "Deployment/web", "Service/web"]);
  expect(ms[2]!.source).toBe("STDIN");
});

test("a missing path says so", () => {
  expect(() => readManifests([join(dir, "absent.yaml")])).toThrow(`the path "${join(dir, "absent.yaml")}" does not exist`);
});
