import { describe, expect, test } from "bun:test";
import type { ListWatch, ListWatchEvent } from "./list-watch.ts";
import { SlimListWatch, withManagedFieldsOf, withoutManagedFields } from "./slim-list-watch.ts";

const pod = {
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "p", namespace: "ns", uid: "u", resourceVersion: "7", labels: { a: "b" }, managedFields: [{ manager: "kubectl" }] },
  spec: { hostNetwork: false, containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Running", podIP: "10.42.0.5" },
};

describe("SlimListWatch", () => {
  test("lists and watch events pass through the slim function; bookmarks pass as they are", async () => {
    const events: ListWatchEvent[] = [];
    const inner: ListWatch = {
      description: "/api/v1/pods",
      list: async () => ({ resourceVersion: "7", items: [pod as any] }),
      watch: async (_rv, _signal, onEvent) => {
        onEvent({ type: "MODIFIED", object: pod as any });
        onEvent({ type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } as any });
      },
    };
    const slim = new SlimListWatch(inner, (o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name } }));
    const want = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } };
    expect(await slim.list(new AbortController().signal)).toEqual({ resourceVersion: "7", items: [want] });
    await slim.watch("7", new AbortController().signal, (e) => events.push(e));
    expect(events).toEqual([{ type: "MODIFIED", object: want }, { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } } as any]);
    expect(slim.description).toBe("/api/v1/pods");
  });
});

describe("withoutManagedFields", () => {
  test("drops metadata.managedFields from a copy and leaves the shared original whole", () => {
    const original = structuredClone(pod);
    const trimmed = withoutManagedFields(original as any);
    expect(trimmed.metadata).toEqual({ name: "p", namespace: "ns", uid: "u", resourceVersion: "7", labels: { a: "b" } });
    expect("managedFields" in trimmed.metadata).toBe(false);
    expect(original).toEqual(pod);
    // Only metadata is copied: spec and status are the same objects.
    expect(trimmed.spec).toBe(original.spec);
  });

  test("an object without managedFields is returned as it is", () => {
    const o = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
    expect(withoutManagedFields(o as any)).toBe(o as any);
  });
});

describe("withManagedFieldsOf", () => {
  test("a whole-object write made from a trimmed copy keeps the stored owners", () => {
    const stored = { apiVersion: "v1", kind: "X", metadata: { name: "x", managedFields: [{ manager: "kubectl" }] } };
    const desired = { apiVersion: "v1", kind: "X", metadata: { name: "x", labels: { a: "b" } } };
    expect(withManagedFieldsOf(stored as any, desired as any)).toEqual({ apiVersion: "v1", kind: "X", metadata: { name: "x", labels: { a: "b" }, managedFields: [{ manager: "kubectl" }] } } as any);
    expect(desired.metadata).toEqual({ name: "x", labels: { a: "b" } });
    const own = { ...desired, metadata: { ...desired.metadata, managedFields: [] } };
    expect(withManagedFieldsOf(stored as any, own as any)).toBe(own as any);
  });
});
