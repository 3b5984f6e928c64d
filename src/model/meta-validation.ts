/** ObjectMeta validation (apimachinery's ValidateObjectMeta), returning field causes. */
import type { StatusCause } from "./errors.ts";
import type { ObjectMeta } from "./object.ts";
import { isDns1035Label, isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue, isValidPathSegmentName } from "./names.ts";

export type NameRule = "subdomain" | "label" | "1035" | "path";

const RULES: Record<NameRule, (v: string) => string[]> = {
  subdomain: isDns1123Subdomain,
  label: isDns1123Label,
  "1035": isDns1035Label,
  path: isValidPathSegmentName,
};

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

const invalid = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: "FieldValueInvalid",
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
  field,
});
const required = (field: string, detail = "Required value"): StatusCause => ({ reason: "FieldValueRequired", message: detail, field });

export function validateObjectMeta(meta: ObjectMeta | undefined, opts: { namespaced: boolean; nameRule: NameRule }): StatusCause[] {
  const out: StatusCause[] = [];
  if (!meta || typeof meta !== "object") return [required("metadata")];
  if (!meta.name) out.push(required("metadata.name", "Required value: name or generateName is required"));
  else if (typeof meta.name !== "string") out.push(invalid("metadata.name", meta.name, "must be a string"));
  else for (const d of RULES[opts.nameRule](meta.name)) out.push(invalid("metadata.name", meta.name, d));
  if (opts.namespaced) {
    if (!meta.namespace) out.push(required("metadata.namespace"));
    else for (const d of isDns1123Label(meta.namespace)) out.push(invalid("metadata.namespace", meta.namespace, d));
  } else if (meta.namespace) {
    out.push({ reason: "FieldValueForbidden", message: "Forbidden: not allowed on this type", field: "metadata.namespace" });
  }
  out.push(...validateStringMap(meta.labels, "metadata.labels", true));
  out.push(...validateStringMap(meta.annotations, "metadata.annotations", false));
  if (meta.annotations && typeof meta.annotations === "object") {
    let size = 0;
    for (const [k, v] of Object.entries(meta.annotations)) size += k.length + String(v).length;
    if (size > TOTAL_ANNOTATION_SIZE) out.push({ reason: "FieldValueTooLong", message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE} bytes`, field: "metadata.annotations" });
  }
  if (meta.ownerReferences !== undefined) {
    if (!Array.isArray(meta.ownerReferences)) out.push(invalid("metadata.ownerReferences", meta.ownerReferences, "must be a list"));
    else {
      let controllers = 0;
      meta.ownerReferences.forEach((r, i) => {
        const f = `metadata.ownerReferences[${i}]`;
        for (const k of ["apiVersion", "kind", "name", "uid"] as const) if (!r?.[k]) out.push(required(`${f}.${k}`));
        if (r?.controller) controllers++;
      });
      if (controllers > 1) out.push(invalid("metadata.ownerReferences", "", "Only one reference can have Controller set to true"));
    }
  }
  if (meta.finalizers !== undefined) {
    if (!Array.isArray(meta.finalizers)) out.push(invalid("metadata.finalizers", meta.finalizers, "must be a list"));
    else
      meta.finalizers.forEach((f, i) => {
        const errs = typeof f === "string" ? isQualifiedName(f) : ["must be a string"];
        for (const d of errs) out.push(invalid(`metadata.finalizers[${i}]`, f, d));
      });
  }
  return out;
}

function validateStringMap(m: unknown, field: string, labelValues: boolean): StatusCause[] {
  if (m === undefined || m === null) return [];
  if (typeof m !== "object" || Array.isArray(m)) return [invalid(field, m, "must be a map of strings")];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(m)) {
    for (const d of isQualifiedName(k)) out.push(invalid(field, k, d));
    if (typeof v !== "string") out.push(invalid(`${field}[${k}]`, v, "must be a string"));
    else if (labelValues) for (const d of isValidLabelValue(v)) out.push(invalid(field, v, d));
  }
  return out;
}

export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): StatusCause[] {
  const out: StatusCause[] = [];
  for (const f of ["name", "namespace", "uid", "creationTimestamp"] as const) {
    if ((meta[f] ?? "") !== (old[f] ?? "")) out.push(invalid(`metadata.${f}`, meta[f], "field is immutable"));
  }
  return out;
}
