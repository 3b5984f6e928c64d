/**
 * Custom resources have no Go struct to carry patch strategies, so the apiserver refuses a
 * strategic merge patch on them with 415, naming the patch types it does take.
 */
import { StatusError } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import { mediaType } from "../request.ts";

export function refuseStrategicMergeOfCustom(def: ResourceDef, contentType: string): void {
  if (!def.custom || mediaType(contentType) !== "application/strategic-merge-patch+json") return;
  throw new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
  );
}
