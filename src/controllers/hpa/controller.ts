/**
 * The HorizontalPodAutoscaler controller (kube-controller-manager's podautoscaler): every
 * sync period each autoscaler reads its target's scale subresource, the usage of the target's
 * pods from metrics.k8s.io's source, computes the replicas each resource metric asks for
 * (replica-math.ts), takes the largest, passes it through the behavior's stabilization and
 * rate limits (behavior.ts) and min/max — enforced even without metrics — then scales through
 * the scale subresource's write and reports status, conditions and events as upstream does.
 */
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Pod } from "../../model/kinds.ts";
import { nowTimestamp } from "../../model/object.ts";
import { isStatusError } from "../../model/errors.ts";
import { matchesRequirements, parseLabelSelector } from "../../model/label-selector.ts";
import { Quantity } from "../../model/quantity.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { MetricsSource } from "../../resource-metrics/types.ts";
import { getScale, scaleMutation } from "../../api/handlers/scale.ts";
import { recordUpdate } from "../../api/handlers/field-manager.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import { resourceReplicas, type PodReading, type Target } from "./replica-math.ts";
import { limitRate, stabilize, type Behavior, type TimedValue } from "./behavior.ts";

const COMPONENT = "horizontal-pod-autoscaler";
/** The field manager of kube-controller-manager's writes (its user agent's name). */
const CONTROLLER_MANAGER = "kube-controller-manager";
/** kube-controller-manager's --horizontal-pod-autoscaler-sync-period. */
export const DEFAULT_SYNC_PERIOD_MS = 15_000;
const HISTORY_MS = 600_000;

export interface HpaControllerOptions {
  metrics?: MetricsSource;
  syncPeriodMs?: number;
  /** The scale-down stabilization window of HPAs that set none (default 300 s). */
  downscaleStabilizationMs?: number;
}

interface Condition {
  type: string;
  status: "True" | "False";
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export class HorizontalPodAutoscalerController implements Controller {
  readonly name = "horizontal-pod-autoscaler";
  private ctx!: ControllerContext;
  private hpas!: SharedInformer;
  private pods!: SharedInformer<Pod>;
  private hpaDef!: ResourceDef;
  private readonly recommendations = new Map<string, TimedValue[]>();
  private readonly scaleEvents = new Map<string, TimedValue[]>();

  constructor(private readonly o: HpaControllerOptions = {}) {}

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.hpaDef = ctx.registry.find("autoscaling", "v2", "horizontalpodautoscalers")!;
    this.hpas = ctx.informers.for(this.hpaDef);
    this.pods = ctx.informer("", "pods");
    this.hpas.addHandler({
      onChange: (h, old) => {
        if (!old || old.metadata.generation !== h.metadata.generation) queue.add(keyOf(h));
      },
      onDelete: (h) => {
        this.recommendations.delete(keyOf(h));
        this.scaleEvents.delete(keyOf(h));
      },
    });
    await Promise.all([this.hpas.start(ctx.signal), this.pods.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<number | void> {
    const period = this.o.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    const hpa = this.hpas.get(key);
    if (!hpa) return;
    const { namespace } = splitKey(key);
    const spec = hpa.spec ?? {};
    const conditions: Condition[] = [];
    const status: Record<string, any> = { ...(hpa.status ?? {}), observedGeneration: hpa.metadata.generation };
    const finish = async () => {
      await this.writeStatus(hpa, status, conditions);
      return period;
    };

    const ref = spec.scaleTargetRef ?? {};
    const [group, version] = String(ref.apiVersion ?? "").includes("/") ? String(ref.apiVersion).split("/") : ["", ref.apiVersion ?? "v1"];
    // scaleTargetRef.apiVersion is optional: without it, the one served kind of that name with a scale subresource.
    const targetDef = ref.apiVersion
      ? this.ctx.registry.forKind(group!, version!, ref.kind)
      : this.ctx.registry.all.find((d) => d.kind === ref.kind && d.subresources?.includes("scale"));
    let target: KubeObject | undefined;
    if (targetDef?.subresources?.includes("scale")) {
      target = await this.ctx.storage.tryGet(targetDef, namespace, ref.name);
    }
    if (!targetDef || !target) {
      const message = `the HPA controller was unable to get the target's current scale: ${ref.kind ?? ""}/${ref.name ?? ""} ${targetDef ? "not found" : "has no scale subresource"}`;
      conditions.push({ type: "AbleToScale", status: "False", reason: "FailedGetScale", message });
      await this.ctx.events.record(hpa, "Warning", "FailedGetScale", message, COMPONENT);
      return finish();
    }
    const scale = getScale(targetDef, target);
    const current = scale.spec.replicas as number;
    status.currentReplicas = scale.status.replicas ?? current;
    const min = spec.minReplicas ?? 1;
    const max = spec.maxReplicas ?? min;
    if (current === 0 && min !== 0) {
      conditions.push({ type: "ScalingActive", status: "False", reason: "ScalingDisabled", message: "scaling is disabled since the replica count of the target is zero" });
      status.desiredReplicas = 0;
      return finish();
    }

    const pods = this.selectedPods(namespace!, scale.status.selector);
    const metrics = Array.isArray(spec.metrics) && spec.metrics.length ? spec.metrics : [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }];
    let proposal: number | undefined;
    let reason = "";
    const currentMetrics: object[] = [];
    const failures: string[] = [];
    for (const m of metrics) {
      if (m?.type !== "Resource" || (m.resource?.name !== "cpu" && m.resource?.name !== "memory")) {
        failures.push(`the HPA controller was unable to get metric of type ${m?.type}: only cpu and memory resource metrics are supported`);
        continue;
      }
      const resource = m.resource.name as "cpu" | "memory";
      const t = m.resource.target ?? {};
      const target: Target | undefined = t.type === "Utilization" ? { type: "Utilization", averageUtilization: t.averageUtilization }
        : t.type === "AverageValue" ? { type: "AverageValue", averageValue: toUnits(resource, t.averageValue) } : undefined;
      if (!target) {
        failures.push(`invalid target type ${t.type} for resource ${resource}`);
        continue;
      }
      const r = resourceReplicas(current, pods.map((p) => this.reading(p, resource)), target);
      if ("error" in r) {
        failures.push(`failed to get ${resource} utilization: ${r.error}`);
        continue;
      }
      currentMetrics.push({
        type: "Resource",
        resource: { name: resource, current: { ...(r.utilization !== undefined ? { averageUtilization: r.utilization } : {}), averageValue: fromUnits(resource, r.averageValue) } },
      });
      if (proposal === undefined || r.replicas > proposal) {
        proposal = r.replicas;
        reason = `${resource} resource${target.type === "Utilization" ? " utilization (percentage of request)" : ""} ${r.replicas > current ? "above" : "below"} target`;
      }
    }
    status.currentMetrics = currentMetrics.length ? currentMetrics : undefined;
    if (proposal === undefined) {
      conditions.push({ type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message: failures[0] ?? "no metrics" });
      await this.ctx.events.record(hpa, "Warning", "FailedGetResourceMetric", failures[0] ?? "no metrics", COMPONENT);
    } else {
      conditions.push({ type: "ScalingActive", status: "True", reason: "ValidMetricFound", message: "the HPA was able to successfully calculate a replica count from resource metrics" });
    }

    const nowMs = this.ctx.now().getTime();
    const behavior = spec.behavior as Behavior | undefined;
    let desired = current;
    if (proposal !== undefined) {
      const history = this.prune(this.recommendations, key, nowMs);
      desired = stabilize(current, proposal, history, behavior, nowMs, this.o.downscaleStabilizationMs === undefined ? undefined : this.o.downscaleStabilizationMs / 1000);
      history.push({ atMs: nowMs, value: proposal });
      desired = limitRate(current, desired, this.prune(this.scaleEvents, key, nowMs), behavior, nowMs);
    }
    const bounded = Math.min(Math.max(desired, min), max);
    if (bounded !== desired || proposal === undefined) {
      conditions.push(bounded > desired
        ? { type: "ScalingLimited", status: "True", reason: "TooFewReplicas", message: "the desired replica count is less than the minimum replica count" }
        : bounded < desired
          ? { type: "ScalingLimited", status: "True", reason: "TooManyReplicas", message: "the desired replica count is more than the maximum replica count" }
          : { type: "ScalingLimited", status: "False", reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" });
      if (proposal === undefined && bounded !== current) reason = bounded > current ? "Current number of replicas below Spec.MinReplicas" : "Current number of replicas above Spec.MaxReplicas";
    } else {
      conditions.push({ type: "ScalingLimited", status: "False", reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" });
    }
    desired = bounded;
    status.desiredReplicas = desired;

    if (desired !== current) {
      try {
        const rescale = scaleMutation(targetDef, () => ({ spec: { replicas: desired } }));
        // Recorded as Kubernetes records it (the controller manager's Update of the scale
        // subresource), so a later server-side apply of replicas conflicts with the autoscaler.
        await this.ctx.storage.update(targetDef, namespace, ref.name, (cur) => recordUpdate(targetDef, { dryRun: false }, CONTROLLER_MANAGER, cur, rescale(cur), "scale"));
      } catch (e) {
        const message = `failed to rescale ${ref.kind}/${ref.name}: ${(e as Error).message}`;
        conditions.unshift({ type: "AbleToScale", status: "False", reason: "FailedUpdateScale", message });
        await this.ctx.events.record(hpa, "Warning", "FailedRescale", message, COMPONENT);
        await this.writeStatus(hpa, status, conditions);
        throw e;
      }
      this.prune(this.scaleEvents, key, nowMs).push({ atMs: nowMs, value: desired - current });
      status.lastScaleTime = nowTimestamp(this.ctx.now());
      conditions.unshift({ type: "AbleToScale", status: "True", reason: "SucceededRescale", message: `the HPA controller was able to update the target scale to ${desired}` });
      await this.ctx.events.record(hpa, "Normal", "SuccessfulRescale", `New size: ${desired}; reason: ${reason}`, COMPONENT);
    } else {
      conditions.unshift({ type: "AbleToScale", status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size" });
    }
    return finish();
  }

  private selectedPods(namespace: string, selector: unknown): Pod[] {
    if (typeof selector !== "string" || selector === "") return [];
    let reqs;
    try {
      reqs = parseLabelSelector(selector);
    } catch {
      return [];
    }
    return this.pods.list(namespace).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed" && matchesRequirements(reqs, p.metadata.labels));
  }

  /** A pod's usage (millicores or bytes) from metrics.k8s.io's source and its request, summed over containers. */
  private reading(pod: Pod, resource: "cpu" | "memory"): PodReading {
    let request = 0;
    for (const c of pod.spec?.containers ?? []) {
      const q = c.resources?.requests?.[resource];
      if (q === undefined) return { request: 0, usage: this.usage(pod, resource) };
      request += toUnits(resource, q);
    }
    return { request, usage: this.usage(pod, resource) };
  }

  private usage(pod: Pod, resource: "cpu" | "memory"): number | undefined {
    const m = this.o.metrics?.pod(pod.metadata.namespace ?? "", pod.metadata.name ?? "");
    if (!m) return undefined;
    return m.containers.reduce((s, c) => s + toUnits(resource, c.usage[resource]), 0);
  }

  private prune(map: Map<string, TimedValue[]>, key: string, nowMs: number): TimedValue[] {
    const kept = (map.get(key) ?? []).filter((r) => r.atMs > nowMs - HISTORY_MS);
    map.set(key, kept);
    return kept;
  }

  private async writeStatus(hpa: KubeObject, status: Record<string, any>, conditions: Condition[]): Promise<void> {
    const now = nowTimestamp(this.ctx.now());
    const old: Condition[] = hpa.status?.conditions ?? [];
    status.conditions = conditions.map((c) => {
      const before = old.find((o) => o.type === c.type);
      return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now };
    });
    if (status.currentMetrics === undefined) delete status.currentMetrics;
    if (Bun.deepEquals(status, hpa.status)) return;
    try {
      await this.ctx.storage.update(this.hpaDef, hpa.metadata.namespace, hpa.metadata.name!, (cur) => ({ ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, status }), { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

/** cpu in millicores, memory in bytes. */
function toUnits(resource: "cpu" | "memory", q: unknown): number {
  try {
    const parsed = Quantity.parse(q as string);
    return resource === "cpu" ? Number(parsed.milli()) : Number(parsed.value());
  } catch {
    return 0;
  }
}

function fromUnits(resource: "cpu" | "memory", n: number): string {
  return resource === "cpu" ? `${Math.round(n)}m` : `${Math.round(n)}`;
}
