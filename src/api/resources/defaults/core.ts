/** Defaults of core/v1 kinds (pkg/apis/core/v1/defaults.go). */
import type { KubeObject } from "../../../model/object.ts";
import { defaultPodSpec } from "./pod-template.ts";
import { defaultPvcSpec } from "./workloads.ts";
import { podQosClass } from "../../../model/qos.ts";

export function defaultPod(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  defaultPodSpec(spec);
  // Requests default to limits on pods only (not templates), as SetDefaults_Pod does; quota
  // and the scheduler then see what the container will get.
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const limits = c?.resources?.limits;
      if (!limits || typeof limits !== "object") continue;
      const requests = (c.resources.requests ??= {});
      for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
    }
  }
  spec.serviceAccountName ??= spec.serviceAccount ?? "default";
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  obj.status ??= {};
  obj.status.phase ??= "Pending";
  obj.status.qosClass ??= podQosClass(spec);
}

export function defaultService(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  s.type ??= "ClusterIP";
  s.sessionAffinity ??= "None";
  if (s.type !== "ExternalName") {
    s.internalTrafficPolicy ??= "Cluster";
    s.ipFamilies ??= ["IPv4"];
    s.ipFamilyPolicy ??= "SingleStack";
  }
  if (s.type === "NodePort" || s.type === "LoadBalancer") s.externalTrafficPolicy ??= "Cluster";
  if (s.type === "LoadBalancer") s.allocateLoadBalancerNodePorts ??= true;
  if (Array.isArray(s.ports)) {
    for (const p of s.ports) {
      if (!p || typeof p !== "object") continue;
      p.protocol ??= "TCP";
      p.targetPort ??= p.port;
    }
  }
  obj.status ??= { loadBalancer: {} };
}

export function defaultNamespace(obj: KubeObject): void {
  obj.metadata.labels ??= {};
  if (obj.metadata.name) obj.metadata.labels["kubernetes.io/metadata.name"] = obj.metadata.name;
  obj.spec ??= {};
  obj.spec.finalizers ??= ["kubernetes"];
  obj.status ??= {};
  obj.status.phase ??= "Active";
}

export function defaultSecret(obj: KubeObject): void {
  obj.type ??= "Opaque";
  // stringData is write-only: merged into data (base64) and never stored.
  if (obj.stringData && typeof obj.stringData === "object") {
    obj.data ??= {};
    for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString("base64");
    delete obj.stringData;
  }
}

export function defaultPvc(obj: KubeObject): void {
  defaultPvcSpec((obj.spec ??= {}));
  obj.status ??= {};
  obj.status.phase ??= "Pending";
}

export function defaultPv(obj: KubeObject): void {
  const s = (obj.spec ??= {});
  s.persistentVolumeReclaimPolicy ??= "Retain";
  s.volumeMode ??= "Filesystem";
  obj.status ??= {};
  obj.status.phase ??= "Pending";
}

export function defaultNode(obj: KubeObject): void {
  obj.spec ??= {};
  obj.status ??= {};
}
