/**
 * What a node's identity may ask at most, before the node authorizer narrows it to its own
 * pods' objects: Kubernetes' `bootstrappolicy.NodeRules()` (the `system:node` role), plus what
 * our agent reads besides the kubelet — Services, EndpointSlices and Nodes for the service
 * proxy and routes, Ingresses and IngressClasses (and TLS Secrets, see the node authorizer) for the ingress, every PersistentVolume for the local-path sweep — and the k3rs paths an
 * agent reads: the cluster image store and the cluster network settings, and renewing its certificate.
 */
import type { PolicyRule } from "../rbac/types.ts";

const READ = ["get", "list", "watch"];

export const NODE_RULES: PolicyRule[] = [
  { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"] },
  { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews", "localsubjectaccessreviews"] },
  { verbs: READ, apiGroups: [""], resources: ["services", "endpoints"] },
  { verbs: READ, apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"] },
  { verbs: READ, apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingressclasses"] },
  { verbs: ["create", ...READ, "update", "patch"], apiGroups: [""], resources: ["nodes"] },
  { verbs: ["update", "patch"], apiGroups: [""], resources: ["nodes/status"] },
  { verbs: ["create", "update", "patch"], apiGroups: ["", "events.k8s.io"], resources: ["events"] },
  { verbs: [...READ, "create", "delete"], apiGroups: [""], resources: ["pods"] },
  { verbs: ["update", "patch"], apiGroups: [""], resources: ["pods/status"] },
  { verbs: ["create"], apiGroups: [""], resources: ["pods/eviction"] },
  { verbs: READ, apiGroups: [""], resources: ["secrets", "configmaps"] },
  { verbs: ["get"], apiGroups: [""], resources: ["persistentvolumeclaims"] },
  { verbs: READ, apiGroups: [""], resources: ["persistentvolumes"] },
  { verbs: ["update", "patch"], apiGroups: [""], resources: ["persistentvolumeclaims/status"] },
  { verbs: ["get", "create", "update", "patch", "delete"], apiGroups: ["coordination.k8s.io"], resources: ["leases"] },
  { verbs: ["get"], apiGroups: ["storage.k8s.io"], resources: ["volumeattachments", "csidrivers"] },
  { verbs: ["create"], apiGroups: [""], resources: ["serviceaccounts/token"] },
  { verbs: ["get"], nonResourceURLs: ["/v1-k3rs/images", "/v1-k3rs/images/*", "/v1-k3rs/config"] },
  // Its own certificate only: the handler checks the name and the node password.
  { verbs: ["post"], nonResourceURLs: ["/v1-k3rs/renew"] },
];
