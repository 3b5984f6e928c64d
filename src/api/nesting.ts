/**
 * The nesting limit of API values. Deeper than any real object (a Deployment's deepest field
 * is ~15 levels down), it bounds every recursive walker (patch, validation, pruning, the
 * readers of stored objects): a body that passes one decoder but not another would poison
 * every client that lists it (Go's JSON decoder stops at 10,000 levels, so a 10,001-deep
 * managedFields breaks `kubectl get` for everyone).
 */
import { errors } from "../model/errors.ts";

export const MAX_DEPTH = 100;

/** 400 when `value` holds containers nested deeper than MAX_DEPTH below `depth`. */
export function checkDepth(value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) throw tooDeep();
  if (value && typeof value === "object") {
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child && typeof child === "object") checkDepth(child, depth + 1);
    }
  }
}

export function tooDeep() {
  return errors.badRequest(`the body of the request is nested more than ${MAX_DEPTH} levels deep`);
}
