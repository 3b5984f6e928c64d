/**
 * The wiring of a multi-node test on one machine: a host bridge holding a host address on a
 * test-only subnet, and one network namespace per node joined to it by a veth pair (`eth0`
 * inside, the node IP on it, `lo` up, NO default route), as DESIGN.md verified. Everything is
 * named from one prefix, so a crashed run's leftovers can be found and removed by name.
 *
 * @example
 *   const lab = await createNodeNetns({ prefix: "mnbasic", subnet: 230, nodes: 2 });
 *   lab.nodes[0]; // { ns: "k3rs-mnbasic-0", ip: "172.31.230.1", path: "/run/netns/k3rs-mnbasic-0" }
 *   await removeNodeNetns("mnbasic");
 */
import { existsSync, readdirSync } from "node:fs";
import { must, sh } from "./shell.ts";

export interface NodeNetns {
  /** The namespace's name (`ip netns` / `ip -n`). */
  ns: string;
  /** The bind mount `nsenter --net=` takes. */
  path: string;
  /** The node's IP on eth0 (`/24` of the test subnet). */
  ip: string;
}

export interface NodeNetnsLab {
  bridge: string;
  /** The host's address on the bridge: the host reaches every node IP through it. */
  hostIp: string;
  nodes: NodeNetns[];
}

/** Third octet N of 172.31.N.0/24 (172.31.241 belongs to pod-routes.test.ts; multi-node files take 230–239). */
export function subnetOf(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`subnet octet ${n} is not 0..255`);
  return `172.31.${n}`;
}

const netnsName = (prefix: string, i: number | string) => `k3rs-${prefix}-${i}`;
export const bridgeName = (prefix: string) => checkIfName(`${prefix}br`);
const hostVeth = (prefix: string, i: number) => checkIfName(`${prefix}v${i}`);

function checkIfName(name: string): string {
  if (name.length > 15) throw new Error(`interface name ${name} is longer than 15 characters: use a shorter prefix`);
  return name;
}

/** The namespaces of this prefix that exist now (from /run/netns). */
export function netnsOf(prefix: string): string[] {
  if (!existsSync("/run/netns")) return [];
  return readdirSync("/run/netns").filter((n) => n.startsWith(`k3rs-${prefix}-`));
}

export async function createNodeNetns(o: { prefix: string; subnet: number; nodes: number }): Promise<NodeNetnsLab> {
  const net = subnetOf(o.subnet);
  const bridge = bridgeName(o.prefix);
  const hostIp = `${net}.254`;
  await must(["ip", "link", "add", bridge, "type", "bridge"]);
  await must(["ip", "addr", "add", `${hostIp}/24`, "dev", bridge]);
  await must(["ip", "link", "set", bridge, "up"]);
  const nodes: NodeNetns[] = [];
  for (let i = 0; i < o.nodes; i++) nodes.push(await addNodeNetns(o.prefix, o.subnet, i));
  return { bridge, hostIp, nodes };
}

/** One more namespace on the prefix's bridge: `k3rs-<prefix>-<label ?? i>` with IP 172.31.N.(i+1). */
export async function addNodeNetns(prefix: string, subnet: number, i: number, label: string | number = i): Promise<NodeNetns> {
  if (i < 0 || i > 252) throw new Error(`host number ${i + 1} is not 1..253 (.254 is the host's)`);
  const bridge = bridgeName(prefix);
  const ns = netnsName(prefix, label);
  const ip = `${subnetOf(subnet)}.${i + 1}`;
  const veth = hostVeth(prefix, i);
  await must(["ip", "netns", "add", ns]);
  await must(["ip", "-n", ns, "link", "set", "lo", "up"]);
  await must(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
  await must(["ip", "link", "set", veth, "master", bridge, "up"]);
  await must(["ip", "-n", ns, "addr", "add", `${ip}/24`, "dev", "eth0"]);
  await must(["ip", "-n", ns, "link", "set", "eth0", "up"]);
  return { ns, path: `/run/netns/${ns}`, ip };
}

/**
 * Deletes the namespaces and the bridge of this prefix. Links inside a namespace (its eth0,
 * the agent's CNI bridge and pod veths, a VXLAN device) go with it, and so does each host-side
 * veth, whose peer lived there; iptables rules made inside a namespace belong to it too. Call
 * it after every process running in those namespaces has ended.
 */
export async function removeNodeNetns(prefix: string): Promise<void> {
  for (const ns of netnsOf(prefix)) await sh(["ip", "netns", "del", ns]);
  // A deleted namespace lives on while a socket in it waits out a close (an orphaned
  // FIN_WAIT2 for tcp_fin_timeout, 60 s, measured here), and its eth0 keeps our end of the
  // veth: delete our ends by name, which takes the peers too.
  for (const veth of await hostVeths(prefix)) await sh(["ip", "link", "del", veth]);
  await sh(["ip", "link", "del", bridgeName(prefix)]);
}

/** The host ends of this prefix's veths (`<prefix>v<i>`). */
export async function hostVeths(prefix: string): Promise<string[]> {
  const links = JSON.parse((await sh(["ip", "-j", "link", "show", "type", "veth"])).out || "[]") as { ifname: string }[];
  const own = new RegExp(`^${prefix}v\\d+$`);
  return links.map((l) => l.ifname).filter((n) => own.test(n));
}
