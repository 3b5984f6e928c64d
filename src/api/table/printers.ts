/** The one map from kind to Printer; kinds without an entry get NAME and AGE. */
import type { Printer } from "./types.ts";
import { ageColumn, nameColumn } from "./columns.ts";
import { since } from "./human-duration.ts";
import { podPrinter } from "./pod.ts";
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from "./workloads.ts";
import { cronJobPrinter, jobPrinter } from "./batch.ts";
import { endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter, servicePrinter } from "./network.ts";
import { configMapPrinter, leasePrinter, namespacePrinter, resourceQuotaPrinter, secretPrinter, serviceAccountPrinter } from "./core.ts";
import { nodePrinter } from "./node.ts";
import { eventPrinter } from "./event.ts";
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.ts";
import { clusterRoleBindingPrinter, createdAtPrinter, roleBindingPrinter } from "./rbac.ts";
import { horizontalPodAutoscalerPrinter } from "./autoscaling.ts";
import { nodeMetricsPrinter, podMetricsPrinter } from "./metrics.ts";
import { priorityClassPrinter } from "./scheduling.ts";

/** Name and age only, for kinds without a printer of their own. */
export const defaultPrinter: Printer = {
  columns: [nameColumn, ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? "", since(obj.metadata.creationTimestamp, now)];
  },
};

export const printers: Readonly<Record<string, Printer>> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  ServiceAccount: serviceAccountPrinter,
  Event: eventPrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  StorageClass: storageClassPrinter,
  PriorityClass: priorityClassPrinter,
  ResourceQuota: resourceQuotaPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  StatefulSet: statefulSetPrinter,
  DaemonSet: daemonSetPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  Lease: leasePrinter,
  Ingress: ingressPrinter,
  IngressClass: ingressClassPrinter,
  NetworkPolicy: networkPolicyPrinter,
  EndpointSlice: endpointSlicePrinter,
  HorizontalPodAutoscaler: horizontalPodAutoscalerPrinter,
  Role: createdAtPrinter,
  ClusterRole: createdAtPrinter,
  // The apiserver's default table (kubectl get crd: NAME, CREATED AT).
  CustomResourceDefinition: createdAtPrinter,
  RoleBinding: roleBindingPrinter,
  ClusterRoleBinding: clusterRoleBindingPrinter,
  NodeMetrics: nodeMetricsPrinter,
  PodMetrics: podMetricsPrinter,
};

export function printerFor(kind: string): Printer {
  return printers[kind] ?? defaultPrinter;
}
