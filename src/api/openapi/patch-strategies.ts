/**
 * Strategic-merge metadata of the built-in types: the `patchStrategy` / `patchMergeKey` tags
 * on the Go API types (k8s.io/api), which the published OpenAPI carries as
 * x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key. Facts, keyed `Definition.field`.
 * Lists not named here are atomic (replaced whole), as in Kubernetes.
 */
export interface FieldPatchInfo {
  strategy: string;
  mergeKey?: string;
  /** x-kubernetes-list-type / -list-map-keys, where Kubernetes publishes them. */
  listType?: "map" | "set" | "atomic";
  listMapKeys?: string[];
}

const core = "io.k8s.api.core.v1";
const apps = "io.k8s.api.apps.v1";
const batch = "io.k8s.api.batch.v1";
const meta = "io.k8s.apimachinery.pkg.apis.meta.v1";

const byName = (strategy = "merge"): FieldPatchInfo => ({ strategy, mergeKey: "name", listType: "map", listMapKeys: ["name"] });
const byType: FieldPatchInfo = { strategy: "merge", mergeKey: "type", listType: "map", listMapKeys: ["type"] };

export const PATCH_STRATEGIES: Record<string, FieldPatchInfo> = {
  [`${meta}.ObjectMeta.finalizers`]: { strategy: "merge", listType: "set" },
  [`${meta}.ObjectMeta.ownerReferences`]: { strategy: "merge", mergeKey: "uid", listType: "map", listMapKeys: ["uid"] },
  [`${core}.PodSpec.containers`]: byName(),
  [`${core}.PodSpec.initContainers`]: byName(),
  [`${core}.PodSpec.ephemeralContainers`]: byName(),
  [`${core}.PodSpec.volumes`]: byName("merge,retainKeys"),
  [`${core}.PodSpec.imagePullSecrets`]: byName(),
  [`${core}.PodSpec.hostAliases`]: { strategy: "merge", mergeKey: "ip", listType: "map", listMapKeys: ["ip"] },
  [`${core}.PodSpec.schedulingGates`]: byName(),
  [`${core}.PodSpec.resourceClaims`]: byName("merge,retainKeys"),
  [`${core}.PodSpec.topologySpreadConstraints`]: { strategy: "merge", mergeKey: "topologyKey", listType: "map", listMapKeys: ["topologyKey", "whenUnsatisfiable"] },
  [`${core}.Container.ports`]: { strategy: "merge", mergeKey: "containerPort", listType: "map", listMapKeys: ["containerPort", "protocol"] },
  [`${core}.Container.env`]: byName(),
  [`${core}.Container.volumeMounts`]: { strategy: "merge", mergeKey: "mountPath", listType: "map", listMapKeys: ["mountPath"] },
  [`${core}.Container.volumeDevices`]: { strategy: "merge", mergeKey: "devicePath", listType: "map", listMapKeys: ["devicePath"] },
  [`${core}.EphemeralContainer.env`]: byName(),
  [`${core}.EphemeralContainer.volumeMounts`]: { strategy: "merge", mergeKey: "mountPath" },
  [`${core}.EphemeralContainer.volumeDevices`]: { strategy: "merge", mergeKey: "devicePath" },
  [`${core}.PodStatus.conditions`]: byType,
  [`${core}.PodStatus.podIPs`]: { strategy: "merge", mergeKey: "ip", listType: "map", listMapKeys: ["ip"] },
  [`${core}.PodStatus.hostIPs`]: { strategy: "merge", mergeKey: "ip", listType: "atomic" },
  [`${core}.PodStatus.resourceClaimStatuses`]: byName("merge,retainKeys"),
  [`${core}.ServiceSpec.ports`]: { strategy: "merge", mergeKey: "port", listType: "map", listMapKeys: ["port", "protocol"] },
  [`${core}.ServiceAccount.secrets`]: byName(),
  [`${core}.NodeSpec.podCIDRs`]: { strategy: "merge", listType: "set" },
  [`${core}.NodeStatus.conditions`]: byType,
  [`${core}.NodeStatus.addresses`]: byType,
  [`${core}.NamespaceStatus.conditions`]: byType,
  [`${core}.PersistentVolumeClaimStatus.conditions`]: byType,
  [`${core}.ServiceStatus.conditions`]: { strategy: "merge", mergeKey: "type", listType: "map", listMapKeys: ["type"] },
  [`${apps}.DeploymentSpec.strategy`]: { strategy: "retainKeys" },
  [`${apps}.DeploymentStatus.conditions`]: byType,
  [`${apps}.ReplicaSetStatus.conditions`]: byType,
  [`${apps}.StatefulSetStatus.conditions`]: byType,
  [`${apps}.DaemonSetStatus.conditions`]: byType,
  [`${batch}.JobStatus.conditions`]: { strategy: "merge", mergeKey: "type", listType: "atomic" },
};
