/**
 * Query parameters decoded as the apiserver's parameter codec does (apimachinery's
 * `Convert_Slice_string_To_*`): the first value counts; integers go through Go's
 * `strconv.ParseInt(v, 10, 64)` and a failure is a 400 carrying Go's message; booleans never
 * fail — "0" and "false" (any case) are false, anything else, even "", is true.
 */
import { errors } from "../../model/errors.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Go's strconv.ParseInt(v, 10, 64) as a JS number, or the error text Go gives. Values beyond
 * 2^53 keep their magnitude (not every digit); every caller clamps or compares them.
 */
export function parseInt64(v: string): number | string {
  if (!/^[+-]?\d+$/.test(v)) return `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`;
  const big = BigInt(v);
  if (big < INT64_MIN || big > INT64_MAX) return `strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`;
  return Number(big);
}

/** An int64 parameter; absent → undefined; anything that does not parse → 400. */
export function int64Param(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const n = parseInt64(v);
  if (typeof n === "string") throw errors.badRequest(n);
  return n;
}

/** A `bool` parameter: absent → false. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  return optionalBoolParam(q, name) ?? false;
}

/** A `*bool` parameter: absent → undefined. */
export function optionalBoolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === "0" || v.toLowerCase() === "false");
}
