/**
 * One serialized worker per pod (kubelet `pod_workers.go`). Its lifecycle:
 *
 *   created ──sync──▶ syncing (sandbox, init containers, containers, status) ◀──triggers──┐
 *      triggers: the pod changed in the API · a container exited · a back-off expired ─────┘
 *   deletionTimestamp or gone from the API ──▶ terminating: stop containers (grace period),
 *      stop and remove the sandbox, final status, delete the pod object (grace 0) ──▶ done
 *
 * Syncs never overlap: a trigger during a sync makes one more sync afterwards. What the
 * runtime is given — volumes set up, env resolved, /etc/hosts written — the preparer makes
 * first (pod-preparer.ts), the same for containerd and for the fake runtime.
 *
 * A pod whose stored spec cannot be read (written before validation) is refused instead:
 * whatever runs for it stops, its status says Failed and why, and deleting it still ends in
 * the final delete.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo, Runtime, SandboxInfo } from "../runtime/types.ts";
import { RuntimeError } from "../runtime/types.ts";
import { BACKOFF_MAX_MS, nextBackoff, planPod, podFinished, latestByName, shouldRestart, type BackoffState } from "./pod-actions.ts";
import { computePodStatus, mergeConditions } from "./pod-status.ts";
import { unreadablePodMessage } from "../../model/pod-shape.ts";
import { rejectedStatus } from "./rejection.ts";
import { PodProber } from "../probes/pod-prober.ts";
import type { PodPreparer } from "./pod-preparer.ts";
import type { AgentApi } from "../agent-api.ts";
import { log } from "../../log.ts";
import { nowTimestamp } from "../../model/object.ts";
import { StartupTrace } from "./startup-trace.ts";
import { ImagePuller } from "./image-puller.ts";
import type { StartGate } from "./start-gate.ts";
import { markEvicted } from "../eviction/evicted-status.ts";

export interface PodWorkerDeps {
  runtime: Runtime;
  /** Volumes, env, /etc/hosts, paths and cgroups of the pod, prepared for the runtime. */
  preparer: PodPreparer;
  runtimeName: string;
  api: AgentApi;
  nodeName: string;
  hostIP: () => string;
  podCidr: () => string | undefined;
  /** First CrashLoopBackOff delay (kubelet: 10 s). */
  backoffBaseMs: number;
  recordEvents: boolean;
  now: () => number;
  /** Bounds the node's sandbox and container starts at once (start-gate.ts); absent: no bound. */
  startGate?: StartGate;
  onDone(uid: string): void;
}

/** The latest run of each container. */
function latestByNameList(containers: ContainerInfo[]): ContainerInfo[] {
  return [...latestByName(containers).values()];
}

export class PodWorker {
  private pod: KubeObject;
  private removed = false;
  private syncing = false;
  private running: Promise<void> | undefined;
  private dirty = false;
  private done = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff = new Map<string, BackoffState>();
  private readonly seenExits = new Set<string>();
  private readonly failures = new Map<string, { reason: string; message: string }>();
  private lastStatus = "";
  /** An eviction asked for and not yet done. */
  private eviction: { message: string; resolve: () => void; done: Promise<void> } | undefined;
  private sandboxFailure: string | undefined;
  private sandboxRetryMs = 0;

  private readonly prober: PodProber;
  private readonly trace: StartupTrace;
  private readonly images: ImagePuller;

  constructor(pod: KubeObject, private readonly d: PodWorkerDeps) {
    this.pod = pod;
    this.trace = new StartupTrace(`${pod.metadata.namespace}/${pod.metadata.name}`);
    this.prober = new PodProber({
      execSync: d.runtime.execSync?.bind(d.runtime),
      onChange: () => this.trigger(),
      onUnhealthy: (_name, message) => {
        if (this.d.recordEvents) void this.d.api.event(this.pod, "Warning", "Unhealthy", message, this.d.nodeName);
      },
      onKill: (id, name, message) => void this.killForRestart(id, name, message),
    });
    this.images = new ImagePuller({
      runtime: d.runtime, now: d.now, backoffBaseMs: d.backoffBaseMs,
      event: (type, reason, message) => {
        if (this.d.recordEvents) void this.d.api.event(this.pod, type, reason, message, this.d.nodeName);
      },
      wakeAt: (ms) => this.wakeAt(ms),
    });
  }

  /** A container that failed its liveness (or startup) probe is stopped; its restart policy brings it back. */
  private async killForRestart(id: string, name: string, message: string): Promise<void> {
    if (this.d.recordEvents) void this.d.api.event(this.pod, "Normal", "Killing", message, this.d.nodeName);
    try {
      await this.d.runtime.stopContainer(id, this.pod.spec?.terminationGracePeriodSeconds ?? 30);
    } catch (e) {
      log.warn("agent: stopping an unhealthy container failed", { pod: `${this.pod.metadata.namespace}/${this.pod.metadata.name}`, container: name, error: String(e) });
    }
    this.trigger();
  }

  get uid(): string {
    return this.pod.metadata.uid!;
  }

  /** The pod as last seen from the API. */
  get current(): KubeObject {
    return this.pod;
  }

  update(pod: KubeObject): void {
    this.pod = pod;
    this.trigger();
  }

  /** The pod is gone from the API (deleted while we were away, or force-deleted). */
  remove(): void {
    this.removed = true;
    this.trigger();
  }

  trigger(): void {
    if (this.done) return;
    this.dirty = true;
    if (this.syncing) return;
    this.syncing = true;
    this.running = this.run();
  }

  stop(): void {
    this.done = true;
    this.prober.stop();
    if (this.timer) clearTimeout(this.timer);
    // An eviction asked for is over too: the pod is gone (terminate ends here) or the node stops.
    this.eviction?.resolve();
  }

  /** Resolves once no sync runs or waits to run (timers of back-off aside). */
  async settled(): Promise<void> {
    while (this.syncing) await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.dirty && !this.done) {
        this.dirty = false;
        try {
          await this.sync();
        } catch (e) {
          log.warn("agent: pod sync failed", { pod: `${this.pod.metadata.namespace}/${this.pod.metadata.name}`, error: String(e) });
          this.wakeAt(this.d.now() + 1000);
        }
      }
    } finally {
      this.syncing = false;
    }
  }

  private wakeAt(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.trigger();
    }, Math.max(0, ms - this.d.now()));
  }

  private async sandboxes(): Promise<SandboxInfo[]> {
    return (await this.d.runtime.listPodSandboxes(this.uid)).filter((s) => s.uid === this.uid).sort((a, b) => a.attempt - b.attempt || a.createdAt - b.createdAt);
  }

  private async sync(): Promise<void> {
    const pod = this.pod;
    const unreadable = unreadablePodMessage(pod);
    if (this.removed || pod.metadata.deletionTimestamp) return this.terminate(unreadable);
    if (unreadable !== undefined) return this.reject(unreadable);
    let sandboxes = await this.sandboxes();
    let sandbox = sandboxes.at(-1);
    let containers = sandbox ? await this.d.runtime.listContainers(sandbox.id) : [];
    // A pod the API already holds as finished stays finished (the kubelet never revives it).
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") {
      if (sandbox?.state === "ready") await this.d.runtime.stopPodSandbox(sandbox.id);
      this.eviction?.resolve();
      return;
    }
    if (this.eviction) return this.evictNow(this.eviction);
    // The preparer keeps the running pod as it is now (volumes of an adopted sandbox set up
    // again; downward API volumes following labels and annotations).
    if (sandbox?.state === "ready") await this.keepVolumes(pod);
    this.noteExits(containers);
    let actions = planPod({ pod, sandboxes, containers, backoff: this.backoff, now: this.d.now() });
    let changed = false;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i]!;
      if (a.type === "createSandbox") {
        for (const old of sandboxes) await this.removeSandbox(old);
        try {
          const config = await this.d.preparer.sandboxConfig(pod, a.attempt);
          sandbox = await this.gated("sandbox", () => {
            this.trace.mark("sandboxStart");
            return this.d.runtime.runPodSandbox(config, this.d.podCidr());
          });
          this.trace.mark("sandboxDone");
        } catch (e) {
          // Reported, then retried with back-off; the pod stays Pending with ContainerCreating.
          // A volume not ready yet (a claim still binding) is told as the kubelet tells it: FailedMount.
          const message = e instanceof Error ? e.message : String(e);
          const mount = e instanceof RuntimeError && e.reason === "FailedMount";
          if (this.d.recordEvents && this.sandboxFailure !== message) {
            void this.d.api.event(pod, "Warning", mount ? "FailedMount" : "FailedCreatePodSandBox", mount ? message : `Failed to create pod sandbox: ${message}`, this.d.nodeName);
          }
          this.sandboxFailure = message;
          this.sandboxRetryMs = Math.min(BACKOFF_MAX_MS, this.sandboxRetryMs ? this.sandboxRetryMs * 2 : 1000);
          this.wakeAt(this.d.now() + this.sandboxRetryMs);
          await this.writeStatus(undefined, []);
          return;
        }
        this.sandboxFailure = undefined;
        this.sandboxRetryMs = 0;
        sandboxes = [sandbox];
        containers = [];
        if (sandbox.state !== "ready") {
          this.dirty = true; // looked at again on the next pass
          break;
        }
        // A new sandbox has no containers: plan them now rather than relist what is known (a
        // burst's relists wait behind everyone's sandboxes in containerd).
        actions = planPod({ pod, sandboxes, containers, backoff: this.backoff, now: this.d.now() });
        i = -1;
      } else if (a.type === "startContainer" && sandbox) {
        changed = (await this.startContainer(sandbox, a.container, a.attempt, containers)) || changed;
      } else if (a.type === "wait" && a.untilMs !== undefined) {
        this.wakeAt(a.untilMs);
      }
    }
    if (changed && sandbox) containers = await this.d.runtime.listContainers(sandbox.id);
    // Hollow pods have no processes to probe (and their IPs lead nowhere): only real runtimes probe.
    if (this.d.runtime.execSync) this.prober.sync(pod, latestByNameList(containers), sandbox?.ip);
    if (sandbox?.state === "ready" && podFinished(pod, latestByName(containers))) {
      await this.d.runtime.stopPodSandbox(sandbox.id);
      sandbox = { ...sandbox, state: "notready" };
    }
    await this.writeStatus(sandbox, containers);
  }

  private async keepVolumes(pod: KubeObject): Promise<void> {
    try {
      await this.d.preparer.keep(pod);
    } catch (e) {
      // Its containers run with what the volumes held; the next new container tries again.
      log.warn("agent: setting up a running pod's volumes failed", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String(e) });
    }
  }

  /** The running container an ephemeral one targets (its process namespace is joined); it must be running. */
  private targetOf(spec: any, existing: ContainerInfo[]): string {
    const target = latestByName(existing).get(spec.targetContainerName);
    if (target?.state !== "running") throw new RuntimeError("CreateContainerError", `target container ${JSON.stringify(spec.targetContainerName)} is not running`);
    return target.id;
  }

  /** Each crash moves the container's back-off on, once. */
  private noteExits(containers: ContainerInfo[]): void {
    const policy = this.pod.spec?.restartPolicy ?? "Always";
    for (const c of containers) {
      if (c.state !== "exited" || this.seenExits.has(c.id)) continue;
      this.seenExits.add(c.id);
      if (shouldRestart(policy, c) || (c.exitCode !== 0 && policy !== "Never")) {
        const b = nextBackoff(this.backoff.get(c.name), c, this.d.backoffBaseMs);
        this.backoff.set(c.name, b);
        if (b.delayMs > 0 && this.d.recordEvents) {
          void this.d.api.event(this.pod, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`, this.d.nodeName);
        }
      }
    }
  }

  private async startContainer(sandbox: SandboxInfo, spec: any, attempt: number, existing: ContainerInfo[]): Promise<boolean> {
    try {
      this.trace.mark("containerStart");
      await this.images.ensure(spec);
      this.trace.mark("imageDone");
      // Keep the run before this one (for lastState and `logs --previous`); older ones go.
      for (const c of existing) if (c.name === spec.name && c.attempt < attempt - 1) await this.d.runtime.removeContainer(c.id);
      const config = await this.d.preparer.containerConfig(this.pod, sandbox, spec, attempt);
      if (spec.targetContainerName) config.targetContainerId = this.targetOf(spec, existing);
      await this.gated("container", async () => {
        this.trace.mark("createStart");
        const id = await this.d.runtime.createContainer(sandbox, config, this.d.preparer.describeSandbox(this.pod, sandbox.attempt));
        this.trace.mark("createDone");
        await this.d.runtime.startContainer(id);
        this.trace.mark("startDone");
      });
      this.failures.delete(spec.name);
      if (this.d.recordEvents) void this.d.api.event(this.pod, "Normal", "Started", `Started container ${spec.name}`, this.d.nodeName);
      return true;
    } catch (e) {
      const reason = e instanceof RuntimeError ? e.reason : "CreateContainerError";
      const message = e instanceof Error ? e.message : String(e);
      this.failures.set(spec.name, { reason, message });
      if (this.d.recordEvents) {
        if (reason === "ImagePullBackOff") void this.d.api.event(this.pod, "Normal", "BackOff", message, this.d.nodeName);
        void this.d.api.event(this.pod, "Warning", "Failed", `Error: ${reason === "ErrImagePull" || reason === "ImagePullBackOff" || reason === "ErrImageNeverPull" ? reason : message}`, this.d.nodeName);
      }
      if (reason !== "ImagePullBackOff" && reason !== "ErrImagePull") this.wakeAt(this.d.now() + Math.max(1000, this.d.backoffBaseMs));
      return false;
    }
  }

  private gated<T>(work: "sandbox" | "container", fn: () => Promise<T>): Promise<T> {
    return this.d.startGate ? this.d.startGate.run(work, fn) : fn();
  }

  /** Termination messages read from each exited run's file, once (an exited run never changes). */
  private readonly messages = new Map<string, string | undefined>();

  /** Exited runs without a message from the runtime carry what they wrote to their termination-message file. */
  private withMessages(containers: ContainerInfo[]): ContainerInfo[] {
    const ids = new Set(containers.map((c) => c.id));
    for (const id of this.messages.keys()) if (!ids.has(id)) this.messages.delete(id);
    return containers.map((c) => {
      if (c.state !== "exited" || c.message) return c;
      if (!this.messages.has(c.id)) this.messages.set(c.id, this.d.preparer.terminationMessage(this.uid, c.name, c.attempt));
      const message = this.messages.get(c.id);
      return message === undefined ? c : { ...c, message };
    });
  }

  private async writeStatus(sandbox: SandboxInfo | undefined, listed: ContainerInfo[], terminal = false, evictedFor?: string): Promise<void> {
    const containers = this.withMessages(listed);
    const status = computePodStatus({
      pod: this.pod, sandbox, containers, backoff: terminal ? new Map() : this.backoff, failures: this.failures,
      hostIP: this.d.hostIP(), runtimeName: this.d.runtimeName, now: this.d.now(), probes: this.prober,
    });
    if (terminal) {
      // Since 1.27 a deleted pod ends in a terminal phase: Succeeded only if every container exited 0.
      const ok = status.containerStatuses.every((c: any) => c.state.terminated?.exitCode === 0);
      status.phase = ok ? "Succeeded" : "Failed";
      for (const c of status.containerStatuses) {
        if (c.lastState?.terminated && !c.state.terminated) c.state = { terminated: c.lastState.terminated };
        c.ready = false;
      }
      for (const cond of status.conditions) if (cond.type === "Ready" || cond.type === "ContainersReady") Object.assign(cond, { status: "False", reason: "PodCompleted" });
    }
    if (evictedFor !== undefined) markEvicted(status, evictedFor);
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    status.conditions = mergeConditions(this.pod.status?.conditions, status.conditions, nowTimestamp(new Date(this.d.now())));
    const updated = await this.d.api.patchPodStatus(this.pod, status);
    this.trace.statusWritten();
    this.lastStatus = key;
    if (updated && updated.metadata.uid === this.uid && !this.done) this.pod = updated;
  }

  private async removeSandbox(sb: SandboxInfo): Promise<void> {
    const grace = this.graceSeconds();
    for (const c of await this.d.runtime.listContainers(sb.id)) if (c.state === "running") await this.d.runtime.stopContainer(c.id, grace);
    await this.d.runtime.removePodSandbox(sb.id);
  }

  private graceSeconds(): number {
    const seconds = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);
    return seconds(this.pod.metadata.deletionGracePeriodSeconds) ?? seconds(this.pod.spec?.terminationGracePeriodSeconds) ?? 30;
  }

  /**
   * Node-pressure eviction (eviction/eviction-manager.ts): the pod stops at once (a hard
   * threshold allows no grace), is reported Failed/Evicted with the reason, and never restarts.
   * Resolves once that is done (or the pod had finished anyway).
   */
  evict(message: string): Promise<void> {
    if (!this.eviction) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      this.eviction = { message, resolve, done };
      this.trigger();
    }
    return this.eviction.done;
  }

  private async evictNow(e: { message: string; resolve: () => void }): Promise<void> {
    const { last, containers } = await this.stopAll(0, this.d.recordEvents);
    if (this.d.recordEvents) void this.d.api.event(this.pod, "Warning", "Evicted", e.message, this.d.nodeName);
    await this.writeStatus(last ? { ...last, state: "notready" } : undefined, containers, true, e.message);
    e.resolve();
  }

  /**
   * Stops every running container (together, each told as Killing when `tell`) and every
   * sandbox; returns the sandboxes and how the last one's containers ended.
   */
  private async stopAll(grace: number, tell: boolean): Promise<{ sandboxes: SandboxInfo[]; last: SandboxInfo | undefined; containers: ContainerInfo[] }> {
    this.prober.stop();
    const sandboxes = await this.sandboxes();
    const last = sandboxes.at(-1);
    let containers: ContainerInfo[] = [];
    for (const sb of sandboxes) {
      const running = (await this.d.runtime.listContainers(sb.id)).filter((c) => c.state === "running");
      await Promise.all(running.map(async (c) => {
        if (tell) void this.d.api.event(this.pod, "Normal", "Killing", `Stopping container ${c.name}`, this.d.nodeName);
        await this.d.runtime.stopContainer(c.id, grace);
      }));
      await this.d.runtime.stopPodSandbox(sb.id);
      if (sb === last) containers = await this.d.runtime.listContainers(sb.id);
    }
    return { sandboxes, last, containers };
  }

  /** The kubelet's admission refusal, for a pod it cannot read: stop what runs, say why, once. */
  private async reject(message: string): Promise<void> {
    await this.stopAll(this.graceSeconds(), false);
    await this.writeRejection(message);
  }

  private async writeRejection(message: string): Promise<void> {
    const status = rejectedStatus(message);
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    if (this.d.recordEvents) void this.d.api.event(this.pod, "Warning", status.reason, status.message, this.d.nodeName);
    const updated = await this.d.api.patchPodStatus(this.pod, status);
    this.trace.statusWritten();
    this.lastStatus = key;
    if (updated && updated.metadata.uid === this.uid && !this.done) this.pod = updated;
  }

  /** `unreadable`: the pod's spec cannot be read, so its last status is the refusal, not one computed from the spec. */
  private async terminate(unreadable?: string): Promise<void> {
    const { sandboxes, last, containers } = await this.stopAll(this.graceSeconds(), this.d.recordEvents && !this.removed);
    if (!this.removed) {
      // The last word on the pod: its containers as they ended, then the object goes.
      if (unreadable !== undefined) await this.writeRejection(unreadable);
      else await this.writeStatus(last ? { ...last, state: "notready" } : undefined, containers, true);
      await this.d.api.deletePod(this.pod);
    }
    for (const sb of sandboxes) await this.d.runtime.removePodSandbox(sb.id);
    await this.d.preparer.release({ namespace: this.pod.metadata.namespace, name: this.pod.metadata.name, uid: this.uid });
    this.stop();
    this.d.onDone(this.uid);
  }
}
