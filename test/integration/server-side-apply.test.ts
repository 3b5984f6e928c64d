/** Server-side apply (application/apply-patch+yaml) and metadata.managedFields through HTTP. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { widgetCrd } from "../helpers/crd-fixtures.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const CM = "/api/v1/namespaces/default/configmaps";
const APPLY = { "content-type": "application/apply-patch+yaml" };

// api.json sends JSON bodies; apply bodies are YAML text.
async function applyYaml(path: string, manager: string, yaml: string, extra = "") {
  const res = await api.request("PATCH", `${path}?fieldManager=${manager}${extra}`, undefined, { headers: APPLY, raw: yaml });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

const entry = (obj: any, manager: string, operation = "Apply") => obj.metadata.managedFields?.find((m: any) => m.manager === manager && m.operation === operation);

test("apply creates, then merges; a field the manager stops applying is removed", async () => {
  const c = await applyYaml(`${CM}/ssa1`, "alice", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\n  labels:\n    team: a\ndata:\n  a: '1'\n  b: '2'\n");
  expect(c.status).toBe(201);
  expect(c.body.data).toEqual({ a: "1", b: "2" });
  const mine = entry(c.body, "alice");
  expect(mine).toMatchObject({ operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1" });
  expect(mine.fieldsV1).toEqual({ "f:data": { "f:a": {}, "f:b": {} }, "f:metadata": { "f:labels": { "f:team": {} } } });

  const again = await applyYaml(`${CM}/ssa1`, "alice", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\ndata:\n  a: '3'\n");
  expect(again.status).toBe(200);
  expect(again.body.data).toEqual({ a: "3" });
  expect(again.body.metadata.labels).toBeUndefined();
});

test("another manager changing an owned field is a 409 listing it; force takes it over", async () => {
  const conflict = await applyYaml(`${CM}/ssa1`, "bob", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\ndata:\n  a: '9'\n  c: '1'\n");
  expect(conflict.status).toBe(409);
  expect(conflict.body.reason).toBe("Conflict");
  expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "alice" using v1: .data.a');
  expect(conflict.body.details.causes).toEqual([{ reason: "FieldManagerConflict", message: 'conflict with "alice" using v1', field: ".data.a" }]);
  // Nothing was written.
  expect((await api.json("GET", `${CM}/ssa1`)).body.data).toEqual({ a: "3" });

  // Applying the same value is shared ownership, not a conflict.
  const shared = await applyYaml(`${CM}/ssa1`, "carol", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\ndata:\n  a: '3'\n");
  expect(shared.status).toBe(200);

  const forced = await applyYaml(`${CM}/ssa1`, "bob", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\ndata:\n  a: '9'\n  c: '1'\n", "&force=true");
  expect(forced.status).toBe(200);
  expect(forced.body.data).toEqual({ a: "9", c: "1" });
  expect(entry(forced.body, "alice")).toBeUndefined(); // lost its only field
  expect(entry(forced.body, "bob").fieldsV1).toEqual({ "f:data": { "f:a": {}, "f:c": {} } });
});

test("updates are tracked per manager; apply options are checked", async () => {
  const p = await api.json("PATCH", `${CM}/ssa1?fieldManager=editor`, { data: { d: "4" } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(p.status).toBe(200);
  expect(entry(p.body, "editor", "Update").fieldsV1).toEqual({ "f:data": { "f:d": {} } });
  const noManager = await api.request("PATCH", `${CM}/ssa1`, undefined, { headers: APPLY, raw: "apiVersion: v1\nkind: ConfigMap\n" });
  expect(noManager.status).toBe(422);
  expect(((await noManager.json()) as any).message).toContain("fieldManager: Required value: is required for apply patch");
  const forceMerge = await api.json("PATCH", `${CM}/ssa1?force=true`, { data: {} }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(forceMerge.status).toBe(422);
  const created = await api.json("POST", `${CM}?fieldManager=maker`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa2" }, data: { x: "1" } });
  expect(entry(created.body, "maker", "Update").fieldsV1).toEqual({ "f:data": { ".": {}, "f:x": {} } });
});

test("built-in lists merge by key: two managers own different containers of one Deployment", async () => {
  const D = "/apis/apps/v1/namespaces/default/deployments";
  const base = (containers: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n${containers}`;
  const a = await applyYaml(`${D}/web`, "alice", base("      - name: web\n        image: nginx:1\n"));
  expect(a.status).toBe(201);
  const b = await applyYaml(`${D}/web`, "bob", base("      - name: sidecar\n        image: busybox:1\n"));
  expect(b.status).toBe(200);
  expect(b.body.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["web", "sidecar"]);
  const fields = JSON.stringify(entry(b.body, "bob").fieldsV1);
  expect(fields).toContain('k:{\\"name\\":\\"sidecar\\"}');
  const clash = await applyYaml(`${D}/web`, "bob", base("      - name: web\n        image: nginx:2\n"));
  expect(clash.status).toBe(409);
  expect(clash.body.details.causes[0].field).toBe('.spec.template.spec.containers[name="web"].image');
});

test("a custom resource's undeclared lists are atomic", async () => {
  expect((await api.json("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd("ssa.example.com"))).status).toBe(201);
  const W = "/apis/ssa.example.com/v1/namespaces/default/widgets";
  for (let i = 0; i < 200 && (await api.json("GET", W)).status !== 200; i++) await Bun.sleep(25);
  const a = await applyYaml(`${W}/w`, "alice", "apiVersion: ssa.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n  tags: [a]\n");
  expect(a.status).toBe(201);
  expect(entry(a.body, "alice").fieldsV1["f:spec"]["f:tags"]).toEqual({});
  const b = await applyYaml(`${W}/w`, "bob", "apiVersion: ssa.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  tags: [b]\n");
  expect(b.status).toBe(409);
  expect(b.body.details.causes[0].field).toBe(".spec.tags");
});

test("an object written without managed fields is owned by before-first-apply", async () => {
  const cmDef = api.registry.find("", "v1", "configmaps")!;
  await api.storage.create(cmDef, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "legacy" }, data: { k: "old" } });
  const r = await applyYaml(`${CM}/legacy`, "kubectl", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\ndata:\n  k: new\n");
  expect(r.status).toBe(409);
  expect(r.body.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.k');
});

test("managedFields sent with a write replace the stored ones (kubectl's client-side to server-side upgrade)", async () => {
  const c = await api.json("POST", `${CM}?fieldManager=kubectl-client-side-apply`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "csa" }, data: { k: "v" } });
  expect(entry(c.body, "kubectl-client-side-apply", "Update")).toBeDefined();
  const conflict = await applyYaml(`${CM}/csa`, "kubectl", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa\ndata:\n  k: other\n");
  expect(conflict.status).toBe(409);
  const moved = c.body.metadata.managedFields.map((m: any) => ({ ...m, manager: "kubectl", operation: "Apply" }));
  const up = await api.json("PATCH", `${CM}/csa`, [{ op: "replace", path: "/metadata/managedFields", value: moved }], { headers: { "content-type": "application/json-patch+json" } });
  expect(up.status).toBe(200);
  expect(entry(up.body, "kubectl", "Apply")).toBeDefined();
  const ok = await applyYaml(`${CM}/csa`, "kubectl", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa\ndata:\n  k: other\n");
  expect(ok.status).toBe(200);
  expect(ok.body.data.k).toBe("other");
});

test("a status write is tracked as its manager's Update of the status subresource; an apply to status owns what it sets", async () => {
  const PODS = "/api/v1/namespaces/default/pods";
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "tracked" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }] } };
  expect((await api.json("POST", `${PODS}?fieldManager=creator`, pod)).status).toBe(201);
  const st = await api.json("PATCH", `${PODS}/tracked/status?fieldManager=kubelet`, { status: { phase: "Running", podIP: "10.42.0.9" } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(st.status).toBe(200);
  const kubelet = entry(st.body, "kubelet", "Update");
  expect(kubelet).toMatchObject({ subresource: "status", fieldsType: "FieldsV1" });
  expect(kubelet.fieldsV1["f:status"]).toMatchObject({ "f:phase": {}, "f:podIP": {} });
  expect(entry(st.body, "creator", "Update").subresource).toBeUndefined();

  // Stored, not only answered; a spec write by another manager leaves it.
  const labeled = await api.json("PATCH", `${PODS}/tracked?fieldManager=labeler`, { metadata: { labels: { a: "b" } } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(labeled.status).toBe(200);
  const got = await api.json("GET", `${PODS}/tracked`);
  expect(entry(got.body, "kubelet", "Update")?.fieldsV1).toEqual(kubelet.fieldsV1);

  // Applying a status field the kubelet set conflicts with it, as with the apiserver; forced, the field moves to the applier.
  const podYaml = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: tracked\nstatus:\n  podIP: 10.42.0.10\n`;
  const clash = await applyYaml(`${PODS}/tracked/status`, "ipam", podYaml);
  expect(clash.status).toBe(409);
  expect(clash.body.message).toContain('conflict with "kubelet" with subresource "status" using v1: .status.podIP');
  const forced = await applyYaml(`${PODS}/tracked/status`, "ipam", podYaml, "&force=true");
  expect(forced.status).toBe(200);
  expect(forced.body.status.podIP).toBe("10.42.0.10");
  expect(entry(forced.body, "ipam")).toMatchObject({ subresource: "status", fieldsV1: { "f:status": { "f:podIP": {} } } });
  expect(entry(forced.body, "kubelet", "Update").fieldsV1["f:status"]).toEqual({ "f:phase": {} });
});

test("a scale is tracked as its writer's Update of spec.replicas with subresource scale, so re-applying other replicas conflicts", async () => {
  const DEPLOY = "/apis/apps/v1/namespaces/default/deployments";
  const yaml = (replicas: number) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: scaled\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: s}\n  template:\n    metadata:\n      labels: {app: s}\n    spec:\n      containers: [{name: c, image: i}]\n`;
  expect((await applyYaml(`${DEPLOY}/scaled`, "deployer", yaml(1))).status).toBe(201);
  const scaled = await api.json("PATCH", `${DEPLOY}/scaled/scale?fieldManager=kubectl`, { spec: { replicas: 3 } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(scaled.status).toBe(200);
  expect(scaled.body.spec.replicas).toBe(3);
  const got = await api.json("GET", `${DEPLOY}/scaled`);
  expect(entry(got.body, "kubectl", "Update")).toMatchObject({ subresource: "scale", fieldsV1: { "f:spec": { "f:replicas": {} } } });
  expect(entry(got.body, "deployer").fieldsV1["f:spec"]["f:replicas"]).toBeUndefined();
  const clash = await applyYaml(`${DEPLOY}/scaled`, "deployer", yaml(1));
  expect(clash.status).toBe(409);
  expect(clash.body.message).toContain('conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  // Applying without replicas leaves the scaled count alone.
  const without = await applyYaml(`${DEPLOY}/scaled`, "deployer", yaml(1).replace("  replicas: 1\n", ""));
  expect(without.status).toBe(200);
  expect(without.body.spec.replicas).toBe(3);
});
