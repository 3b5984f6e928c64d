/** Name checks used by kind validation, as StatusCauses; the rules live in model/names.ts. */
import type { StatusCause } from "../../../model/errors.ts";
import { isDns1123Label } from "../../../model/names.ts";
import { invalid } from "./causes.ts";

export function dns1123LabelErrors(field: string, value: string): StatusCause[] {
  return isDns1123Label(value).map((detail) => invalid(field, value, detail));
}
