/**
 * The check an agent makes before it routes anything: no other interface may hold an address
 * in this node's podCIDR. Found on the development machines: a bridge left by an earlier data
 * dir still held 10.42.0.1/24, so the kernel delivered the new pods' traffic to that dead
 * bridge and every readiness probe timed out with no error anywhere. Refusing to start, with
 * the interface and the fix named, costs the user one command instead of an afternoon.
 */
import { cidrContains, cidrsOverlap, mask, parseCidr, parseIPv4 } from "./ipv4.ts";

export class StaleInterfaceError extends Error {
  /** the command that clears the way */
  readonly fix: string;

  constructor(
    /** the interface that holds the address */
    readonly device: string,
    /** what it holds, as `ip addr` shows it (`10.42.0.1/24`) */
    readonly address: string,
    readonly podCIDR: string,
  ) {
    const fix = `ip link delete ${device}`;
    super(
      `interface ${device} already holds ${address}, inside this node's podCIDR ${podCIDR} (a bridge left by an earlier data dir?): ` +
        `pods started now could not be reached. Remove it with \`${fix}\` and start again`,
    );
    this.name = "StaleInterfaceError";
    this.fix = fix;
  }
}

interface AddrJson {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/**
 * The first interface, other than the node's own bridge and VXLAN device, holding an IPv4
 * address inside `podCIDR` or on a network that covers it; `undefined` when there is none.
 * `addrJson` is `ip -j addr show`.
 */
export function findStaleInterface(addrJson: string, podCIDR: string, own: Iterable<string | undefined>): StaleInterfaceError | undefined {
  const pod = parseCidr(podCIDR);
  if (!pod) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(podCIDR)}`);
  const mine = new Set([...own].filter(Boolean));
  for (const link of JSON.parse(addrJson || "[]") as AddrJson[]) {
    if (!link.ifname || mine.has(link.ifname)) continue;
    for (const a of link.addr_info ?? []) {
      if (a.family !== "inet" || !a.local) continue;
      const ip = parseIPv4(a.local);
      if (ip === undefined) continue;
      const prefix = a.prefixlen ?? 32;
      const net = { base: (ip & mask(prefix)) >>> 0, prefix };
      if (cidrContains(pod, ip) || (prefix <= pod.prefix && cidrsOverlap(net, pod))) return new StaleInterfaceError(link.ifname, `${a.local}/${prefix}`, podCIDR);
    }
  }
  return undefined;
}
