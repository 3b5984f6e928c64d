import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { WatchEvent } from "../../store/types.ts";
import { builtinResources } from "../../api/resources/builtin.ts";
import { SharedInformer } from "./shared-informer.ts";
import { specProblems } from "../../api/openapi/stored-shape.ts";

const pods = builtinResources.find((d) => d.kind === "Pod")!;
const pod = (name: string, rv: string, meta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", resourceVersion: rv, ...meta }, spec: { containers: [] } }) as KubeObject;

/** A storage with a fixed list; `emit` plays a watch event as the store's commit path would. */
function fakeStorage(items: KubeObject[]) {
  let listener: ((e: WatchEvent) => void) | undefined;
  const storage = {
    async list() {
      return { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "10" }, items };
    },
    store: { watch: (_p: string, _o: unknown, l: (e: WatchEvent) => void) => ((listener = l), () => {}) },
  } as unknown as ObjectStorage;
  return { storage, emit: (e: WatchEvent) => listener!(e) };
}

test("bad ownerReferences and a throwing handler or index cost only that object, never the other handlers or the watch", async () => {
  const owner = { uid: "o1", kind: "ReplicaSet", name: "rs", apiVersion: "apps/v1" };
  const { storage, emit } = fakeStorage([
    pod("a", "1", { ownerReferences: [owner] }),
    pod("refs-string", "2", { ownerReferences: "garbage" }),
    pod("refs-number", "3", { ownerReferences: 5 }),
    pod("refs-nulls", "4", { ownerReferences: [null, { uid: 7 }] }),
    pod("labels-string", "5", { labels: "garbage", ownerReferences: [owner] }),
  ]);
  const informer = new SharedInformer(storage, pods);
  const first: string[] = [];
  const second: string[] = [];
  informer.addHandler({ onChange: (p) => { if (p.metadata.name === "refs-number") throw new Error("cannot"); first.push(p.metadata.name!); } });
  informer.addHandler({ onChange: (p) => second.push(p.metadata.name!), onDelete: (p) => second.push(`-${p.metadata.name}`) });
  informer.addIndex("by-app", (p) => [p.metadata.labels!.app!.toUpperCase()]);
  await informer.start(new AbortController().signal);

  expect(informer.ownedBy("o1").map((p) => p.metadata.name)).toEqual(["a", "labels-string"]);
  expect(first).toEqual(["a", "refs-string", "refs-nulls", "labels-string"]);
  expect(second).toEqual(["a", "refs-string", "refs-number", "refs-nulls", "labels-string"]);

  emit({ type: "ADDED", key: "/pods/default/b", revision: 11, object: pod("b", "11", { labels: { app: "x" } }) });
  emit({ type: "DELETED", key: "/pods/default/refs-number", revision: 12, object: pod("refs-number", "12", { ownerReferences: 5 }) });
  expect(second.slice(-2)).toEqual(["b", "-refs-number"]);
  expect(informer.byIndex("by-app", "X").map((p) => p.metadata.name)).toEqual(["b"]);
});

test("readers get well-typed objects: wrong-typed fields are left out of the cached copy, which remembers them", async () => {
  const { storage } = fakeStorage([pod("labels-string", "1", { labels: "garbage" }), pod("good", "2", { labels: { app: "a" } })]);
  const informer = new SharedInformer(storage, pods);
  await informer.start(new AbortController().signal);
  const bad = informer.get("default/labels-string")!;
  expect(bad.metadata.labels).toBeUndefined();
  expect(specProblems(bad).map((p) => p.path)).toEqual(["metadata.labels"]);
  expect(informer.get("default/good")!.metadata.labels).toEqual({ app: "a" });
});
