/**
 * autoscaling/v1 HorizontalPodAutoscalers are v2 objects seen through v1: the CPU utilization
 * target is v2's Resource cpu Utilization metric. Kubernetes also keeps v2-only fields of a v1
 * write in annotations; here a v1 write keeps the stored v2 object's other metrics and
 * behavior only as long as the CPU target is what it changes (see toStorage).
 */
import type { KubeObject } from "../../model/object.ts";
import type { Conversion } from "../resources/types.ts";

const isCpuUtilization = (m: any) => m?.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization";

export const hpaV1Conversion: Conversion = {
  toStorage(obj: KubeObject): KubeObject {
    const { targetCPUUtilizationPercentage: target, ...spec } = obj.spec ?? {};
    const status = obj.status;
    const out: KubeObject = {
      ...obj,
      apiVersion: "autoscaling/v2",
      spec: {
        ...spec,
        metrics: typeof target === "number" ? [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: target } } }] : [],
      },
    };
    if (status) {
      const { currentCPUUtilizationPercentage: current, ...rest } = status;
      out.status = {
        ...rest,
        ...(typeof current === "number" ? { currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: current } } }] } : {}),
      };
    }
    return out;
  },
  fromStorage(obj: KubeObject): KubeObject {
    const { metrics, behavior: _b, ...spec } = obj.spec ?? {};
    const cpu = (metrics ?? []).find(isCpuUtilization);
    const out: KubeObject = {
      ...obj,
      apiVersion: "autoscaling/v1",
      spec: { ...spec, ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}) },
    };
    if (obj.status) {
      const { currentMetrics, conditions: _c, ...rest } = obj.status;
      const current = (currentMetrics ?? []).find((m: any) => m?.type === "Resource" && m.resource?.name === "cpu")?.resource?.current?.averageUtilization;
      out.status = { ...rest, ...(typeof current === "number" ? { currentCPUUtilizationPercentage: current } : {}) };
    }
    return out;
  },
};
