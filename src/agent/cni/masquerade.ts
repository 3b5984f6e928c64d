/**
 * Outbound NAT for pods: traffic from the node's podCIDR to anywhere outside the cluster CIDR
 * is masqueraded, in our own chain so the rules are easy to find and to remove; and the
 * kernel must forward. Idempotent: run at every agent start.
 */
import { readFileSync, writeFileSync } from "node:fs";

const CHAIN = "K3RS-POSTROUTING";

async function iptables(args: string[]): Promise<{ code: number; stderr: string }> {
  const p = Bun.spawn(["iptables", "-w", "5", ...args], { stdout: "ignore", stderr: "pipe" });
  const stderr = await new Response(p.stderr).text();
  return { code: await p.exited, stderr };
}

async function ensure(args: string[], table = "nat"): Promise<void> {
  if ((await iptables(["-t", table, "-C", ...args])).code === 0) return;
  const r = await iptables(["-t", table, "-A", ...args]);
  if (r.code !== 0) throw new Error(`iptables -t ${table} -A ${args.join(" ")}: ${r.stderr.trim()}`);
}

export async function ensureMasquerade(podCidr: string, clusterCidr: string): Promise<void> {
  const created = await iptables(["-t", "nat", "-N", CHAIN]);
  if (created.code !== 0 && !/exists/i.test(created.stderr)) throw new Error(`iptables -t nat -N ${CHAIN}: ${created.stderr.trim()}`);
  await ensure(["POSTROUTING", "-m", "comment", "--comment", "k3rs pod egress", "-j", CHAIN]);
  await ensure([CHAIN, "-s", podCidr, "!", "-d", clusterCidr, "-m", "comment", "--comment", "k3rs masquerade pods leaving the cluster", "-j", "MASQUERADE"]);
  // Pod traffic is routed through the host; bridge traffic must be allowed where FORWARD drops.
  await ensure(["FORWARD", "-s", podCidr, "-m", "comment", "--comment", "k3rs pod forward", "-j", "ACCEPT"], "filter");
  await ensure(["FORWARD", "-d", podCidr, "-m", "comment", "--comment", "k3rs pod forward", "-j", "ACCEPT"], "filter");
  enableForwarding();
}

export function enableForwarding(): void {
  const path = "/proc/sys/net/ipv4/ip_forward";
  if (readFileSync(path, "utf8").trim() !== "1") writeFileSync(path, "1");
}
