import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ controllerSettings: { eventTtlMs: 1000 } });
});
afterAll(async () => {
  await api?.close();
});

const event = (name: string, lastTimestamp: string) => ({
  apiVersion: "v1", kind: "Event", metadata: { name },
  involvedObject: { kind: "Pod", namespace: "default", name: "p" }, reason: "Tested", message: "m", type: "Normal", lastTimestamp, firstTimestamp: lastTimestamp, count: 1,
});

test("events expire after the TTL from their last write; fresh ones stay", async () => {
  const old = new Date(Date.now() - 3_600_000).toISOString();
  const fresh = new Date(Date.now() + 3_600_000).toISOString();
  expect((await api.json("POST", "/api/v1/namespaces/default/events", event("old", old))).status).toBe(201);
  expect((await api.json("POST", "/api/v1/namespaces/default/events", event("fresh", fresh))).status).toBe(201);
  const deadline = Date.now() + 30_000;
  while ((await api.json("GET", "/api/v1/namespaces/default/events/old")).status !== 404) {
    if (Date.now() > deadline) throw new Error("old event not swept");
    await Bun.sleep(50);
  }
  expect((await api.json("GET", "/api/v1/namespaces/default/events/fresh")).status).toBe(200);
});
