/**
 * What to do next for one pod, decided from its spec and what the runtime holds — kubelet's
 * computePodActions, as a pure function: the worker carries the plan out and asks again.
 *
 * Restart rules (kubelet): a container restarts when restartPolicy is Always, or OnFailure
 * and it failed. The first restart of a crashed container is immediate; after that it waits
 * 10 s, doubling up to 5 min (CrashLoopBackOff). Init containers run one at a time, in order,
 * each to success, before any app container starts. Ephemeral containers (kubectl debug) start
 * once each, as soon as the sandbox runs — init containers may be what they debug — and are
 * never restarted.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo, SandboxInfo } from "../runtime/types.ts";

export type PodAction =
  | { type: "createSandbox"; attempt: number }
  | { type: "startContainer"; container: any; init: boolean; attempt: number; ephemeral?: boolean }
  | { type: "removeContainer"; id: string }
  | { type: "wait"; untilMs?: number };

export interface BackoffState {
  /** Delay before the next restart, ms (0 before the first crash). */
  delayMs: number;
  /** When the container last finished, ms. */
  sinceMs: number;
}

export interface PlanInput {
  pod: KubeObject;
  /** The pod's sandboxes, newest last. */
  sandboxes: SandboxInfo[];
  /** Containers of the newest sandbox. */
  containers: ContainerInfo[];
  backoff: Map<string, BackoffState>;
  now: number;
}

export const BACKOFF_MAX_MS = 300_000;

/** Latest instance of each container name (highest attempt, then newest). */
export function latestByName(containers: ContainerInfo[]): Map<string, ContainerInfo> {
  const out = new Map<string, ContainerInfo>();
  for (const c of containers) {
    const cur = out.get(c.name);
    if (!cur || c.attempt > cur.attempt || (c.attempt === cur.attempt && c.createdAt > cur.createdAt)) out.set(c.name, c);
  }
  return out;
}

export function shouldRestart(policy: string | undefined, c: ContainerInfo): boolean {
  if (c.state !== "exited") return false;
  const p = policy ?? "Always";
  return p === "Always" || (p === "OnFailure" && c.exitCode !== 0);
}

/** Whether an exited container may restart now; otherwise when. */
export function backoffUntil(b: BackoffState | undefined): number | undefined {
  if (!b || b.delayMs === 0) return undefined;
  return b.sinceMs + b.delayMs;
}

function initSpecs(pod: KubeObject): any[] {
  return pod.spec?.initContainers ?? [];
}

export function planPod(input: PlanInput): PodAction[] {
  const { pod, sandboxes, containers, now } = input;
  const policy = pod.spec?.restartPolicy ?? "Always";
  const sandbox = sandboxes.at(-1);
  const latest = latestByName(containers);

  if (!sandbox || sandbox.state !== "ready") {
    // A pod that ran to its end is not started again.
    if (sandbox && podFinished(pod, latest)) return [];
    return [{ type: "createSandbox", attempt: sandbox ? sandbox.attempt + 1 : 0 }];
  }

  const actions: PodAction[] = [];
  for (const spec of pod.spec?.ephemeralContainers ?? []) {
    if (!latest.has(spec.name)) actions.push({ type: "startContainer", container: spec, init: false, attempt: 0, ephemeral: true });
  }
  const ephemeral = actions.length;
  let waitUntil: number | undefined;
  const restartOrWait = (spec: any, c: ContainerInfo, init: boolean) => {
    const until = backoffUntil(input.backoff.get(spec.name));
    if (until !== undefined && until > now) {
      waitUntil = Math.min(waitUntil ?? until, until);
      return;
    }
    actions.push({ type: "startContainer", container: spec, init, attempt: c.attempt + 1 });
  };

  for (const spec of initSpecs(pod)) {
    const c = latest.get(spec.name);
    if (!c || c.state === "created") {
      if (!c) actions.push({ type: "startContainer", container: spec, init: true, attempt: 0 });
      return actions;
    }
    if (c.state === "running") return actions;
    if (c.exitCode === 0) continue;
    // A failed init container: the pod fails under Never, else it is retried with back-off.
    if (policy === "Never") return actions;
    restartOrWait(spec, c, true);
    return waitUntil !== undefined ? [...actions.slice(0, ephemeral), { type: "wait", untilMs: waitUntil }] : actions;
  }

  for (const spec of pod.spec?.containers ?? []) {
    const c = latest.get(spec.name);
    if (!c) {
      actions.push({ type: "startContainer", container: spec, init: false, attempt: 0 });
      continue;
    }
    if (shouldRestart(policy, c)) restartOrWait(spec, c, false);
  }
  if (waitUntil !== undefined) actions.push({ type: "wait", untilMs: waitUntil });
  return actions;
}

/** Every app container exited and none will restart (or an init container failed under Never). */
export function podFinished(pod: KubeObject, latest: Map<string, ContainerInfo>): boolean {
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (policy === "Always") return false;
  for (const spec of initSpecs(pod)) {
    const c = latest.get(spec.name);
    if (c?.state === "exited" && c.exitCode !== 0 && policy === "Never") return true;
  }
  const specs: any[] = pod.spec?.containers ?? [];
  return specs.length > 0 && specs.every((s) => {
    const c = latest.get(s.name);
    return c !== undefined && c.state === "exited" && !shouldRestart(policy, c);
  });
}

/** After a crash: the next delay (kubelet: none the first time, then 10 s doubling to 5 min; reset after 10 min of running). */
export function nextBackoff(prev: BackoffState | undefined, c: ContainerInfo, baseMs: number): BackoffState {
  const ranLong = c.finishedAt - c.startedAt > 2 * BACKOFF_MAX_MS;
  if (!prev || ranLong) return { delayMs: 0, sinceMs: c.finishedAt };
  const delayMs = prev.delayMs === 0 ? baseMs : Math.min(BACKOFF_MAX_MS, prev.delayMs * 2);
  return { delayMs, sinceMs: c.finishedAt };
}
