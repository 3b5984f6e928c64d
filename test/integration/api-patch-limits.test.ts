/**
 * PATCH bodies that used to freeze or bloat the server (issue 17), through HTTP: a strategic
 * patch of 40,000 finalizers answers with the merged object, a JSON patch whose copies pass
 * the apiserver's 3 MiB budget is a 422 Status, and a JSON patch nesting the object past the
 * request depth limit is a 422 Status; nothing is stored in either case.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const JSON_PATCH = { headers: { "content-type": "application/json-patch+json" } };
const path = (name: string) => `/api/v1/namespaces/default/configmaps/${name}`;

async function createConfigMap(name: string, data: Record<string, string>): Promise<void> {
  const r = await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
  expect(r.status).toBe(201);
}

test("a dry-run strategic merge patch of 40,000 finalizers answers with all of them and stores nothing", async () => {
  await createConfigMap("finalizers", { a: "1" });
  const finalizers = Array.from({ length: 40_000 }, (_, i) => `example.com/f${i}`);
  const r = await api.json("PATCH", `${path("finalizers")}?dryRun=All`, { metadata: { finalizers } }, {
    headers: { "content-type": "application/strategic-merge-patch+json" },
  });
  expect(r.status).toBe(200);
  expect(r.body.metadata.finalizers).toEqual(finalizers);
  const stored = await api.json("GET", path("finalizers"));
  expect(stored.status).toBe(200);
  expect(stored.body.metadata.finalizers).toBeUndefined();
});

test("JSON patch copies past 3 MiB in all are 422 with evanphx/json-patch's message", async () => {
  await createConfigMap("copies", { a: "x".repeat(900 * 1024) });
  const ops = Array.from({ length: 4 }, (_, i) => ({ op: "copy", from: "/data/a", path: `/data/c${i}` }));
  const r = await api.json("PATCH", path("copies"), ops, JSON_PATCH);
  expect(r.status).toBe(422);
  expect(r.body.kind).toBe("Status");
  expect(r.body.reason).toBe("Invalid");
  expect(r.body.details.causes).toEqual([{
    reason: "FieldValueInvalid",
    field: "patch",
    message: `Unable to complete the copy, the accumulated size increase of copy is ${4 * (900 * 1024 + 2)}, exceeding the limit 3145728`,
  }]);
  const stored = await api.json("GET", path("copies"));
  expect(Object.keys(stored.body.data)).toEqual(["a"]);
});

test("a JSON patch that nests the object past 100 levels is 422 and stores nothing", async () => {
  await createConfigMap("deep", { a: "1" });
  const chain = (n: number): unknown => (n === 0 ? {} : { a: chain(n - 1) });
  const ops = [
    { op: "add", path: "/spec", value: chain(60) },
    { op: "add", path: "/spec" + "/a".repeat(60) + "/b", value: chain(60) },
  ];
  const r = await api.json("PATCH", path("deep"), ops, JSON_PATCH);
  expect(r.status).toBe(422);
  expect(r.body.details.causes).toEqual([
    { reason: "FieldValueInvalid", field: "patch", message: "the patched object is nested more than 100 levels deep" },
  ]);
  const stored = await api.json("GET", path("deep"));
  expect(stored.body.spec).toBeUndefined();
});
