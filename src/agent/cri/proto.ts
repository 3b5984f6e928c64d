/**
 * The CRI `runtime.v1` schema, bundled into the executable as text (a `bun build --compile`
 * binary has no proto files on disk) and read into tables on first use (proto-schema.ts).
 *
 * Messages use camelCase field names (`podSandboxId`), 64-bit integers arrive as decimal
 * strings (CRI timestamps are nanoseconds, beyond a JS number's exact range), enums as their
 * names (`"CONTAINER_RUNNING"`), and unset fields as their defaults (proto-encode.ts, proto-decode.ts).
 *
 * @example
 *   criSchema().services.get("RuntimeService")!.get("Version")!.path  // "/runtime.v1.RuntimeService/Version"
 */
import criProtoText from "../../../proto/runtime/v1/api.proto" with { type: "text" };
import { parseProtoSchema, type ProtoSchema } from "./proto-schema.ts";

export type CriServiceName = "RuntimeService" | "ImageService";

/** The proto file's text, for tests that load it with another implementation. */
export const CRI_PROTO_TEXT: string = criProtoText;

let loaded: ProtoSchema | undefined;

export function criSchema(): ProtoSchema {
  loaded ??= parseProtoSchema(criProtoText);
  return loaded;
}
