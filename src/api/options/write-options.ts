/**
 * CreateOptions, UpdateOptions and PatchOptions from the query, validated as the apiserver's
 * ValidateCreateOptions (and its Update/Patch siblings) does: dryRun only "All", fieldValidation
 * one of "Ignore", "Strict", "Warn" (or empty), fieldManager at most 128 printable characters —
 * each a 422 `<Kind>.meta.k8s.io "" is invalid`.
 */
import { errors, type StatusCause } from "../../model/errors.ts";
import { dryRunCauses } from "./delete-options.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";
export type WriteOptionsKind = "CreateOptions" | "UpdateOptions" | "PatchOptions";

export interface WriteQuery {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  fieldManager?: string;
}

const FIELD_VALIDATIONS = ["Ignore", "Strict", "Warn"];
const FIELD_MANAGER_MAX = 128;

export function writeQuery(url: URL, kind: WriteOptionsKind = "CreateOptions"): WriteQuery {
  const q = url.searchParams;
  const dry = q.getAll("dryRun");
  const fv = q.get("fieldValidation") ?? "";
  const fieldManager = q.get("fieldManager") ?? undefined;
  const causes: StatusCause[] = [];
  causes.push(...dryRunCauses(dry.length ? dry : undefined));
  if (fv !== "" && !FIELD_VALIDATIONS.includes(fv)) {
    causes.push({ reason: "FieldValueNotSupported", field: "fieldValidation", message: `Unsupported value: ${JSON.stringify(fv)}: supported values: "", "Ignore", "Strict", "Warn"` });
  }
  if (fieldManager !== undefined) {
    if (fieldManager.length > FIELD_MANAGER_MAX) causes.push({ reason: "FieldValueTooLong", field: "fieldManager", message: `Too long: may not be more than ${FIELD_MANAGER_MAX} bytes` });
    // unicode.IsPrint: no control characters.
    else if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(fieldManager)) {
      causes.push({ reason: "FieldValueInvalid", field: "fieldManager", message: `Invalid value: ${JSON.stringify(fieldManager)}: must only contain printable characters` });
    }
  }
  if (causes.length) throw errors.invalid("meta.k8s.io", kind, "", causes);
  return { dryRun: dry.length > 0, fieldValidation: (fv || "Warn") as FieldValidation, fieldManager };
}
