/**
 * The resolver settings a pod gets, as the kubelet computes them (pkg/kubelet/network/dns,
 * `GetPodDNS`), in the CRI DNSConfig shape the sandbox config carries:
 * - ClusterFirst (default): the cluster DNS, search `<ns>.svc.<zone> svc.<zone> <zone>` then
 *   the host's search domains, `ndots:5`; on the host network it degrades to Default;
 * - ClusterFirstWithHostNet: ClusterFirst even on the host network;
 * - Default: the node's resolv.conf (the one the kubelet is given);
 * - None: nothing but `spec.dnsConfig`.
 * `spec.dnsConfig` is merged into every policy: servers and searches appended without
 * duplicates, options merged by name with the pod's winning.
 */
import type { KubeObject } from "../../model/object.ts";
import type { DnsConfig } from "./resolv-conf.ts";

export interface ClusterDnsSettings {
  /** The cluster DNS Service IPs (K3s: 10.43.0.10). Empty means none: ClusterFirst degrades to Default. */
  servers: string[];
  /** Cluster domain (cluster.local). */
  domain: string;
}

/** resolv.conf limits the kubelet enforces: 3 nameservers (glibc's MAXNS), 32 search domains of 2048 chars in all. */
const MAX_SERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) {
    const i = o.indexOf(":");
    byName.set(i < 0 ? o : o.slice(0, i), o);
  }
  for (const o of extra) {
    if (!o?.name) continue;
    byName.set(o.name, o.value != null && o.value !== "" ? `${o.name}:${o.value}` : o.name);
  }
  return [...byName.values()];
}

function fitSearches(searches: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of searches) {
    if (out.length === MAX_SEARCHES || chars + s.length + (out.length ? 1 : 0) > MAX_SEARCH_CHARS) break;
    chars += s.length + (out.length ? 1 : 0);
    out.push(s);
  }
  return out;
}

/** The effective policy: ClusterFirst on the host network is Default, as the kubelet does it. */
export function effectiveDnsPolicy(pod: KubeObject, cluster: ClusterDnsSettings): "ClusterFirst" | "Default" | "None" {
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  if (policy === "None") return "None";
  if (policy === "Default") return "Default";
  if (policy === "ClusterFirst" && pod.spec?.hostNetwork) return "Default";
  // ClusterFirstWithHostNet, or ClusterFirst off the host network; without a cluster DNS the kubelet falls back.
  return cluster.servers.length ? "ClusterFirst" : "Default";
}

/**
 * @example
 * podDnsConfig(podInNamespaceShop, { servers: ["192.168.1.1"], searches: ["lan"], options: [] },
 *              { servers: ["10.43.0.10"], domain: "cluster.local" })
 * // { servers: ["10.43.0.10"], searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan"], options: ["ndots:5"] }
 */
export function podDnsConfig(pod: KubeObject, nodeResolvConf: DnsConfig, cluster: ClusterDnsSettings): DnsConfig {
  const ns = pod.metadata?.namespace ?? "default";
  const policy = effectiveDnsPolicy(pod, cluster);
  let cfg: DnsConfig;
  if (policy === "ClusterFirst") {
    const d = cluster.domain.replace(/\.$/, "");
    cfg = {
      servers: [...cluster.servers],
      searches: unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...nodeResolvConf.searches]),
      options: ["ndots:5"],
    };
  } else if (policy === "Default") {
    cfg = { servers: [...nodeResolvConf.servers], searches: [...nodeResolvConf.searches], options: [...nodeResolvConf.options] };
  } else {
    cfg = { servers: [], searches: [], options: [] };
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    cfg.servers = unique([...cfg.servers, ...(extra.nameservers ?? []).map(String)]);
    cfg.searches = unique([...cfg.searches, ...(extra.searches ?? []).map(String)]);
    cfg.options = mergeOptions(cfg.options, extra.options ?? []);
  }
  return { servers: cfg.servers.slice(0, MAX_SERVERS), searches: fitSearches(cfg.searches), options: cfg.options };
}
