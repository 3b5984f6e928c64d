import type { KubeObject } from "../../model/object.ts";

/** What the cluster DNS reads of a Pod (net/dns object-records `podIPs`). */
export function slimPod(p: KubeObject): KubeObject {
  const m = p.metadata ?? {};
  return {
    apiVersion: p.apiVersion,
    kind: p.kind,
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
    spec: { hostNetwork: p.spec?.hostNetwork },
    status: { podIP: p.status?.podIP, podIPs: p.status?.podIPs },
  };
}
