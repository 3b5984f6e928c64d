/** Every error the API promises, as a Kubernetes Status with the right code and reason. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" }, ...extra });

function expectStatus(body: any, code: number, reason: string) {
  expect(body.kind).toBe("Status");
  expect(body.apiVersion).toBe("v1");
  expect(body.status).toBe("Failure");
  expect(body.code).toBe(code);
  expect(body.reason).toBe(reason);
  expect(typeof body.message).toBe("string");
}

test("401 without credentials; health and version stay public", async () => {
  const res = await api.request("GET", "/api/v1/namespaces", undefined, { anonymous: true });
  expect(res.status).toBe(401);
  expectStatus(await res.json(), 401, "Unauthorized");
  expect((await api.request("GET", "/version", undefined, { anonymous: true })).status).toBe(200);
  expect((await api.request("GET", "/readyz", undefined, { anonymous: true })).status).toBe(200);
});

test("400 on malformed JSON and YAML, and on a non-object body", async () => {
  let r = await api.json("POST", "/api/v1/namespaces/default/configmaps", undefined, { headers: { "content-type": "application/json" } });
  const bad = await api.request("POST", "/api/v1/namespaces/default/configmaps", undefined, { raw: "{not json", headers: { "content-type": "application/json" } });
  expect(bad.status).toBe(400);
  expectStatus(await bad.json(), 400, "BadRequest");
  const badYaml = await api.request("POST", "/api/v1/namespaces/default/configmaps", undefined, { raw: "a: [1, 2\nb: :", headers: { "content-type": "application/yaml" } });
  expect(badYaml.status).toBe(400);
  const arr = await api.request("POST", "/api/v1/namespaces/default/configmaps", undefined, { raw: "[1,2]", headers: { "content-type": "application/json" } });
  expect(arr.status).toBe(400);
  void r;
});

test("400 for a wrong kind or apiVersion in the body", async () => {
  const r = await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "Secret", metadata: { name: "x" } });
  expect(r.status).toBe(400);
  const r2 = await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "apps/v1", kind: "ConfigMap", metadata: { name: "x" } });
  expect(r2.status).toBe(400);
  expectStatus(r2.body, 400, "BadRequest");
});

test("404 for unknown objects, resources and namespaces", async () => {
  const r = await api.json("GET", "/api/v1/namespaces/default/configmaps/nope");
  expect(r.status).toBe(404);
  expectStatus(r.body, 404, "NotFound");
  expect(r.body.message).toBe('configmaps "nope" not found');
  expect(r.body.details).toMatchObject({ name: "nope", kind: "configmaps" });
  expect((await api.json("GET", "/api/v1/namespaces/default/widgets")).status).toBe(404);
  expect((await api.json("GET", "/apis/nope.example.com/v1/things")).status).toBe(404);
  const inMissingNs = await api.json("POST", "/api/v1/namespaces/ghost/configmaps", cm("a"));
  expect(inMissingNs.status).toBe(404);
  expect(inMissingNs.body.message).toBe('namespaces "ghost" not found');
});

test("405 for a method the resource does not allow", async () => {
  const r = await api.json("POST", "/api/v1/namespaces/default/configmaps/x", cm("x"));
  expect(r.status).toBe(405);
  expectStatus(r.body, 405, "MethodNotAllowed");
});

test("409 AlreadyExists and 409 Conflict on a stale resourceVersion", async () => {
  const created = await api.json("POST", "/api/v1/namespaces/default/configmaps", cm("dup"));
  expect(created.status).toBe(201);
  const again = await api.json("POST", "/api/v1/namespaces/default/configmaps", cm("dup"));
  expect(again.status).toBe(409);
  expectStatus(again.body, 409, "AlreadyExists");
  const rv = created.body.metadata.resourceVersion;
  const upd = await api.json("PUT", "/api/v1/namespaces/default/configmaps/dup", { ...created.body, data: { a: "2" } });
  expect(upd.status).toBe(200);
  const stale = await api.json("PUT", "/api/v1/namespaces/default/configmaps/dup", { ...created.body, metadata: { ...created.body.metadata, resourceVersion: rv }, data: { a: "3" } });
  expect(stale.status).toBe(409);
  expectStatus(stale.body, 409, "Conflict");
  expect(stale.body.message).toContain("the object has been modified");
});

test("410 Expired for a watch older than the history", async () => {
  await api.store.compact(api.store.revision());
  const res = await api.request("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1");
  expect(res.status).toBe(200);
  const text = await res.text();
  const ev = JSON.parse(text.trim().split("\n")[0]!);
  expect(ev.type).toBe("ERROR");
  expect(ev.object.code).toBe(410);
  expect(ev.object.reason).toBe("Expired");
});

test("413 for a body over 3 MiB", async () => {
  const big = "x".repeat(3 * 1024 * 1024 + 10);
  const res = await api.request("POST", "/api/v1/namespaces/default/configmaps", undefined, { raw: JSON.stringify(cm("big", { data: { a: big } })), headers: { "content-type": "application/json" } });
  expect(res.status).toBe(413);
  expectStatus(await res.json(), 413, "RequestEntityTooLarge");
});

test("415 for an unsupported content type", async () => {
  const res = await api.request("POST", "/api/v1/namespaces/default/configmaps", undefined, { raw: "<xml/>", headers: { "content-type": "application/xml" } });
  expect(res.status).toBe(415);
  expectStatus(await res.json(), 415, "UnsupportedMediaType");
  const patch = await api.request("PATCH", "/api/v1/namespaces/default/configmaps/dup", undefined, { raw: "{}", headers: { "content-type": "text/plain" } });
  expect(patch.status).toBe(415);
});

test("422 Invalid with field causes", async () => {
  const r = await api.json("POST", "/api/v1/namespaces/default/configmaps", cm("Bad_Name"));
  expect(r.status).toBe(422);
  expectStatus(r.body, 422, "Invalid");
  expect(r.body.details.causes[0].field).toBe("metadata.name");
  const pod = await api.json("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } });
  expect(pod.status).toBe(422);
  expect(pod.body.details.causes.map((c: any) => c.field)).toContain("spec.containers[0].image");
  const dep = await api.json("POST", "/apis/apps/v1/namespaces/default/deployments", {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" },
    spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
  });
  expect(dep.status).toBe(422);
  expect(dep.body.message).toContain("`selector` does not match template `labels`");
});

test("400 for unknown fields with fieldValidation=Strict; dropped with a warning by default", async () => {
  const strict = await api.json("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", cm("strict", { dataa: {} }));
  expect(strict.status).toBe(400);
  expect(strict.body.message).toContain('unknown field "dataa"');
  const warn = await api.json("POST", "/api/v1/namespaces/default/configmaps", cm("warned", { dataa: {} }));
  expect(warn.status).toBe(201);
  expect(warn.headers.get("warning")).toContain("unknown field");
  expect(warn.body.dataa).toBeUndefined();
});

test("403 for content in a terminating namespace", async () => {
  expect((await api.json("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "going" } })).status).toBe(201);
  // A finalizer-held object keeps the namespace Terminating for the length of the test.
  await api.json("POST", "/api/v1/namespaces/going/configmaps", cm("held", { metadata: { name: "held", finalizers: ["example.com/hold"] } }));
  const del = await api.json("DELETE", "/api/v1/namespaces/going");
  expect([200, 202]).toContain(del.status);
  const r = await api.json("POST", "/api/v1/namespaces/going/configmaps", cm("late"));
  expect(r.status).toBe(403);
  expectStatus(r.body, 403, "Forbidden");
});

test("the server keeps serving after bad input, and nothing was written by it", async () => {
  const deep = "[".repeat(5000) + "]".repeat(5000);
  const res = await api.request("POST", "/api/v1/namespaces/default/configmaps", undefined, { raw: `{"metadata":{"name":"deep"},"data":${deep}}`, headers: { "content-type": "application/json" } });
  expect(res.status).toBe(400);
  const ok = await api.json("GET", "/api/v1/namespaces/default/configmaps/dup");
  expect(ok.status).toBe(200);
  expect((await api.json("GET", "/api/v1/namespaces/default/configmaps/deep")).status).toBe(404);
});
