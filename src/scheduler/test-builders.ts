/** Builders for scheduler tests: `makePod().requests("500m", "1Gi").obj()`, `makeNode("n1").capacity(...)`. */
import type { KubeObject } from "../model/object.ts";

export function makePod(name = "p") {
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "i" }] } };
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
