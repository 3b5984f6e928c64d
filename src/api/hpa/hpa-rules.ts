/**
 * Defaults and validation of HorizontalPodAutoscalers (pkg/apis/autoscaling: SetDefaults_*,
 * ValidateHorizontalPodAutoscaler), in autoscaling/v2 and the v1 form served from it.
 */
import type { KubeObject } from "../../model/object.ts";
import type { StatusCause } from "../../model/errors.ts";

const RESOURCE_METRIC_TYPES = ["Utilization", "AverageValue", "Value"];

/** v2: minReplicas 1, and with no metrics the 80 % average CPU utilization v1 always meant. */
export function defaultHpaV2(obj: KubeObject): void {
  const spec = obj.spec;
  if (!spec || typeof spec !== "object") return;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }];
  }
}

export function defaultHpaV1(obj: KubeObject): void {
  if (obj.spec && typeof obj.spec === "object") obj.spec.minReplicas ??= 1;
}

function common(spec: any, out: StatusCause[]): void {
  const ref = spec?.scaleTargetRef;
  if (!ref?.kind) out.push({ reason: "FieldValueRequired", field: "spec.scaleTargetRef.kind", message: "Required value" });
  if (!ref?.name) out.push({ reason: "FieldValueRequired", field: "spec.scaleTargetRef.name", message: "Required value" });
  const min = spec?.minReplicas;
  const max = spec?.maxReplicas;
  if (min !== undefined && min !== null && min < 1) {
    out.push({ reason: "FieldValueInvalid", field: "spec.minReplicas", message: `Invalid value: ${min}: must be greater than or equal to 1` });
  }
  if (typeof max !== "number" || max < 1) {
    out.push({ reason: "FieldValueInvalid", field: "spec.maxReplicas", message: `Invalid value: ${JSON.stringify(max ?? 0)}: must be greater than 0` });
  } else if (typeof min === "number" && max < min) {
    out.push({ reason: "FieldValueInvalid", field: "spec.maxReplicas", message: `Invalid value: ${max}: must be greater than or equal to \`minReplicas\`` });
  }
}

export function validateHpaV2(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  common(obj.spec, out);
  (obj.spec?.metrics ?? []).forEach((m: any, i: number) => {
    const p = `spec.metrics[${i}]`;
    if (m?.type !== "Resource") return; // other metric types are accepted and reported unsupported by the controller
    const r = m.resource;
    if (!r?.name) out.push({ reason: "FieldValueRequired", field: `${p}.resource.name`, message: "Required value: must specify a resource name" });
    const t = r?.target;
    if (!RESOURCE_METRIC_TYPES.includes(t?.type)) {
      out.push({ reason: "FieldValueNotSupported", field: `${p}.resource.target.type`, message: `Unsupported value: ${JSON.stringify(t?.type ?? "")}: supported values: "AverageValue", "Utilization", "Value"` });
    } else if (t.type === "Utilization" && !(t.averageUtilization > 0)) {
      out.push({ reason: "FieldValueRequired", field: `${p}.resource.target.averageUtilization`, message: "Required value: must set either a target raw value or a target utilization" });
    } else if (t.type === "AverageValue" && t.averageValue === undefined) {
      out.push({ reason: "FieldValueRequired", field: `${p}.resource.target.averageValue`, message: "Required value: must set either a target raw value or a target utilization" });
    }
  });
  return out;
}

export function validateHpaV1(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  common(obj.spec, out);
  const t = obj.spec?.targetCPUUtilizationPercentage;
  if (t !== undefined && t !== null && t < 1) {
    out.push({ reason: "FieldValueInvalid", field: "spec.targetCPUUtilizationPercentage", message: `Invalid value: ${t}: must be greater than or equal to 1` });
  }
  return out;
}
