/**
 * The generated schema definitions (see scripts/gen-openapi.ts), embedded in the executable,
 * and small lookups over them.
 */
import generated from "../../generated/openapi-defs.json" with { type: "json" };

export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  $ref?: string;
  [ext: string]: unknown;
}

const data = generated as unknown as { kinds: Record<string, string>; defs: Record<string, Schema> };

export const definitions: Record<string, Schema> = data.defs;

/** Definition name of a kind (`apps/v1/Deployment` → `io.k8s.api.apps.v1.Deployment`). */
export function definitionOf(group: string, version: string, kind: string): string | undefined {
  return data.kinds[`${group}/${version}/${kind}`];
}

export function allKinds(): { group: string; version: string; kind: string; def: string }[] {
  return Object.entries(data.kinds).map(([k, def]) => {
    const [group, version, kind] = k.split("/") as [string, string, string];
    return { group, version, kind, def };
  });
}

/** Follows a $ref to its definition (one level; definitions never ref a ref). */
export function resolve(s: Schema | undefined): Schema | undefined {
  if (!s) return undefined;
  return s.$ref ? definitions[s.$ref] : s;
}

/** Free-form or scalar-like types whose insides are not checked. */
export function isOpaque(s: Schema): boolean {
  return s["x-kubernetes-preserve-unknown-fields"] === true || s["x-kubernetes-int-or-string"] === true || (s.type !== "object" && s.type !== "array" && s.type !== undefined);
}
