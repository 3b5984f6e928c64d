import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { readWatchEvents } from "../helpers/watch-events.ts";

// Watches whose field selector the store routes by (api/storage/watch-routes.ts): each must see
// exactly what its filter keeps, as a kubelet (spec.nodeName=<node>), the scheduler
// (spec.nodeName=, unassigned pods) and a watch of one object by name do.
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  for (const name of ["n1", "n2"]) {
    const r = await api.json("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await api.close();
});

const pod = (name: string, nodeName?: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), schedulerName: "nobody", containers: [{ name: "c", image: "busybox" }] } });
const summary = (events: any[]) => events.map((e) => `${e.type} ${e.object.metadata.name}`);

async function watch(query: string, until: (events: any[]) => boolean) {
  const ac = new AbortController();
  const res = await api.request("GET", `/api/v1/namespaces/default/pods?watch=1&${query}`, undefined, { signal: ac.signal });
  expect(res.status).toBe(200);
  return readWatchEvents(res, until).finally(() => ac.abort());
}

test("a node's watch, the unassigned pods' watch and a watch by name each see what their selector keeps", async () => {
  const rv = (await api.json("GET", "/api/v1/namespaces/default/pods")).body.metadata.resourceVersion;
  const from = `resourceVersion=${rv}`;
  const onN1 = watch(`${from}&fieldSelector=spec.nodeName%3Dn1`, (e) => e.length >= 2);
  const unassigned = watch(`${from}&fieldSelector=spec.nodeName%3D`, (e) => e.length >= 3);
  const byName = watch(`${from}&fieldSelector=metadata.name%3Dc`, (e) => e.length >= 2);
  await Bun.sleep(50);
  // a: created unassigned, then bound to n1. b: created on n2. c: created on n1, then deleted.
  expect((await api.json("POST", "/api/v1/namespaces/default/pods", pod("a"))).status).toBe(201);
  expect((await api.json("POST", "/api/v1/namespaces/default/pods", pod("b", "n2"))).status).toBe(201);
  const bind = await api.json("POST", "/api/v1/namespaces/default/pods/a/binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "a" }, target: { kind: "Node", name: "n1" } });
  expect(bind.status).toBe(201);
  expect((await api.json("POST", "/api/v1/namespaces/default/pods", pod("c", "n1"))).status).toBe(201);
  expect((await api.json("POST", "/api/v1/namespaces/default/pods", pod("d"))).status).toBe(201);
  expect((await api.json("DELETE", "/api/v1/namespaces/default/pods/c?gracePeriodSeconds=0")).status).toBe(200);
  expect(summary(await onN1)).toEqual(["ADDED a", "ADDED c"]);
  expect(summary(await unassigned)).toEqual(["ADDED a", "DELETED a", "ADDED d"]);
  expect(summary(await byName)).toEqual(["ADDED c", "DELETED c"]);
});
