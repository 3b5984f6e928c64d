/** PriorityClass validation, worded as ValidatePriorityClass / ValidatePriorityClassUpdate. */
import type { KubeObject } from "../../../model/object.ts";
import type { StatusCause } from "../../../model/errors.ts";
import { HIGHEST_USER_DEFINABLE_PRIORITY, PREEMPTION_POLICIES, SYSTEM_PRIORITY_CLASS_PREFIX, systemPriorityClass } from "../../../model/priority-classes.ts";
import { forbidden, immutable, invalid, notSupported, required } from "./causes.ts";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function validatePriorityClass(obj: KubeObject, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const name = obj.metadata?.name ?? "";
  const value = obj.value;
  if (value === undefined || value === null) out.push(required("value"));
  else if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) out.push(invalid("value", value, "must be a 32-bit integer"));
  else if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const known = systemPriorityClass(name);
    const why = !known ? `${name} is not a known system priority class` : known.value !== value ? `value of ${name} PriorityClass must be ${known.value}` : obj.globalDefault ? `globalDefault of ${name} PriorityClass must be false` : undefined;
    if (why) out.push(forbidden("metadata.name", `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    out.push(forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (obj.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(obj.preemptionPolicy)) out.push(notSupported("preemptionPolicy", obj.preemptionPolicy, PREEMPTION_POLICIES));
  if (old) {
    if (value !== old.value) out.push(forbidden("value", "may not be changed in an update."));
    if (obj.preemptionPolicy !== old.preemptionPolicy) out.push(immutable("preemptionPolicy", obj.preemptionPolicy));
  }
  return out;
}
