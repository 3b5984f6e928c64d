/**
 * Naming facts that map @kubernetes/client-node model classes (V1PodSpec, CoreV1Event,
 * V2HorizontalPodAutoscaler) to Kubernetes OpenAPI definition names
 * (io.k8s.api.core.v1.PodSpec). The class name carries the version but not the group, so the
 * generator resolves the group from the API classes that use the model (see
 * scripts/gen-openapi.ts); the tables here cover what that cannot see.
 */

/** Types of k8s.io/apimachinery/pkg/apis/meta/v1, shared by every group. */
export const META_TYPES = new Set([
  "APIGroup", "APIGroupList", "APIResource", "APIResourceList", "APIVersions", "Condition",
  "DeleteOptions", "FieldSelectorRequirement", "FieldsV1", "GroupVersionForDiscovery", "LabelSelector",
  "LabelSelectorRequirement", "ListMeta", "ManagedFieldsEntry", "MicroTime", "ObjectMeta", "OwnerReference",
  "Patch", "Preconditions", "ServerAddressByClientCIDR", "Status", "StatusCause", "StatusDetails", "Time",
  "WatchEvent",
]);

/**
 * Kinds served as subresources of another group's resource: the core and apps APIs return a
 * Scale for a scale subresource, but Scale lives in autoscaling/v1; pods/eviction takes a policy/v1 Eviction.
 */
export const GROUP_OVERRIDES: Record<string, string> = {
  V1Scale: "autoscaling",
  V1ScaleSpec: "autoscaling",
  V1ScaleStatus: "autoscaling",
  V1Eviction: "policy",
};

export const META_PREFIX = "io.k8s.apimachinery.pkg.apis.meta.v1";
export const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
export const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
export const TIME = `${META_PREFIX}.Time`;
export const MICRO_TIME = `${META_PREFIX}.MicroTime`;

/** Go package path of a group's types, as used in definition names. */
export function groupPackage(group: string): string {
  if (group === "") return "io.k8s.api.core";
  if (group === "apiextensions.k8s.io") return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions";
  if (group === "apiregistration.k8s.io") return "io.k8s.kube-aggregator.pkg.apis.apiregistration";
  return `io.k8s.api.${group.split(".")[0]}`;
}

export interface ParsedClassName {
  /** Group label the class name carries ("Core" in CoreV1Event), if any. */
  prefix?: string;
  version: string; // "v1", "v1beta1"
  name: string; // "Event"
}

/**
 * Splits a model class name. `V1PodSpec` → v1 PodSpec; `CoreV1Event` → Core, v1, Event (the
 * generator prefixes a class with its group when two groups define the same name).
 *
 * @example parseClassName("V1beta1CSIStorageCapacity") // { version: "v1beta1", name: "CSIStorageCapacity" }
 */
export function parseClassName(cls: string): ParsedClassName | undefined {
  const m = /^([A-Z][a-z]+)?V(\d+(?:(?:alpha|beta)\d+)?)([A-Z]\w*)$/.exec(cls);
  if (!m) return undefined;
  return { prefix: m[1], version: `v${m[2]}`, name: m[3]! };
}

/**
 * The definition name of a class whose group is known.
 *
 * @example definitionName("V1Deployment", "apps") // "io.k8s.api.apps.v1.Deployment"
 * @example definitionName("V1ObjectMeta", "")    // "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
 */
export function definitionName(cls: string, group: string): string | undefined {
  const p = parseClassName(cls);
  if (!p) return undefined;
  if (p.version === "v1" && META_TYPES.has(p.name) && !p.prefix) return `${META_PREFIX}.${p.name}`;
  return `${groupPackage(group)}.${p.version}.${p.name}`;
}

/**
 * Fields the client-node models type as plain strings but Kubernetes types as
 * resource.Quantity (keyed "Class.jsonField"; maps of quantities and single ones alike).
 */
export const QUANTITY_FIELDS = new Set([
  "V1ResourceRequirements.limits", "V1ResourceRequirements.requests",
  "V1VolumeResourceRequirements.limits", "V1VolumeResourceRequirements.requests",
  "V1NodeStatus.capacity", "V1NodeStatus.allocatable",
  "V1PersistentVolumeSpec.capacity",
  "V1PersistentVolumeClaimStatus.capacity", "V1PersistentVolumeClaimStatus.allocatedResources",
  "V1EmptyDirVolumeSource.sizeLimit", "V1ResourceFieldSelector.divisor",
  "V1PodSpec.overhead", "V1ContainerStatus.allocatedResources",
  "V1ResourceQuotaSpec.hard", "V1ResourceQuotaStatus.hard", "V1ResourceQuotaStatus.used",
  "V1LimitRangeItem.max", "V1LimitRangeItem.min", "V1LimitRangeItem.default",
  "V1LimitRangeItem.defaultRequest", "V1LimitRangeItem.maxLimitRequestRatio",
  "V2MetricTarget.value", "V2MetricTarget.averageValue",
  "V2MetricValueStatus.value", "V2MetricValueStatus.averageValue",
]);
