/**
 * Validation ratcheting (as Kubernetes has it for CRDs, KEP-4008): an update is refused only
 * for faults the stored object did not already have. An object stored before a rule existed —
 * by an older version, restored from a backup — must still take the writes that end it or
 * tell about it (the agent's refusal status, the scheduler's PodScheduled, a finalizer's
 * removal); a fault the write brings is refused as always. The shape check does the same for
 * types (object-shape.ts); this is the rule for the kind's own validation.
 */
import type { StatusCause } from "../../model/errors.ts";

const key = (c: StatusCause) => `${c.field ?? ""}\0${c.message ?? ""}`;

/**
 * The causes of `causes` that `known()` (the stored object's own faults) does not hold. `known`
 * runs only when there is something to excuse, so a valid write pays nothing; a validator that
 * throws on the stored object excuses nothing.
 */
export function newFaults(causes: StatusCause[], known: () => StatusCause[]): StatusCause[] {
  if (causes.length === 0) return causes;
  let had: Set<string>;
  try {
    had = new Set(known().map(key));
  } catch {
    return causes;
  }
  return causes.filter((c) => !had.has(key(c)));
}
