import { describe, expect, test } from "bun:test";
import { builtinResources } from "../resources/builtin.ts";
import type { ResourceInfo } from "../resources/types.ts";
import { openapiV2, openapiV3GroupVersion, openapiV3GroupVersionJson, openapiV3Hash, openapiV3Root } from "./documents.ts";

const resources: ResourceInfo[] = builtinResources;
const v3 = (g: string, v: string) => openapiV3GroupVersion(g, v, resources) as any;

/** Every `$ref` in a document, to check none dangles. */
function refs(x: unknown, out: string[] = []): string[] {
  if (Array.isArray(x)) x.forEach((e) => refs(e, out));
  else if (x && typeof x === "object") {
    // JSONSchemaProps (CustomResourceDefinition) has a property named "$ref": only string values are references.
    for (const [k, v] of Object.entries(x)) if (k === "$ref" && typeof v === "string") out.push(v); else refs(v, out);
  }
  return out;
}

describe("openapiV3Root", () => {
  test("lists every served group version with a hashed URL", () => {
    const root = openapiV3Root(resources);
    const served = [...new Set(resources.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)))].sort();
    expect(Object.keys(root.paths)).toEqual(served);
    expect(Object.keys(root.paths)).toContain("apis/apps/v1");
    expect(root.paths["apis/apps/v1"]!.serverRelativeURL).toBe(`/openapi/v3/apis/apps/v1?hash=${openapiV3Hash("apps", "v1", resources)}`);
    expect(openapiV3Hash("apps", "v1", resources)).toMatch(/^[0-9A-F]{128}$/);
  });

  test("a hash changes with what its document serves, and only then", () => {
    const before = openapiV3Hash("apps", "v1", resources);
    expect(openapiV3Hash("apps", "v1", [...resources])).toBe(before);
    expect(openapiV3Hash("apps", "v1", resources.filter((r) => r.kind !== "DaemonSet"))).not.toBe(before);
    expect(openapiV3Hash("", "v1", resources.filter((r) => r.kind !== "DaemonSet"))).toBe(openapiV3Hash("", "v1", resources));
  });
});

describe("openapiV3GroupVersion", () => {
  test("is undefined for a group version that is not served", () => {
    expect(openapiV3GroupVersion("example.com", "v1", resources)).toBeUndefined();
    expect(openapiV3GroupVersion("apps", "v2", resources)).toBeUndefined();
  });

  // kubectl (cli-runtime query_param_verifier_v3.go) sends fieldValidation=Strict and skips
  // client-side validation when the kind's PATCH operation lists the parameter itself.
  test("the Deployment PATCH operation carries its GVK and fieldValidation", () => {
    const doc = v3("apps", "v1");
    const op = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
    expect(op["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", kind: "Deployment", version: "v1" });
    expect(op["x-kubernetes-action"]).toBe("patch");
    expect(op.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(["fieldValidation", "dryRun", "fieldManager"]));
    expect(Object.keys(op.requestBody.content)).toContain("application/strategic-merge-patch+json");
  });

  test.each([["", "v1"], ["apps", "v1"], ["batch", "v1"], ["coordination.k8s.io", "v1"], ["networking.k8s.io", "v1"]])(
    "%p/%s: every object write accepts fieldValidation, inline", (g, v) => {
      const doc = v3(g, v);
      let writes = 0;
      for (const item of Object.values<any>(doc.paths)) {
        for (const m of ["post", "put", "patch"]) {
          if (!item[m] || item[m]["x-kubernetes-action"] === "connect") continue; // exec takes no object
          writes++;
          expect(item[m].parameters.find((p: any) => p.name === "fieldValidation")).toMatchObject({ in: "query" });
        }
      }
      expect(writes).toBeGreaterThan(0);
    });

  test("each served kind has list and item paths with its GVK, and a schema with that GVK (what explain looks up)", () => {
    // Create-only kinds (the review resources) have neither list nor item paths.
    for (const r of resources.filter((x) => !x.verbs || x.verbs.includes("list"))) {
      const doc = v3(r.group, r.version);
      const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const list = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
      const gvk = { group: r.group, kind: r.kind, version: r.version };
      expect(doc.paths[list].get["x-kubernetes-group-version-kind"]).toEqual(gvk);
      expect(doc.paths[`${list}/{name}`].get["x-kubernetes-group-version-kind"]).toEqual(gvk);
      const schemas = Object.values<any>(doc.components.schemas).filter((s) => s["x-kubernetes-group-version-kind"]?.some((x: any) => JSON.stringify(x) === JSON.stringify(gvk)));
      expect(schemas).toHaveLength(1);
      expect(schemas[0].properties.metadata).toBeDefined();
    }
  });

  test("subresources: scale is an autoscaling/v1 Scale, status the kind itself", () => {
    const doc = v3("apps", "v1");
    const scale = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    expect(scale.patch["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", kind: "Scale", version: "v1" });
    expect(doc.components.schemas["io.k8s.api.autoscaling.v1.Scale"]).toBeDefined();
    const status = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"];
    expect(status.put["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", kind: "Deployment", version: "v1" });
  });

  test("fields that refer to a type keep their description beside an allOf $ref", () => {
    const spec = v3("apps", "v1").components.schemas["io.k8s.api.apps.v1.Deployment"].properties.spec;
    expect(spec.allOf).toEqual([{ $ref: "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" }]);
    expect(spec.description).toContain("desired behavior");
  });

  test("strategic-merge metadata is published", () => {
    const containers = v3("", "v1").components.schemas["io.k8s.api.core.v1.PodSpec"].properties.containers;
    expect(containers).toMatchObject({ "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });
  });

  test("IntOrString is a oneOf without a type, so explain names it", () => {
    const ios = v3("", "v1").components.schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"];
    expect(ios.type).toBeUndefined();
    expect(ios.oneOf).toEqual([{ type: "integer" }, { type: "string" }]);
  });

  test.each([["", "v1"], ["apps", "v1"], ["batch", "v1"], ["networking.k8s.io", "v1"]])("%p/%s: no $ref dangles", (g, v) => {
    const doc = v3(g, v);
    for (const r of refs(doc)) expect(doc.components.schemas[r.replace("#/components/schemas/", "")]).toBeDefined();
  });

  test("is rendered once and served from the cache", () => {
    expect(openapiV3GroupVersionJson("batch", "v1", resources)).toBe(openapiV3GroupVersionJson("batch", "v1", resources)!);
  });
});

describe("openapiV2", () => {
  test("is one swagger document whose refs point into definitions", () => {
    const doc = openapiV2(resources) as any;
    expect(doc.swagger).toBe("2.0");
    const patch = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", kind: "Deployment", version: "v1" });
    expect(doc.definitions["io.k8s.api.apps.v1.Deployment"].properties.spec.$ref).toBe("#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
    for (const r of refs(doc)) expect(doc.definitions[r.replace("#/definitions/", "")]).toBeDefined();
  });
});
