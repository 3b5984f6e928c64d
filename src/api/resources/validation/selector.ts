/** A workload's selector must be non-empty and select its own pod template. */
import type { StatusCause } from "../../../model/errors.ts";
import { invalid, required } from "./causes.ts";
import { labelSelectorMatches } from "./selector-match.ts";

export function selectorErrors(selector: any, templateLabels: Record<string, string> | undefined, path: string): StatusCause[] {
  if (!selector || typeof selector !== "object") return [required(`${path}.selector`)];
  const empty = !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length;
  if (empty) return [invalid(`${path}.selector`, selector, "empty selector is invalid for deployment")];
  if (!labelSelectorMatches(selector, templateLabels ?? {})) {
    return [invalid(`${path}.template.metadata.labels`, templateLabels ?? {}, "`selector` does not match template `labels`")];
  }
  return [];
}
