/**
 * The interface holding this node's ClusterIPs (and the cluster DNS address): `k3rs-svc0` for
 * the standard data dir; otherwise named after the data dir, as the CNI bridge is
 * (cni-config.ts `bridgeNameFor`), so several agents on one machine — each in its own network
 * namespace or not — never share, or tear down, each other's device.
 */
import { DEFAULT_DEVICE } from "../../net/proxy/index.ts";

export function serviceDeviceFor(dataDir: string): string {
  if (dataDir === "/var/lib/k3rs") return DEFAULT_DEVICE;
  return `k3rss${new Bun.CryptoHasher("sha1").update(dataDir).digest("hex").slice(0, 8)}`;
}
