export {
  openapiV2, openapiV2Json, openapiV3GroupVersion, openapiV3GroupVersionJson, openapiV3Hash, openapiV3Root,
} from "./documents.ts";
export { pruneUnknownFields, unknownFields } from "./unknown-fields.ts";
export { patchSchemaFor, patchSchemaOf } from "./patch-schema-from-openapi.ts";
export { definitionFor } from "./defs.ts";
