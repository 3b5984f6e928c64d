/**
 * List/watch filters from `labelSelector` and `fieldSelector` query parameters. Every kind
 * supports metadata.name and metadata.namespace; a kind's own fields come from its
 * ResourceDef. An unsupported field is a 400, as with the apiserver.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import { matchesRequirements, parseLabelSelector } from "../../model/label-selector.ts";
import { checkFieldsSupported, matchesFields, parseFieldSelector, type FieldRequirement } from "../../model/field-selector.ts";

export type ObjectFilter = (obj: KubeObject) => boolean;

/** `name` narrows to one object (a watch on a single resource path). */
export function buildFilter(def: ResourceDef, url: URL, name?: string): ObjectFilter | undefined {
  const labels = parseLabelSelector(url.searchParams.get("labelSelector") ?? "");
  const fields = fieldRequirements(url);
  if (name !== undefined) fields.push({ field: "metadata.name", operator: "=", value: name });
  const getters = def.fieldSelectors ?? {};
  checkFieldsSupported(fields, new Set(["metadata.name", "metadata.namespace", ...Object.keys(getters)]));
  if (labels.length === 0 && fields.length === 0) return undefined;
  return (obj) => {
    if (labels.length && !matchesRequirements(labels, obj.metadata?.labels)) return false;
    if (fields.length) {
      const get = (f: string) =>
        readField(() => (f === "metadata.name" ? obj.metadata?.name : f === "metadata.namespace" ? obj.metadata?.namespace ?? "" : getters[f]?.(obj)));
      if (!matchesFields(fields, get)) return false;
    }
    return true;
  };
}

/**
 * A field of an object that may have been stored before write validation: a value that is
 * not a string, or a getter that fails on a wrong-typed parent, reads as unset, so one such
 * object never fails a filtered list or watch.
 */
function readField(get: () => unknown): string | undefined {
  try {
    const v = get();
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The request's `fieldSelector` requirements (a new array each call). */
export function fieldRequirements(url: URL): FieldRequirement[] {
  return parseFieldSelector(url.searchParams.get("fieldSelector") ?? "");
}

/**
 * The one object name a list or watch selects (the name in the path, else
 * `fieldSelector=metadata.name=X`, as a single-object informer or `kubectl get -w NAME` asks):
 * the store skips every other object by its key before parsing it, and a watch is routed by it;
 * the filter still judges the rest.
 */
export function selectedName(fields: FieldRequirement[], name?: string): string | undefined {
  if (name !== undefined) return name;
  return fields.find((f) => f.field === "metadata.name" && f.operator === "=")?.value;
}
