import { describe, expect, test } from "bun:test";
import type { ListWatch, ListWatchEvent } from "./list-watch.ts";
import { SlimListWatch } from "./slim-list-watch.ts";

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
