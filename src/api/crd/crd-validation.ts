/**
 * Validation of a CustomResourceDefinition (apiextensions-apiserver's
 * ValidateCustomResourceDefinition, the parts a v1 definition meets): its name is
 * `<plural>.<group>`, names are DNS labels, one storage version among unique version names,
 * a structural schema for every version, scale and printer-column paths that can be followed.
 * Conversion webhooks are refused: this server converts with `None` only.
 */
import type { KubeObject } from "../../model/object.ts";
import type { StatusCause } from "../../model/errors.ts";
import { isDns1035Label, isDns1123Subdomain } from "../../model/names.ts";
import type { Crd, CrdVersion } from "./crd-types.ts";
import { structuralSchemaErrors } from "./structural-schema.ts";
import { parseJsonPath } from "./json-path.ts";

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];

const required = (field: string, detail?: string): StatusCause => ({ reason: "FieldValueRequired", field, message: detail ? `Required value: ${detail}` : "Required value" });
const invalid = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
});
const notSupported = (field: string, value: unknown, supported: string[]): StatusCause => ({
  reason: "FieldValueNotSupported", field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
});

function label(field: string, value: unknown, out: StatusCause[], lower = false): void {
  if (typeof value !== "string" || value === "") return void out.push(required(field));
  for (const msg of isDns1035Label(lower ? value.toLowerCase() : value)) out.push(invalid(field, value, msg));
}

export function validateCrd(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const crd = obj as unknown as Crd;
  const spec = crd.spec;
  const out: StatusCause[] = [];
  if (!spec || typeof spec !== "object") return [required("spec")];
  const names = spec.names ?? ({} as Crd["spec"]["names"]);
  if (!spec.group) out.push(required("spec.group"));
  else {
    for (const msg of isDns1123Subdomain(spec.group)) out.push(invalid("spec.group", spec.group, msg));
    if (!spec.group.includes(".")) out.push(invalid("spec.group", spec.group, "should be a domain with at least one dot"));
  }
  if (names.plural && spec.group && crd.metadata.name !== `${names.plural}.${spec.group}`) {
    out.push(invalid("metadata.name", crd.metadata.name, "must be spec.names.plural+\".\"+spec.group"));
  }
  label("spec.names.plural", names.plural, out);
  label("spec.names.singular", names.singular, out);
  label("spec.names.kind", names.kind, out, true);
  label("spec.names.listKind", names.listKind, out, true);
  if (names.kind && names.kind === names.listKind) out.push(invalid("spec.names.listKind", names.listKind, "kind and listKind cannot be the same"));
  (names.shortNames ?? []).forEach((s, i) => label(`spec.names.shortNames[${i}]`, s, out));
  (names.categories ?? []).forEach((s, i) => label(`spec.names.categories[${i}]`, s, out));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") out.push(notSupported("spec.scope", spec.scope ?? "", ["Cluster", "Namespaced"]));
  const conversion = spec.conversion?.strategy;
  if (conversion !== undefined && conversion !== "None") {
    out.push(notSupported("spec.conversion.strategy", conversion, ["None"]));
  }
  if (spec.preserveUnknownFields === true) out.push(invalid("spec.preserveUnknownFields", true, "must be false in order to use defaults in the schema"));
  out.push(...validateVersions(spec.versions));
  if (old) {
    const before = (old as unknown as Crd).spec;
    if (before?.scope && spec.scope !== before.scope) out.push(invalid("spec.scope", spec.scope, "field is immutable"));
    const stored = (old as unknown as Crd).status?.storedVersions ?? [];
    for (const v of stored) {
      if (!spec.versions?.some((x) => x.name === v)) {
        out.push(invalid("status.storedVersions", stored, `must appear in spec.versions`));
      }
    }
  }
  return out;
}

function validateVersions(versions: CrdVersion[] | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  if (!Array.isArray(versions) || versions.length === 0) return [invalid("spec.versions", [], "must have exactly one version marked as storage version")];
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    label(`${p}.name`, v.name, out);
    if (seen.has(v.name)) out.push(invalid("spec.versions", versions.map((x) => x.name), "must contain unique version names"));
    seen.add(v.name);
    if (v.storage) storage++;
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) out.push(required(`${p}.schema.openAPIV3Schema`, "schemas are required"));
    else out.push(...structuralSchemaErrors(schema, `${p}.schema.openAPIV3Schema`));
    const scale = v.subresources?.scale;
    if (scale) {
      if (!scale.specReplicasPath) out.push(required(`${p}.subresources.scale.specReplicasPath`));
      else if (!scale.specReplicasPath.startsWith(".spec.")) out.push(invalid(`${p}.subresources.scale.specReplicasPath`, scale.specReplicasPath, "should be a json path under .spec"));
      if (!scale.statusReplicasPath) out.push(required(`${p}.subresources.scale.statusReplicasPath`));
      else if (!scale.statusReplicasPath.startsWith(".status.")) out.push(invalid(`${p}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath, "should be a json path under .status"));
      if (scale.labelSelectorPath && !/^\.(spec|status)\./.test(scale.labelSelectorPath)) {
        out.push(invalid(`${p}.subresources.scale.labelSelectorPath`, scale.labelSelectorPath, "should be a json path under either .spec or .status"));
      }
    }
    (v.additionalPrinterColumns ?? []).forEach((c, j) => {
      const cp = `${p}.additionalPrinterColumns[${j}]`;
      if (!c.name) out.push(required(`${cp}.name`));
      if (!COLUMN_TYPES.includes(c.type)) out.push(notSupported(`${cp}.type`, c.type ?? "", COLUMN_TYPES));
      if (!c.jsonPath) out.push(required(`${cp}.jsonPath`));
      else {
        const err = parseJsonPath(c.jsonPath).error;
        if (err) out.push(invalid(`${cp}.jsonPath`, c.jsonPath, err));
      }
    });
  });
  if (storage !== 1) out.push(invalid("spec.versions", versions.map((v) => v.name), "must have exactly one version marked as storage version"));
  return out;
}
