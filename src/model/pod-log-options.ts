/**
 * PodLogOptions (`GET …/pods/{name}/log` and the agent's `/containerLogs`): decoded from the
 * query as the apiserver's parameter codec does (a value that does not parse is a 400),
 * validated as `ValidatePodLogOptions` (422 PodLogOptions … is invalid), and re-encoded for
 * the node the way `LogLocation` builds the kubelet's URL.
 */
import { errors, type StatusCause } from "./errors.ts";

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  /** RFC 3339, as given. */
  sinceTime?: string;
}

/** Go's strconv.ParseBool. */
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === "") return false;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw errors.badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Throws a StatusError (400 for what does not parse, 422 for what does not validate). */
export function parsePodLogOptions(q: URLSearchParams, podName: string): PodLogOptions {
  const o: PodLogOptions = {
    container: q.get("container") || undefined,
    follow: bool(q, "follow"),
    previous: bool(q, "previous"),
    timestamps: bool(q, "timestamps"),
    tailLines: int(q, "tailLines"),
    limitBytes: int(q, "limitBytes"),
    sinceSeconds: int(q, "sinceSeconds"),
    sinceTime: q.get("sinceTime") || undefined,
  };
  if (o.sinceTime !== undefined && (!RFC3339.test(o.sinceTime) || Number.isNaN(Date.parse(o.sinceTime)))) {
    throw errors.badRequest(`parsing time ${JSON.stringify(o.sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
  }
  const causes: StatusCause[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) causes.push({ reason: "FieldValueInvalid", field: "tailLines", message: `Invalid value: ${o.tailLines}: must be greater than or equal to 0` });
  if (o.limitBytes !== undefined && o.limitBytes < 1) causes.push({ reason: "FieldValueInvalid", field: "limitBytes", message: `Invalid value: ${o.limitBytes}: must be greater than 0` });
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) {
    causes.push({ reason: "FieldValueForbidden", field: "", message: "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified" });
  } else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) {
    causes.push({ reason: "FieldValueInvalid", field: "sinceSeconds", message: `Invalid value: ${o.sinceSeconds}: must be greater than 0` });
  }
  if (causes.length) throw errors.invalid("", "PodLogOptions", podName, causes);
  return o;
}

/** The agent's query for these options (the container goes in the path). */
export function podLogQuery(o: PodLogOptions): string {
  const q = new URLSearchParams();
  if (o.follow) q.set("follow", "true");
  if (o.previous) q.set("previous", "true");
  if (o.timestamps) q.set("timestamps", "true");
  if (o.sinceSeconds !== undefined) q.set("sinceSeconds", String(o.sinceSeconds));
  if (o.sinceTime !== undefined) q.set("sinceTime", o.sinceTime);
  if (o.tailLines !== undefined) q.set("tailLines", String(o.tailLines));
  if (o.limitBytes !== undefined) q.set("limitBytes", String(o.limitBytes));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The earliest moment whose lines are shown, in ns since the epoch; undefined: all. */
export function sinceNanos(o: PodLogOptions, nowMs: number): bigint | undefined {
  if (o.sinceSeconds !== undefined) return BigInt(nowMs - o.sinceSeconds * 1000) * 1_000_000n;
  if (o.sinceTime !== undefined) return BigInt(Date.parse(o.sinceTime)) * 1_000_000n;
  return undefined;
}
