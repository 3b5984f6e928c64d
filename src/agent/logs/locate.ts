/**
 * Which log file `kubectl logs` means (the kubelet's `validateContainerLogStatus`, answered
 * from the runtime): the latest run of the container — while it waits in CrashLoopBackOff
 * that is the run that crashed — or with `previous` the run before it. A container that never
 * ran is a 400 quoting its waiting reason from the pod status, as the kubelet words it.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors, type StatusError } from "../../model/errors.ts";
import type { ContainerInfo, Runtime } from "../runtime/types.ts";
import { containerLogPath, podLogDirectory } from "../pods/pod-files.ts";

export interface LogLocation {
  /** The CRI log file; undefined when the runtime keeps none (the fake runtime of hollow nodes). */
  path?: string;
  container: ContainerInfo;
  /** Whether this run still runs (a follow ends when it does not). */
  isRunning(): Promise<boolean>;
}

const q = JSON.stringify;

/** Throws a StatusError (400) when there is no such run. */
export async function locateContainerLog(runtime: Runtime, logRoot: string | undefined, pod: KubeObject, name: string, previous: boolean): Promise<LogLocation> {
  const podName = pod.metadata.name!;
  const sandboxes = (await runtime.listPodSandboxes()).filter((s) => s.uid === pod.metadata.uid);
  const runs: ContainerInfo[] = [];
  for (const sb of sandboxes) for (const c of await runtime.listContainers(sb.id)) if (c.name === name) runs.push(c);
  runs.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  const latest = runs[0];
  let run: ContainerInfo | undefined;
  if (previous) {
    run = latest && runs.find((c) => c.attempt < latest.attempt && c.state === "exited");
    if (!run) throw errors.badRequest(`previous terminated container ${q(name)} in pod ${q(podName)} not found`);
  } else {
    run = latest;
    if (!run) throw notStarted(pod, name);
  }
  const chosen = run;
  return {
    path: logRoot === undefined ? undefined : `${podLogDirectory(pod, logRoot)}/${containerLogPath(name, chosen.attempt)}`,
    container: chosen,
    async isRunning() {
      const now = (await runtime.listContainers(chosen.sandboxId)).find((c) => c.id === chosen.id);
      return now?.state === "running" || now?.state === "created";
    },
  };
}

function notStarted(pod: KubeObject, name: string): StatusError {
  const statuses: any[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const state = statuses.find((s) => s.name === name)?.state;
  const who = `container ${q(name)} in pod ${q(pod.metadata.name)}`;
  const reason: string | undefined = state?.waiting?.reason;
  if (reason === "ErrImagePull") return errors.badRequest(`${who} is waiting to start: image can't be pulled`);
  if (reason === "ImagePullBackOff") return errors.badRequest(`${who} is waiting to start: trying and failing to pull image`);
  if (reason) return errors.badRequest(`${who} is waiting to start: ${reason}`);
  if (state?.terminated) return errors.badRequest(`${who} is terminated`);
  return errors.badRequest(`${who} is waiting to start - no logs yet`);
}
