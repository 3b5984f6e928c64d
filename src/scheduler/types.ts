/**
 * The scheduler's framework, shaped like Kubernetes' scheduling framework: per-pod facts
 * computed once (PodInfo), a node's view kept up to date by the cache (NodeInfo), and plugins
 * with the extension points we use — PreFilter/Filter (can the pod go here?) and
 * PreScore/Score/NormalizeScore (how good is it, 0–100). Per-cycle state lives in
 * `CycleState.data`, keyed by plugin name, so Filter and Score never rescan the cluster.
 */
import type { KubeObject } from "../model/object.ts";
import type { Node, Pod } from "../model/kinds.ts";
import type { Requirement } from "../model/label-selector.ts";
import type { Taint } from "../model/taints.ts";

export const MAX_NODE_SCORE = 100;

export interface Resources {
  /** Millicores. */
  cpu: number;
  /** Bytes. */
  memory: number;
  pods: number;
}

/** A compiled label selector: `nothing` for a null selector (Kubernetes' labels.Nothing()). */
export interface Selector {
  nothing: boolean;
  reqs: Requirement[];
}

/** A pod (anti-)affinity term, compiled (AffinityTerm in the framework). */
export interface AffinityTerm {
  selector: Selector;
  /** Namespaces named by the term (the owning pod's own when neither list nor selector is set). */
  namespaces: Set<string>;
  /** namespaceSelector; undefined when the term has none (matches no namespace). */
  namespaceSelector: Selector | undefined;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface HostPort {
  protocol: string;
  ip: string;
  port: number;
}

/** What the scheduler needs to know of a pod, computed once per pod version. */
export interface PodInfo {
  pod: Pod;
  key: string;
  namespace: string;
  labels: Record<string, string>;
  /** Effective requests (containers, largest init container, overhead). */
  requests: { cpu: number; memory: number };
  /** Requests with Kubernetes' defaults (100m, 200Mi) for containers that set none — used by scoring. */
  nonZero: { cpu: number; memory: number };
  hostPorts: HostPort[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: WeightedAffinityTerm[];
  preferredAntiAffinity: WeightedAffinityTerm[];
}

export type { Taint };

export interface NodeInfo {
  name: string;
  /** Undefined while pods reference a node the cache has not seen (or no longer has). */
  node: Node | undefined;
  labels: Record<string, string>;
  taints: Taint[];
  pods: PodInfo[];
  /** Pods with any pod affinity or anti-affinity, and those with required anti-affinity. */
  podsWithAffinity: PodInfo[];
  podsWithRequiredAntiAffinity: PodInfo[];
  allocatable: Resources;
  requested: Resources;
  nonZeroRequested: { cpu: number; memory: number };
  hostPorts: HostPort[];
}

/** What a cycle may look at besides the pod: every node, and namespace labels. */
export interface Snapshot {
  nodes: NodeInfo[];
  /** Nodes holding pods with any pod (anti-)affinity, and with required anti-affinity (HavePodsWith…List). */
  nodesWithAffinityPods(): NodeInfo[];
  nodesWithRequiredAntiAffinityPods(): NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Labels of a namespace (for namespaceSelector), undefined if unknown. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** The selector system-default spreading uses for this pod (services and controller selecting it), if any. */
  defaultSpreadSelector?(pod: PodInfo): Selector | undefined;
  /** Claims, volumes and classes (VolumeBinding); without it pods' claims are not checked. */
  storage?: StorageLister;
  /** A namespace's PodDisruptionBudgets, which preemption would rather not break; none without it. */
  disruptionBudgets?(namespace: string): KubeObject[];
  /** Pending pods nominated to the node (status.nominatedNodeName: they preempted there and wait). */
  nominatedPods?(node: string): PodInfo[] | undefined;
}

export interface StorageLister {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  volumes(): Iterable<KubeObject>;
  storageClass(name: string): KubeObject | undefined;
}

export interface CycleState {
  pod: PodInfo;
  snapshot: Snapshot;
  data: Map<string, unknown>;
}

/**
 * A Filter's "no": one or more reasons (NodeResourcesFit names every resource short), and
 * whether preemption could help (`unresolvable` = UnschedulableAndUnresolvable).
 */
export interface FilterFailure {
  reasons: string[];
  unresolvable?: boolean;
}

export const SKIP = "skip" as const;

export interface Plugin {
  readonly name: string;
  /** Once per pod before filtering. SKIP = the Filter is irrelevant to this pod; a failure rejects every node. */
  preFilter?(cycle: CycleState): typeof SKIP | FilterFailure | undefined;
  filter?(cycle: CycleState, node: NodeInfo): FilterFailure | undefined;
  /** Once per pod before scoring the feasible nodes. SKIP = this plugin does not score this pod. */
  preScore?(cycle: CycleState, feasible: NodeInfo[]): typeof SKIP | undefined;
  score?(cycle: CycleState, node: NodeInfo): number;
  /** Brings raw scores (same order as `nodes`) into 0–100, in place. */
  normalize?(cycle: CycleState, scores: number[], nodes: NodeInfo[]): void;
}

export interface WeightedPlugin {
  plugin: Plugin;
  weight: number;
}

export interface Profile {
  name: string;
  filters: Plugin[];
  scores: WeightedPlugin[];
}

export function fail(reason: string, unresolvable = false): FilterFailure {
  return unresolvable ? { reasons: [reason], unresolvable } : { reasons: [reason] };
}
