/** PatchSchema (for strategic merge patch) over the generated definitions and the strategy table. */
import type { PatchSchema } from "../patch/patch-schema.ts";
import { definitionOf, definitions, resolve, type Schema } from "./definitions.ts";
import { PATCH_STRATEGIES } from "./patch-strategies.ts";

class SchemaNode implements PatchSchema {
  readonly type: PatchSchema["type"];
  readonly patchMergeKey?: string;
  readonly patchStrategy?: string;

  constructor(private readonly schema: Schema, private readonly defName: string | undefined, info?: { mergeKey?: string; strategy?: string }) {
    if (schema["x-kubernetes-preserve-unknown-fields"]) this.type = "unknown";
    else if (schema.type === "array") this.type = "array";
    else if (schema.additionalProperties && !schema.properties) this.type = "map";
    else if (schema.type === "object" || schema.properties) this.type = "object";
    else this.type = "primitive";
    this.patchMergeKey = info?.mergeKey;
    this.patchStrategy = info?.strategy;
  }

  field(name: string): PatchSchema | undefined {
    const child = this.schema.properties?.[name];
    if (!child) return undefined;
    const info = this.defName ? PATCH_STRATEGIES[`${this.defName}.${name}`] : undefined;
    return node(child, info);
  }

  items(): PatchSchema | undefined {
    const s = this.type === "array" ? this.schema.items : this.type === "map" ? this.schema.additionalProperties : undefined;
    return s ? node(s) : undefined;
  }
}

function node(s: Schema, info?: { mergeKey?: string; strategy?: string }): SchemaNode {
  const target = resolve(s)!;
  return new SchemaNode(target ?? {}, s.$ref, info);
}

export function patchSchemaFor(group: string, version: string, kind: string): PatchSchema | undefined {
  const name = definitionOf(group, version, kind);
  if (!name || !definitions[name]) return undefined;
  return new SchemaNode(definitions[name]!, name);
}
