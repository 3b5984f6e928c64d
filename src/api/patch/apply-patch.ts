import type { PatchSchema } from "./patch-schema.ts";
import type { JsonObject } from "./json-value.ts";
import { applyJsonPatch } from "./json-patch.ts";
import { applyMergePatch } from "./merge-patch.ts";
import { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
import { StatusError, errors } from "../../model/errors.ts";

export const JSON_PATCH = "application/json-patch+json";
export const MERGE_PATCH = "application/merge-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";

/**
 * Applies a PATCH body to an object by its Content-Type (parameters such as `charset` are
 * ignored). `patchBody` is the decoded JSON, or the raw text/bytes, which are parsed here (400
 * when they are not JSON). The original is never modified. `schema` only matters for strategic
 * merge patch; without it that behaves as a merge patch.
 *
 * Server-side apply (`application/apply-patch+yaml`) needs managed fields and is not built
 * yet: it answers 415 with a message saying so, which kubectl shows as is.
 *
 * @example
 * applyPatch("application/merge-patch+json", pod, '{"metadata":{"labels":{"a":null}}}');
 */
export function applyPatch(contentType: string, original: object, patchBody: unknown, schema?: PatchSchema): JsonObject {
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  switch (mediaType) {
    case JSON_PATCH:
      return applyJsonPatch(original, decode(patchBody));
    case MERGE_PATCH:
      return applyMergePatch(original, decode(patchBody));
    case STRATEGIC_MERGE_PATCH:
      return applyStrategicMergePatch(original, decode(patchBody), schema);
    case APPLY_PATCH:
      throw new StatusError(
        415,
        "UnsupportedMediaType",
        `server-side apply (${APPLY_PATCH}) is not supported by this server yet; use client-side apply (kubectl apply without --server-side)`,
      );
    default:
      throw errors.unsupportedMediaType(contentType);
  }
}

function decode(body: unknown): unknown {
  const text = typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : undefined;
  if (text === undefined) return body;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new StatusError(400, "BadRequest", `error decoding patch: ${(cause as Error).message}`, undefined, { cause });
  }
}

