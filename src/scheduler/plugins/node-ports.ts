/** A host port can be bound once per node (per protocol and host IP; 0.0.0.0 conflicts with every IP). */
import { fail, SKIP, type Plugin } from "../types.ts";

export const NAME = "NodePorts";
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts: Plugin = {
  name: NAME,
  preFilter: (cycle) => (cycle.pod.hostPorts.length ? undefined : SKIP),
  filter(cycle, info) {
    for (const want of cycle.pod.hostPorts) {
      for (const used of info.hostPorts) {
        if (used.protocol === want.protocol && used.port === want.port && (used.ip === want.ip || used.ip === "0.0.0.0" || want.ip === "0.0.0.0")) {
          return fail(ERR_REASON);
        }
      }
    }
    return undefined;
  },
};
