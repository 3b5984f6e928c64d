/**
 * A pod's status as the kubelet reports it, computed from what the runtime holds — pure, so
 * every phase and condition rule is tested with tables (kubelet `generateAPIPodStatus`,
 * `getPhase`, `GeneratePodReadyCondition`).
 */
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo, SandboxInfo } from "../runtime/types.ts";
import { normalizeImageRef } from "../../model/image-ref.ts";
import { backoffUntil, latestByName, podFinished, shouldRestart, type BackoffState } from "./pod-actions.ts";
import { nowTimestamp } from "../../model/object.ts";
import { podQosClass } from "../../model/qos.ts";

export interface StatusInput {
  pod: KubeObject;
  sandbox: SandboxInfo | undefined;
  containers: ContainerInfo[];
  backoff: Map<string, BackoffState>;
  /** Waiting reasons for containers whose creation failed (CreateContainerError, ErrImageNeverPull…). */
  failures: Map<string, { reason: string; message: string }>;
  hostIP: string;
  runtimeName: string;
  now: number;
  /** Probe results for running containers; without it a running container is started and ready. */
  probes?: { ready(containerId: string): boolean; started(containerId: string): boolean };
}

const iso = (ms: number) => nowTimestamp(new Date(ms));

function terminated(c: ContainerInfo, runtime: string) {
  return {
    exitCode: c.exitCode,
    reason: c.reason ?? (c.exitCode === 0 ? "Completed" : "Error"),
    ...(c.message ? { message: c.message } : {}),
    startedAt: c.startedAt ? iso(c.startedAt) : null,
    finishedAt: iso(c.finishedAt),
    containerID: `${runtime}://${c.id}`,
  };
}

/** The run before the latest one of a container (its lastState once it runs again). */
function previousRun(containers: ContainerInfo[], latest: ContainerInfo | undefined): ContainerInfo | undefined {
  if (!latest) return undefined;
  let prev: ContainerInfo | undefined;
  for (const c of containers) if (c.name === latest.name && c.attempt < latest.attempt && c.state === "exited" && (!prev || c.attempt > prev.attempt)) prev = c;
  return prev;
}

function containerStatus(spec: any, c: ContainerInfo | undefined, i: StatusInput, init: boolean, pendingReason: string, ephemeral = false): any {
  // The image fully named (docker.io/library/busybox:latest), as the kubelet reports it; the
  // spec's name rather than the runtime's, which may pick another tag of the same image.
  const base = { name: spec.name, image: spec.image ? normalizeImageRef(spec.image) : "", imageID: c?.imageRef ?? "", restartCount: c?.attempt ?? 0 };
  const prev = previousRun(i.containers, c);
  const lastState = prev ? { lastState: { terminated: terminated(prev, i.runtimeName) } } : {};
  const failure = i.failures.get(spec.name);
  if (!c) {
    return { ...base, ready: false, started: false, state: { waiting: failure ?? { reason: pendingReason } } };
  }
  const containerID = `${i.runtimeName}://${c.id}`;
  if (c.state === "running") {
    const started = i.probes?.started(c.id) ?? true;
    // An ephemeral container is never ready: it serves nothing (the kubelet reports it so).
    const ready = !init && !ephemeral && started && (i.probes?.ready(c.id) ?? true);
    return { ...base, containerID, ready, started, state: { running: { startedAt: iso(c.startedAt) } }, ...lastState };
  }
  if (c.state === "created") {
    return { ...base, containerID, ready: false, started: false, state: { waiting: { reason: pendingReason } }, ...lastState };
  }
  // Exited: waiting to restart (with the run that ended as lastState), or terminated for good.
  const policy = i.pod.spec?.restartPolicy ?? "Always";
  const restarting = ephemeral ? false : init ? c.exitCode !== 0 && policy !== "Never" : shouldRestart(policy, c);
  if (restarting) {
    const until = backoffUntil(i.backoff.get(spec.name));
    const waiting = until !== undefined && until > i.now
      ? { reason: "CrashLoopBackOff", message: `back-off ${goDuration(i.backoff.get(spec.name)!.delayMs)} restarting failed container=${spec.name} pod=${i.pod.metadata.name}_${i.pod.metadata.namespace}(${i.pod.metadata.uid})` }
      : { reason: failure?.reason ?? pendingReason, ...(failure ? { message: failure.message } : {}) };
    return { ...base, containerID, ready: false, started: false, state: { waiting }, lastState: { terminated: terminated(c, i.runtimeName) } };
  }
  return { ...base, containerID, ready: false, started: false, state: { terminated: terminated(c, i.runtimeName) }, ...lastState };
}

/** A delay as Go prints a time.Duration of whole seconds ("40s", "2m40s", "5m0s"), as the kubelet's message reads. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h` : ""}${m}m${s % 60}s`;
}

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

/** Kubelet's getPhase over the app containers (init containers keep a pod Pending). */
export function podPhase(pod: KubeObject, latest: Map<string, ContainerInfo>, initDone: boolean, initFailed: boolean): PodPhase {
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (initFailed && policy === "Never") return "Failed";
  if (!initDone) return "Pending";
  let running = 0, waiting = 0, succeeded = 0, failed = 0, unknown = 0;
  for (const spec of pod.spec?.containers ?? []) {
    const c = latest.get(spec.name);
    if (!c || c.state === "created") waiting++;
    else if (c.state === "running") running++;
    else if (c.state === "exited") {
      if (shouldRestart(policy, c)) running++; // restarting counts as running, as the kubelet counts it
      else if (c.exitCode === 0) succeeded++;
      else failed++;
    } else unknown++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0 || unknown > 0) return "Running";
  if (failed > 0) return "Failed";
  return "Succeeded";
}

export function computePodStatus(i: StatusInput): any {
  const { pod } = i;
  const latest = latestByName(i.containers);
  const inits: any[] = pod.spec?.initContainers ?? [];
  let initDone = true;
  let initFailed = false;
  for (const spec of inits) {
    const c = latest.get(spec.name);
    if (c?.state === "exited" && c.exitCode === 0) continue;
    initDone = false;
    if (c?.state === "exited") initFailed = true;
    break;
  }
  const phase = podPhase(pod, latest, initDone, initFailed);
  const appPending = initDone ? "ContainerCreating" : "PodInitializing";
  const initStatuses = inits.map((s) => containerStatus(s, latest.get(s.name), i, true, "PodInitializing"));
  // An init container that completed reports ready, as the kubelet shows it.
  for (const st of initStatuses) if (st.state.terminated?.exitCode === 0) st.ready = true;
  const statuses = (pod.spec?.containers ?? []).map((s: any) => containerStatus(s, latest.get(s.name), i, false, appPending));
  const ephemerals: any[] = pod.spec?.ephemeralContainers ?? [];
  const ephemeralStatuses = ephemerals.map((s) => containerStatus(s, latest.get(s.name), i, false, "ContainerCreating", true));
  const terminal = phase === "Succeeded" || phase === "Failed";
  const notReady = statuses.filter((s: any) => !s.ready).map((s: any) => s.name);
  const containersReady = !terminal && notReady.length === 0;
  const podIP = pod.spec?.hostNetwork ? i.hostIP : i.sandbox?.ip;

  const cond = (type: string, ok: boolean, reason?: string, message?: string) => ({
    type, status: ok ? "True" : "False", ...(reason && !ok ? { reason } : {}), ...(message && !ok ? { message } : {}),
  });
  const notReadyMsg = `containers with unready status: [${notReady.join(" ")}]`;
  const conditions = [
    cond("PodReadyToStartContainers", i.sandbox?.state === "ready"),
    initDone ? cond("Initialized", true) : cond("Initialized", false, "ContainersNotInitialized", `containers with incomplete status: [${inits.filter((s) => !(latest.get(s.name)?.state === "exited" && latest.get(s.name)?.exitCode === 0)).map((s) => s.name).join(" ")}]`),
    terminal ? cond("Ready", false, "PodCompleted") : cond("Ready", containersReady, "ContainersNotReady", notReadyMsg),
    terminal ? cond("ContainersReady", false, "PodCompleted") : cond("ContainersReady", containersReady, "ContainersNotReady", notReadyMsg),
  ];
  return {
    phase,
    conditions,
    hostIP: i.hostIP,
    hostIPs: [{ ip: i.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: typeof pod.status?.startTime === "string" ? pod.status.startTime : iso(i.now),
    ...(inits.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    ...(ephemerals.length ? { ephemeralContainerStatuses: ephemeralStatuses } : {}),
    qosClass: typeof pod.status?.qosClass === "string" ? pod.status.qosClass : podQosClass(pod.spec),
  };
}

/**
 * Conditions the kubelet does not own (PodScheduled, DisruptionTarget, readiness gates) are
 * kept; its own keep their lastTransitionTime while their status holds.
 */
export function mergeConditions(previous: unknown, next: any[], now: string): any[] {
  // A status stored before validation may hold conditions that are not a list of objects: those are not kept.
  const kept: any[] = Array.isArray(previous) ? previous.filter((c) => c !== null && typeof c === "object" && typeof c.type === "string") : [];
  const prev = new Map(kept.map((c) => [c.type, c]));
  const mine = new Set(next.map((c) => c.type));
  const out = kept.filter((c) => !mine.has(c.type));
  for (const c of next) {
    const p = prev.get(c.type);
    out.push({ ...c, lastProbeTime: null, lastTransitionTime: p && p.status === c.status ? p.lastTransitionTime : now });
  }
  return out;
}

export { podFinished };
