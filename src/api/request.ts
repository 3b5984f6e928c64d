/**
 * Reading requests safely: size limits, content types, JSON/YAML decoding, query options.
 * Everything malformed becomes a Status error here; nothing below sees raw input.
 */
import YAML from "yaml";
import { MAX_BODY_BYTES } from "../http/limits.ts";
import { errors, StatusError } from "../model/errors.ts";
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from "./protobuf/decode.ts";
import { checkDepth } from "./nesting.ts";
import { duplicateFields } from "./duplicate-fields.ts";
import { readCapped } from "../http/read-capped.ts";

export { MAX_BODY_BYTES };
export { MAX_DEPTH } from "./nesting.ts";

export async function readBody(req: Request): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw errors.tooLarge("Request entity too large: limit is 3145728");
  const body = await readCapped(req.body, MAX_BODY_BYTES);
  if (body === "too-large") throw errors.tooLarge("Request entity too large: limit is 3145728");
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

const OBJECT_TYPES = ["application/json", "application/yaml", "text/yaml", "application/x-yaml", PROTOBUF_MEDIA_TYPE];

/** Decodes a JSON, YAML or (for objects) Kubernetes protobuf body into a value, no deeper than MAX_DEPTH. */
export function decodeBody(contentType: string | null, body: Buffer | string, allowed = OBJECT_TYPES): unknown {
  const type = mediaType(contentType) || "application/json";
  if (!allowed.includes(type)) throw errors.unsupportedMediaType(contentType ?? "");
  if (type === PROTOBUF_MEDIA_TYPE) return decodeProtobufObject(typeof body === "string" ? Buffer.from(body) : body);
  const text = typeof body === "string" ? body : body.toString("utf8");
  if (text.trim() === "") throw errors.badRequest("the body of the request was empty");
  let value: unknown;
  try {
    if (type === "application/json" || type.endsWith("+json")) value = JSON.parse(text);
    else value = YAML.parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    throw new StatusError(400, "BadRequest", `the body of the request could not be decoded: ${msg}`, undefined, { cause });
  }
  checkDepth(value);
  return value;
}

/**
 * Paths of the keys a JSON body holds twice (for fieldValidation=Strict); [] for other formats:
 * YAML bodies are refused on duplicate keys while parsing, protobuf has no keys.
 */
export function duplicateBodyFields(contentType: string | null, body: Buffer | string): string[] {
  const type = mediaType(contentType) || "application/json";
  if (type !== "application/json" && !type.endsWith("+json")) return [];
  return duplicateFields(typeof body === "string" ? body : body.toString("utf8"));
}

export function decodeObject(contentType: string | null, body: Buffer | string): Record<string, any> {
  const value = decodeBody(contentType, body);
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw errors.badRequest("the body of the request must be a JSON object");
  }
  return value as Record<string, any>;
}

export { writeQuery, type FieldValidation, type WriteQuery } from "./options/write-options.ts";

export interface TableRequest {
  includeObject: "None" | "Metadata" | "Object";
}

/** Table when the client prefers `as=Table` (kubectl get); JSON otherwise. */
export function negotiateTable(req: Request, url: URL): TableRequest | undefined {
  const accept = req.headers.get("accept") ?? "";
  const first = accept.split(",")[0] ?? "";
  if (!first.includes("as=Table")) return undefined;
  const inc = url.searchParams.get("includeObject") ?? "Metadata";
  if (inc !== "None" && inc !== "Metadata" && inc !== "Object") throw errors.badRequest(`includeObject: unsupported value ${JSON.stringify(inc)}`);
  return { includeObject: inc };
}

/** 406 when the client accepts nothing we can produce (we speak JSON only). */
export function checkAcceptable(req: Request): void {
  const accept = req.headers.get("accept");
  if (!accept) return;
  const ok = accept.split(",").some((p) => {
    const t = mediaType(p);
    return t === "" || t === "*/*" || t === "application/*" || t === "application/json" || t.endsWith("+json") || t === "application/yaml";
  });
  if (!ok) throw errors.notAcceptable(`only the following media types are accepted: application/json, application/yaml`);
}
