/**
 * ClusterIPs owned by this node: each one a /32 (or /128) on a dummy interface, so the kernel
 * delivers packets for it to the proxy's listeners, plus `unreachable` routes for the service
 * CIDR so a packet for a ClusterIP nobody owns dies here instead of leaving by the default
 * route. Local addresses win over the route: the local table is consulted before main.
 *
 * Everything runs through an `IpRunner`, so tests point it at a network namespace
 * (`ip -n NS …`) and never touch the host.
 */
import { netRunner, type NetResult } from "../net-runner.ts";

export type IpResult = NetResult;

/** Runs `ip` with the given arguments. */
export type IpRunner = (args: string[]) => Promise<IpResult>;

/** `ip` on the host, or in the named network namespace (`ip -n NS`). */
export function ipRunner(netns?: string): IpRunner {
  const run = netRunner(netns);
  return (args) => run("ip", args);
}

export interface ServiceAddressesOptions {
  run: IpRunner;
  /** dummy interface holding the ClusterIPs */
  device?: string;
  /** CIDRs that get an `unreachable` route (the service CIDR; the cluster CIDR too if wanted) */
  unreachable?: string[];
}

export const DEFAULT_DEVICE = "k3rs-svc0";
export const DEFAULT_SERVICE_CIDR = "10.43.0.0/16";

/** The proxy's side of address ownership; a fake in unit tests. */
export interface AddressOwner {
  add(ip: string): Promise<void>;
  remove(ip: string): Promise<void>;
  /** addresses held now, including those an earlier run left */
  list?(): Promise<string[]>;
}

export class ServiceAddresses implements AddressOwner {
  readonly device: string;
  private readonly run: IpRunner;
  private readonly unreachable: string[];
  private readonly owned = new Set<string>();
  /** the link type in use: `dummy`, or `bridge` on kernels built without the dummy driver */
  kind?: "dummy" | "bridge";

  constructor(opts: ServiceAddressesOptions) {
    this.run = opts.run;
    this.device = opts.device ?? DEFAULT_DEVICE;
    this.unreachable = opts.unreachable ?? [DEFAULT_SERVICE_CIDR];
  }

  /**
   * Creates the dummy interface (up, no ARP) and the unreachable routes; adopts addresses a
   * previous run left on the interface so `sync` can drop the stale ones.
   */
  async setup(): Promise<void> {
    await this.ensureLink();
    for (const cidr of this.unreachable) await this.must(["route", "replace", "unreachable", cidr]);
    for (const ip of await this.list()) this.owned.add(ip);
  }

  /**
   * Puts back what was removed by hand since: the interface (deleted, it takes every ClusterIP
   * with it and nothing would bring them back until the agent restarted), the addresses this
   * node owns, the unreachable routes. Listeners bound to the addresses survive their removal,
   * so traffic flows again once the addresses are back. Returns what had to be restored.
   */
  async repair(): Promise<{ device: boolean; addresses: string[] }> {
    const device = await this.ensureLink();
    const have = new Set(await this.list());
    const addresses: string[] = [];
    for (const ip of this.owned)
      if (!have.has(ip)) {
        await this.must(["addr", "replace", hostCidr(ip), "dev", this.device, ...(ip.includes(":") ? ["nodad"] : [])]);
        addresses.push(ip);
      }
    for (const cidr of this.unreachable) await this.must(["route", "replace", "unreachable", cidr]);
    return { device, addresses };
  }

  /** Makes the interface when it is missing (true then) and brings it up. */
  private async ensureLink(): Promise<boolean> {
    const link = await this.run(["-d", "-j", "link", "show", "dev", this.device]);
    let made = false;
    if (link.code === 0) this.kind = JSON.parse(link.stdout)[0]?.linkinfo?.info_kind === "bridge" ? "bridge" : "dummy";
    else {
      made = true;
      const r = await this.run(["link", "add", this.device, "type", "dummy"]);
      if (r.code === 0) this.kind = "dummy";
      else if (/Unknown device type/.test(r.stderr)) {
        // Kernels built without CONFIG_DUMMY (Firecracker VMs, some edge kernels): a bridge
        // with no ports holds local addresses just the same (its local routes do not depend
        // on carrier) and goes away with `link del` like the dummy.
        await this.must(["link", "add", this.device, "type", "bridge"]);
        this.kind = "bridge";
      } else throw ipError(["link", "add", this.device, "type", "dummy"], r);
    }
    // Also when it exists: someone may have set it down.
    await this.must(["link", "set", "dev", this.device, "arp", "off", "up"]);
    return made;
  }

  /** Addresses currently on the interface. */
  async list(): Promise<string[]> {
    const r = await this.run(["-j", "addr", "show", "dev", this.device]);
    if (r.code !== 0) return [];
    const out: string[] = [];
    for (const l of JSON.parse(r.stdout || "[]")) for (const a of l.addr_info ?? []) if (a.scope !== "link") out.push(a.local);
    return out;
  }

  async add(ip: string): Promise<void> {
    if (this.owned.has(ip)) return;
    // `replace` succeeds when the address is already there (an agent restart).
    // IPv6: skip duplicate address detection, or the address stays "tentative" and bind fails.
    await this.must(["addr", "replace", hostCidr(ip), "dev", this.device, ...(ip.includes(":") ? ["nodad"] : [])]);
    this.owned.add(ip);
  }

  async remove(ip: string): Promise<void> {
    if (!this.owned.has(ip)) return;
    const r = await this.run(["addr", "del", hostCidr(ip), "dev", this.device]);
    // EADDRNOTAVAIL: someone removed it already, which is what we wanted.
    if (r.code !== 0 && !/Cannot assign requested address/.test(r.stderr)) throw ipError(["addr", "del", ip], r);
    this.owned.delete(ip);
  }

  /** Makes the interface hold exactly `want`. */
  async sync(want: Iterable<string>): Promise<void> {
    const w = new Set(want);
    for (const ip of [...this.owned]) if (!w.has(ip)) await this.remove(ip);
    for (const ip of w) await this.add(ip);
  }

  owns(ip: string): boolean {
    return this.owned.has(ip);
  }

  /** Removes the interface (and its addresses) and the unreachable routes. */
  async cleanup(): Promise<void> {
    await this.run(["link", "del", this.device]);
    for (const cidr of this.unreachable) await this.run(["route", "del", "unreachable", cidr]);
    this.owned.clear();
  }

  private async must(args: string[]): Promise<IpResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw ipError(args, r);
    return r;
  }
}

function hostCidr(ip: string): string {
  return ip.includes(":") ? `${ip}/128` : `${ip}/32`;
}

function ipError(args: string[], r: IpResult): Error {
  return new Error(`ip ${args.join(" ")}: exit ${r.code}: ${r.stderr.trim()}`);
}
