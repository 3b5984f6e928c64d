import { expect, test } from "bun:test";
import { errors, isStatusError } from "../model/errors.ts";
import type { RestClient } from "./rest-client.ts";
import { RestListWatch } from "./rest-list-watch.ts";

/** A client that answers one list and one watch, and records what it was asked. */
function fakeClient(watch: () => AsyncGenerator<{ type: string; object: any }>) {
  const asked: { kind: string; path: string; query: unknown }[] = [];
  const client = {
    async request(path: string, o: { query?: unknown }) {
      asked.push({ kind: "list", path, query: o.query });
      return { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "10" }, items: [{ metadata: { name: "a", namespace: "default" } }] };
    },
    watch(path: string, o: { query?: unknown }) {
      asked.push({ kind: "watch", path, query: o.query });
      return watch();
    },
  } as unknown as RestClient;
  return { client, asked };
}

test("lists with the selector, gives items the list's apiVersion and kind, and watches from a version with bookmarks", async () => {
  const { client, asked } = fakeClient(async function* () {
    yield { type: "ADDED", object: { metadata: { name: "b", resourceVersion: "11" } } };
  });
  const lw = new RestListWatch(client, { path: "/api/v1/pods", query: { fieldSelector: "spec.nodeName=n1" }, watchTimeoutSeconds: 60 });
  expect(lw.description).toBe("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
  const signal = new AbortController().signal;
  const list = await lw.list(signal);
  expect(list.resourceVersion).toBe("10");
  expect(list.items[0]).toMatchObject({ apiVersion: "v1", kind: "Pod" });
  const events: string[] = [];
  await lw.watch("10", signal, (e) => events.push(`${e.type} ${e.object.metadata.name}`));
  expect(events).toEqual(["ADDED b"]);
  expect(asked).toEqual([
    { kind: "list", path: "/api/v1/pods", query: { fieldSelector: "spec.nodeName=n1" } },
    { kind: "watch", path: "/api/v1/pods", query: { fieldSelector: "spec.nodeName=n1", resourceVersion: "10", allowWatchBookmarks: true, timeoutSeconds: 60 } },
  ]);
});

test("a 410 from the watch rejects it with the Status, for the informer to relist", async () => {
  const { client } = fakeClient(async function* () {
    throw errors.gone("too old resource version: 10 (20)");
  });
  const lw = new RestListWatch(client, { path: "/api/v1/pods" });
  const failed = await lw.watch("10", new AbortController().signal, () => {}).catch((e) => e);
  expect(isStatusError(failed, "Expired")).toBe(true);
});
