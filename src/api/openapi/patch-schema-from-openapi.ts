/**
 * PatchSchema (../patch/patch-schema.ts) over the generated OpenAPI definitions, so the server's
 * strategic merge reads the same x-kubernetes-patch-* metadata that kubectl reads from /openapi.
 */
import type { PatchSchema } from "../patch/patch-schema.ts";
import type { Schema } from "./defs-types.ts";
import { definitionFor, isOpaque, openapiDefs, resolve } from "./defs.ts";

class OpenApiPatchSchema implements PatchSchema {
  readonly type: PatchSchema["type"];
  readonly patchMergeKey?: string;
  readonly patchStrategy?: string;
  readonly listType?: PatchSchema["listType"];
  readonly listMapKeys?: string[];
  readonly mapType?: PatchSchema["mapType"];
  private readonly resolved: Schema | undefined;

  /** `node` is the schema as a field declares it: patch metadata sits beside its `$ref`. */
  constructor(node: Schema) {
    this.resolved = resolve(node);
    this.patchMergeKey = node["x-kubernetes-patch-merge-key"];
    this.patchStrategy = node["x-kubernetes-patch-strategy"];
    const r = this.resolved;
    this.listType = (node["x-kubernetes-list-type"] ?? r?.["x-kubernetes-list-type"]) as PatchSchema["listType"];
    this.listMapKeys = node["x-kubernetes-list-map-keys"] ?? r?.["x-kubernetes-list-map-keys"];
    this.mapType = (node["x-kubernetes-map-type"] ?? r?.["x-kubernetes-map-type"]) as PatchSchema["mapType"];
    if (isOpaque(r)) this.type = "unknown";
    else if (r!.properties) this.type = "object";
    else if (r!.items) this.type = "array";
    else if (r!.additionalProperties) this.type = "map";
    else this.type = "primitive";
  }

  field(name: string): PatchSchema | undefined {
    const props = this.resolved?.properties;
    if (!props || !Object.hasOwn(props, name) || typeof props[name] !== "object") return undefined;
    return new OpenApiPatchSchema(props[name]!);
  }

  items(): PatchSchema | undefined {
    const el = this.resolved?.items ?? this.resolved?.additionalProperties;
    return el && typeof el === "object" ? new OpenApiPatchSchema(el) : undefined;
  }
}

/** The patch view of a schema given inline (a custom resource's, see api/crd/). */
export function patchSchemaOf(schema: Schema): PatchSchema {
  return new OpenApiPatchSchema(schema);
}

const cache = new Map<string, PatchSchema | undefined>();

/**
 * The strategic-merge-patch schema of a kind, or undefined when k3rs has no schema for it
 * (the caller then falls back to JSON merge semantics).
 *
 * @example patchSchemaFor("", "v1", "Pod")?.field("spec")?.field("containers")?.patchMergeKey // "name"
 */
export function patchSchemaFor(group: string, version: string, kind: string): PatchSchema | undefined {
  const key = `${group}/${version}/${kind}`;
  if (!cache.has(key)) {
    const name = definitionFor(group, version, kind);
    cache.set(key, name && openapiDefs().definitions[name] ? new OpenApiPatchSchema({ $ref: name }) : undefined);
  }
  return cache.get(key);
}
