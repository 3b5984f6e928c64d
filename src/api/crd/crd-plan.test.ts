import { expect, test } from "bun:test";
import type { ResourceDef } from "../resources/types.ts";
import type { Crd } from "./crd-types.ts";
import { acceptNames, servedStatus } from "./crd-plan.ts";

const crd = (names: Partial<Crd["spec"]["names"]> = {}): Crd => ({
  apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.x.io" },
  spec: { group: "x.io", scope: "Namespaced", names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"], ...names }, versions: [{ name: "v1", served: true, storage: true }] },
});
const other = (d: Partial<ResourceDef>): ResourceDef => ({ group: "x.io", version: "v1", kind: "Gadget", plural: "gadgets", singular: "gadget", namespaced: true, ...d });

test.each([
  ["no one else", [], "True", "NoConflicts"],
  ["plural taken", [other({ plural: "widgets" })], "False", "PluralConflict"],
  ["singular taken", [other({ singular: "widget" })], "False", "SingularConflict"],
  ["short name taken", [other({ shortNames: ["wd"] })], "False", "ShortNamesConflict"],
  ["kind taken", [other({ kind: "Widget" })], "False", "KindConflict"],
  ["list kind taken", [other({ kind: "WidgetList" })], "False", "ListKindConflict"],
] as [string, ResourceDef[], string, string][])("%s", (_n, others, status, reason) => {
  const v = acceptNames(crd(), others);
  expect(v.condition).toMatchObject({ type: "NamesAccepted", status, reason });
  expect(v.names === undefined).toBe(status === "False");
});

test("status: Established once names are accepted; stored versions grow, never shrink", () => {
  const c = crd();
  c.status = { storedVersions: ["v0"] };
  const s = servedStatus(c, acceptNames(c, []), "2026-01-01T00:00:00Z");
  expect(s.conditions?.map((x) => [x.type, x.status])).toEqual([["NamesAccepted", "True"], ["Established", "True"]]);
  expect(s.acceptedNames?.listKind).toBe("WidgetList");
  expect(s.storedVersions).toEqual(["v0", "v1"]);
  // Unchanged conditions keep their transition time.
  const again = servedStatus({ ...c, status: s }, acceptNames(c, []), "2027-01-01T00:00:00Z");
  expect(again.conditions?.[0]?.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
});
