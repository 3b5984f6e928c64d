import { describe, expect, test } from "bun:test";
import type { ListWatch, ListWatchEvent } from "../../client/list-watch.ts";
import { SlimListWatch, slimPod } from "./slim-list-watch.ts";

const pod = {
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "p", namespace: "ns", uid: "u", resourceVersion: "7", labels: { a: "b" }, managedFields: [{}] },
  spec: { hostNetwork: false, containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Running", podIP: "10.42.0.5", podIPs: [{ ip: "10.42.0.5" }], containerStatuses: [{}] },
};

describe("SlimListWatch", () => {
  test("lists and watch events keep only what the DNS reads of a pod; bookmarks pass as they are", async () => {
    const events: ListWatchEvent[] = [];
    const inner: ListWatch = {
      description: "/api/v1/pods",
      list: async () => ({ resourceVersion: "7", items: [pod as any] }),
      watch: async (_rv, _signal, onEvent) => {
        onEvent({ type: "MODIFIED", object: pod as any });
        onEvent({ type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } as any });
      },
    };
    const slim = new SlimListWatch(inner, slimPod);
    const want = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u", resourceVersion: "7" }, spec: { hostNetwork: false }, status: { podIP: "10.42.0.5", podIPs: [{ ip: "10.42.0.5" }] } };
    expect(await slim.list(new AbortController().signal)).toEqual({ resourceVersion: "7", items: [want] });
    await slim.watch("7", new AbortController().signal, (e) => events.push(e));
    expect(events).toEqual([{ type: "MODIFIED", object: want }, { type: "BOOKMARK", object: { metadata: { resourceVersion: "9" } } } as any]);
    expect(slim.description).toBe("/api/v1/pods");
  });
});
