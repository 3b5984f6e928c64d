/**
 * The pod GC keeps at most --terminated-pod-gc-threshold finished pods: beyond it, the oldest
 * Succeeded or Failed pods are deleted; pods still running are never counted or touched.
 * Threshold 2 and a short period here (12500 and 20 s by default).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

const NS = "/api/v1/namespaces/default";
const NODE = "gc-node";
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ controllerSettings: { terminatedPodGcThreshold: 2, podGcPeriodMs: 200 } });
  const node = { apiVersion: "v1", kind: "Node", metadata: { name: NODE }, status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] } };
  expect((await api.json("POST", "/api/v1/nodes", node)).status).toBe(201);
});
afterAll(async () => {
  await api?.close();
});

test("beyond the threshold, the oldest finished pods are deleted and running ones are left alone", async () => {
  const names = ["done-1", "done-2", "running", "done-3", "done-4"];
  for (const name of names) {
    expect((await api.json("POST", `${NS}/pods`, { metadata: { name }, spec: { nodeName: NODE, containers: [{ name: "c", image: "busybox" }] } })).status).toBe(201);
    // Creation times a second apart at least in order: the store's timestamps are whole seconds.
    await Bun.sleep(name === "done-4" ? 0 : 1000);
  }
  for (const name of names.filter((n) => n.startsWith("done"))) {
    const r = await api.json("PATCH", `${NS}/pods/${name}/status`, { status: { phase: name === "done-2" ? "Failed" : "Succeeded" } }, { headers: { "content-type": "application/merge-patch+json" } });
    expect(r.status).toBe(200);
  }
  const left = await waitFor(async () => {
    const items = (await api.json("GET", `${NS}/pods`)).body.items.map((p: any) => p.metadata.name).sort();
    return items.length === 3 ? items : undefined;
  }, "the two oldest finished pods to go");
  expect(left).toEqual(["done-3", "done-4", "running"]);
  // And no further: two finished pods are within the threshold.
  await Bun.sleep(1000);
  expect((await api.json("GET", `${NS}/pods`)).body.items.length).toBe(3);
}, 30_000);
