/**
 * K3s's `--kubelet-arg key=value` for the node agent: the kubelet flags k3rs's agent honours,
 * refused by name otherwise (never silently ignored).
 */
import { parseQuantity } from "../model/quantity.ts";
import type { KubeletSettings } from "../agent/kubelet-settings.ts";
import type { EvictionHard, Threshold } from "../agent/node/pressure.ts";

export type { KubeletSettings };

const KNOWN = ["container-log-max-size", "container-log-max-files", "eviction-hard"];

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
    } else if (key === "eviction-hard") {
      out.evictionHard = evictionHard(value);
    } else {
      throw new Error(`unsupported --kubelet-arg ${key} (supported: ${KNOWN.join(", ")})`);
    }
  }
  return out;
}

const SIGNALS = ["memory.available", "nodefs.available", "pid.available"];

/**
 * `eviction-hard=memory.available<500Mi,nodefs.available<10%,pid.available<1000`, as the kubelet
 * reads it: `<` only, an amount or a percentage. The signals given replace the defaults; those
 * left out have no threshold (the kubelet's rule once any is set).
 */
function evictionHard(value: string): EvictionHard {
  const out: EvictionHard = {};
  const bad = (why: string) => new Error(`invalid --kubelet-arg eviction-hard=${value}: ${why}`);
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z.]+)<(.+)$/.exec(part);
    if (!m) throw bad(`${JSON.stringify(part)} is not signal<quantity (e.g. memory.available<500Mi)`);
    const [, signal, amount] = m as unknown as [string, string, string];
    if (!SIGNALS.includes(signal)) {
      throw bad(signal === "imagefs.available" || signal.endsWith(".inodesFree") ? `${signal} is not supported: k3rs keeps images on the node filesystem and reads no inodes; use nodefs.available` : `unknown signal ${signal} (supported: ${SIGNALS.join(", ")})`);
    }
    if (signal === "pid.available") {
      if (!/^\d+$/.test(amount)) throw bad(`pid.available wants a number of processes, got ${JSON.stringify(amount)}`);
      out.pidAvailable = Number(amount);
    } else {
      const t = threshold(amount);
      if (!t) throw bad(`${signal} wants a quantity (500Mi) or a percentage (10%), got ${JSON.stringify(amount)}`);
      if (signal === "memory.available") out.memoryAvailable = t;
      else out.nodefsAvailable = t;
    }
  }
  if (!Object.keys(out).length) throw bad("no threshold given");
  return out;
}

function threshold(amount: string): Threshold | undefined {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(amount);
  if (pct) {
    const f = Number(pct[1]) / 100;
    return f > 0 && f <= 1 ? { fraction: f } : undefined;
  }
  try {
    const bytes = Number(parseQuantity(amount).value());
    return bytes >= 0 && Number.isFinite(bytes) ? { bytes } : undefined;
  } catch {
    return undefined;
  }
}
