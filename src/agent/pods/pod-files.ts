/**
 * Where a pod's files live on the node, the kubelet's layout: `<podsDir>/<uid>/` holds its
 * volumes, /etc/hosts and termination-message files; `<logRoot>/<ns>_<name>_<uid>/` its
 * container logs, one `<container>/<attempt>.log` per run. The agent decides these paths and
 * hands them to the runtime; `kubectl logs` and log rotation find files by them.
 */
import { join } from "node:path";

/** What names a pod on the node (a pod object's metadata, or a sandbox's). */
export interface PodRef {
  namespace?: string;
  name?: string;
  uid?: string;
}

export function podDir(podsDir: string, uid: string): string {
  return join(podsDir, uid);
}

export function podLogDirectory(pod: { metadata: PodRef } | PodRef, logRoot: string): string {
  const m = "metadata" in pod ? pod.metadata : pod;
  return `${logRoot}/${m.namespace}_${m.name}_${m.uid}`;
}

/** `<container>/<attempt>.log`, relative to the pod's log directory. */
export function containerLogPath(containerName: string, attempt: number): string {
  return `${containerName}/${attempt}.log`;
}

/** The host file behind a run's terminationMessagePath (the kubelet's `containers/<name>/<id>`). */
export function terminationLogPath(podsDir: string, uid: string, containerName: string, attempt: number): string {
  return join(podDir(podsDir, uid), "containers", containerName, `${attempt}-termination-log`);
}
