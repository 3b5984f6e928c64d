/**
 * The node's kernel VXLAN device, made as flannel makes `flannel.1`: VNI 1, UDP port 8472,
 * no learning (every MAC → node mapping is written from the Node objects), the node's
 * InternalIP as the outer source, and this node's podCIDR network address (.0/32) as its own
 * address, which peers use as the next hop for this node's pods.
 */
import { mustRun, type NetRunner } from "../net-runner.ts";
import type { VxlanOptions } from "./types.ts";

export interface VxlanDeviceOptions extends VxlanOptions {
  /** this node's InternalIP */
  localIP: string;
  /** the device's own address, `<podCIDR .0>/32` */
  address: string;
  /** seeds the MAC (see `vtepMacFor`) */
  nodeName: string;
}

export interface VxlanDevice {
  mac: string;
  /** the device's MTU: the underlay's less VXLAN's 50 bytes, what pods should use */
  mtu: number;
}

/**
 * A MAC derived from the node's name (locally administered, unicast). A device re-created
 * after a restart or a config change keeps the MAC the other nodes already route to, so
 * traffic does not stop until they see a new annotation.
 */
export function vtepMacFor(nodeName: string): string {
  const b = new Bun.CryptoHasher("sha1").update(`k3rs-vtep:${nodeName}`).digest();
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b.subarray(0, 6)].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

interface LinkJson {
  ifname?: string;
  address?: string;
  mtu?: number;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; port?: number; local?: string; learning?: boolean } };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

async function showLink(run: NetRunner, device: string): Promise<LinkJson | undefined> {
  const r = await run("ip", ["-d", "-j", "link", "show", "dev", device]);
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout || "[]") as LinkJson[])[0];
}

/** The device as wanted: kept when its VNI, port, local address and learning agree, re-created otherwise. */
export async function ensureVxlanDevice(run: NetRunner, o: VxlanDeviceOptions): Promise<VxlanDevice> {
  let link = await showLink(run, o.device);
  const d = link?.linkinfo?.info_data;
  if (link && !(link.linkinfo?.info_kind === "vxlan" && d?.id === o.vni && d?.port === o.port && d?.local === o.localIP && d?.learning === false)) {
    await mustRun(run, "ip", ["link", "delete", o.device]);
    link = undefined;
  }
  if (!link) {
    const underlay = await deviceHolding(run, o.localIP);
    await mustRun(run, "ip", [
      "link", "add", o.device, "address", vtepMacFor(o.nodeName),
      "type", "vxlan", "id", String(o.vni), "local", o.localIP, "dstport", String(o.port), "nolearning",
      // with its underlay named, the kernel sizes the MTU for the 50-byte VXLAN header
      ...(underlay ? ["dev", underlay] : []),
    ]);
  }
  const addrs = JSON.parse((await mustRun(run, "ip", ["-j", "addr", "show", "dev", o.device])).stdout || "[]") as LinkJson[];
  for (const a of addrs[0]?.addr_info ?? [])
    if (a.family === "inet" && `${a.local}/${a.prefixlen}` !== o.address) await mustRun(run, "ip", ["addr", "del", `${a.local}/${a.prefixlen}`, "dev", o.device]);
  await mustRun(run, "ip", ["addr", "replace", o.address, "dev", o.device]);
  await mustRun(run, "ip", ["link", "set", "dev", o.device, "up"]);
  const now = await showLink(run, o.device);
  if (!now?.address || !now.mtu) throw new Error(`VXLAN device ${o.device} vanished while being set up`);
  return { mac: now.address.toLowerCase(), mtu: now.mtu };
}

/** Removes the device (and with it every route, neighbour and FDB entry on it); absent is fine. */
export async function removeVxlanDevice(run: NetRunner, device: string): Promise<void> {
  const link = await showLink(run, device);
  if (link?.linkinfo?.info_kind === "vxlan") await mustRun(run, "ip", ["link", "delete", device]);
}

async function deviceHolding(run: NetRunner, ip: string): Promise<string | undefined> {
  const links = JSON.parse((await mustRun(run, "ip", ["-j", "addr", "show"])).stdout || "[]") as LinkJson[];
  return links.find((l) => l.addr_info?.some((a) => a.family === "inet" && a.local === ip))?.ifname;
}
