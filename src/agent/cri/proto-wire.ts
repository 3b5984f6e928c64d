/** Protobuf wire types and the one that carries each scalar type (shared by proto-encode.ts and proto-decode.ts). */
import type { ScalarType } from "./proto-schema.ts";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export function wireOf(type: ScalarType | "enum"): number {
  if (type === "string" || type === "bytes") return WIRE_LEN;
  if (type === "double" || type === "fixed64" || type === "sfixed64") return WIRE_FIXED64;
  if (type === "float" || type === "fixed32" || type === "sfixed32") return WIRE_FIXED32;
  return WIRE_VARINT;
}
