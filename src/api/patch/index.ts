export { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH } from "./apply-patch.ts";
export { applyJsonPatch, MAX_OPERATIONS } from "./json-patch.ts";
export { applyMergePatch } from "./merge-patch.ts";
export { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
export type { PatchSchema } from "./patch-schema.ts";
export type { JsonObject, JsonValue } from "./json-value.ts";
