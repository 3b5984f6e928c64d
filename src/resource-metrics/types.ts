/**
 * Readings of one node's resource usage, as its agent reports them on `/metrics/resource`
 * (the kubelet's endpoint) and the server's scraper reads them back. CPU is cumulative, so a
 * usage rate needs two readings; memory is the working set at the reading's moment.
 */

export interface NodeUsagePoint {
  /** CPU time the node has spent busy since boot, in core-seconds. */
  cpuCoreSeconds: number;
  memoryWorkingSetBytes: number;
  /** When it was read, unix ms. */
  timestampMs: number;
}

export interface ContainerUsagePoint {
  namespace: string;
  pod: string;
  container: string;
  /** CPU time of this container run (its cgroup) since it started, in core-seconds. */
  cpuCoreSeconds: number;
  memoryWorkingSetBytes: number;
  /** When this run started, unix seconds; absent when the runtime did not say. */
  startTimeSeconds?: number;
  timestampMs: number;
}

export interface PodUsagePoint {
  namespace: string;
  pod: string;
  cpuCoreSeconds: number;
  memoryWorkingSetBytes: number;
  timestampMs: number;
}

/** One scrape's worth: what `/metrics/resource` renders, and what the scraper decodes. */
export interface ResourceReport {
  node?: NodeUsagePoint;
  containers: ContainerUsagePoint[];
  /** Pod-level readings (the pod's cgroup); absent where the runtime gives none. */
  pods?: PodUsagePoint[];
  /** The runtime's stats could not be read: containers are missing, not idle. */
  scrapeError?: boolean;
}

/** Usage as metrics.k8s.io serves it: quantities (`cpu` in cores, e.g. `1234567n`; `memory` in bytes, e.g. `2048Ki`). */
export interface ResourceUsage {
  cpu: string;
  memory: string;
}

/** The reading's time and the span its CPU rate was taken over (NodeMetrics/PodMetrics `timestamp`, `window`). */
export interface UsageWindow {
  timestampMs: number;
  windowMs: number;
}

export interface NodeUsage extends UsageWindow {
  usage: ResourceUsage;
}

export interface PodUsage extends UsageWindow {
  containers: { name: string; usage: ResourceUsage }[];
}

/** What the metrics.k8s.io API reads: usage known now, undefined where there is none (yet). */
export interface MetricsSource {
  node(name: string): NodeUsage | undefined;
  pod(namespace: string, name: string): PodUsage | undefined;
}
