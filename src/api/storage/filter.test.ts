import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import { builtinResources } from "../resources/builtin.ts";
import { buildFilter, fieldRequirements, selectedName } from "./filter.ts";

const pods = builtinResources.find((d) => d.kind === "Pod")!;
const filter = (def: ResourceDef, query: string) => buildFilter(def, new URL(`https://x/?${query}`))!;
const pod = (name: string, extra: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "a" } }, ...extra }) as KubeObject;

test("objects stored with wrong-typed fields are filtered out or in, never fail the list", () => {
  const objects = [
    pod("good", { spec: { nodeName: "n1" }, status: { phase: "Running" } }),
    pod("spec-null", { spec: null, status: null }),
    pod("spec-string", { spec: "garbage", status: "garbage" }),
    pod("node-number", { spec: { nodeName: 5 } }),
    { ...pod("labels-string", { spec: { nodeName: "n1" } }), metadata: { name: "labels-string", labels: "app=a" } } as unknown as KubeObject,
  ];
  const byNode = filter(pods, "fieldSelector=spec.nodeName%3Dn1,status.phase!%3DFailed&labelSelector=app%3Da");
  expect(objects.filter(byNode).map((o) => o.metadata.name)).toEqual(["good"]);
  const unassigned = filter(pods, "fieldSelector=spec.nodeName%3D");
  expect(objects.filter(unassigned).map((o) => o.metadata.name)).toEqual(["spec-null", "spec-string", "node-number"]);
});

test("a field getter that fails on a wrong-typed parent reads as unset", () => {
  const def: ResourceDef = { ...pods, fieldSelectors: { "spec.x": (o) => o.spec.x.y } };
  expect(filter(def, "fieldSelector=spec.x%3D")(pod("p", { spec: null }))).toBe(true);
  expect(filter(def, "fieldSelector=spec.x%3Dv")(pod("p", { spec: { x: { y: "v" } } }))).toBe(true);
});

test("the one name a list or watch selects: the path's, else an equality on metadata.name", () => {
  const url = (q: string) => fieldRequirements(new URL(`https://x/?${q}`));
  expect(selectedName(url("fieldSelector=metadata.name%3Da"))).toBe("a");
  expect(selectedName(url("fieldSelector=spec.nodeName%3Dn1,metadata.name%3D%3Da"))).toBe("a");
  expect(selectedName(url("fieldSelector=metadata.name!%3Da"))).toBeUndefined();
  expect(selectedName(url("labelSelector=app%3Da"))).toBeUndefined();
  expect(selectedName(url("fieldSelector=metadata.name%3Da"), "b")).toBe("b");
});
