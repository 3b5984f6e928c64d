/**
 * ListOptions (list, watch, deletecollection) and GetOptions decoded from the query as the
 * apiserver does: the parameter codec first (an integer that does not parse → 400 with Go's
 * message), then the storage layer's resourceVersion parse (400), then
 * `ValidateListOptions` with the WatchList defaults (422 ListOptions.meta.k8s.io is invalid).
 * Selectors are parsed where the filter is built (storage/filter.ts), also as 400s.
 */
import { errors, type StatusCause } from "../../model/errors.ts";
import { boolParam, int64Param, optionalBoolParam } from "./query-params.ts";

export type ResourceVersionMatch = "Exact" | "NotOlderThan";

export interface ListOptions {
  watch: boolean;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  /** "" when not given; "0" means any; otherwise a revision (see `revision`). */
  resourceVersion: string;
  /** The parsed resourceVersion when it names a revision (not "" nor "0"). */
  revision?: number;
  resourceVersionMatch?: ResourceVersionMatch;
  /** Seconds; undefined or 0 = the server's default. */
  timeoutSeconds?: number;
  /** undefined or ≤ 0 = everything. */
  limit?: number;
  continue?: string;
}

/** Whether a request for a collection (or a legacy /watch/ path) is a watch; as the codec reads `watch`. */
export function isWatch(q: URLSearchParams, watchPath: boolean): boolean {
  return watchPath || boolParam(q, "watch");
}

/** Throws a StatusError: 400 for what does not parse, 422 for combinations Kubernetes refuses. */
export function parseListOptions(q: URLSearchParams, watchPath = false): ListOptions {
  const o: ListOptions = {
    watch: isWatch(q, watchPath),
    allowWatchBookmarks: boolParam(q, "allowWatchBookmarks"),
    sendInitialEvents: optionalBoolParam(q, "sendInitialEvents"),
    resourceVersion: q.get("resourceVersion") ?? "",
    timeoutSeconds: int64Param(q, "timeoutSeconds"),
    limit: int64Param(q, "limit"),
    continue: q.get("continue") || undefined,
  };
  const match = q.get("resourceVersionMatch") ?? "";
  o.revision = parseResourceVersion(o.resourceVersion);
  // SetListOptionsDefaults (WatchList on): a watch from "now" or "any" sends the initial state.
  let effectiveMatch = match;
  let sendInitial = o.sendInitialEvents;
  if (o.watch && sendInitial === undefined && match === "" && (o.resourceVersion === "" || o.resourceVersion === "0")) {
    sendInitial = true;
    effectiveMatch = "NotOlderThan";
  }
  const causes = o.watch ? watchCauses(effectiveMatch, sendInitial, o) : listCauses(match, o);
  if (causes.length) throw errors.invalid("meta.k8s.io", "ListOptions", "", causes);
  if (match) o.resourceVersionMatch = match as ResourceVersionMatch;
  return o;
}

/** GetOptions: only resourceVersion, which must parse. */
export function parseGetOptions(q: URLSearchParams): { resourceVersion: string; revision?: number } {
  const resourceVersion = q.get("resourceVersion") ?? "";
  return { resourceVersion, revision: parseResourceVersion(resourceVersion) };
}

/** The storage layer's ParseResourceVersion: "" and "0" name no revision; otherwise a uint64. */
export function parseResourceVersion(rv: string): number | undefined {
  if (rv === "" || rv === "0") return undefined;
  if (!/^\d+$/.test(rv)) {
    throw errors.badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  }
  const n = Number(rv);
  if (BigInt(rv) > 2n ** 64n - 1n) {
    throw errors.badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: value out of range`);
  }
  return n;
}

const forbidden = (field: string, detail: string): StatusCause => ({ reason: "FieldValueForbidden", field, message: `Forbidden: ${detail}` });
const notSupported = (field: string, value: string, supported: string[]): StatusCause => ({
  reason: "FieldValueNotSupported",
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
});

function listCauses(match: string, o: ListOptions): StatusCause[] {
  const causes: StatusCause[] = [];
  if (match) {
    if (o.resourceVersion === "") causes.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"));
    if (o.continue) causes.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
    if (match !== "Exact" && match !== "NotOlderThan") causes.push(notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]));
    if (match === "Exact" && o.resourceVersion === "0") causes.push(forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) causes.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  return causes;
}

function watchCauses(match: string, sendInitial: boolean | undefined, o: ListOptions): StatusCause[] {
  const causes: StatusCause[] = [];
  if (sendInitial !== undefined && match !== "NotOlderThan") {
    causes.push(forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
  }
  if (match) {
    if (sendInitial === undefined) causes.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
    if (match !== "NotOlderThan") causes.push(notSupported("resourceVersionMatch", match, ["NotOlderThan"]));
    if (o.continue) causes.push(forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
  }
  return causes;
}
