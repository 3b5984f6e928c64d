/**
 * Builders for scheduler tests: `makePod().requests("500m", "1Gi").labels({app: "a"}).obj()`,
 * `makeNode("n1").labels({zone: "a"}).taint("k")`, `nodeInfos(...)`, and `cycleFor(pod, infos)`
 * to run one plugin's extension points the way scheduleOne does.
 */
import type { KubeObject } from "../../src/model/object.ts";
import { buildNodeInfo } from "../../src/scheduler/node-info.ts";
import { podInfoOf } from "../../src/scheduler/pod-info.ts";
import { staticSnapshot } from "../../src/scheduler/schedule-one.ts";
import { SKIP, type CycleState, type NodeInfo, type Plugin, type Snapshot } from "../../src/scheduler/types.ts";

export function makePod(name = "p", namespace = "default") {
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec: { containers: [{ name: "c", image: "i" }] } };
  const b = {
    requests(cpu?: string, memory?: string) {
      pod.spec.containers[0].resources = { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } };
      return b;
    },
    hostPort(port: number, protocol = "TCP") {
      pod.spec.containers[0].ports = [{ containerPort: port, hostPort: port, protocol }];
      return b;
    },
    nodeSelector(sel: Record<string, string>) {
      pod.spec.nodeSelector = sel;
      return b;
    },
    labels(l: Record<string, string>) {
      pod.metadata.labels = { ...pod.metadata.labels, ...l };
      return b;
    },
    terminating() {
      pod.metadata.deletionTimestamp = "2025-01-01T00:00:00Z";
      return b;
    },
    on(node: string) {
      pod.spec.nodeName = node;
      return b;
    },
    set(f: (spec: any) => void) {
      f(pod.spec);
      return b;
    },
    obj: () => pod,
  };
  return b;
}

export function makeNode(name: string) {
  const node: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } }, spec: {}, status: { allocatable: { cpu: "2", memory: "4Gi", pods: "110" } } };
  const b = {
    allocatable(cpu: string, memory: string, pods = "110") {
      node.status.allocatable = { cpu, memory, pods };
      return b;
    },
    labels(l: Record<string, string>) {
      Object.assign(node.metadata.labels!, l);
      return b;
    },
    zone(z: string) {
      node.metadata.labels!["topology.kubernetes.io/zone"] = z;
      return b;
    },
    taint(key: string, effect = "NoSchedule", value?: string) {
      (node.spec.taints ??= []).push({ key, effect, ...(value ? { value } : {}) });
      return b;
    },
    cordon() {
      node.spec.unschedulable = true;
      return b;
    },
    obj: () => node,
  };
  return b;
}

type NodeB = ReturnType<typeof makeNode>;
type PodB = ReturnType<typeof makePod>;

/** NodeInfos for nodes, with each pod placed on the node its spec.nodeName names. */
export function nodeInfos(nodes: NodeB[], pods: PodB[] = []): NodeInfo[] {
  return nodes.map((n) => buildNodeInfo(n.obj(), pods.map((p) => p.obj()).filter((p) => p.spec.nodeName === n.obj().metadata.name)));
}

export function cycleFor(pod: PodB | KubeObject, nodes: NodeInfo[], snapshot: Partial<Snapshot> & { nsLabels?: Record<string, Record<string, string>> } = {}): CycleState {
  const obj = "obj" in pod ? (pod as PodB).obj() : (pod as KubeObject);
  const { nsLabels, ...extra } = snapshot;
  return { pod: podInfoOf(obj), snapshot: staticSnapshot(nodes, nsLabels, extra), data: new Map() };
}

/** PreFilter + Filter for each node: the first reason per node, or undefined where it fits. */
export function runFilter(plugin: Plugin, cycle: CycleState, only?: NodeInfo[]): (string | undefined)[] {
  const pre = plugin.preFilter?.(cycle);
  const targets = only ?? cycle.snapshot.nodes;
  if (pre === SKIP) return targets.map(() => undefined);
  if (pre) return targets.map(() => pre.reasons[0]);
  return targets.map((n) => plugin.filter?.(cycle, n)?.reasons.join(", "));
}

/** PreScore + Score + NormalizeScore over `feasible` (all nodes by default); undefined when the plugin skips. */
export function runScore(plugin: Plugin, cycle: CycleState, feasible = cycle.snapshot.nodes): number[] | undefined {
  if (plugin.preScore?.(cycle, feasible) === SKIP) return undefined;
  const scores = feasible.map((n) => plugin.score!(cycle, n));
  plugin.normalize?.(cycle, scores, feasible);
  return scores;
}
