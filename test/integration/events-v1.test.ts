/** events.k8s.io/v1: the core Events under their newer field names, one store for both. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

test("an Event written through events.k8s.io/v1 is a core Event, and the other way round", async () => {
  const c = await api.json("POST", "/apis/events.k8s.io/v1/namespaces/default/events", {
    apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { name: "e1" },
    eventTime: "2026-01-01T00:00:00.000000Z", reportingController: "example.com/ctl", reportingInstance: "ctl-1",
    action: "Check", reason: "Checked", type: "Normal", note: "all good",
    regarding: { kind: "ConfigMap", namespace: "default", name: "x", apiVersion: "v1" },
  });
  expect(c.status).toBe(201);
  expect(c.body).toMatchObject({ apiVersion: "events.k8s.io/v1", note: "all good", regarding: { name: "x" } });
  const core = await api.json("GET", "/api/v1/namespaces/default/events/e1");
  expect(core.body).toMatchObject({ apiVersion: "v1", message: "all good", involvedObject: { name: "x" }, reportingComponent: "example.com/ctl" });
  expect(core.body.note).toBeUndefined();
  const list = await api.json("GET", "/apis/events.k8s.io/v1/namespaces/default/events");
  const e = list.body.items.find((i: any) => i.metadata.name === "e1");
  expect(e).toMatchObject({ apiVersion: "events.k8s.io/v1", note: "all good" });
  expect(list.body.kind).toBe("EventList");
  const table = await api.json("GET", "/apis/events.k8s.io/v1/namespaces/default/events", undefined, { headers: { accept: "application/json;as=Table;g=meta.k8s.io;v=v1" } });
  const row = table.body.rows.find((r: any) => r.object.metadata.name === "e1");
  expect(row.cells).toContain("all good");
});
