/**
 * Strategic-merge-patch and list-semantics metadata of the Kubernetes API types, written by hand
 * from the `patchStrategy`/`patchMergeKey` struct tags and the `+listType`/`+listMapKey`/
 * `+mapType` markers of k8s.io/api and k8s.io/apimachinery (the client-node models drop them).
 * Keyed "ModelClass.jsonField". Lists not named here are atomic: a patch replaces them whole.
 * The server's strategic merge reads this table (through patchSchemaFor) and kubectl reads it
 * from the OpenAPI documents, so both merge lists the same way.
 */

export interface ListMeta {
  /** x-kubernetes-patch-strategy: "merge", "retainKeys", "merge,retainKeys", "replace". */
  strategy?: string;
  /** x-kubernetes-patch-merge-key */
  mergeKey?: string;
  /** x-kubernetes-list-type: "map" | "set" | "atomic" */
  listType?: "map" | "set" | "atomic";
  /** x-kubernetes-list-map-keys */
  mapKeys?: string[];
  /** x-kubernetes-map-type for maps and structs: "atomic" | "granular" */
  mapType?: "atomic" | "granular";
}

const byKey = (mergeKey: string, mapKeys: string[] = [mergeKey], strategy = "merge"): ListMeta => ({
  strategy, mergeKey, listType: "map", mapKeys,
});
const conditions = byKey("type");
const mergedSet: ListMeta = { strategy: "merge", listType: "set" };
const containerLists = {
  ports: byKey("containerPort", ["containerPort", "protocol"]),
  env: byKey("name"),
  volumeMounts: byKey("mountPath"),
  volumeDevices: byKey("devicePath"),
};

function fields(cls: string, f: Record<string, ListMeta>): [string, ListMeta][] {
  return Object.entries(f).map(([k, v]) => [`${cls}.${k}`, v]);
}

export const LIST_META: ReadonlyMap<string, ListMeta> = new Map([
  // meta/v1
  ...fields("V1ObjectMeta", {
    finalizers: mergedSet,
    ownerReferences: byKey("uid"),
  }),
  // core/v1
  ...fields("V1PodSpec", {
    volumes: byKey("name", ["name"], "merge,retainKeys"),
    initContainers: byKey("name"),
    containers: byKey("name"),
    ephemeralContainers: byKey("name"),
    imagePullSecrets: byKey("name"),
    hostAliases: byKey("ip"),
    topologySpreadConstraints: byKey("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
    schedulingGates: byKey("name"),
    resourceClaims: byKey("name", ["name"], "merge,retainKeys"),
    nodeSelector: { mapType: "atomic" },
  }),
  ...fields("V1Container", containerLists),
  ...fields("V1EphemeralContainer", containerLists),
  ...fields("V1ResourceRequirements", { claims: { listType: "map", mapKeys: ["name"] } }),
  ...fields("V1ContainerStatus", {
    volumeMounts: byKey("mountPath"),
    allocatedResourcesStatus: byKey("name"),
  }),
  ...fields("V1PodStatus", {
    conditions,
    podIPs: byKey("ip"),
    hostIPs: { strategy: "merge", mergeKey: "ip", listType: "atomic" },
    resourceClaimStatuses: byKey("name", ["name"], "merge,retainKeys"),
  }),
  ...fields("V1ServiceSpec", {
    ports: byKey("port", ["port", "protocol"]),
    selector: { mapType: "atomic" },
  }),
  ...fields("V1ServiceStatus", { conditions }),
  ...fields("V1ServiceAccount", { secrets: byKey("name") }),
  ...fields("V1NodeSpec", { podCIDRs: mergedSet }),
  ...fields("V1NodeStatus", { conditions, addresses: byKey("type") }),
  ...fields("V1NamespaceStatus", { conditions }),
  ...fields("V1PersistentVolumeClaimStatus", { conditions, allocatedResourceStatuses: { mapType: "granular" } }),
  ...fields("V1ReplicationControllerStatus", { conditions }),
  ...fields("V1ReplicationControllerSpec", { selector: { mapType: "atomic" } }),
  // apps/v1
  ...fields("V1DeploymentSpec", { strategy: { strategy: "retainKeys" } }),
  ...fields("V1DeploymentStatus", { conditions }),
  ...fields("V1ReplicaSetStatus", { conditions }),
  ...fields("V1StatefulSetStatus", { conditions }),
  ...fields("V1DaemonSetStatus", { conditions }),
  // batch/v1
  ...fields("V1JobStatus", { conditions: { strategy: "merge", mergeKey: "type", listType: "atomic" } }),
  ...fields("V1UncountedTerminatedPods", { succeeded: { listType: "set" }, failed: { listType: "set" } }),
  ...fields("V1PodFailurePolicyOnExitCodesRequirement", { values: { listType: "set" } }),
  // autoscaling/v2, policy/v1, networking/v1, discovery/v1
  ...fields("V2HorizontalPodAutoscalerStatus", { conditions }),
  ...fields("V1PodDisruptionBudgetStatus", { conditions }),
  ...fields("V1PodDisruptionBudgetSpec", { selector: { strategy: "replace" } }),
  ...fields("V1ServiceCIDRStatus", { conditions }),
  ...fields("V1Endpoint", { addresses: { listType: "set" } }),
]);
