/**
 * Shape of src/generated/openapi-defs.json, written by scripts/gen-openapi.ts. Schemas are
 * OpenAPI schema objects, except that a reference is `{ "$ref": "<definition name>" }` with the
 * bare name: the document builders turn it into `#/components/schemas/…` (v3, wrapped in allOf
 * as the apiserver does) or `#/definitions/…` (v2).
 */
export interface Schema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
  $ref?: string;
  "x-kubernetes-group-version-kind"?: { group: string; kind: string; version: string }[];
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-preserve-unknown-fields"?: true;
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  // Value constraints: only CustomResourceDefinition schemas carry these (the generated
  // definitions of built-in kinds have none), so the checks they drive never touch built-ins.
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  default?: unknown;
  "x-kubernetes-embedded-resource"?: boolean;
}

export interface OpenApiDefs {
  /** Content hash of the generated definitions; pins the documents' ?hash=. */
  hash: string;
  /** "group/version/Kind" ("/v1/Pod" for core) → definition name. */
  kinds: Record<string, string>;
  definitions: Record<string, Schema>;
}

export const gvkKey = (group: string, version: string, kind: string) => `${group}/${version}/${kind}`;
