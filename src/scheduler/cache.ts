/**
 * The scheduler's cache: one NodeInfo per node, kept current one event at a time from the
 * node and pod informers, plus pods the scheduler has *assumed* onto a node before its bind
 * lands (so the next cycle already counts them, and binds can run while scheduling goes on).
 * An assumed pod is confirmed when the informer shows it bound, or forgotten if the bind fails.
 * Pods that finished (Succeeded/Failed) hold nothing. The node list for a cycle interleaves
 * zones (Kubernetes' nodeTree), so sampling a slice of it still visits every zone.
 */
import type { Node, Pod } from "../model/kinds.ts";
import { addPod, emptyNodeInfo, removePod, setNode } from "./node-info.ts";
import { hasAffinity, podInfoOf } from "./pod-info.ts";
import type { NodeInfo, PodInfo, Snapshot } from "./types.ts";
import { ZONE } from "./plugins/spread-constraints.ts";

interface Placement {
  node: string;
  info: PodInfo;
  assumed: boolean;
}

const REGION = "topology.kubernetes.io/region";

export class SchedulerCache {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly placed = new Map<string, Placement>();
  private list: NodeInfo[] | undefined;
  /** How many placed pods have any pod (anti-)affinity / required anti-affinity: when 0, the lists below are empty without a scan. */
  private withAffinity = 0;
  private withRequiredAnti = 0;
  private affinityList: NodeInfo[] | undefined;
  private antiList: NodeInfo[] | undefined;

  /** A node was added or changed. */
  setNode(node: Node): void {
    const name = node.metadata.name!;
    const info = this.infos.get(name) ?? this.infos.set(name, emptyNodeInfo(name)).get(name)!;
    const zoneBefore = info.node ? zoneOf(info) : undefined;
    const known = info.node !== undefined;
    setNode(info, node);
    if (!known || zoneBefore !== zoneOf(info)) this.invalidate();
  }

  removeNode(node: Node): void {
    const name = node.metadata.name!;
    const info = this.infos.get(name);
    if (!info) return;
    setNode(info, undefined);
    if (info.pods.length === 0) this.infos.delete(name);
    this.invalidate();
  }

  /** The informer's view of a pod changed (added, updated). */
  updatePod(pod: Pod): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const cur = this.placed.get(key);
    const node = pod.spec?.nodeName as string | undefined;
    const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    if (!node || finished) {
      // A pod still being bound keeps its assumed place until the bind answers.
      if (cur && !(cur.assumed && !node && !finished)) this.unplace(key, cur);
      return;
    }
    if (cur) this.unplace(key, cur);
    this.place(key, node, podInfoOf(pod), false);
  }

  removePod(pod: Pod): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const cur = this.placed.get(key);
    if (cur) this.unplace(key, cur);
  }

  /** Counts the pod on `node` now, ahead of its bind. */
  assume(info: PodInfo, node: string): void {
    const cur = this.placed.get(info.key);
    if (cur) this.unplace(info.key, cur);
    this.place(info.key, node, info, true);
  }

  /** The bind failed: the assumed place is given back (unless the informer has confirmed a binding meanwhile). */
  forget(key: string): void {
    const cur = this.placed.get(key);
    if (cur?.assumed) this.unplace(key, cur);
  }

  isAssumed(key: string): boolean {
    return this.placed.get(key)?.assumed === true;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.infos.get(name);
  }

  /** The nodes a cycle looks at (known nodes only), zones interleaved. */
  nodes(): NodeInfo[] {
    this.list ??= interleaveZones([...this.infos.values()].filter((i) => i.node));
    return this.list;
  }

  nodesWithAffinityPods(): NodeInfo[] {
    if (this.withAffinity === 0) return [];
    this.affinityList ??= this.nodes().filter((n) => n.podsWithAffinity.length);
    return this.affinityList;
  }

  nodesWithRequiredAntiAffinityPods(): NodeInfo[] {
    if (this.withRequiredAnti === 0) return [];
    this.antiList ??= this.nodes().filter((n) => n.podsWithRequiredAntiAffinity.length);
    return this.antiList;
  }

  snapshot(extra: Pick<Snapshot, "namespaceLabels"> & Partial<Snapshot>): Snapshot {
    return {
      nodes: this.nodes(),
      nodesWithAffinityPods: () => this.nodesWithAffinityPods(),
      nodesWithRequiredAntiAffinityPods: () => this.nodesWithRequiredAntiAffinityPods(),
      get: (name) => this.infos.get(name),
      ...extra,
    };
  }

  private place(key: string, node: string, info: PodInfo, assumed: boolean): void {
    const ni = this.infos.get(node) ?? this.infos.set(node, emptyNodeInfo(node)).get(node)!;
    addPod(ni, info);
    this.placed.set(key, { node, info, assumed });
    this.counted(info, 1);
  }

  private invalidate(): void {
    this.list = this.affinityList = this.antiList = undefined;
  }

  private counted(info: PodInfo, by: 1 | -1): void {
    if (hasAffinity(info)) {
      this.withAffinity += by;
      this.affinityList = undefined;
    }
    if (info.requiredAntiAffinity.length) {
      this.withRequiredAnti += by;
      this.antiList = undefined;
    }
  }

  private unplace(key: string, p: Placement): void {
    this.placed.delete(key);
    this.counted(p.info, -1);
    const ni = this.infos.get(p.node);
    if (!ni) return;
    removePod(ni, p.info);
    if (!ni.node && ni.pods.length === 0) this.infos.delete(p.node);
  }
}

function zoneOf(info: NodeInfo): string {
  return `${info.labels[REGION] ?? ""}:${info.labels[ZONE] ?? ""}`;
}

/** Round-robin over zones (each zone's nodes by name), as the nodeTree lists them. */
export function interleaveZones(infos: NodeInfo[]): NodeInfo[] {
  const zones = new Map<string, NodeInfo[]>();
  for (const i of infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const z = zoneOf(i);
    (zones.get(z) ?? zones.set(z, []).get(z)!).push(i);
  }
  if (zones.size <= 1) return infos;
  const lists = [...zones.values()];
  const out: NodeInfo[] = [];
  for (let i = 0; out.length < infos.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}
