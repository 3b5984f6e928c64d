/**
 * The OpenAPI definitions of custom resources, made at run time from their definitions' schemas
 * (the generated ones cover built-in kinds only). Named as the apiextensions-apiserver names
 * them — the group reversed, then version and kind: `com.example.shop.v1.Widget` — and
 * carrying `x-kubernetes-group-version-kind`, which is how kubectl explain and kubectl's field
 * validation find a kind's schema.
 */
import type { ResourceInfo } from "../resources/types.ts";
import type { Schema } from "./defs-types.ts";
import { META_PREFIX } from "./model-names.ts";

export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

/** Every custom resource's definition and list definition among `resources`, by name. */
export function customDefinitions(resources: ResourceInfo[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const r of resources) {
    if (!r.custom) continue;
    const gvk = (kind: string) => ({ "x-kubernetes-group-version-kind": [{ group: r.group, kind, version: r.version }] });
    const name = customDefinitionName(r.group, r.version, r.kind);
    out[name] = { ...r.custom.schema, ...gvk(r.kind) };
    out[customDefinitionName(r.group, r.version, r.custom.listKind)] = {
      type: "object",
      description: `${r.custom.listKind} is a list of ${r.kind}`,
      required: ["items"],
      properties: {
        apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." },
        items: { type: "array", description: `List of ${r.plural}.`, items: { $ref: name } },
        kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents." },
        metadata: { $ref: `${META_PREFIX}.ListMeta` },
      },
      ...gvk(r.custom.listKind),
    };
  }
  return out;
}

/** The definition name of a kind a resource serves: its own custom one, or undefined (then the generated ones apply). */
export function customDefinitionFor(r: ResourceInfo, group: string, version: string, kind: string): string | undefined {
  if (!r.custom || group !== r.group || version !== r.version) return undefined;
  if (kind === r.kind || kind === r.custom.listKind) return customDefinitionName(group, version, kind);
  return undefined;
}
