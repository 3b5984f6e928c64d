/**
 * DeleteOptions, from a body or from the query, as the apiserver's delete handler reads them:
 * a body wins over the query; a body field of the wrong JSON type is refused the way Go's
 * decoder words it (`json: cannot unmarshal string into Go struct field
 * DeleteOptions.dryRun of type []string`), as a 400 — never guessed at, because a
 * misread `dryRun` deletes for real. Then `ValidateDeleteOptions` (422 DeleteOptions.meta.k8s.io
 * is invalid): propagationPolicy in its enum, not together with orphanDependents, dryRun only "All".
 */
import { errors, StatusError, type StatusCause } from "../../model/errors.ts";
import type { DeleteOptions } from "../storage/object-storage.ts";
import { int64Param, optionalBoolParam } from "./query-params.ts";

/** What the client sent, typed but not yet validated (Go's metav1.DeleteOptions after decoding). */
interface DecodedDeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

const POLICIES: readonly string[] = ["Foreground", "Background", "Orphan"];
const INT64_LIMIT = 2 ** 63;

/**
 * Reads the options of a DELETE. `body` is the decoded JSON/YAML object, or undefined when the
 * request had none (then the query counts). A `dryRun=All` in the query is honoured even
 * beside a body — the apiserver ignores the query then, but a dry run is never the harmful reading.
 */
export function readDeleteOptions(body: Record<string, unknown> | undefined, query: URLSearchParams): DeleteOptions {
  let decoded: DecodedDeleteOptions;
  if (body !== undefined) {
    if (body.kind !== undefined && body.kind !== "DeleteOptions") throw errors.badRequest(`expected DeleteOptions, got ${String(body.kind)}`);
    decoded = decodeDeleteOptionsBody(body);
    const queryDry = query.getAll("dryRun");
    if (queryDry.length) decoded.dryRun = [...(decoded.dryRun ?? []), ...queryDry];
  } else {
    decoded = deleteOptionsFromQuery(query);
  }
  return validateDeleteOptions(decoded);
}

/** Go's encoding/json into metav1.DeleteOptions; unknown fields are ignored, as there. */
export function decodeDeleteOptionsBody(body: Record<string, unknown>): DecodedDeleteOptions {
  const o: DecodedDeleteOptions = {};
  const grace = body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) o.gracePeriodSeconds = int64Field(grace, "gracePeriodSeconds");
  const policy = body.propagationPolicy;
  if (policy !== undefined && policy !== null) o.propagationPolicy = stringField(policy, "propagationPolicy", "v1.DeletionPropagation");
  const orphan = body.orphanDependents;
  if (orphan !== undefined && orphan !== null) {
    if (typeof orphan !== "boolean") throw typeError(orphan, "DeleteOptions", "orphanDependents", "bool");
    o.orphanDependents = orphan;
  }
  const dry = body.dryRun;
  if (dry !== undefined && dry !== null) {
    if (!Array.isArray(dry)) throw typeError(dry, "DeleteOptions", "dryRun", "[]string");
    o.dryRun = dry.map((d) => stringField(d, "dryRun", "string"));
  }
  const pre = body.preconditions;
  if (pre !== undefined && pre !== null) {
    if (typeof pre !== "object" || Array.isArray(pre)) throw typeError(pre, "DeleteOptions", "preconditions", "v1.Preconditions");
    const { uid, resourceVersion } = pre as Record<string, unknown>;
    o.preconditions = {};
    if (uid !== undefined && uid !== null) o.preconditions.uid = preconditionString(uid, "uid", "types.UID");
    if (resourceVersion !== undefined && resourceVersion !== null) o.preconditions.resourceVersion = preconditionString(resourceVersion, "resourceVersion", "string");
  }
  const ignore = body.ignoreStoreReadErrorWithClusterBreakingPotential;
  if (ignore !== undefined && ignore !== null && typeof ignore !== "boolean") {
    throw typeError(ignore, "DeleteOptions", "ignoreStoreReadErrorWithClusterBreakingPotential", "bool");
  }
  return o;
}

/** The query form (no preconditions there); integers that do not parse are a 400. */
export function deleteOptionsFromQuery(q: URLSearchParams): DecodedDeleteOptions {
  const o: DecodedDeleteOptions = {};
  const grace = int64Param(q, "gracePeriodSeconds");
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  const policy = q.get("propagationPolicy");
  if (policy !== null) o.propagationPolicy = policy;
  const orphan = optionalBoolParam(q, "orphanDependents");
  if (orphan !== undefined) o.orphanDependents = orphan;
  const dry = q.getAll("dryRun");
  if (dry.length) o.dryRun = dry;
  return o;
}

/** apimachinery's ValidateDeleteOptions, then the shape the storage layer takes. */
export function validateDeleteOptions(o: DecodedDeleteOptions): DeleteOptions {
  const causes: StatusCause[] = [];
  if (o.orphanDependents !== undefined && o.propagationPolicy !== undefined) {
    causes.push({ reason: "FieldValueInvalid", field: "propagationPolicy", message: `Invalid value: ${JSON.stringify(o.propagationPolicy)}: orphanDependents and deletionPropagation cannot be both set` });
  }
  if (o.propagationPolicy !== undefined && !POLICIES.includes(o.propagationPolicy)) {
    causes.push({ reason: "FieldValueNotSupported", field: "propagationPolicy", message: `Unsupported value: ${JSON.stringify(o.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan", "nil"` });
  }
  causes.push(...dryRunCauses(o.dryRun));
  if (causes.length) throw errors.invalid("meta.k8s.io", "DeleteOptions", "", causes);
  const out: DeleteOptions = {};
  // rest.BeforeDelete: a negative grace period means 1 second.
  if (o.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = o.gracePeriodSeconds < 0 ? 1 : o.gracePeriodSeconds;
  if (o.propagationPolicy !== undefined) out.propagationPolicy = o.propagationPolicy as DeleteOptions["propagationPolicy"];
  if (o.orphanDependents !== undefined) out.orphanDependents = o.orphanDependents;
  if (o.preconditions) out.preconditions = o.preconditions;
  if (o.dryRun?.length) out.dryRun = true;
  return out;
}

/** apimachinery's ValidateDryRun: every value must be "All" (case matters). */
export function dryRunCauses(dryRun: string[] | undefined): StatusCause[] {
  if (!dryRun || dryRun.every((d) => d === "All")) return [];
  const shown = `[]string{${dryRun.map((d) => JSON.stringify(d)).join(", ")}}`;
  return [{ reason: "FieldValueNotSupported", field: "dryRun", message: `Unsupported value: ${shown}: supported values: "All"` }];
}

function int64Field(v: unknown, field: string): number {
  if (typeof v !== "number") throw typeError(v, "DeleteOptions", field, "int64");
  if (!Number.isInteger(v) || v >= INT64_LIMIT || v < -INT64_LIMIT) throw typeError(v, "DeleteOptions", field, "int64", true);
  return v;
}

function stringField(v: unknown, field: string, goType: string): string {
  if (typeof v !== "string") throw typeError(v, "DeleteOptions", field, goType);
  return v;
}

function preconditionString(v: unknown, field: string, goType: string): string {
  if (typeof v !== "string") throw typeError(v, "Preconditions", `preconditions.${field}`, goType);
  return v;
}

/** Go's *json.UnmarshalTypeError text, which the apiserver passes on. */
function typeError(v: unknown, struct: string, field: string, goType: string, showNumber = false): StatusError {
  const what = Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "object" ? "object" : typeof v === "boolean" ? "bool" : typeof v === "number" ? (showNumber ? `number ${String(v)}` : "number") : "string";
  return errors.badRequest(`json: cannot unmarshal ${what} into Go struct field ${struct}.${field} of type ${goType}`);
}
