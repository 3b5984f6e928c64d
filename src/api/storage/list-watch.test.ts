import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { errors, isStatusError, type StatusError } from "../../model/errors.ts";
import { builtinResources } from "../resources/builtin.ts";
import { specProblems } from "../openapi/stored-shape.ts";
import { Informer } from "../../client/informer.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { ObjectEvent, ObjectStorage } from "./object-storage.ts";
import { StorageListWatch } from "./list-watch.ts";

const pods = builtinResources.find((d) => d.kind === "Pod")!;
const pod = (name: string, rv: string, meta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", resourceVersion: rv, ...meta }, spec: { containers: [] } }) as KubeObject;

/** An event of an object without managedFields, as the store shows it: both views are the object. */
const added = (object: KubeObject): ObjectEvent => ({ type: "ADDED", revision: Number(object.metadata.resourceVersion), object, slimObject: object });

/** A storage with a fixed list; `emit` plays a watch event as the store's commit path would. */
function fakeStorage(items: KubeObject[], watchFails?: StatusError) {
  let listener: ((e: ObjectEvent) => void) | undefined;
  const watched: { resource: string; namespace: string | undefined; from: number }[] = [];
  const storage = {
    async listWithoutManagedFields() {
      return { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "10" }, items };
    },
    watch: (def: ResourceDef, namespace: string | undefined, o: { fromRevision: number }, l: (e: ObjectEvent) => void) => {
      if (watchFails) return watchFails;
      watched.push({ resource: def.plural, namespace, from: o.fromRevision });
      listener = l;
      return () => {};
    },
  } as unknown as ObjectStorage;
  return { storage, watched, emit: (e: ObjectEvent) => listener!(e) };
}

test("readers get well-typed objects: wrong-typed fields are left out of the cached copy, which remembers them", async () => {
  const { storage, emit } = fakeStorage([pod("labels-string", "1", { labels: "garbage" }), pod("good", "2", { labels: { app: "a" } })]);
  const informer = new Informer(new StorageListWatch(storage, pods));
  const stop = new AbortController();
  await informer.start(stop.signal);
  const bad = informer.get("default/labels-string")!;
  expect(bad.metadata.labels).toBeUndefined();
  expect(specProblems(bad).map((p) => p.path)).toEqual(["metadata.labels"]);
  expect(informer.get("default/good")!.metadata.labels).toEqual({ app: "a" });

  await Promise.resolve();
  emit(added(pod("c", "11", { ownerReferences: "garbage" })));
  expect(informer.get("default/c")!.metadata.ownerReferences).toBeUndefined();
  stop.abort();
});

test("watches the resource in every namespace from the list's revision; subscribed before start resolves; events reach the informer from the commit path, at once", async () => {
  const { storage, watched, emit } = fakeStorage([]);
  const informer = new Informer(new StorageListWatch(storage, pods));
  const stop = new AbortController();
  await informer.start(stop.signal);
  expect(watched).toEqual([{ resource: "pods", namespace: undefined, from: 10 }]); // subscribed before start resolves
  emit(added(pod("a", "11")));
  expect(informer.get("default/a")?.metadata.resourceVersion).toBe("11"); // no await between
  stop.abort();
});

test("a compacted revision (410 from the storage, as a value) rejects the watch, which makes an informer relist", async () => {
  const { storage } = fakeStorage([], errors.gone("too old resource version: 10 (20)"));
  const failed = await new StorageListWatch(storage, pods).watch("10", new AbortController().signal, () => {}).catch((e) => e);
  expect(isStatusError(failed, "Expired")).toBe(true);
  expect(failed.code).toBe(410);
});
