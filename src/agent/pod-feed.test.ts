import { afterEach, expect, test } from "bun:test";
import { RestClient } from "../client/rest-client.ts";
import type { KubeObject } from "../model/object.ts";
import { WatchPodFeed } from "./pod-feed.ts";

const MANAGED = [{ manager: "kubectl-client-side-apply", operation: "Update", fieldsType: "FieldsV1", fieldsV1: { "f:spec": {} } }];

function pod(name: string, rv: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: rv, labels, managedFields: MANAGED },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Pending" },
  };
}

/** The API as the feed sees it: one pod listed, one change to it on the watch, then the watch stays open. */
function fakeApi(): RestClient {
  return new RestClient({ server: "https://k3rs.test", path: "(test)" }, async (url, init) => {
    const u = new URL(url);
    if (u.searchParams.get("watch") !== "1") {
      return Response.json({ apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "5" }, items: [pod("a", "5")] });
    }
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify({ type: "MODIFIED", object: pod("a", "6", { changed: "yes" }) }) + "\n"));
        init.signal?.addEventListener("abort", () => c.error(new DOMException("aborted", "AbortError")), { once: true });
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
}

const stops: AbortController[] = [];
afterEach(() => stops.splice(0).forEach((s) => s.abort()));

test("the agent's pods carry no managedFields, listed or watched: nothing of the agent reads them, and they are most of a pod's parsed objects", async () => {
  const stop = new AbortController();
  stops.push(stop);
  const feed = new WatchPodFeed(fakeApi(), stop.signal, "n1");
  const synced: KubeObject[][] = [];
  const changed: KubeObject[] = [];
  feed.subscribe("n1", { onPod: (p) => changed.push(p), onPodDeleted: () => {}, onSynced: (all) => synced.push(all) });
  const deadline = Date.now() + 5000;
  while (!changed.some((p) => p.metadata.labels?.changed === "yes")) {
    if (Date.now() > deadline) throw new Error("the watched change never arrived");
    await Bun.sleep(10);
  }
  expect(synced[0]!.map((p) => p.metadata.name)).toEqual(["a"]);
  expect(synced[0]!.map((p) => "managedFields" in p.metadata)).toEqual([false]);
  const watched = changed.find((p) => p.metadata.resourceVersion === "6")!;
  expect("managedFields" in watched.metadata).toBe(false);
  // The rest of the pod is all there.
  expect(watched.metadata).toEqual({ name: "a", namespace: "ns", uid: "uid-a", resourceVersion: "6", labels: { changed: "yes" } });
  expect(watched.spec.containers).toEqual([{ name: "c", image: "busybox" }]);
});
