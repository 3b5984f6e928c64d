/**
 * One pod's images, as the kubelet's image manager gets them before a container starts: by the
 * pull policy, with the pull back-off per container (10 s doubling to 5 min) and the events
 * kubectl describe shows. Failures are RuntimeErrors whose reason is the container's waiting
 * reason (ErrImageNeverPull, ErrImagePull, ImagePullBackOff).
 */
import type { Runtime } from "../runtime/types.ts";
import { RuntimeError } from "../runtime/types.ts";
import { BACKOFF_MAX_MS } from "./pod-actions.ts";

export interface ImagePullerDeps {
  runtime: Runtime;
  now: () => number;
  /** First back-off after a failed pull (at least 1 s). */
  backoffBaseMs: number;
  /** An event about the pod (Pulling, Pulled, Failed). */
  event(type: "Normal" | "Warning", reason: string, message: string): void;
  /** The pod is looked at again then (a back-off ends). */
  wakeAt(ms: number): void;
}

export class ImagePuller {
  /** Image pull back-off per container name. */
  private readonly backoff = new Map<string, { delayMs: number; untilMs: number }>();

  constructor(private readonly d: ImagePullerDeps) {}

  /**
   * Makes sure the container's image is here, as the pull policy says: ErrImageNeverPull for
   * Never, a pull for a missing image (or always under Always, where an image already present
   * still serves an air-gapped node), ErrImagePull on failure and ImagePullBackOff while
   * waiting to try again.
   */
  async ensure(spec: any): Promise<void> {
    const { runtime } = this.d;
    const policy = spec.imagePullPolicy ?? "IfNotPresent";
    const present = await runtime.hasImage(spec.image);
    const canPull = !!runtime.pullImage;
    if (present && policy !== "Always") {
      if (canPull) this.d.event("Normal", "Pulled", `Container image "${spec.image}" already present on machine`);
      return;
    }
    if (policy === "Never") throw new RuntimeError("ErrImageNeverPull", `Container image "${spec.image}" is not present with pull policy of Never`);
    if (!canPull) {
      if (!present) throw new RuntimeError("ErrImagePull", `image "${spec.image}" is not present on this node and no registry is configured`);
      return;
    }
    const b = this.backoff.get(spec.name);
    if (!present && b && this.d.now() < b.untilMs) {
      this.d.wakeAt(b.untilMs);
      throw new RuntimeError("ImagePullBackOff", `Back-off pulling image "${spec.image}"`);
    }
    this.d.event("Normal", "Pulling", `Pulling image "${spec.image}"`);
    const t0 = this.d.now();
    try {
      await runtime.pullImage!(spec.image);
      this.backoff.delete(spec.name);
      this.d.event("Normal", "Pulled", `Successfully pulled image "${spec.image}" in ${this.d.now() - t0}ms`);
    } catch (e) {
      if (present) return;
      const delayMs = b ? Math.min(BACKOFF_MAX_MS, b.delayMs * 2) : Math.max(1000, this.d.backoffBaseMs);
      this.backoff.set(spec.name, { delayMs, untilMs: this.d.now() + delayMs });
      this.d.wakeAt(this.d.now() + delayMs);
      const message = `Failed to pull image "${spec.image}": ${e instanceof Error ? e.message : String(e)}`;
      this.d.event("Warning", "Failed", message);
      throw new RuntimeError("ErrImagePull", message, { cause: e });
    }
  }
}
