/**
 * Each pod's resolver settings, as the kubelet writes them (`GetPodDNS`): net/dns's
 * podDnsConfig by dnsPolicy, over the node's resolv.conf (the kubelet's `--resolv-conf`).
 * Host-network pods are no exception: the kubelet hands the runtime the `--resolv-conf`
 * settings for them too (podDNSHost), so a node given its own resolver file never leaks the
 * machine's /etc/resolv.conf into a pod — the runtime's copy of that file is only what it
 * falls back to when given no DNSConfig at all.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ClusterDnsSettings, DnsConfig } from "../../net/dns/index.ts";
import { podDnsConfig } from "../../net/dns/index.ts";

export type PodDns = (pod: KubeObject) => DnsConfig;

export function podDnsFor(nodeResolvConf: DnsConfig, cluster: ClusterDnsSettings): PodDns {
  return (pod) => podDnsConfig(pod, nodeResolvConf, cluster);
}
