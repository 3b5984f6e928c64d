/**
 * The node's pod network as a CNI conflist (see DESIGN.md, Network): a Linux bridge with the
 * node as gateway, host-local addresses from the node's podCIDR, portmap for hostPort. The
 * bridge does not masquerade: pods keep their real IPs towards other pods (also on other
 * nodes later); only traffic leaving the cluster CIDR is masqueraded (masquerade.ts).
 *
 * containerd 1.6 does not notice a conflist created while it runs, only one renamed over an
 * existing file, so the file is always written to a temp name and renamed into place.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const CONFLIST_NAME = "10-k3rs.conflist";
/** The network's name, which host-local also names its state dir after (`<ipam dataDir>/k3rs`). */
export const CNI_NETWORK = "k3rs";

/**
 * The node's bridge: `k3rs0` for the standard data dir; otherwise named after the data dir, so
 * that several agents on one machine (tests) never share or tear down each other's bridge.
 */
export function bridgeNameFor(dataDir: string): string {
  if (dataDir === "/var/lib/k3rs") return "k3rs0";
  return `k3rs${new Bun.CryptoHasher("sha1").update(dataDir).digest("hex").slice(0, 8)}`;
}

export interface CniOptions {
  podCidr: string;
  /** Bridge device name (≤ 15 chars); one per node. */
  bridge: string;
  /** Where host-local keeps its allocations (under the agent's data dir). */
  ipamDataDir: string;
  mtu?: number;
}

export function conflist(o: CniOptions): object {
  if (o.bridge.length > 15) throw new Error(`bridge name ${JSON.stringify(o.bridge)} is longer than 15 characters`);
  return {
    cniVersion: "1.0.0",
    name: CNI_NETWORK,
    plugins: [
      {
        type: "bridge",
        bridge: o.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: { type: "host-local", ranges: [[{ subnet: o.podCidr }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: o.ipamDataDir },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** Writes the conflist (atomically, by rename) when it differs; true when it changed. */
export function writeConflist(confDir: string, o: CniOptions): boolean {
  mkdirSync(confDir, { recursive: true });
  mkdirSync(o.ipamDataDir, { recursive: true });
  const path = join(confDir, CONFLIST_NAME);
  const text = `${JSON.stringify(conflist(o), null, 2)}\n`;
  if (existsSync(path) && readFileSync(path, "utf8") === text) return false;
  const tmp = join(confDir, `.${CONFLIST_NAME}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
  return true;
}

/**
 * A placeholder written before containerd starts, so that the real one later replaces an
 * existing file (which containerd 1.6 notices). It names a network no pod can use yet.
 */
export function writePlaceholder(confDir: string): void {
  mkdirSync(confDir, { recursive: true });
  const path = join(confDir, CONFLIST_NAME);
  if (existsSync(path)) return;
  writeFileSync(path, `${JSON.stringify({ cniVersion: "1.0.0", name: "k3rs-pending", plugins: [{ type: "loopback" }] }, null, 2)}\n`);
}
