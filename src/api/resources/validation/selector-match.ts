export { labelSelectorMatches } from "../../../model/label-selector.ts";
