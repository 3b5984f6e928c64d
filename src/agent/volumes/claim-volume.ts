/**
 * A pod's persistentVolumeClaim volume on the node: the claim must be Bound, and its volume's
 * hostPath (what the local-path provisioner makes) or `local.path` is what the containers
 * mount. Until the claim binds the pod waits in ContainerCreating: the setup fails with a
 * FailedMount detail and the pod worker retries. A local-path directory is created
 * world-writable, as local-path-provisioner's `mkdir -m 0777` makes it, so a container
 * running as any user can write its data.
 */
import type { KubeObject } from "../../model/object.ts";
import { ANN_PROVISIONED_BY, LOCAL_PATH_PROVISIONER } from "../../volume-binding/annotations.ts";

export interface ClaimSources {
  claim(namespace: string, name: string): Promise<KubeObject | undefined>;
  volume(name: string): Promise<KubeObject | undefined>;
}

export interface ClaimPath {
  path: string;
  /** A hostPath type to check or create (`DirectoryOrCreate`, …); local volumes must be directories. */
  type: string;
  /** Mode for a directory this node creates. */
  createMode?: number;
  readOnly: boolean;
}

/** Resolves the claim to a path on this node, or says why it cannot yet (the FailedMount detail). */
export async function resolveClaim(pod: KubeObject, src: { claimName: string; readOnly?: boolean }, claims: ClaimSources): Promise<ClaimPath | { problem: string }> {
  const name = src.claimName;
  const pvc = await claims.claim(pod.metadata.namespace!, name);
  if (!pvc) return { problem: `persistentvolumeclaim "${name}" not found` };
  const volumeName: string | undefined = pvc.spec?.volumeName || undefined;
  if (!volumeName || pvc.status?.phase !== "Bound") return { problem: `persistentvolumeclaim "${name}" is not bound` };
  const pv = await claims.volume(volumeName);
  if (!pv) return { problem: `persistentvolume "${volumeName}" not found` };
  const ref = pv.spec?.claimRef;
  if (ref?.uid !== pvc.metadata.uid) return { problem: `persistentvolume "${volumeName}" is not bound to persistentvolumeclaim "${name}"` };
  const readOnly = src.readOnly === true;
  if (pv.spec?.hostPath?.path) {
    const localPath = pv.metadata.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER;
    return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type ?? "", createMode: localPath ? 0o777 : undefined, readOnly };
  }
  if (pv.spec?.local?.path) return { path: pv.spec.local.path, type: "Directory", readOnly };
  return { problem: `persistentvolume "${volumeName}" has no source this node can mount (hostPath or local)` };
}
