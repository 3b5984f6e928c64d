import { expect, test } from "bun:test";
import { planManifests, type AppliedRecord, type FileState, type ObjectRef } from "./plan.ts";

const cm = (name: string, namespace = "default"): ObjectRef => ({ apiVersion: "v1", kind: "ConfigMap", namespace, name });
const deploy = (name: string, apiVersion = "apps/v1"): ObjectRef => ({ apiVersion, kind: "Deployment", namespace: "default", name });
const readable = (...refs: ObjectRef[]): FileState<string> => ({ readable: true, objects: refs.map((ref) => ({ ref, object: ref.name })) });
const names = (xs: { file: string; ref: ObjectRef }[]) => xs.map((x) => `${x.file}:${x.ref.name}`).sort();

test.each<[string, Record<string, FileState<string>>, AppliedRecord, string[], string[], string[], string[]]>([
  // title, files now, record, disabled, apply, delete, keep
  ["a new file: everything applied", { "a.yaml": readable(cm("x"), cm("y")) }, {}, [], ["a.yaml:x", "a.yaml:y"], [], []],
  ["a document removed from a file is deleted", { "a.yaml": readable(cm("x")) }, { "a.yaml": [cm("x"), cm("y")] }, [], ["a.yaml:x"], ["a.yaml:y"], []],
  ["a removed file: all it applied is deleted", {}, { "a.yaml": [cm("x"), cm("y")] }, [], [], ["a.yaml:x", "a.yaml:y"], []],
  ["a disabled file is not applied and what it applied goes", { "traefik.yaml": readable(cm("t")) }, { "traefik.yaml": [cm("t")] }, ["traefik.yaml"], [], ["traefik.yaml:t"], []],
  ["an unreadable file changes nothing", { "a.yaml": { readable: false } }, { "a.yaml": [cm("x")] }, [], [], [], ["a.yaml"]],
  ["a document moved to another file is taken over, not deleted", { "b.yaml": readable(cm("x")) }, { "a.yaml": [cm("x")] }, [], ["b.yaml:x"], [], []],
  ["same name in another namespace is another object", { "a.yaml": readable(cm("x", "other")) }, { "a.yaml": [cm("x")] }, [], ["a.yaml:x"], ["a.yaml:x"], []],
  ["a new apiVersion of the same group names the same object", { "a.yaml": readable(deploy("d", "apps/v1")) }, { "a.yaml": [deploy("d", "apps/v1beta2")] }, [], ["a.yaml:d"], [], []],
])("%s", (_, files, record, disabled, apply, del, keep) => {
  const plan = planManifests(new Map(Object.entries(files)), record, (f) => disabled.includes(f));
  expect(names(plan.apply)).toEqual(apply);
  expect(names(plan.delete)).toEqual(del);
  expect(plan.keep).toEqual(keep);
});
