import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { InformerFactory } from "../../src/controllers/framework/informer-factory.ts";

let api: TestApi;
const stop = new AbortController();
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  stop.abort();
  await api?.close();
});

test("the server's shared informers keep objects without managedFields; the API still serves them", async () => {
  const made = await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "trimmed" }, data: { a: "1" } });
  expect(made.status).toBe(201);
  expect(made.body.metadata.managedFields?.length).toBe(1);
  const informers = new InformerFactory(api.storage, stop.signal);
  const configMaps = informers.for(api.registry.find("", "v1", "configmaps")!);
  await configMaps.start(stop.signal);
  // Listed, then changed while watched: both ways in are trimmed.
  expect(configMaps.get("default/trimmed")?.metadata.managedFields).toBeUndefined();
  expect((await api.json("PATCH", "/api/v1/namespaces/default/configmaps/trimmed", { data: { a: "2" } }, { headers: { "content-type": "application/merge-patch+json" } })).status).toBe(200);
  for (const deadline = Date.now() + 5000; configMaps.get("default/trimmed")?.data?.a !== "2" && Date.now() < deadline; ) await Bun.sleep(10);
  const cached = configMaps.get("default/trimmed")!;
  expect(cached.data).toEqual({ a: "2" });
  expect("managedFields" in cached.metadata).toBe(false);
  const served = await api.json("GET", "/api/v1/namespaces/default/configmaps/trimmed");
  expect(served.body.metadata.managedFields?.length).toBe(1);
  // A watch through the API shares the store's parsed event with the informers: it keeps them too.
  const watch = await api.request("GET", `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${made.body.metadata.resourceVersion}&timeoutSeconds=1`);
  const lines = (await watch.text()).trim().split("\n").map((l) => JSON.parse(l));
  expect(lines.at(-1).object.metadata.managedFields?.length).toBe(1);
});
