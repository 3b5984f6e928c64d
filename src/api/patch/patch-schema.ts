/**
 * What strategic-merge-patch needs to know about a type: for each field, whether it is a
 * list merged by key (`x-kubernetes-patch-merge-key`) or replaced, and its patch strategy
 * (`x-kubernetes-patch-strategy`: "merge", "replace", "retainKeys", "merge,retainKeys").
 * Produced from the OpenAPI schemas (see ../openapi), consumed by strategic.ts.
 */
export interface PatchSchema {
  /** Schema of a named field of an object; undefined when unknown (treated as opaque JSON). */
  field(name: string): PatchSchema | undefined;
  /** For lists and maps: schema of the elements. */
  items(): PatchSchema | undefined;
  readonly type: "object" | "array" | "map" | "primitive" | "unknown";
  readonly patchMergeKey?: string;
  readonly patchStrategy?: string;
  /** Server-side apply's list semantics (x-kubernetes-list-type / -list-map-keys), when declared. */
  readonly listType?: "atomic" | "set" | "map";
  readonly listMapKeys?: string[];
  /** x-kubernetes-map-type: "atomic" makes an object (or map) one value for server-side apply. */
  readonly mapType?: "atomic" | "granular";
}
