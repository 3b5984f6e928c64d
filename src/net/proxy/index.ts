export { type AddressOwner, type IpRunner, ServiceAddresses, DEFAULT_DEVICE, DEFAULT_SERVICE_CIDR, ipRunner } from "./addresses.ts";
export type { LoadBalancerFailure, LoadBalancerPort, LoadBalancerStatus } from "./load-balancer.ts";
export { ProxyMetrics } from "./metrics.ts";
export { ServiceProxy, type ServiceProxyOptions, type WatchEventType, startServiceProxy } from "./service-proxy.ts";
export { ServiceTable } from "./service-table.ts";
export { SliceIndex } from "./slice-index.ts";
export { type ParsedSlice, type PortEndpoints, SERVICE_NAME_LABEL, parseSlice, portEndpoints } from "./endpoints.ts";
export type { Target } from "./types.ts";
