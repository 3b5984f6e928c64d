/**
 * The built-in kinds the controllers and the scheduler read, typed from the
 * @kubernetes/client-node models (type-only imports: erased, nothing in the bundle) in their
 * JSON form (`Wire`: timestamps are strings, or null).
 *
 * Each kind extends KubeObject, so a typed object goes wherever a KubeObject does. Objects
 * become a kind in one place: the informer that caches them (`ctx.informer<Pod>("", "pods")`),
 * or a parameter typed `Pod` (a KubeObject's untyped `spec`/`status` are accepted there
 * without a cast). The types say what the API server admits; objects stored before
 * validation (or by another writer) may still differ, so readers keep their `?.` guards.
 *
 * Add a kind here when a reader needs it; not every kind is listed.
 */
import type {
  V1Affinity,
  V1Container,
  V1CronJobSpec,
  V1CronJobStatus,
  V1DaemonSetCondition,
  V1DaemonSetSpec,
  V1DaemonSetStatus,
  V1DeploymentCondition,
  V1DeploymentSpec,
  V1DeploymentStatus,
  V1DeploymentStrategy,
  V1EndpointSubset,
  V1JobCondition,
  V1JobSpec,
  V1JobStatus,
  V1NamespaceSpec,
  V1NamespaceStatus,
  V1NodeCondition,
  V1NodeSpec,
  V1NodeStatus,
  V1ObjectReference,
  V1PersistentVolumeClaimSpec,
  V1PersistentVolumeClaimStatus,
  V1PersistentVolumeSpec,
  V1PersistentVolumeStatus,
  V1PodAffinityTerm,
  V1PodCondition,
  V1PodDisruptionBudgetSpec,
  V1PodDisruptionBudgetStatus,
  V1PodSpec,
  V1PodStatus,
  V1PodTemplateSpec,
  V1PreferredSchedulingTerm,
  V1ReplicaSetCondition,
  V1ReplicaSetSpec,
  V1ReplicaSetStatus,
  V1ResourceQuotaSpec,
  V1ResourceQuotaStatus,
  V1ServicePort,
  V1ServiceSpec,
  V1ServiceStatus,
  V1StatefulSetCondition,
  V1StatefulSetSpec,
  V1StatefulSetStatus,
  V1Toleration,
  V1TopologySelectorTerm,
  V1WeightedPodAffinityTerm,
} from "@kubernetes/client-node";
import type { KubeObject } from "./object.ts";
import type { Wire } from "./wire.ts";

// core/v1

export type PodSpec = Wire<V1PodSpec>;
export type PodStatus = Wire<V1PodStatus>;
export type PodCondition = Wire<V1PodCondition>;
export type PodTemplateSpec = Wire<V1PodTemplateSpec>;
export type Container = Wire<V1Container>;
export type Affinity = Wire<V1Affinity>;
export type PreferredSchedulingTerm = Wire<V1PreferredSchedulingTerm>;
export type PodAffinityTerm = Wire<V1PodAffinityTerm>;
export type WeightedPodAffinityTerm = Wire<V1WeightedPodAffinityTerm>;
export type TopologySelectorTerm = Wire<V1TopologySelectorTerm>;
export type Toleration = Wire<V1Toleration>;
export type ObjectReference = Wire<V1ObjectReference>;
export type NodeCondition = Wire<V1NodeCondition>;
export type ServicePort = Wire<V1ServicePort>;
export type PersistentVolumeClaimStatus = Wire<V1PersistentVolumeClaimStatus>;
export type ResourceQuotaStatus = Wire<V1ResourceQuotaStatus>;

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}
export interface Node extends KubeObject {
  spec?: Wire<V1NodeSpec>;
  status?: Wire<V1NodeStatus>;
}
export interface Namespace extends KubeObject {
  spec?: Wire<V1NamespaceSpec>;
  status?: Wire<V1NamespaceStatus>;
}
export interface Service extends KubeObject {
  spec?: Wire<V1ServiceSpec>;
  status?: Wire<V1ServiceStatus>;
}
export interface Endpoints extends KubeObject {
  subsets?: Wire<V1EndpointSubset>[];
}
export interface PersistentVolume extends KubeObject {
  spec?: Wire<V1PersistentVolumeSpec>;
  status?: Wire<V1PersistentVolumeStatus>;
}
export interface PersistentVolumeClaim extends KubeObject {
  spec?: Wire<V1PersistentVolumeClaimSpec>;
  status?: PersistentVolumeClaimStatus;
}
export interface ResourceQuota extends KubeObject {
  spec?: Wire<V1ResourceQuotaSpec>;
  status?: ResourceQuotaStatus;
}

// apps/v1

export type DeploymentStatus = Wire<V1DeploymentStatus>;
export type DeploymentCondition = Wire<V1DeploymentCondition>;
export type DeploymentStrategy = Wire<V1DeploymentStrategy>;
export type ReplicaSetStatus = Wire<V1ReplicaSetStatus>;
export type ReplicaSetCondition = Wire<V1ReplicaSetCondition>;
export type StatefulSetCondition = Wire<V1StatefulSetCondition>;
export type DaemonSetCondition = Wire<V1DaemonSetCondition>;

export interface Deployment extends KubeObject {
  spec?: Wire<V1DeploymentSpec>;
  status?: DeploymentStatus;
}
export interface ReplicaSet extends KubeObject {
  spec?: Wire<V1ReplicaSetSpec>;
  status?: ReplicaSetStatus;
}
export interface StatefulSet extends KubeObject {
  spec?: Wire<V1StatefulSetSpec>;
  status?: Wire<V1StatefulSetStatus>;
}
export interface DaemonSet extends KubeObject {
  spec?: Wire<V1DaemonSetSpec>;
  status?: Wire<V1DaemonSetStatus>;
}
/** `data` is free-form (RawExtension): the controllers store their owner's template patch in it. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision?: number;
}

// batch/v1

export type JobSpec = Wire<V1JobSpec>;
export type JobStatus = Wire<V1JobStatus>;
export type JobCondition = Wire<V1JobCondition>;
export type CronJobSpec = Wire<V1CronJobSpec>;
export type CronJobStatus = Wire<V1CronJobStatus>;

export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}
export interface CronJob extends KubeObject {
  spec?: CronJobSpec;
  status?: CronJobStatus;
}

// policy/v1

export type PodDisruptionBudgetStatus = Wire<V1PodDisruptionBudgetStatus>;

export interface PodDisruptionBudget extends KubeObject {
  spec?: Wire<V1PodDisruptionBudgetSpec>;
  status?: PodDisruptionBudgetStatus;
}
