/**
 * The names persistent storage is coordinated by: annotations and finalizers Kubernetes and
 * the local-path provisioner use (kept verbatim, so tools that read them keep working), and
 * k3rs's own node annotation telling the provisioner where a node keeps its volumes.
 */

/** Set by the scheduler on a WaitForFirstConsumer claim: provision on this node. */
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
/** Set by the PV controller on a claim it cannot bind: which provisioner should create its volume. */
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
/** On a claim: its binding is complete. */
export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
/** On a claim or volume: the controller (not the user) set its half of the binding, so it may undo it. */
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
/** On a volume: who provisioned it. */
export const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
/** The legacy way of naming a class, which still wins over spec.storageClassName. */
export const ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";
export const ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";
export const ANN_BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class";

/** Kept on a claim while a pod uses it, and on a volume while it is bound. */
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";

/** The provisioner name K3s's bundled local-path-provisioner registers. */
export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";
export const LOCAL_PATH_CLASS = "local-path";
/** On a Node: the directory under which its local-path volumes live (`<agent data dir>/storage`). */
export const ANN_LOCAL_STORAGE_PATH = "k3rs.io/local-storage-path";
/** Where volumes go on a node that does not say (K3s: /var/lib/rancher/k3s/storage). */
export const DEFAULT_LOCAL_STORAGE_PATH = "/var/lib/k3rs/storage";
