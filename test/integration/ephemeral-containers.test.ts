/**
 * pods/ephemeralcontainers, the subresource `kubectl debug` patches: ephemeral containers are
 * added through it only, never on create, never changed or removed, and without the fields an
 * ephemeral container may not have; the pod's own update keeps them. Errors are 422s in the
 * apiserver's words.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";

let api: TestApi;
const NS = "/api/v1/namespaces/default";
const SMP = { headers: { "content-type": "application/strategic-merge-patch+json" } };
// As kubectl debug sends it: an empty resources object among the fields.
const debuggerOf = (extra: object = {}) => ({ name: "debugger", image: "busybox", targetContainerName: "app", stdin: true, tty: true, resources: {}, ...extra });

beforeAll(async () => {
  api = await startTestApi();
  const r = await api.json("POST", `${NS}/pods`, { metadata: { name: "web" }, spec: { containers: [{ name: "app", image: "busybox" }], volumes: [{ name: "data", emptyDir: {} }] } });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

describe("pods/ephemeralcontainers", () => {
  test("discovery lists it with get, patch and update", async () => {
    const r = await api.json("GET", "/api/v1");
    expect(r.body.resources.find((x: any) => x.name === "pods/ephemeralcontainers")).toMatchObject({ kind: "Pod", verbs: ["get", "patch", "update"] });
  });

  test("a pod may not be created with ephemeral containers", async () => {
    const r = await api.json("POST", `${NS}/pods`, { metadata: { name: "early" }, spec: { containers: [{ name: "app", image: "busybox" }], ephemeralContainers: [debuggerOf()] } });
    expect(r.status).toBe(422);
    expect(r.body.details.causes).toContainEqual({ reason: "FieldValueForbidden", message: "Forbidden: cannot be set on create", field: "spec.ephemeralContainers" });
  });

  test("a strategic merge patch adds one, as kubectl debug sends it; nothing else of the pod changes", async () => {
    const before = (await api.json("GET", `${NS}/pods/web`)).body;
    const r = await api.json("PATCH", `${NS}/pods/web/ephemeralcontainers`, { spec: { ephemeralContainers: [debuggerOf()], containers: [{ name: "app", image: "other" }] }, metadata: { labels: { sneaky: "yes" } } }, SMP);
    expect(r.status).toBe(200);
    expect(r.body.spec.ephemeralContainers).toEqual([expect.objectContaining(debuggerOf())]);
    expect(r.body.spec.containers[0].image).toBe("busybox");
    expect(r.body.metadata.labels?.sneaky).toBeUndefined();
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    const got = await api.json("GET", `${NS}/pods/web/ephemeralcontainers`);
    expect(got.status).toBe(200);
    expect(got.body.spec.ephemeralContainers.map((c: any) => c.name)).toEqual(["debugger"]);
  });

  test("an existing one may be neither changed nor removed", async () => {
    const pod = (await api.json("GET", `${NS}/pods/web`)).body;
    const changed = structuredClone(pod);
    changed.spec.ephemeralContainers[0].image = "other";
    const c = await api.json("PUT", `${NS}/pods/web/ephemeralcontainers`, changed);
    expect(c.status).toBe(422);
    expect(c.body.details.causes).toContainEqual({ reason: "FieldValueForbidden", message: 'Forbidden: existing ephemeral containers "debugger" may not be changed', field: "spec.ephemeralContainers[0]" });
    const removed = structuredClone(pod);
    removed.spec.ephemeralContainers = [];
    const d = await api.json("PUT", `${NS}/pods/web/ephemeralcontainers`, removed);
    expect(d.status).toBe(422);
    expect(d.body.message).toContain('existing ephemeral containers "debugger" may not be removed');
  });

  test("ports, probes, resources, a name in use, an unknown target or volume, a subPath are refused", async () => {
    const cases: [object, string, string][] = [
      [debuggerOf({ name: "d1", ports: [{ containerPort: 80 }] }), "spec.ephemeralContainers[0].ports", "Forbidden: cannot be set for an Ephemeral Container"],
      [debuggerOf({ name: "d2", readinessProbe: { exec: { command: ["true"] } } }), "spec.ephemeralContainers[0].readinessProbe", "Forbidden: cannot be set for an Ephemeral Container"],
      [debuggerOf({ name: "d3", resources: { limits: { cpu: "1" } } }), "spec.ephemeralContainers[0].resources", "Forbidden: cannot be set for an Ephemeral Container"],
      [debuggerOf({ name: "app" }), "spec.ephemeralContainers[0].name", 'Duplicate value: "app"'],
      [debuggerOf({ name: "d4", targetContainerName: "nope" }), "spec.ephemeralContainers[0].targetContainerName", 'Not found: "nope"'],
      [debuggerOf({ name: "d5", volumeMounts: [{ name: "nope", mountPath: "/x" }] }), "spec.ephemeralContainers[0].volumeMounts[0].name", 'Not found: "nope"'],
      [debuggerOf({ name: "d6", volumeMounts: [{ name: "data", mountPath: "/x", subPath: "a" }] }), "spec.ephemeralContainers[0].volumeMounts[0].subPath", "Forbidden: cannot be set for an Ephemeral Container"],
    ];
    // The strategic merge puts what the patch adds before what the server had (no $setElementOrder).
    for (const [container, field, message] of cases) {
      const r = await api.json("PATCH", `${NS}/pods/web/ephemeralcontainers`, { spec: { ephemeralContainers: [container] } }, SMP);
      expect({ field, status: r.status }).toEqual({ field, status: 422 });
      expect(r.body.details.causes).toContainEqual(expect.objectContaining({ field, message }));
    }
    expect((await api.json("GET", `${NS}/pods/web`)).body.spec.ephemeralContainers.map((c: any) => c.name)).toEqual(["debugger"]);
  });

  test("the pod's own update keeps its ephemeral containers, and cannot add one", async () => {
    const pod = (await api.json("GET", `${NS}/pods/web`)).body;
    const { ephemeralContainers: _, ...spec } = pod.spec;
    const r = await api.json("PUT", `${NS}/pods/web`, { ...pod, metadata: { ...pod.metadata, labels: { edited: "yes" } }, spec });
    expect(r.status).toBe(200);
    expect(r.body.metadata.labels).toEqual({ edited: "yes" });
    expect(r.body.spec.ephemeralContainers.map((c: any) => c.name)).toEqual(["debugger"]);
    const added = await api.json("PUT", `${NS}/pods/web`, { ...r.body, spec: { ...r.body.spec, ephemeralContainers: [...r.body.spec.ephemeralContainers, debuggerOf({ name: "d7" })] } });
    expect(added.status).toBe(200);
    expect(added.body.spec.ephemeralContainers.map((c: any) => c.name)).toEqual(["debugger"]);
  });

  test("DELETE of the subresource is not allowed", async () => {
    expect((await api.json("DELETE", `${NS}/pods/web/ephemeralcontainers`)).status).toBe(405);
  });
});
