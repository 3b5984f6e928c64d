/** apps/v1 printers: Deployment, ReplicaSet, StatefulSet, DaemonSet (columns as in Kubernetes 1.32). */
import type { Printer } from "./types.ts";
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";
import { formatLabelSelector, formatLabels, int, layoutContainers, selectorString } from "./format.ts";

/** spec.replicas as the API defaults it (absent means 1). */
function desired(spec: any): number {
  return typeof spec?.replicas === "number" ? spec.replicas : 1;
}

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn,
    col("Ready", "Number of the pod with ready state"),
    col("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
    col("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
  ],
  cells(obj, now) {
    const st = obj.status ?? {};
    const [names, images] = layoutContainers(obj.spec?.template?.spec?.containers);
    // Deployments print the bare selector string, unlike the other workloads' FormatLabelSelector.
    const selector = selectorString(obj.spec?.selector) ?? "<invalid>";
    return [
      obj.metadata.name ?? "",
      `${int(st.readyReplicas)}/${desired(obj.spec)}`,
      int(st.updatedReplicas),
      int(st.availableReplicas),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      selector,
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn,
    col("Desired", "Replicas is the number of desired replicas.", { type: "integer" }),
    col("Current", "Replicas is the most recently observed number of replicas.", { type: "integer" }),
    col("Ready", "The number of ready replicas for this replica set.", { type: "integer" }),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide("Selector", "Selector is a label query over pods that should match the replica count."),
  ],
  cells(obj, now) {
    const st = obj.status ?? {};
    const [names, images] = layoutContainers(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name ?? "",
      desired(obj.spec),
      int(st.replicas),
      int(st.readyReplicas),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [nameColumn, col("Ready", "Number of the pod with ready state"), ageColumn, containersColumn, imagesColumn],
  cells(obj, now) {
    const [names, images] = layoutContainers(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name ?? "",
      `${int(obj.status?.readyReplicas)}/${desired(obj.spec)}`,
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
    ];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn,
    col("Desired", "The total number of nodes that should be running the daemon pod.", { type: "integer" }),
    col("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.", { type: "integer" }),
    col("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", { type: "integer" }),
    col("Up-to-date", "The total number of nodes that are running updated daemon pod", { type: "integer" }),
    col("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.", { type: "integer" }),
    col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide("Selector", "A label query over pods that are managed by the daemon set."),
  ],
  cells(obj, now) {
    const st = obj.status ?? {};
    const [names, images] = layoutContainers(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name ?? "",
      int(st.desiredNumberScheduled),
      int(st.currentNumberScheduled),
      int(st.numberReady),
      int(st.updatedNumberScheduled),
      int(st.numberAvailable),
      formatLabels(obj.spec?.template?.spec?.nodeSelector),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
};
