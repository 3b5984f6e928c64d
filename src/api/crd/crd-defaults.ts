/** Defaults of a CustomResourceDefinition (apiextensions/v1 SetDefaults_*). */
import type { KubeObject } from "../../model/object.ts";
import type { Crd } from "./crd-types.ts";

export function defaultCrd(obj: KubeObject): void {
  const spec = (obj as unknown as Crd).spec;
  if (!spec || typeof spec !== "object") return;
  const names = spec.names;
  if (names && typeof names.kind === "string") {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: "None" };
  if (spec.preserveUnknownFields === undefined) spec.preserveUnknownFields = false;
}
