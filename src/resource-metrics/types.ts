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
