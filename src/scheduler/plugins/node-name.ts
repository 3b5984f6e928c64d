/** A pod that names its node (spec.nodeName) fits only there. */
import { fail, type Plugin } from "../types.ts";

export const NAME = "NodeName";
export const ERR_REASON = "node(s) didn't match the requested node name";

export const nodeName: Plugin = {
  name: NAME,
  filter(cycle, info) {
    const want = cycle.pod.pod.spec?.nodeName;
    return !want || want === info.name ? undefined : fail(ERR_REASON, true);
  },
};
