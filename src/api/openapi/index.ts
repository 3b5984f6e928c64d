export { openapiV2, openapiV3GroupVersion, openapiV3Root } from "./documents.ts";
export { pruneUnknownFields, unknownFields } from "./unknown-fields.ts";
export { patchSchemaFor } from "./patch-schema.ts";
