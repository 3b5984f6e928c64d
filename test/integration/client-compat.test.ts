/** What stock clients (the official Python client) trip on, each fixed and kept fixed. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

test.each(["/version/", "/api/", "/apis/", "/api/v1/", "/apis/apps/", "/apis/apps/v1/"])("%s is served as without the slash", async (path) => {
  const r = await api.json("GET", path);
  expect(r.status).toBe(200);
  expect(r.body).toEqual((await api.json("GET", path.slice(0, -1))).body);
});

test.each([
  ["/apis/apps/v1/namespaces/default/deployments", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "st" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }],
  ["/apis/batch/v1/namespaces/default/jobs", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "st" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } } }],
  ["/apis/batch/v1/namespaces/default/cronjobs", { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "st" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } } } } }],
])("a create of %s answers with status {}", async (path, body) => {
  const r = await api.json("POST", path, body);
  expect(r.status).toBe(201);
  expect(r.body.status).toBeDefined();
});

/** Every object's keys in reverse order: what a client with its own field order sends back. */
function reorder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorder);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)]));
  return v;
}

test.each([
  ["/api/v1/namespaces/default/pods", "rp", { apiVersion: "v1", kind: "Pod", metadata: { name: "rp" }, spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80 }] }] } }],
  ["/apis/batch/v1/namespaces/default/jobs", "rj", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "rj" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } } }],
])("a PUT of %s as read back, keys in another order, is accepted", async (path, name, body) => {
  expect((await api.json("POST", path, body)).status).toBe(201);
  for (let attempt = 0; ; attempt++) {
    const got = await api.json("GET", `${path}/${name}`);
    const r = await api.json("PUT", `${path}/${name}`, reorder(got.body));
    if (r.status === 409 && attempt < 10) continue; // a controller wrote status meanwhile
    expect(r.status).toBe(200);
    break;
  }
});
