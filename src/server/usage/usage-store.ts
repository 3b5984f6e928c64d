/**
 * The last two readings of every node and container, as metrics-server keeps them
 * (pkg/storage/node.go, pod.go), fed one node's scrape at a time. A usage rate needs a
 * previous reading of the same counter:
 * - a newer reading pushes the stored one to `prev`; one no newer keeps the old pair;
 * - a container that restarted (its start time at or after the stored reading) starts over;
 * - a container started between 10 s and one resolution before its first reading counts
 *   from its start with zero CPU, so a new pod shows after one scrape rather than two.
 * A node whose scrape failed, or that left, loses its readings and its pods' — nothing is
 * shown rather than something stale.
 *
 * @example
 *   store.store("node-1", decodeResourceReport(text, Date.now()));
 *   store.node("node-1");            // { usage: { cpu, memory }, timestampMs, windowMs } once two readings exist
 */
import type { ContainerUsagePoint, MetricsSource, NodeUsage, NodeUsagePoint, PodUsage, ResourceReport } from "../../resource-metrics/types.ts";
import { usageBetween, type CumulativePoint } from "./usage.ts";

/** metrics-server's freshContainerMinMetricsResolution: closer to its start a container's rate is too coarse. */
const FRESH_CONTAINER_MIN_MS = 10_000;

interface PodPoints {
  node: string;
  last: Map<string, CumulativePoint>;
  prev: Map<string, CumulativePoint>;
}

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

function nodePoint(n: NodeUsagePoint): CumulativePoint {
  return { cpuNanos: Math.round(n.cpuCoreSeconds * 1e9), memoryBytes: n.memoryWorkingSetBytes, timestampMs: n.timestampMs };
}

function containerPoint(c: ContainerUsagePoint): CumulativePoint {
  const p: CumulativePoint = { cpuNanos: Math.round(c.cpuCoreSeconds * 1e9), memoryBytes: c.memoryWorkingSetBytes, timestampMs: c.timestampMs };
  if (c.startTimeSeconds) p.startTimeMs = Math.round(c.startTimeSeconds * 1000);
  return p;
}

export class MetricsStore implements MetricsSource {
  private readonly nodes = new Map<string, { last: CumulativePoint; prev?: CumulativePoint }>();
  private readonly pods = new Map<string, PodPoints>();

  /** `resolutionMs` is the scrape period (metrics-server's --metric-resolution). */
  constructor(private readonly resolutionMs: number) {}

  /** One node's scrape. */
  store(nodeName: string, report: ResourceReport): void {
    this.storeNode(nodeName, report.node);
    const seen = new Set<string>();
    const byPod = new Map<string, ContainerUsagePoint[]>();
    for (const c of report.containers) {
      const key = podKey(c.namespace, c.pod);
      const list = byPod.get(key) ?? [];
      list.push(c);
      byPod.set(key, list);
    }
    for (const [key, containers] of byPod) {
      seen.add(key);
      this.pods.set(key, this.nextPodPoints(nodeName, this.pods.get(key), containers));
    }
    for (const [key, p] of this.pods) if (p.node === nodeName && !seen.has(key)) this.pods.delete(key);
  }

  /** The node could not be read (or is gone): forget it and its pods. */
  drop(nodeName: string): void {
    this.nodes.delete(nodeName);
    for (const [key, p] of this.pods) if (p.node === nodeName) this.pods.delete(key);
  }

  /** Nodes with readings, so a scraper can drop those it no longer reaches. */
  nodeNames(): string[] {
    const names = new Set(this.nodes.keys());
    for (const p of this.pods.values()) names.add(p.node);
    return [...names];
  }

  node(name: string): NodeUsage | undefined {
    const n = this.nodes.get(name);
    return n?.prev ? usageBetween(n.last, n.prev) : undefined;
  }

  /**
   * Every container needs a previous reading, else the pod is not shown (a partial pod would
   * understate it); a container whose pair is refused is left out, as metrics-server does.
   * Time and window are those of the container read earliest.
   */
  pod(namespace: string, name: string): PodUsage | undefined {
    const p = this.pods.get(podKey(namespace, name));
    if (!p || p.prev.size === 0) return undefined;
    const containers: PodUsage["containers"] = [];
    let earliest: { timestampMs: number; windowMs: number } | undefined;
    for (const [container, last] of p.last) {
      const prev = p.prev.get(container);
      if (!prev) return undefined;
      const u = usageBetween(last, prev);
      if (!u) continue;
      containers.push({ name: container, usage: u.usage });
      if (!earliest || u.timestampMs < earliest.timestampMs) earliest = { timestampMs: u.timestampMs, windowMs: u.windowMs };
    }
    return { timestampMs: earliest?.timestampMs ?? 0, windowMs: earliest?.windowMs ?? 0, containers };
  }

  private storeNode(nodeName: string, reading: NodeUsagePoint | undefined): void {
    if (!reading) {
      this.nodes.delete(nodeName);
      return;
    }
    const point = nodePoint(reading);
    const old = this.nodes.get(nodeName);
    let prev: CumulativePoint | undefined;
    if (old && point.timestampMs > old.last.timestampMs) prev = old.last;
    else if (old?.prev && old.prev.timestampMs < point.timestampMs) prev = old.prev;
    this.nodes.set(nodeName, { last: point, prev });
  }

  private nextPodPoints(nodeName: string, old: PodPoints | undefined, containers: ContainerUsagePoint[]): PodPoints {
    const next: PodPoints = { node: nodeName, last: new Map(), prev: new Map() };
    for (const c of containers) {
      if (next.last.has(c.container)) continue;
      const point = containerPoint(c);
      next.last.set(c.container, point);
      const start = point.startTimeMs ?? 0;
      const sinceStart = point.timestampMs - start;
      if (start > 0 && sinceStart > 0 && sinceStart < this.resolutionMs && sinceStart >= FRESH_CONTAINER_MIN_MS) {
        next.prev.set(c.container, { ...point, timestampMs: start, cpuNanos: 0 });
        continue;
      }
      const stored = old?.last.get(c.container);
      // A start at or after the stored reading is a new run: its counter restarted from zero.
      if (!stored || start >= stored.timestampMs) continue;
      if (point.timestampMs > stored.timestampMs) next.prev.set(c.container, stored);
      else {
        const before = old!.prev.get(c.container);
        if (before && before.timestampMs < point.timestampMs) next.prev.set(c.container, before);
      }
    }
    return next;
  }
}
