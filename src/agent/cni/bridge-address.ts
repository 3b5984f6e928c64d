/**
 * The node's CNI bridge must hold exactly its podCIDR's gateway (`.1`). A node deleted and
 * joined again from the same data dir may get another podCIDR; its bridge still holds the old
 * gateway, and the bridge plugin then fails every sandbox with `"k3rs…" already has an IP
 * address different from 10.42.x.1/24` (it replaces an address only with `forceAddress`).
 * Neither the kubelet nor flannel fixes this on a real cluster (the known remedy is
 * `ip link delete cni0`); an agent knows more: its podCIDR changes only when its Node was
 * deleted, and the pods of the old range went with it (their routes now lead to whichever node
 * took that range). So when the CIDR is set, the old addresses leave the bridge (the plugin adds
 * the new gateway at the next sandbox) and host-local forgets the old range's leases.
 *
 * Not the whole bridge: old sandboxes still attached are torn down by the pod workers (CNI DEL
 * removes their veths); deleting the bridge under them would gain nothing.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type NetRunner, mustRun } from "../../net/net-runner.ts";
import { cidrContains, nthAddress, parseCidr, parseIPv4 } from "../../net/routes/ipv4.ts";
import { log } from "../../log.ts";

/** host-local's file naming the last address it gave out in range set 0. */
const LAST_RESERVED = "last_reserved_ip.0";

/** `10.42.5.0/24` → `10.42.5.1/24`, what the bridge plugin (`isGateway`) puts on the bridge. */
export function gatewayFor(podCidr: string): string {
  return `${nthAddress(podCidr, 1)}/${podCidr.split("/")[1]}`;
}

interface AddrJson {
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/**
 * The IPv4 addresses (`a.b.c.d/len`) on the bridge other than the podCIDR's gateway.
 * `addrJson` is `ip -j addr show dev <bridge>`.
 */
export function staleBridgeAddresses(addrJson: string, podCidr: string): string[] {
  const want = gatewayFor(podCidr);
  const out: string[] = [];
  for (const link of JSON.parse(addrJson || "[]") as AddrJson[])
    for (const a of link.addr_info ?? []) {
      if (a.family !== "inet" || !a.local) continue;
      const have = `${a.local}/${a.prefixlen ?? 32}`;
      if (have !== want) out.push(have);
    }
  return out;
}

/**
 * The files of host-local's state dir that belong to another range: leases (files named by
 * address) outside `podCidr`, and the last-reserved marker when it points outside it.
 */
export function staleIpamFiles(files: { name: string; content?: string }[], podCidr: string): string[] {
  const range = parseCidr(podCidr);
  if (!range) throw new Error(`not an IPv4 CIDR: ${JSON.stringify(podCidr)}`);
  const outside = (s: string | undefined) => {
    const ip = s === undefined ? undefined : parseIPv4(s.trim());
    return ip !== undefined && !cidrContains(range, ip);
  };
  return files.filter((f) => (f.name === LAST_RESERVED ? outside(f.content) : outside(f.name))).map((f) => f.name);
}

/** The bridge's addresses, or `undefined` when there is no bridge yet (no pod ever ran). */
async function bridgeAddresses(run: NetRunner, bridge: string): Promise<string | undefined> {
  const r = await run("ip", ["-j", "addr", "show", "dev", bridge]);
  if (r.code !== 0) {
    if (/does not exist|cannot find device/i.test(r.stderr)) return undefined;
    throw new Error(`ip -j addr show dev ${bridge}: exit ${r.code}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

export interface BridgeOptions {
  run: NetRunner;
  bridge: string;
  podCidr: string;
  /** host-local's state dir for the network (`<ipam dataDir>/<network name>`). */
  ipamNetworkDir: string;
}

/** Takes addresses of another range off the bridge and forgets that range's host-local leases. */
export async function reconcileBridge(o: BridgeOptions): Promise<void> {
  const addrs = await bridgeAddresses(o.run, o.bridge);
  const stale = addrs === undefined ? [] : staleBridgeAddresses(addrs, o.podCidr);
  for (const a of stale) await mustRun(o.run, "ip", ["addr", "del", a, "dev", o.bridge]);
  if (stale.length) log.warn("agent: the CNI bridge held another podCIDR's gateway (the node was deleted and joined again); removed", { bridge: o.bridge, removed: stale, podCIDR: o.podCidr });

  if (!existsSync(o.ipamNetworkDir)) return;
  const files = readdirSync(o.ipamNetworkDir).map((name) => ({ name, content: name === LAST_RESERVED ? readFileSync(join(o.ipamNetworkDir, name), "utf8") : undefined }));
  const old = staleIpamFiles(files, o.podCidr);
  for (const f of old) rmSync(join(o.ipamNetworkDir, f), { force: true });
  if (old.length) log.info("agent: host-local leases of another podCIDR forgotten", { dir: o.ipamNetworkDir, count: old.length, podCIDR: o.podCidr });
}

/**
 * Why pods cannot get a network on this bridge, or `undefined` when they can: it holds an
 * address other than the podCIDR's gateway (the bridge plugin would refuse every sandbox).
 */
export async function bridgeProblem(run: NetRunner, bridge: string, podCidr: string): Promise<string | undefined> {
  const addrs = await bridgeAddresses(run, bridge);
  const stale = addrs === undefined ? [] : staleBridgeAddresses(addrs, podCidr);
  if (!stale.length) return undefined;
  return `bridge ${bridge} holds ${stale.join(", ")}, not the gateway ${gatewayFor(podCidr)} of podCIDR ${podCidr}: every pod sandbox would fail (remove the address with \`ip addr del ${stale[0]} dev ${bridge}\`)`;
}
