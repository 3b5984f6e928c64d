export { startClusterDns, type ClusterDns, type ClusterDnsOptions } from "./cluster-dns.ts";
export { ClusterDnsStore, type ClusterDnsStoreOptions, type DnsSourceKind, type StoreChange } from "./record-store.ts";
export { podDnsConfig, effectiveDnsPolicy, type ClusterDnsSettings } from "./pod-dns-config.ts";
export { choosePodResolvConf, chooseUpstreams, nodePodResolvConf, nodeUpstreams, parseResolvConf, type DnsConfig } from "./resolv-conf.ts";
export { DnsMetrics } from "./metrics.ts";
