export {
  openapiV2, openapiV2ETag, openapiV2Json, openapiV2ProtobufBytes, openapiV3GroupVersion, openapiV3GroupVersionJson, openapiV3Hash, openapiV3Root,
} from "./documents.ts";
export { pruneUnknownFields, unknownFields } from "./unknown-fields.ts";
export { patchSchemaFor, patchSchemaOf } from "./patch-schema-from-openapi.ts";
export { definitionFor } from "./defs.ts";
export { OPENAPI_V2_PROTOBUF, openapiV2Encoding, type OpenApiV2Encoding } from "./v2-media.ts";
