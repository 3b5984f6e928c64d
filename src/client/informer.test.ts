import { expect, test } from "bun:test";
import type { KubeObject } from "../model/object.ts";
import type { RestClient } from "./rest-client.ts";
import { ClientInformer } from "./informer.ts";

const pod = (name: string, rv: string, spec: unknown): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", resourceVersion: rv }, spec }) as KubeObject;

/** A server with a fixed list and one watch event; later watches wait until aborted. */
function fakeClient(items: KubeObject[], events: { type: string; object: KubeObject }[]): RestClient {
  let watched = false;
  return {
    async request() {
      return { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "10" }, items };
    },
    async *watch(_path: string, o: { signal: AbortSignal }) {
      if (!watched) {
        watched = true;
        yield* events;
      }
      await new Promise((r) => o.signal.addEventListener("abort", r, { once: true }));
    },
  } as unknown as RestClient;
}

test("a handler that throws on one object is reported; the informer syncs and goes on with the others", async () => {
  const stop = new AbortController();
  const seen: string[] = [];
  const errors: unknown[] = [];
  const client = fakeClient(
    [pod("a", "1", { containers: [] }), pod("bad", "2", "garbage"), pod("b", "3", { containers: [] })],
    [{ type: "MODIFIED", object: pod("bad", "11", "garbage") }, { type: "ADDED", object: pod("c", "12", { containers: [] }) }],
  );
  const informer = new ClientInformer(client, { path: "/api/v1/pods", signal: stop.signal }, {
    onChange: (p) => {
      if (typeof p.spec !== "object") throw new TypeError("cannot read spec");
      seen.push(p.metadata.name!);
    },
    onError: (e) => errors.push(e),
  });
  await informer.start();
  for (let i = 0; i < 100 && !seen.includes("c"); i++) await Bun.sleep(5);
  stop.abort();
  expect(seen).toEqual(["a", "b", "c"]);
  expect(errors).toHaveLength(2);
  expect([...informer.cache.keys()].sort()).toEqual(["default/a", "default/b", "default/bad", "default/c"]);
});
