/**
 * Where a pod's first start spends its time, for the pod-burst benchmark (bench/pods.ts) and
 * for anyone chasing a slow start: moments stamped by the pod worker, told once as one debug
 * log line (`agent: pod startup`, run with --debug) when the first status after the pod's
 * containers started is written. Stamps are wall-clock ms (Date.now()), comparable with
 * another process's on the same machine.
 *
 * @example
 *   {"msg":"agent: pod startup","pod":"bench/burst-3","seen":…,"sandboxStart":…,"sandboxDone":…, …}
 */
import { log } from "../../log.ts";

export const STARTUP_STAMPS = [
  /** The worker was made: the pod reached this node's informer. */
  "seen",
  /** Volumes set up and a start slot had (start-gate.ts): RunPodSandbox called. */
  "sandboxStart",
  /** RunPodSandbox (CNI set-up included, it happens inside) and its PodSandboxStatus returned. */
  "sandboxDone",
  "containerStart",
  "imageDone",
  /** The container's config prepared and a start slot had: CreateContainer called. */
  "createStart",
  /** CreateContainer returned. */
  "createDone",
  /** StartContainer returned. */
  "startDone",
  /** The status naming the started containers was written to the API. */
  "statusDone",
] as const;
export type StartupStamp = (typeof STARTUP_STAMPS)[number];

export class StartupTrace {
  private readonly stamps: Partial<Record<StartupStamp, number>> = {};
  private done = false;

  constructor(
    private readonly pod: string,
    private readonly now: () => number = Date.now,
    private readonly report: (fields: Record<string, unknown>) => void = (fields) => log.debug("agent: pod startup", fields),
  ) {
    this.stamps.seen = now();
  }

  /** Stamps the moment; a later stamp of the same name (a second container) moves it on. */
  mark(stamp: StartupStamp): void {
    if (this.done) return;
    if (stamp === "containerStart" && this.stamps.containerStart !== undefined) return;
    this.stamps[stamp] = this.now();
  }

  /** The status was written: after containers started, that ends the trace and tells it. */
  statusWritten(): void {
    if (this.done || this.stamps.startDone === undefined) return;
    this.stamps.statusDone = this.now();
    this.done = true;
    this.report({ pod: this.pod, ...this.stamps });
  }
}
