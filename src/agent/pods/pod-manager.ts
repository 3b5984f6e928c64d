/**
 * The node's pods: one PodWorker per pod uid, fed by the API (pods bound to this node) and
 * by the runtime (container exits). After the first full list it adopts what the runtime
 * already runs — a restarted agent picks its pods up where they are — and tears down
 * sandboxes whose pod no longer exists (deleted while the agent was away).
 */
import type { KubeObject } from "../../model/object.ts";
import type { SandboxInfo } from "../runtime/types.ts";
import { PodWorker, type PodWorkerDeps } from "./pod-worker.ts";
import { log } from "../../log.ts";

export type PodManagerDeps = Omit<PodWorkerDeps, "onDone">;

export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  /** Pods this agent finished deleting; later echoes of them (finalizers pending) are ignored. */
  private readonly finished = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly d: PodManagerDeps) {
    this.unsubscribe = d.runtime.subscribe((e) => this.workers.get(e.podUid)?.trigger());
  }

  get size(): number {
    return this.workers.size;
  }

  /** The pod this node runs under that name (the kubelet's GetPodByName), as last seen from the API. */
  podByName(namespace: string, name: string): KubeObject | undefined {
    for (const w of this.workers.values()) {
      const p = w.current;
      if (p.metadata.name === name && p.metadata.namespace === namespace) return p;
    }
    return undefined;
  }

  onPod(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    if (pod.spec?.nodeName !== this.d.nodeName || this.finished.has(uid)) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(pod, { ...this.d, onDone: (id) => this.doneWith(id) });
      this.workers.set(uid, w);
      w.trigger();
    } else {
      w.update(pod);
    }
  }

  /** The pods that run or may still run here (not finished, not being deleted): eviction's candidates. */
  activePods(): KubeObject[] {
    const out: KubeObject[] = [];
    for (const w of this.workers.values()) {
      const p = w.current;
      if (p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed" && !p.metadata.deletionTimestamp) out.push(p);
    }
    return out;
  }

  /** Evicts the pod (see PodWorker.evict); resolves at once for a pod this node does not run. */
  evict(pod: KubeObject, message: string): Promise<void> {
    return this.workers.get(pod.metadata.uid!)?.evict(message) ?? Promise.resolve();
  }

  onPodDeleted(pod: KubeObject): void {
    const w = this.workers.get(pod.metadata.uid!);
    if (w) w.remove();
    else this.finished.delete(pod.metadata.uid!);
  }

  /** After the first list: sandboxes of pods the API no longer has are stopped and removed. */
  async reconcileOrphans(known: Iterable<KubeObject>): Promise<void> {
    const uids = new Set([...known].map((p) => p.metadata.uid!));
    const gone = new Map<string, SandboxInfo>();
    for (const sb of await this.d.runtime.listPodSandboxes()) {
      if (uids.has(sb.uid)) continue;
      gone.set(sb.uid, sb);
      log.info("agent: removing the sandbox of a pod that no longer exists", { pod: `${sb.namespace}/${sb.name}`, uid: sb.uid });
      for (const c of await this.d.runtime.listContainers(sb.id)) if (c.state === "running") await this.d.runtime.stopContainer(c.id, 0);
      await this.d.runtime.stopPodSandbox(sb.id);
      await this.d.runtime.removePodSandbox(sb.id);
    }
    for (const sb of gone.values()) await this.d.preparer.release(sb);
  }

  stop(): void {
    this.unsubscribe();
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }

  private doneWith(uid: string): void {
    this.workers.delete(uid);
    this.finished.add(uid);
  }
}
