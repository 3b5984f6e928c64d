/** CustomResourceDefinitions through HTTP: the definition itself, then its custom resources served from it. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { widgetCrd } from "../helpers/crd-fixtures.ts";
import { readWatchEvents } from "../helpers/watch-events.ts";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await Bun.sleep(25);
  }
  throw new Error(`never happened: ${what}`);
}

async function established(name: string): Promise<any> {
  return until(`${name} Established`, async () => {
    const r = await api.json("GET", `${CRDS}/${name}`);
    return r.body?.status?.conditions?.some((c: any) => c.type === "Established" && c.status === "True") ? r.body : undefined;
  });
}

test("a definition is validated as Kubernetes does: every fault one cause", async () => {
  const bad = widgetCrd("bad.example.com");
  bad.metadata.name = "wrong.bad.example.com";
  bad.spec.versions[0]!.storage = false;
  (bad.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties as any).loose = { properties: { a: { type: "string" } } };
  const r = await api.json("POST", CRDS, bad);
  expect(r.status).toBe(422);
  const fields = r.body.details.causes.map((c: any) => c.field);
  expect(fields).toContain("metadata.name");
  expect(fields).toContain("spec.versions");
  expect(fields).toContain("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[loose].type");
  expect(r.body.message).toContain("must have exactly one version marked as storage version");
});

test("a created definition becomes Established and its group is discovered", async () => {
  const c = await api.json("POST", CRDS, widgetCrd("shop.example.com"));
  expect(c.status).toBe(201);
  const crd = await established("widgets.shop.example.com");
  expect(crd.status.acceptedNames.kind).toBe("Widget");
  expect(crd.status.acceptedNames.listKind).toBe("WidgetList");
  expect(crd.status.storedVersions).toEqual(["v1"]);
  expect(crd.status.conditions.find((x: any) => x.type === "NamesAccepted").status).toBe("True");
  const group = await api.json("GET", "/apis/shop.example.com");
  expect(group.status).toBe(200);
  expect(group.body.preferredVersion.groupVersion).toBe("shop.example.com/v1");
  const list = await api.json("GET", "/apis/shop.example.com/v1");
  const widgets = list.body.resources.find((r: any) => r.name === "widgets");
  expect(widgets).toMatchObject({ kind: "Widget", namespaced: true, shortNames: ["wix"], categories: ["all"] });
  expect(list.body.resources.map((r: any) => r.name)).toEqual(["widgets", "widgets/status", "widgets/scale"]);
  const agg = await api.json("GET", "/apis", undefined, { headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" } });
  expect(agg.body.items.some((g: any) => g.metadata.name === "shop.example.com")).toBe(true);
});

const W = "/apis/shop.example.com/v1/namespaces/default/widgets";
const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "shop.example.com/v1", kind: "Widget", metadata: { name }, spec });

test("custom resources: CRUD with defaults, pruning and every schema fault reported", async () => {
  const c = await api.json("POST", W, widget("w1", { size: 3, port: "http", note: null, unknown: 1, extra: { anything: { goes: true } } }));
  expect(c.status).toBe(201);
  expect(c.body.spec.color).toBe("red"); // default
  expect(c.body.spec.unknown).toBeUndefined(); // pruned
  expect(c.body.spec.note).toBeNull(); // nullable keeps null
  expect(c.body.spec.extra).toEqual({ anything: { goes: true } }); // preserved
  expect(c.body.metadata.generation).toBe(1);
  expect(c.headers.get("warning")).toContain('unknown field \\"spec.unknown\\"');

  const bad = await api.json("POST", W, widget("w2", { size: 0, color: "purple", name: "ABC", email: "nope", port: 1.5, tags: ["a", "b", "c", "d"] }));
  expect(bad.status).toBe(422);
  expect(bad.body.reason).toBe("Invalid");
  const byField = Object.fromEntries(bad.body.details.causes.map((x: any) => [x.field, x.message]));
  expect(byField["spec.size"]).toBe("Invalid value: 0: spec.size in body should be greater than or equal to 1");
  expect(byField["spec.color"]).toBe('Unsupported value: "purple": supported values: "red", "green", "blue"');
  expect(byField["spec.name"]).toBe(`Invalid value: "ABC": spec.name in body should match '^[a-z]+$'`);
  expect(byField["spec.email"]).toContain("must be of type email");
  expect(byField["spec.port"]).toContain("must be of type integer or string");
  expect(byField["spec.tags"]).toBe("Too many: 4: must have at most 3 items");

  const missing = await api.json("POST", W, widget("w3", {}));
  expect(missing.status).toBe(422);
  expect(missing.body.details.causes).toContainEqual({ reason: "FieldValueRequired", field: "spec.size", message: "Required value" });

  const strict = await api.json("POST", `${W}?fieldValidation=Strict`, widget("w4", { size: 1, bogus: true }));
  expect(strict.status).toBe(400);
  expect(strict.body.message).toContain('unknown field "spec.bogus"');
});

test("custom resources: patch (merge, json; strategic merge is 415), status and scale subresources", async () => {
  expect((await api.json("POST", W, widget("p1", { size: 2, replicas: 1 }))).status).toBe(201);
  const merge = await api.json("PATCH", `${W}/p1`, { spec: { size: 4 } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(merge.status).toBe(200);
  expect(merge.body.spec.size).toBe(4);
  expect(merge.body.metadata.generation).toBe(2);
  const jp = await api.json("PATCH", `${W}/p1`, [{ op: "replace", path: "/spec/color", value: "blue" }], { headers: { "content-type": "application/json-patch+json" } });
  expect(jp.body.spec.color).toBe("blue");
  const smp = await api.json("PATCH", `${W}/p1`, { spec: { size: 5 } }, { headers: { "content-type": "application/strategic-merge-patch+json" } });
  expect(smp.status).toBe(415);
  expect(smp.body.message).toContain("application/merge-patch+json");
  const invalidPatch = await api.json("PATCH", `${W}/p1`, { spec: { size: 99 } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(invalidPatch.status).toBe(422);

  // The main resource ignores status; the status subresource takes only status.
  const ignored = await api.json("PATCH", `${W}/p1`, { status: { phase: "Ready" } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(ignored.body.status).toBeUndefined();
  const st = await api.json("PATCH", `${W}/p1/status`, { status: { phase: "Ready", replicas: 1, selector: "app=p1" } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(st.status).toBe(200);
  expect(st.body.status.phase).toBe("Ready");

  const scale = await api.json("GET", `${W}/p1/scale`);
  expect(scale.body).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 1 }, status: { replicas: 1, selector: "app=p1" } });
  const scaled = await api.json("PATCH", `${W}/p1/scale`, { spec: { replicas: 4 } }, { headers: { "content-type": "application/merge-patch+json" } });
  expect(scaled.status).toBe(200);
  expect((await api.json("GET", `${W}/p1`)).body.spec.replicas).toBe(4);
});

test("custom resources: tables from additionalPrinterColumns, selectors, short names in discovery", async () => {
  const lab = widget("t1", { size: 7 });
  (lab.metadata as any).labels = { tier: "gold" };
  expect((await api.json("POST", W, lab)).status).toBe(201);
  const t = await api.json("GET", `${W}?labelSelector=tier%3Dgold`, undefined, { headers: { accept: "application/json;as=Table;g=meta.k8s.io;v=v1" } });
  expect(t.status).toBe(200);
  expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Size", "Color", "Phase", "Age"]);
  expect(t.body.rows).toHaveLength(1);
  expect(t.body.rows[0].cells.slice(0, 4)).toEqual(["t1", 7, "red", null]);
  const byName = await api.json("GET", `${W}?fieldSelector=metadata.name%3Dt1`);
  expect(byName.body.items.map((i: any) => i.metadata.name)).toEqual(["t1"]);
  expect(byName.body.kind).toBe("WidgetList");
});

test("a cluster-scoped definition with two versions: objects read in the version asked for (conversion None)", async () => {
  const crd = widgetCrd("multi.example.com", { plural: "gadgets", kind: "Gadget", scope: "Cluster", versions: ["v1", "v2beta1"] });
  expect((await api.json("POST", CRDS, crd)).status).toBe(201);
  await established("gadgets.multi.example.com");
  const c = await api.json("POST", "/apis/multi.example.com/v2beta1/gadgets", { apiVersion: "multi.example.com/v2beta1", kind: "Gadget", metadata: { name: "g1" }, spec: { size: 1 } });
  expect(c.status).toBe(201);
  expect(c.body.apiVersion).toBe("multi.example.com/v2beta1");
  const v1 = await api.json("GET", "/apis/multi.example.com/v1/gadgets/g1");
  expect(v1.body.apiVersion).toBe("multi.example.com/v1");
  const list = await api.json("GET", "/apis/multi.example.com/v2beta1/gadgets");
  expect(list.body.items[0].apiVersion).toBe("multi.example.com/v2beta1");
  // Stored in the storage version (v1).
  expect((await api.store.get("/gadgets.multi.example.com/g1"))?.object.apiVersion).toBe("multi.example.com/v1");
  expect((await api.json("GET", "/apis/multi.example.com/v1/namespaces/default/gadgets")).status).toBe(404);
});

test("deleting a definition deletes its objects, then stops serving it", async () => {
  const crd = widgetCrd("gone.example.com", { plural: "things", kind: "Thing" });
  expect((await api.json("POST", CRDS, crd)).status).toBe(201);
  await established("things.gone.example.com");
  const T = "/apis/gone.example.com/v1/namespaces/default/things";
  for (const n of ["a", "b"]) expect((await api.json("POST", T, { apiVersion: "gone.example.com/v1", kind: "Thing", metadata: { name: n }, spec: { size: 1 } })).status).toBe(201);
  const d = await api.json("DELETE", `${CRDS}/things.gone.example.com`);
  expect(d.status).toBe(202); // marked; the objects go first
  expect(d.body.metadata.finalizers).toEqual(["customresourcecleanup.apiextensions.k8s.io"]);
  await until("definition gone", async () => ((await api.json("GET", `${CRDS}/things.gone.example.com`)).status === 404 ? true : undefined));
  expect((await api.json("GET", T)).status).toBe(404);
  expect((await api.store.list("/things.gone.example.com/")).items).toEqual([]);
  // Re-created under the same names, it starts empty.
  expect((await api.json("POST", CRDS, widgetCrd("gone.example.com", { plural: "things", kind: "Thing" }))).status).toBe(201);
  await established("things.gone.example.com");
  expect((await api.json("GET", T)).body.items).toEqual([]);
});

test("OpenAPI v3 and v2 publish a custom resource's schema under its GVK (what explain and kubectl's validation read)", async () => {
  const root = await api.json("GET", "/openapi/v3");
  const url = root.body.paths["apis/shop.example.com/v1"]?.serverRelativeURL;
  expect(url).toMatch(/^\/openapi\/v3\/apis\/shop.example.com\/v1\?hash=/);
  const doc = await api.json("GET", url);
  expect(doc.status).toBe(200);
  const schema = doc.body.components.schemas["com.example.shop.v1.Widget"];
  expect(schema["x-kubernetes-group-version-kind"]).toEqual([{ group: "shop.example.com", kind: "Widget", version: "v1" }]);
  expect(schema.properties.spec.properties.size).toMatchObject({ type: "integer", minimum: 1, maximum: 10 });
  expect(doc.body.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]).toBeDefined();
  const patch = doc.body.paths["/apis/shop.example.com/v1/namespaces/{namespace}/widgets/{name}"].patch;
  expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "shop.example.com", kind: "Widget", version: "v1" });
  // kubectl apply sends a strategic merge patch where this list offers one; custom resources refuse it (415).
  expect(Object.keys(patch.requestBody.content).sort()).toEqual(["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"]);
  expect(Object.keys(doc.body.paths["/apis/shop.example.com/v1/namespaces/{namespace}/widgets/{name}/status"]?.patch?.requestBody.content ?? {})).not.toContain("application/strategic-merge-patch+json");
  expect(doc.body.paths["/apis/shop.example.com/v1/namespaces/{namespace}/widgets"].get.responses["200"].content["application/json"].schema.$ref).toBe("#/components/schemas/com.example.shop.v1.WidgetList");
  const v2 = await api.json("GET", "/openapi/v2");
  expect(v2.body.definitions["com.example.shop.v1.Widget"].properties.spec.required).toEqual(["size"]);
  expect(v2.body.paths["/apis/shop.example.com/v1/namespaces/{namespace}/widgets/{name}"].patch.consumes).not.toContain("application/strategic-merge-patch+json");
});

test("a watch of custom resources in a version other than the stored one sees that version", async () => {
  const G = "/apis/multi.example.com";
  const list = await api.json("GET", `${G}/v2beta1/gadgets`);
  const rv = list.body.metadata.resourceVersion;
  const res = await api.request("GET", `${G}/v2beta1/gadgets?watch=1&resourceVersion=${rv}&timeoutSeconds=5`);
  expect(res.status).toBe(200);
  const created = await api.json("POST", `${G}/v1/gadgets`, { apiVersion: "multi.example.com/v1", kind: "Gadget", metadata: { name: "g-watch" }, spec: { size: 2 } });
  expect(created.status).toBe(201);
  const events = await readWatchEvents(res, (e) => e.some((x) => x.object?.metadata?.name === "g-watch"));
  const ev = events.find((x) => x.object?.metadata?.name === "g-watch");
  expect(ev.type).toBe("ADDED");
  expect(ev.object.apiVersion).toBe("multi.example.com/v2beta1");
});

test("the garbage collector follows owner references to and from custom resources", async () => {
  const W2 = "/apis/shop.example.com/v1/namespaces/default/widgets";
  const owner = await api.json("POST", W2, widget("gc-owner", { size: 1 }));
  expect(owner.status).toBe(201);
  const ref = (o: any) => [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid }];
  const cm = await api.json("POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owned-by-widget", ownerReferences: ref(owner.body) } });
  expect(cm.status).toBe(201);
  const dep = await api.json("POST", W2, { ...widget("owned-by-cm", { size: 1 }), metadata: { name: "owned-by-cm", ownerReferences: ref(cm.body) } });
  expect(dep.status).toBe(201);
  expect((await api.json("DELETE", `${W2}/gc-owner`)).status).toBe(200);
  await until("the ConfigMap collected", async () => ((await api.json("GET", "/api/v1/namespaces/default/configmaps/owned-by-widget")).status === 404 ? true : undefined));
  await until("the widget collected", async () => ((await api.json("GET", `${W2}/owned-by-cm`)).status === 404 ? true : undefined));
});

test("kubectl get crd's table: Name and Created At", async () => {
  const t = await api.json("GET", CRDS, undefined, { headers: { accept: "application/json;as=Table;g=meta.k8s.io;v=v1" } });
  expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(["Name", "Created At"]);
  expect(t.body.rows.find((r: any) => r.cells[0] === "widgets.shop.example.com").cells[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});
