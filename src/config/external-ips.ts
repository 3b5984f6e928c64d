/**
 * K3s's `--node-external-ip`: one or more addresses (repeated, or comma separated as K3s's
 * string slice takes them) that become the Node's ExternalIP. Anything that is not an IP
 * address is refused with the flag named, before the node registers with it.
 */
import { isIP } from "node:net";
import { list } from "./sources.ts";

export function externalIps(v: unknown): string[] {
  const out: string[] = [];
  for (const item of list(v).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean)) {
    if (!isIP(item)) throw new Error(`invalid --node-external-ip ${JSON.stringify(item)} (want an IP address)`);
    if (!out.includes(item)) out.push(item);
  }
  return out;
}
