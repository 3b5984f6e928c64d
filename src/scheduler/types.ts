/**
 * The scheduler's framework: a node's view (NodeInfo), and plugins of two shapes — Filter
 * (can the pod go here? undefined = yes, else the reason) and Score (how good, 0–100).
 * Plugins are pure functions of (pod, node info), registered in plugins/index.ts.
 */
import type { KubeObject } from "../model/object.ts";

export interface Resources {
  /** Millicores. */
  cpu: bigint;
  /** Bytes. */
  memory: bigint;
  pods: number;
}

export interface NodeInfo {
  node: KubeObject;
  pods: KubeObject[];
  allocatable: Resources;
  requested: Resources;
  /** `protocol/hostIP/port` of host ports in use. */
  hostPorts: Set<string>;
}

export interface FilterPlugin {
  readonly name: string;
  filter(pod: KubeObject, node: NodeInfo): string | undefined;
}

export interface ScorePlugin {
  readonly name: string;
  score(pod: KubeObject, node: NodeInfo): number;
}
