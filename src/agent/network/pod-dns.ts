/**
 * Each pod's resolver settings, as the kubelet writes them (`GetPodDNS`): net/dns's
 * podDnsConfig by dnsPolicy, over the node's resolv.conf (the kubelet's `--resolv-conf`).
 * `undefined` leaves the runtime's default in place: a host-network pod whose effective policy
 * is Default keeps a copy of the node's own /etc/resolv.conf, as with the kubelet.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ClusterDnsSettings, DnsConfig } from "../../net/dns/index.ts";
import { effectiveDnsPolicy, podDnsConfig } from "../../net/dns/index.ts";

export type PodDns = (pod: KubeObject) => DnsConfig | undefined;

export function podDnsFor(nodeResolvConf: DnsConfig, cluster: ClusterDnsSettings): PodDns {
  return (pod) => {
    if (pod.spec?.hostNetwork && effectiveDnsPolicy(pod, cluster) === "Default" && !pod.spec?.dnsConfig) return undefined;
    return podDnsConfig(pod, nodeResolvConf, cluster);
  };
}
