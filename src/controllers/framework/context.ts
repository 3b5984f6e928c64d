/**
 * What a controller gets: the one write path, the registry (to find resource definitions),
 * shared informers, an event recorder, a clock and the signal that stops it. Tests build one
 * with `controllerContext(...)` around an in-process control plane.
 */
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../../api/resources/registry.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import { InformerFactory, type SharedInformer } from "./informer-factory.ts";
import { StorageEventRecorder, type EventRecorder } from "./events.ts";
import type { KubeObject } from "../../model/object.ts";

export interface ControllerSettings {
  /** How long a node may go without renewing its Lease before it is NotReady/Unknown (K8s: 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** How long an Event lives after its last write (kube-apiserver --event-ttl: 1 h). */
  eventTtlMs: number;
  /** How long a pod bound to a vanished node waits before the pod GC force-deletes it (K8s: 40 s). */
  orphanPodQuarantineMs: number;
  /**
   * tolerationSeconds the DefaultTolerationSeconds admission gives new pods for the not-ready
   * and unreachable NoExecute taints (kube-apiserver --default-*-toleration-seconds: 300).
   */
  notReadyTolerationSeconds: number;
  unreachableTolerationSeconds: number;
  /** Recheck period for namespaces whose content is still going away. */
  namespaceRecheckMs: number;
  /** Where node pod CIDRs come from (`--cluster-cidr`) and their size (kube-controller-manager's node-cidr-mask-size). */
  clusterCidr: string;
  nodeCidrMaskSize: number;
  /** Delay before a Job replaces a failed pod: base × 2^(failures-1), capped (K8s: 10 s, 6 min). */
  jobBackoffBaseMs: number;
  jobBackoffMaxMs: number;
  /** How often the store compacts its history (kube-apiserver --etcd-compaction-interval: 5 m; 0: never). Read by the server, not by controllers. */
  etcdCompactionIntervalMs?: number;
  /** ServiceLB: LoadBalancer Services get the node IPs as ingress (K3s `--disable=servicelb` turns it off). */
  serviceLb: boolean;
  /** How often each HorizontalPodAutoscaler is evaluated (--horizontal-pod-autoscaler-sync-period: 15 s); tests shorten it. */
  hpaSyncPeriodMs?: number;
  /** The scale-down stabilization window of HPAs without their own (--horizontal-pod-autoscaler-downscale-stabilization: 5 m). */
  hpaDownscaleStabilizationMs?: number;
  /** The clock CronJob schedules are read against, and how fast it runs; tests run one fast. Default: ctx.now. */
  scheduleClock?: { now: () => Date; speed: number };
  /** The cluster CA (PEM) every namespace's `kube-root-ca.crt` carries; absent: none is published. */
  rootCaPem?: string;
  /**
   * Finished pods (Succeeded or Failed) kept at most; the oldest beyond are deleted
   * (--terminated-pod-gc-threshold: 12500; 0 keeps them all).
   */
  terminatedPodGcThreshold?: number;
  /** How often the pod GC counts finished pods (kube-controller-manager: 20 s); tests shorten it. */
  podGcPeriodMs?: number;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
  nodeMonitorGracePeriodMs: 40_000,
  eventTtlMs: 3_600_000,
  orphanPodQuarantineMs: 40_000,
  notReadyTolerationSeconds: 300,
  unreachableTolerationSeconds: 300,
  namespaceRecheckMs: 1000,
  clusterCidr: "10.42.0.0/16",
  nodeCidrMaskSize: 24,
  jobBackoffBaseMs: 10_000,
  jobBackoffMaxMs: 360_000,
  serviceLb: true,
};

export interface ControllerContext {
  storage: ObjectStorage;
  registry: ResourceRegistry;
  informers: InformerFactory;
  events: EventRecorder;
  signal: AbortSignal;
  now: () => Date;
  settings: ControllerSettings;
  /** The definition of a served resource, e.g. `ctx.def("apps", "deployments")`. Throws when not served. */
  def(group: string, plural: string): ResourceDef;
  /** Shorthand for `informers.for(def(group, plural))`; `T` is the kind, e.g. `informer<Pod>("", "pods")`. */
  informer<T extends KubeObject = KubeObject>(group: string, plural: string): SharedInformer<T>;
}

export function controllerContext(o: {
  storage: ObjectStorage;
  registry: ResourceRegistry;
  signal: AbortSignal;
  now?: () => Date;
  settings?: Partial<ControllerSettings>;
  events?: EventRecorder;
}): ControllerContext {
  const informers = new InformerFactory(o.storage, o.signal);
  const def = (group: string, plural: string): ResourceDef => {
    const d = o.registry.all.find((r) => r.group === group && r.plural === plural);
    if (!d) throw new Error(`resource ${plural}.${group} is not served`);
    return d;
  };
  return {
    storage: o.storage,
    registry: o.registry,
    informers,
    events: o.events ?? new StorageEventRecorder(o.storage, o.registry),
    signal: o.signal,
    now: o.now ?? (() => new Date()),
    settings: { ...DEFAULT_CONTROLLER_SETTINGS, ...o.settings },
    def,
    informer: <T extends KubeObject>(group: string, plural: string) => informers.for<T>(def(group, plural)),
  };
}
