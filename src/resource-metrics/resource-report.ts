/**
 * A ResourceReport as the kubelet's `/metrics/resource` text and back. The series names,
 * labels and help texts are the kubelet's (pkg/kubelet/metrics/collectors/resource_metrics.go),
 * so metrics-server or Prometheus could scrape an agent as they scrape a kubelet; the reading
 * side keeps metrics-server's rules (its scraper/client/resource/decode.go).
 *
 * @example
 *   const text = renderResourceReport({ node, containers });     // agent
 *   const report = decodeResourceReport(text, Date.now());         // server
 */
import { parsePromText, renderFamily, type PromFamily } from "./prom-text.ts";
import type { ContainerUsagePoint, NodeUsagePoint, PodUsagePoint, ResourceReport } from "./types.ts";

export const RESOURCE_METRICS_PATH = "/metrics/resource";
/** What client_golang answers the text format with. */
export const PROM_TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const S = {
  containerCpu: "container_cpu_usage_seconds_total",
  containerMemory: "container_memory_working_set_bytes",
  containerStart: "container_start_time_seconds",
  nodeCpu: "node_cpu_usage_seconds_total",
  nodeMemory: "node_memory_working_set_bytes",
  podCpu: "pod_cpu_usage_seconds_total",
  podMemory: "pod_memory_working_set_bytes",
  scrapeError: "resource_scrape_error",
} as const;

const byPodThenContainer = (a: ContainerUsagePoint, b: ContainerUsagePoint) =>
  a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod) || a.container.localeCompare(b.container);

/** The text an agent serves; families in name order as a Prometheus registry gathers them. */
export function renderResourceReport(r: ResourceReport): string {
  const containers = [...r.containers].sort(byPodThenContainer);
  const pods = [...(r.pods ?? [])].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
  const cLabels = (c: ContainerUsagePoint) => ({ container: c.container, namespace: c.namespace, pod: c.pod });
  const pLabels = (p: PodUsagePoint) => ({ namespace: p.namespace, pod: p.pod });
  const node = r.node ? [r.node] : [];
  const families: PromFamily[] = [
    {
      name: S.containerCpu, type: "counter", help: "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
      samples: containers.map((c) => ({ labels: cLabels(c), value: c.cpuCoreSeconds, timestampMs: c.timestampMs })),
    },
    {
      name: S.containerMemory, type: "gauge", help: "[STABLE] Current working set of the container in bytes",
      samples: containers.map((c) => ({ labels: cLabels(c), value: c.memoryWorkingSetBytes, timestampMs: c.timestampMs })),
    },
    {
      // The kubelet stamps a start time with the moment it names.
      name: S.containerStart, type: "gauge", help: "[STABLE] Start time of the container since unix epoch in seconds",
      samples: containers.filter((c) => c.startTimeSeconds !== undefined && c.startTimeSeconds > 0)
        .map((c) => ({ labels: cLabels(c), value: c.startTimeSeconds!, timestampMs: c.startTimeSeconds! * 1000 })),
    },
    {
      name: S.nodeCpu, type: "counter", help: "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
      samples: node.map((n) => ({ labels: {}, value: n.cpuCoreSeconds, timestampMs: n.timestampMs })),
    },
    {
      name: S.nodeMemory, type: "gauge", help: "[STABLE] Current working set of the node in bytes",
      samples: node.map((n) => ({ labels: {}, value: n.memoryWorkingSetBytes, timestampMs: n.timestampMs })),
    },
    {
      name: S.podCpu, type: "counter", help: "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
      samples: pods.map((p) => ({ labels: pLabels(p), value: p.cpuCoreSeconds, timestampMs: p.timestampMs })),
    },
    {
      name: S.podMemory, type: "gauge", help: "[STABLE] Current working set of the pod in bytes",
      samples: pods.map((p) => ({ labels: pLabels(p), value: p.memoryWorkingSetBytes, timestampMs: p.timestampMs })),
    },
    {
      name: S.scrapeError, type: "gauge", help: "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
      samples: [{ labels: {}, value: r.scrapeError ? 1 : 0 }],
    },
  ];
  return families.map(renderFamily).join("");
}

/**
 * Reads an agent's text back. As metrics-server does: a sample without a timestamp takes
 * `defaultTimestampMs` (the scrape's time); a node reading missing its time, CPU or memory is
 * dropped; a pod with any container lacking CPU or memory is dropped whole, since a pod's
 * usage must not be shown short of a container. Pod-level series are read but not required.
 * Throws PromParseError on text that is not the format.
 */
export function decodeResourceReport(text: string, defaultTimestampMs: number): ResourceReport {
  const node: Partial<NodeUsagePoint> = {};
  const containers = new Map<string, Partial<ContainerUsagePoint>>();
  const pods = new Map<string, Partial<PodUsagePoint>>();
  let scrapeError = false;
  const containerOf = (l: Record<string, string>) => {
    const key = `${l.namespace}\0${l.pod}\0${l.container}`;
    let c = containers.get(key);
    if (!c) containers.set(key, (c = { namespace: l.namespace ?? "", pod: l.pod ?? "", container: l.container ?? "" }));
    return c;
  };
  const podOf = (l: Record<string, string>) => {
    const key = `${l.namespace}\0${l.pod}`;
    let p = pods.get(key);
    if (!p) pods.set(key, (p = { namespace: l.namespace ?? "", pod: l.pod ?? "" }));
    return p;
  };
  for (const s of parsePromText(text)) {
    const ts = s.timestampMs ?? defaultTimestampMs;
    switch (s.name) {
      case S.nodeCpu:
        node.cpuCoreSeconds = s.value;
        node.timestampMs = ts;
        break;
      case S.nodeMemory:
        node.memoryWorkingSetBytes = s.value;
        node.timestampMs = ts;
        break;
      case S.containerCpu: {
        const c = containerOf(s.labels);
        c.cpuCoreSeconds = s.value;
        c.timestampMs = ts;
        break;
      }
      case S.containerMemory: {
        const c = containerOf(s.labels);
        c.memoryWorkingSetBytes = s.value;
        c.timestampMs = ts;
        break;
      }
      case S.containerStart:
        containerOf(s.labels).startTimeSeconds = s.value;
        break;
      case S.podCpu: {
        const p = podOf(s.labels);
        p.cpuCoreSeconds = s.value;
        p.timestampMs = ts;
        break;
      }
      case S.podMemory: {
        const p = podOf(s.labels);
        p.memoryWorkingSetBytes = s.value;
        p.timestampMs = ts;
        break;
      }
      case S.scrapeError:
        scrapeError = s.value === 1;
        break;
    }
  }
  const report: ResourceReport = { containers: [] };
  if (node.timestampMs && node.cpuCoreSeconds && node.memoryWorkingSetBytes) report.node = node as NodeUsagePoint;
  const incompletePods = new Set<string>();
  for (const c of containers.values()) {
    if (!c.cpuCoreSeconds || !c.memoryWorkingSetBytes || !c.timestampMs) incompletePods.add(`${c.namespace}\0${c.pod}`);
  }
  for (const c of containers.values()) if (!incompletePods.has(`${c.namespace}\0${c.pod}`)) report.containers.push(c as ContainerUsagePoint);
  const podPoints = [...pods.values()].filter((p) => p.timestampMs && p.cpuCoreSeconds && p.memoryWorkingSetBytes) as PodUsagePoint[];
  if (podPoints.length) report.pods = podPoints;
  if (scrapeError) report.scrapeError = true;
  return report;
}
