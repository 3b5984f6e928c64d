/** Name checks used by kind validation, as StatusCauses; the rules live in model/names.ts. */
import type { StatusCause } from "../../../model/errors.ts";
import { invalid } from "./causes.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function dns1123LabelErrors(field: string, value: string): StatusCause[] {
  if (value.length > 63) return [invalid(field, value, "must be no more than 63 characters")];
  if (!DNS1123_LABEL.test(value)) {
    return [
      invalid(
        field,
        value,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ),
    ];
  }
  return [];
}
