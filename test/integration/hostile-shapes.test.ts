/**
 * Hostile shapes on the write path (issue 17): wrong types, out-of-range integers, oversized
 * objects, nesting past the limit (JSON, protobuf, patch results) and duplicate keys under
 * Strict. Each is refused with a Status, and nothing of it is stored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { objectStoreKey } from "../../src/api/storage/keys.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  const ns = await api.json("POST", "/api/v1/namespaces", { metadata: { name: "hostile" } });
  expect(ns.status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

const NS = "/api/v1/namespaces/hostile";
const APPS = "/apis/apps/v1/namespaces/hostile";
const TABLE = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" };

function expectStatus(body: any, code: number, reason: string) {
  expect(body).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason });
}

const typeCause = (field: string, want: string, got: string) => ({
  reason: "FieldValueTypeInvalid", field, message: `Invalid value: "${got}": ${field} in body must be of type ${want}: "${got}"`,
});

const pod = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, ...meta }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
});
const deployment = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
  spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }] } }, ...spec },
});

async function expectAbsent(path: string) {
  expect((await api.json("GET", path)).status).toBe(404);
}

/** Pods, as `kubectl get pods` asks for them, still list. */
async function expectPodsList() {
  const table = await api.json("GET", "/api/v1/pods", undefined, { headers: TABLE });
  expect(table.status).toBe(200);
  expect(table.body.kind).toBe("Table");
  expect((await api.json("GET", "/api/v1/pods")).status).toBe(200);
}

describe("wrong types are refused with 422 and one cause per field", () => {
  test.each<[string, unknown, unknown]>([
    ["number", { a: 1 }, typeCause("data[a]", "string", "integer")],
    ["object (passed the 1 MiB check, measured as String(v))", { a: { x: "y" } }, typeCause("data[a]", "string", "object")],
  ])("ConfigMap data value that is a %s", async (_what, data, cause) => {
    const r = await api.json("POST", `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-bad" }, data });
    expect(r.status).toBe(422);
    expectStatus(r.body, 422, "Invalid");
    expect(r.body.details).toEqual({ name: "cm-bad", kind: "ConfigMap", causes: [cause] });
    expect(r.body.message).toBe(`ConfigMap "cm-bad" is invalid: ${(cause as any).field}: ${(cause as any).message}`);
    await expectAbsent(`${NS}/configmaps/cm-bad`);
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>, unknown]>([
    ["initContainers", { initContainers: "garbage" }, {}, typeCause("spec.initContainers", "array", "string")],
    ["nodeSelector", { nodeSelector: "garbage" }, {}, typeCause("spec.nodeSelector", "object", "string")],
    ["command", { containers: [{ name: "c", image: "busybox", command: "notalist" }] }, {}, typeCause("spec.containers[0].command", "array", "string")],
    ["tolerations (a 500 from the code that iterates it)", { tolerations: "garbage" }, {}, typeCause("spec.tolerations", "array", "string")],
    ["managedFields", {}, { managedFields: "garbage" }, typeCause("metadata.managedFields", "array", "string")],
  ])("Pod %s", async (_what, spec, meta, cause) => {
    const r = await api.json("POST", `${NS}/pods`, pod("p-bad", spec, meta));
    expect(r.status).toBe(422);
    expectStatus(r.body, 422, "Invalid");
    expect(r.body.details.causes).toEqual([cause]);
    await expectAbsent(`${NS}/pods/p-bad`);
    await expectPodsList();
  });

  test("replicas beyond int32 (one such request made 61k pods)", async () => {
    const r = await api.json("POST", `${APPS}/deployments`, deployment("d-huge", { replicas: 3_000_000_000 }));
    expect(r.status).toBe(422);
    expect(r.body.details.causes).toEqual([
      { reason: "FieldValueTypeInvalid", field: "spec.replicas", message: 'Invalid value: "integer": spec.replicas in body must be of type int32: "3000000000"' },
    ]);
    await expectAbsent(`${APPS}/deployments/d-huge`);
  });

  test("updates, patches and the status and scale subresources are checked too; the stored object stays as it was", async () => {
    const created = await api.json("POST", `${APPS}/deployments`, deployment("d-ok"));
    expect(created.status).toBe(201);
    const before = (await api.json("GET", `${APPS}/deployments/d-ok`)).body;
    const path = `${APPS}/deployments/d-ok`;
    const attempts: [string, string, unknown, string?][] = [
      ["PUT", path, { ...before, spec: { ...before.spec, replicas: "3" } }],
      ["PATCH", path, { spec: { replicas: 3_000_000_000 } }, "application/merge-patch+json"],
      ["PATCH", path, { spec: { template: { spec: { tolerations: "garbage" } } } }, "application/strategic-merge-patch+json"],
      ["PATCH", path, [{ op: "add", path: "/spec/template/spec/nodeSelector", value: "garbage" }], "application/json-patch+json"],
      ["PUT", `${path}/status`, { ...before, status: { replicas: "many" } }],
      ["PUT", `${path}/scale`, { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "d-ok" }, spec: { replicas: 3_000_000_000 } }],
      ["PATCH", `${path}/scale`, { spec: { replicas: 3_000_000_000 } }, "application/merge-patch+json"],
    ];
    for (const [method, url, body, type] of attempts) {
      const r = await api.json(method, url, body, type ? { headers: { "content-type": type } } : undefined);
      expect({ method, url, status: r.status, reason: r.body.reason }).toEqual({ method, url, status: 422, reason: "Invalid" });
      expect({ url, cause: r.body.details.causes[0].reason }).toEqual({ url, cause: "FieldValueTypeInvalid" });
    }
    const after = (await api.json("GET", path)).body;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after).toEqual(before);
  });

  test("a Pod patched with garbage tolerations stays as it was, and pods still list", async () => {
    expect((await api.json("POST", `${NS}/pods`, pod("p-ok"))).status).toBe(201);
    const before = (await api.json("GET", `${NS}/pods/p-ok`)).body;
    const r = await api.json("PATCH", `${NS}/pods/p-ok`, { spec: { tolerations: "garbage" } }, { headers: { "content-type": "application/merge-patch+json" } });
    expect(r.status).toBe(422);
    expect(r.body.details.causes).toEqual([typeCause("spec.tolerations", "array", "string")]);
    expect((await api.json("GET", `${NS}/pods/p-ok`)).body).toEqual(before);
    await expectPodsList();
  });

  test("an object stored with a bad field before this check still takes metadata writes and can be finalized; a new bad field is refused", async () => {
    const def = api.registry.all.find((d) => d.kind === "ConfigMap")!;
    const stored = await api.store.create(objectStoreKey(def, "hostile", "cm-legacy"), {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-legacy", namespace: "hostile", uid: "u-1", finalizers: ["example.com/hold"] }, data: { a: 1 } as any,
    });
    expect(stored.revision).toBeGreaterThan(0);
    const merge = { headers: { "content-type": "application/merge-patch+json" } };
    const labelled = await api.json("PATCH", `${NS}/configmaps/cm-legacy`, { metadata: { labels: { l: "v" } } }, merge);
    expect(labelled.status).toBe(200);
    const worse = await api.json("PATCH", `${NS}/configmaps/cm-legacy`, { data: { b: 2 } }, merge);
    expect(worse.status).toBe(422);
    expect(worse.body.details.causes).toEqual([typeCause("data[b]", "string", "integer")]);
    expect((await api.json("DELETE", `${NS}/configmaps/cm-legacy`)).status).toBe(202);
    expect((await api.json("PATCH", `${NS}/configmaps/cm-legacy`, { metadata: { finalizers: null } }, merge)).status).toBe(200);
    await expectAbsent(`${NS}/configmaps/cm-legacy`);
  });

  test("Quantities given as numbers are accepted and stored as strings", async () => {
    const r = await api.json("POST", `${NS}/pods`, pod("p-quantity", { containers: [{ name: "c", image: "busybox", resources: { limits: { cpu: 0.5, memory: 134217728 } } }] }));
    expect(r.status).toBe(201);
    expect(r.body.spec.containers[0].resources.limits).toEqual({ cpu: "500m", memory: "134217728" });
  });
});

describe("objects over 1.5 MiB encoded are refused with 413", () => {
  const big = "x".repeat(1_600_000);

  test("on create", async () => {
    const r = await api.json("POST", `${APPS}/deployments`, deployment("d-big", { template: { metadata: { labels: { app: "d-big" } }, spec: { containers: [{ name: "c", image: "busybox", args: [big] }] } } }));
    expect(r.status).toBe(413);
    expectStatus(r.body, 413, "RequestEntityTooLarge");
    expect(r.body.message).toMatch(/^Request entity too large: Deployment\.apps "d-big" is \d+ bytes when encoded, more than the limit of 1572864 bytes for a stored object$/);
    await expectAbsent(`${APPS}/deployments/d-big`);
  });

  test("on a patch that grows an object past the limit", async () => {
    expect((await api.json("POST", `${APPS}/deployments`, deployment("d-grow"))).status).toBe(201);
    const before = (await api.json("GET", `${APPS}/deployments/d-grow`)).body;
    const patch = { spec: { template: { spec: { containers: [{ name: "c", args: [big] }] } } } };
    const r = await api.json("PATCH", `${APPS}/deployments/d-grow`, patch, { headers: { "content-type": "application/strategic-merge-patch+json" } });
    expect(r.status).toBe(413);
    expectStatus(r.body, 413, "RequestEntityTooLarge");
    expect((await api.json("GET", `${APPS}/deployments/d-grow`)).body).toEqual(before);
  });
});

test("an object stored over the limit before it existed can still be finalized, not grown", async () => {
  const def = api.registry.all.find((d) => d.kind === "Deployment")!;
  const created = await api.json("POST", `${APPS}/deployments`, { ...deployment("d-huge"), metadata: { name: "d-huge", finalizers: ["example.com/hold"] } });
  expect(created.status).toBe(201);
  // Grown past the limit behind the API's back, as a write before the limit existed could.
  const key = objectStoreKey(def, "hostile", "d-huge");
  const current = (await api.store.get(key))!;
  const huge = structuredClone(current.object);
  huge.spec.template.spec.containers[0].args = ["x".repeat(1_600_000)];
  await api.store.update(key, huge, current.revision);
  const merge = { headers: { "content-type": "application/merge-patch+json" } };
  const grown = await api.json("PATCH", `${APPS}/deployments/d-huge`, { metadata: { labels: { l: "v" } } }, merge);
  expect(grown.status).toBe(413);
  expect((await api.json("DELETE", `${APPS}/deployments/d-huge`)).status).toBe(202);
  const released = await api.json("PATCH", `${APPS}/deployments/d-huge`, { metadata: { finalizers: null } }, merge);
  expect(released.status).toBe(200);
  await expectAbsent(`${APPS}/deployments/d-huge`);
});

describe("nesting past 100 levels is refused with 400 by every decoder and on patch results", () => {
  const deepJson = (levels: number) => '{"f:a":'.repeat(levels) + "{}" + "}".repeat(levels);
  const tooDeep = "the body of the request is nested more than 100 levels deep";

  test("a protobuf body whose managedFields carries 10,001-deep fieldsV1 (broke every Go client's list)", async () => {
    const entry = cat(field(1, "kubectl"), field(7, field(1, deepJson(10_001))));
    const body = envelope("v1", "ConfigMap", field(1, cat(field(1, "cm-deep"), field(17, entry))));
    const req = new Request(`https://k3rs.test${NS}/configmaps`, { method: "POST", headers: { "content-type": "application/vnd.kubernetes.protobuf" }, body });
    const res = await api.app.fetch(req, { peer: { authorized: true, subject: { CN: "system:admin", O: "system:masters" } }, signal: req.signal });
    expect(res.status).toBe(400);
    const status: any = await res.json();
    expectStatus(status, 400, "BadRequest");
    expect(status.message).toBe(tooDeep);
    await expectAbsent(`${NS}/configmaps/cm-deep`);
    const list = await api.json("GET", `${NS}/configmaps`);
    expect(list.status).toBe(200);
  });

  test("a JSON body and a merge patch body", async () => {
    const create = await api.request("POST", `${NS}/configmaps`, undefined, {
      raw: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-deep2","managedFields":[{"manager":"m","fieldsV1":${deepJson(150)}}]}}`,
      headers: { "content-type": "application/json" },
    });
    expect(create.status).toBe(400);
    await expectAbsent(`${NS}/configmaps/cm-deep2`);
    expect((await api.json("POST", `${NS}/configmaps`, { metadata: { name: "cm-flat" }, data: { a: "b" } })).status).toBe(201);
    const patch = await api.request("PATCH", `${NS}/configmaps/cm-flat`, undefined, { raw: `{"metadata":{"annotations":${deepJson(150)}}}`, headers: { "content-type": "application/merge-patch+json" } });
    expect(patch.status).toBe(400);
  });

  // The patch engine refuses what a patch builds past the limit (422, as for its copy-size
  // limit) before the decoders' 400 could; either way nothing is stored.
  test("a JSON patch whose copies nest an opaque field past the limit", async () => {
    const cr = await api.json("POST", `${APPS}/controllerrevisions`, { apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "cr" }, data: { a: 1 }, revision: 1 });
    expect(cr.status).toBe(201);
    const before = (await api.json("GET", `${APPS}/controllerrevisions/cr`)).body;
    const ops = Array.from({ length: 150 }, () => ({ op: "copy", from: "/data", path: "/data/a" }));
    const r = await api.json("PATCH", `${APPS}/controllerrevisions/cr`, ops, { headers: { "content-type": "application/json-patch+json" } });
    expect(r.status).toBe(422);
    expectStatus(r.body, 422, "Invalid");
    expect(JSON.stringify(r.body.details?.causes)).toContain("nested more than 100 levels deep");
    expect((await api.json("GET", `${APPS}/controllerrevisions/cr`)).body).toEqual(before);
  });
});

describe("duplicate keys under fieldValidation=Strict are refused with 400", () => {
  const raw = (name: string) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","name":"${name}"},"data":{"a":"1","a":"2"}}`;

  test("on create, with the paths as Kubernetes' strict decoder writes them", async () => {
    const r = await api.request("POST", `${NS}/configmaps?fieldValidation=Strict`, undefined, { raw: raw("cm-dup"), headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
    const status: any = await r.json();
    expectStatus(status, 400, "BadRequest");
    expect(status.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", duplicate field "data.a"');
    await expectAbsent(`${NS}/configmaps/cm-dup`);
  });

  test("unknown and duplicate fields are reported together", async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-dup3"},"dat":{},"data":{"a":"1","a":"2"}}`;
    const r = await api.request("POST", `${NS}/configmaps?fieldValidation=Strict`, undefined, { raw: body, headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dat", duplicate field "data.a"');
  });

  test("without Strict the last key wins, as JSON decoding does", async () => {
    const r = await api.request("POST", `${NS}/configmaps?fieldValidation=Warn`, undefined, { raw: raw("cm-dup2"), headers: { "content-type": "application/json" } });
    expect(r.status).toBe(201);
    expect(((await r.json()) as any).data).toEqual({ a: "2" });
  });

  test("on a merge patch", async () => {
    expect((await api.json("POST", `${NS}/configmaps`, { metadata: { name: "cm-dup-patch" }, data: { a: "1" } })).status).toBe(201);
    const r = await api.request("PATCH", `${NS}/configmaps/cm-dup-patch?fieldValidation=Strict`, undefined, { raw: '{"data":{"a":"2","a":"3"}}', headers: { "content-type": "application/merge-patch+json" } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).message).toContain('strict decoding error: duplicate field "data.a"');
    expect((await api.json("GET", `${NS}/configmaps/cm-dup-patch`)).body.data).toEqual({ a: "1" });
  });
});

// Just enough of the protobuf wire format for a request body: length-delimited fields.
const utf8 = new TextEncoder();
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function field(num: number, body: Uint8Array | string): Uint8Array {
  const bytes = typeof body === "string" ? utf8.encode(body) : body;
  return cat(new Uint8Array([...varint((num << 3) | 2), ...varint(bytes.length)]), bytes);
}
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  return cat(new Uint8Array([0x6b, 0x38, 0x73, 0x00]), field(1, cat(field(1, apiVersion), field(2, kind))), field(2, raw));
}
