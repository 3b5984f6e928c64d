/**
 * The controller manager: once this server holds the `kube-system/kube-controller-manager`
 * Lease, it runs every controller with one shared informer factory; if the lease is lost,
 * they all stop (their signal aborts) and the server goes back to standing by.
 */
import { hostname } from "node:os";
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../api/resources/registry.ts";
import { controllerContext, type ControllerContext, type ControllerSettings } from "./framework/context.ts";
import { runController, type Controller } from "./framework/controller.ts";
import { runLeaderElection } from "./framework/leader-election.ts";
import { log } from "../log.ts";

export interface ControllerManagerOptions {
  storage: ObjectStorage;
  registry: ResourceRegistry;
  signal: AbortSignal;
  controllers: Controller[];
  settings?: Partial<ControllerSettings>;
  /** Unique per server process; default `<hostname>_<random>` as client-go does. */
  identity?: string;
  leaseDurationSeconds?: number;
  retryMs?: number;
  /** Also run while leading (the scheduler), with the same context. */
  alsoRun?: (ctx: ControllerContext) => void;
}

export function startControllerManager(o: ControllerManagerOptions): Promise<void> {
  const leaseDef = o.registry.find("coordination.k8s.io", "v1", "leases")!;
  return runLeaderElection({
    storage: o.storage,
    leaseDef,
    namespace: "kube-system",
    name: "kube-controller-manager",
    identity: o.identity ?? `${hostname()}_${crypto.randomUUID()}`,
    leaseDurationSeconds: o.leaseDurationSeconds,
    retryMs: o.retryMs,
    signal: o.signal,
    onStartedLeading(signal) {
      const ctx = controllerContext({ storage: o.storage, registry: o.registry, signal, settings: o.settings });
      for (const c of o.controllers) {
        runController(c, ctx).catch((e) => {
          if (!signal.aborted) log.error(`controller ${c.name} stopped`, { error: String(e) });
        });
      }
      o.alsoRun?.(ctx);
    },
  });
}
