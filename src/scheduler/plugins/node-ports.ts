/** A host port can be bound once per node (per protocol and host IP; 0.0.0.0 conflicts with all). */
import type { FilterPlugin } from "../types.ts";
import { hostPortsOf } from "../node-info.ts";

export const NAME = "NodePorts";

export const nodePorts = {
  name: NAME,
  filter(pod, info) {
    for (const want of hostPortsOf(pod)) {
      const [proto, ip, port] = want.split("/");
      for (const used of info.hostPorts) {
        const [uproto, uip, uport] = used.split("/");
        if (uproto === proto && uport === port && (uip === ip || uip === "0.0.0.0" || ip === "0.0.0.0")) {
          return "node(s) didn't have free ports for the requested pod ports";
        }
      }
    }
    return undefined;
  },
} satisfies FilterPlugin;
