/**
 * K3s's `--kubelet-arg key=value` for the node agent: the kubelet flags k3rs's agent honours,
 * refused by name otherwise (never silently ignored).
 */
import { parseQuantity } from "../model/quantity.ts";
import type { KubeletSettings } from "../agent/kubelet-settings.ts";

export type { KubeletSettings };

const KNOWN = ["container-log-max-size", "container-log-max-files"];

export function kubeletSettings(args: string[] = []): KubeletSettings {
  const out: KubeletSettings = {};
  for (const arg of args) {
    const m = /^(?:--)?([a-z0-9-]+)=(.*)$/.exec(arg.trim());
    if (!m) throw new Error(`invalid --kubelet-arg ${JSON.stringify(arg)} (want key=value)`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "container-log-max-size") {
      let bytes: number;
      try {
        bytes = Number(parseQuantity(value).value());
      } catch {
        throw new Error(`invalid --kubelet-arg container-log-max-size: ${JSON.stringify(value)} is not a quantity (e.g. 10Mi)`);
      }
      if (!(bytes >= 1024)) throw new Error(`invalid --kubelet-arg container-log-max-size: at least 1Ki, got ${value}`);
      out.containerLogMaxBytes = bytes;
    } else if (key === "container-log-max-files") {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 2) throw new Error(`invalid --kubelet-arg container-log-max-files: want an integer of 2 or more, got ${JSON.stringify(value)}`);
      out.containerLogMaxFiles = n;
    } else {
      throw new Error(`unsupported --kubelet-arg ${key} (supported: ${KNOWN.join(", ")})`);
    }
  }
  return out;
}
