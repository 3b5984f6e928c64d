/**
 * Every resource k3rs serves, one declarative entry each. Discovery, OpenAPI, routing,
 * tables, defaulting and validation are all driven from this list.
 */
import type { ResourceDef } from "./types.ts";
import * as core from "./defaults/core.ts";
import * as work from "./defaults/workloads.ts";
import * as v from "./validation/index.ts";
import { defaultStorageClass } from "./defaults/storage.ts";
import { withEmptyStatus } from "./defaults/empty-status.ts";
import { validateStorageClass } from "./validation/storage-class.ts";
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from "./validation/rbac.ts";
import { namespaceDeletion, podDeletion } from "./deletion.ts";
import type { KubeObject } from "../../model/object.ts";
import { defaultCrd } from "../crd/crd-defaults.ts";
import { validateCrd } from "../crd/crd-validation.ts";
import { crdDeletion } from "../crd/crd-deletion.ts";
import { defaultHpaV1, defaultHpaV2, validateHpaV1, validateHpaV2 } from "../hpa/hpa-rules.ts";
import { hpaV1Conversion } from "../hpa/hpa-v1-conversion.ts";
import { eventsV1Conversion } from "../events/events-v1-conversion.ts";
import { validatePriorityClass } from "./validation/priority-class.ts";
import { defaultPriorityClass } from "./defaults/scheduling.ts";

const str = (x: unknown) => (x === undefined || x === null ? undefined : String(x));

export const builtinResources: ResourceDef[] = [
  // core/v1
  {
    group: "", version: "v1", kind: "Namespace", plural: "namespaces", singular: "namespace",
    namespaced: false, shortNames: ["ns"], subresources: ["status", "finalize"],
    defaults: core.defaultNamespace, validate: v.validateNamespace, deletion: namespaceDeletion,
    fieldSelectors: { "status.phase": (o) => str(o.status?.phase) },
  },
  {
    group: "", version: "v1", kind: "Node", plural: "nodes", singular: "node",
    namespaced: false, shortNames: ["no"], subresources: ["status", "proxy"], defaults: core.defaultNode, keepsStatusOnCreate: true,
    fieldSelectors: { "spec.unschedulable": (o) => String(o.spec?.unschedulable === true) },
  },
  {
    group: "", version: "v1", kind: "Pod", plural: "pods", singular: "pod", namespaced: true,
    shortNames: ["po"], categories: ["all"], subresources: ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "ephemeralcontainers"],
    defaults: core.defaultPod, validate: v.validatePod, deletion: podDeletion,
    fieldSelectors: {
      "spec.nodeName": (o) => o.spec?.nodeName ?? "",
      "spec.restartPolicy": (o) => str(o.spec?.restartPolicy),
      "spec.schedulerName": (o) => str(o.spec?.schedulerName),
      "spec.serviceAccountName": (o) => str(o.spec?.serviceAccountName),
      "spec.hostNetwork": (o) => String(o.spec?.hostNetwork === true),
      "status.phase": (o) => str(o.status?.phase),
      "status.podIP": (o) => o.status?.podIP ?? "",
      "status.nominatedNodeName": (o) => o.status?.nominatedNodeName ?? "",
    },
  },
  {
    group: "", version: "v1", kind: "Service", plural: "services", singular: "service", namespaced: true,
    shortNames: ["svc"], categories: ["all"], subresources: ["status"],
    defaults: core.defaultService, validate: v.validateService,
    fieldSelectors: { "spec.clusterIP": (o) => o.spec?.clusterIP ?? "", "spec.type": (o) => str(o.spec?.type) },
  },
  { group: "", version: "v1", kind: "Endpoints", plural: "endpoints", singular: "endpoints", namespaced: true, shortNames: ["ep"] },
  {
    group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", singular: "configmap", namespaced: true,
    shortNames: ["cm"], validate: v.validateConfigMap,
  },
  {
    group: "", version: "v1", kind: "Secret", plural: "secrets", singular: "secret", namespaced: true,
    defaults: core.defaultSecret, validate: v.validateSecret, fieldSelectors: { type: (o) => str(o.type) },
  },
  {
    group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", singular: "serviceaccount", namespaced: true,
    shortNames: ["sa"], subresources: ["token"],
  },
  {
    group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas", singular: "resourcequota", namespaced: true,
    shortNames: ["quota"], subresources: ["status"],
  },
  {
    group: "", version: "v1", kind: "Event", plural: "events", singular: "event", namespaced: true, shortNames: ["ev"],
    validate: v.validateEvent,
    fieldSelectors: {
      "involvedObject.kind": (o) => o.involvedObject?.kind ?? "",
      "involvedObject.namespace": (o) => o.involvedObject?.namespace ?? "",
      "involvedObject.name": (o) => o.involvedObject?.name ?? "",
      "involvedObject.uid": (o) => o.involvedObject?.uid ?? "",
      "involvedObject.apiVersion": (o) => o.involvedObject?.apiVersion ?? "",
      "involvedObject.resourceVersion": (o) => o.involvedObject?.resourceVersion ?? "",
      "involvedObject.fieldPath": (o) => o.involvedObject?.fieldPath ?? "",
      reason: (o) => o.reason ?? "",
      reportingComponent: (o) => o.reportingComponent ?? "",
      source: (o) => o.source?.component ?? o.reportingComponent ?? "",
      type: (o) => o.type ?? "",
    },
  },
  {
    group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", singular: "persistentvolumeclaim",
    namespaced: true, shortNames: ["pvc"], subresources: ["status"], defaults: core.defaultPvc, validate: v.validatePvc,
  },
  {
    group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", singular: "persistentvolume",
    namespaced: false, shortNames: ["pv"], subresources: ["status"], defaults: core.defaultPv,
  },
  // apps/v1
  {
    group: "apps", version: "v1", kind: "Deployment", plural: "deployments", singular: "deployment", namespaced: true,
    shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"], hasGeneration: true,
    defaults: withEmptyStatus(work.defaultDeployment), validate: v.validateDeployment,
  },
  {
    group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", singular: "replicaset", namespaced: true,
    shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"], hasGeneration: true,
    defaults: work.defaultReplicaSet, validate: v.validateReplicaSet,
  },
  {
    group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", singular: "statefulset", namespaced: true,
    shortNames: ["sts"], categories: ["all"], subresources: ["status", "scale"], hasGeneration: true,
    defaults: withEmptyStatus(work.defaultStatefulSet), validate: v.validateStatefulSet,
  },
  {
    group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", singular: "daemonset", namespaced: true,
    shortNames: ["ds"], categories: ["all"], subresources: ["status"], hasGeneration: true,
    defaults: withEmptyStatus(work.defaultDaemonSet), validate: v.validateDaemonSet,
  },
  {
    group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions", singular: "controllerrevision",
    namespaced: true,
  },
  // batch/v1
  {
    group: "batch", version: "v1", kind: "Job", plural: "jobs", singular: "job", namespaced: true,
    categories: ["all"], subresources: ["status"], hasGeneration: true,
    defaults: withEmptyStatus(work.defaultJob), validate: v.validateJob,
  },
  {
    group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", singular: "cronjob", namespaced: true,
    shortNames: ["cj"], categories: ["all"], subresources: ["status"], hasGeneration: true,
    defaults: withEmptyStatus(work.defaultCronJob), validate: v.validateCronJob,
  },
  // coordination.k8s.io/v1
  { group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", singular: "lease", namespaced: true },
  // policy/v1
  {
    group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", singular: "poddisruptionbudget",
    namespaced: true, shortNames: ["pdb"], subresources: ["status"], hasGeneration: true,
  },
  // discovery.k8s.io/v1
  {
    group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices", singular: "endpointslice",
    namespaced: true,
  },
  // storage.k8s.io/v1
  {
    group: "storage.k8s.io", version: "v1", kind: "StorageClass", plural: "storageclasses", singular: "storageclass",
    namespaced: false, shortNames: ["sc"], defaults: defaultStorageClass, validate: validateStorageClass,
  },
  // scheduling.k8s.io/v1
  {
    group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses", singular: "priorityclass",
    namespaced: false, shortNames: ["pc"], defaults: defaultPriorityClass, validate: validatePriorityClass,
  },
  // networking.k8s.io/v1
  {
    group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses", singular: "ingress", namespaced: true,
    shortNames: ["ing"], subresources: ["status"], hasGeneration: true, validate: v.validateIngress,
  },
  {
    group: "networking.k8s.io", version: "v1", kind: "IngressClass", plural: "ingressclasses", singular: "ingressclass", namespaced: false,
    hasGeneration: true, validate: v.validateIngressClass,
  },
  // rbac.authorization.k8s.io/v1
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", singular: "role", namespaced: true, validate: validateRole },
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", singular: "clusterrole", namespaced: false, validate: validateClusterRole },
  {
    group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", singular: "rolebinding",
    namespaced: true, validate: validateRoleBinding,
  },
  {
    group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", singular: "clusterrolebinding",
    namespaced: false, validate: validateClusterRoleBinding,
  },
  // authorization.k8s.io/v1 and authentication.k8s.io/v1: create-only reviews, never stored (api/handlers/reviews.ts)
  ...[
    ["authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false],
    ["authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false],
    ["authorization.k8s.io", "SubjectAccessReview", "subjectaccessreviews", false],
    ["authorization.k8s.io", "LocalSubjectAccessReview", "localsubjectaccessreviews", true],
    ["authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", false],
    ["authentication.k8s.io", "TokenReview", "tokenreviews", false],
  ].map(([group, kind, plural, namespaced]): ResourceDef => ({
    group: group as string, version: "v1", kind: kind as string, plural: plural as string, singular: "", namespaced: namespaced as boolean, verbs: ["create"],
  })),
  // events.k8s.io/v1: the core Events seen in their newer shape (api/events/)
  {
    group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", singular: "event", namespaced: true, shortNames: ["ev"],
    storageGroup: "", storageVersion: "v1", conversion: eventsV1Conversion,
  },
  // autoscaling: v2 stored, v1 served from it (api/hpa/); the controller is controllers/hpa/
  {
    group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler", namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"],
    hasGeneration: true, defaults: defaultHpaV2, validate: validateHpaV2,
  },
  {
    group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler", namespaced: true, shortNames: ["hpa"], categories: ["all"], subresources: ["status"],
    hasGeneration: true, defaults: defaultHpaV1, validate: validateHpaV1, storageVersion: "v2", conversion: hpaV1Conversion,
  },
  // apiextensions.k8s.io/v1: custom resources are served from these (api/crd/)
  {
    group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions",
    singular: "customresourcedefinition", namespaced: false, shortNames: ["crd", "crds"], categories: ["api-extensions"],
    subresources: ["status"], hasGeneration: true, defaults: defaultCrd, validate: validateCrd, deletion: crdDeletion,
  },
  // metrics.k8s.io/v1beta1: usage read from the agents, never stored (api/handlers/metrics-api.ts)
  { group: "metrics.k8s.io", version: "v1beta1", kind: "NodeMetrics", plural: "nodes", singular: "", namespaced: false, verbs: ["get", "list"] },
  { group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics", plural: "pods", singular: "", namespaced: true, verbs: ["get", "list"] },
];

/** Kinds whose generation tracks spec changes even without hasGeneration set explicitly. */
export function tracksGeneration(def: ResourceDef, obj: KubeObject): boolean {
  return def.hasGeneration === true || obj.spec !== undefined;
}
