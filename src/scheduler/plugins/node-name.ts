/** A pod that names its node (spec.nodeName) fits only there. */
import type { FilterPlugin } from "../types.ts";

export const NAME = "NodeName";

export const nodeName = {
  name: NAME,
  filter(pod, info) {
    const want = pod.spec?.nodeName;
    return !want || want === info.node.metadata.name ? undefined : "node(s) didn't match the requested node name";
  },
} satisfies FilterPlugin;
