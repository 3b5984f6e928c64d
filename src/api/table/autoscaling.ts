/** autoscaling/v2 HorizontalPodAutoscaler: `NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE`. */
import type { Printer } from "./types.ts";
import { ageColumn, col, nameColumn } from "./columns.ts";
import { since } from "./human-duration.ts";
import { int } from "./format.ts";

const UNKNOWN = "<unknown>";

function pct(v: unknown): string | undefined {
  return typeof v === "number" ? `${v}%` : undefined;
}

/** One metric as `current/target` (the printers' `formatHPAMetrics` cases). */
function formatMetric(spec: any, status: any): string {
  switch (spec.type) {
    case "External":
    case "Object": {
      const key = spec.type === "External" ? "external" : "object";
      const target = spec[key]?.target ?? {};
      const current = status?.[key]?.current;
      if (target.averageValue != null) return `${current?.averageValue ?? UNKNOWN}/${target.averageValue} (avg)`;
      return `${status?.[key] ? (current?.value ?? "0") : UNKNOWN}/${target.value ?? "0"}`;
    }
    case "Pods":
      return `${status?.pods ? (status.pods.current?.averageValue ?? "0") : UNKNOWN}/${spec.pods?.target?.averageValue ?? "0"}`;
    case "Resource":
    case "ContainerResource": {
      const key = spec.type === "Resource" ? "resource" : "containerResource";
      const src = spec[key] ?? {};
      const cur = status?.[key];
      if (src.target?.averageValue != null) return `${src.name}: ${cur ? (cur.current?.averageValue ?? "0") : UNKNOWN}/${src.target.averageValue}`;
      return `${src.name}: ${pct(cur?.current?.averageUtilization) ?? UNKNOWN}/${pct(src.target?.averageUtilization) ?? "<auto>"}`;
    }
  }
  return "<unknown type>";
}

export function formatHPAMetrics(specs: any[] | undefined, statuses: any[] | undefined): string {
  const list = specs ?? [];
  if (list.length === 0) return "<none>";
  const parts = list.map((s, i) => formatMetric(s, statuses?.[i]));
  const max = 2;
  return parts.length > max ? `${parts.slice(0, max).join(", ")} + ${parts.length - max} more...` : parts.join(", ");
}

export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn,
    col("Reference", "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."),
    col("Targets", "metrics contains the specifications for which to use to calculate the desired replica count."),
    col("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
    col("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
    col("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler."),
    ageColumn,
  ],
  cells(obj, now) {
    const spec = obj.spec ?? {};
    const ref = spec.scaleTargetRef ?? {};
    return [
      obj.metadata.name ?? "",
      `${ref.kind ?? ""}/${ref.name ?? ""}`,
      formatHPAMetrics(spec.metrics, obj.status?.currentMetrics),
      typeof spec.minReplicas === "number" ? String(spec.minReplicas) : "<unset>",
      int(spec.maxReplicas),
      int(obj.status?.currentReplicas),
      since(obj.metadata.creationTimestamp, now),
    ];
  },
};
