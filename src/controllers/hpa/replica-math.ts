/**
 * How many replicas a resource metric asks for (the HPA's replica calculator,
 * GetResourceReplicas / GetRawResourceReplicas): the usage ratio against the target over the
 * pods that report metrics, no change within the 10 % tolerance, and pods without metrics
 * counted pessimistically (0 % when scaling up, 100 % of their request when scaling down) so
 * that a missing reading never drives a larger step than the evidence allows.
 */

export const TOLERANCE = 0.1;

export interface PodReading {
  /** The pod's usage of the resource (millicores or bytes); undefined: no metrics for it. */
  usage?: number;
  /** The pod's request of the resource (sum over its containers); 0 when a container requests none. */
  request: number;
}

export type Target = { type: "Utilization"; averageUtilization: number } | { type: "AverageValue"; averageValue: number };

export interface Recommendation {
  replicas: number;
  /** Current utilization in percent (Utilization targets). */
  utilization?: number;
  /** Current average usage per pod (millicores or bytes). */
  averageValue: number;
}

export function resourceReplicas(currentReplicas: number, pods: PodReading[], target: Target): Recommendation | { error: string } {
  const measured = pods.filter((p) => p.usage !== undefined);
  if (measured.length === 0) return { error: "no metrics returned from resource metrics API" };
  const missing = pods.filter((p) => p.usage === undefined);
  if (target.type === "Utilization" && measured.some((p) => p.request <= 0)) return { error: "missing request for resource" };
  const ratioOf = (list: PodReading[], missingAs: (p: PodReading) => number) => {
    const usage = list.reduce((s, p) => s + (p.usage ?? missingAs(p)), 0);
    if (target.type === "Utilization") {
      const requests = list.reduce((s, p) => s + p.request, 0);
      const utilization = (usage * 100) / requests;
      return { ratio: utilization / target.averageUtilization, utilization, average: usage / list.length };
    }
    const average = usage / list.length;
    return { ratio: average / target.averageValue, average, utilization: undefined };
  };
  const first = ratioOf(measured, () => 0);
  const round = (r: ReturnType<typeof ratioOf>) => ({ utilization: r.utilization === undefined ? undefined : Math.round(r.utilization), averageValue: r.average });
  if (missing.length === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return { replicas: currentReplicas, ...round(first) };
    return { replicas: Math.ceil(first.ratio * measured.length), ...round(first) };
  }
  const up = first.ratio > 1;
  const rebalanced = ratioOf(pods, (p) => (up ? 0 : target.type === "Utilization" ? p.request : target.averageValue));
  // Within tolerance, or the missing pods reverse the direction: no change.
  if (Math.abs(1 - rebalanced.ratio) <= TOLERANCE || (up && rebalanced.ratio < 1) || (!up && rebalanced.ratio > 1)) {
    return { replicas: currentReplicas, ...round(first) };
  }
  const replicas = Math.ceil(rebalanced.ratio * pods.length);
  // Never a step the other way than the measured pods asked for.
  if ((up && replicas < currentReplicas) || (!up && replicas > currentReplicas)) return { replicas: currentReplicas, ...round(first) };
  return { replicas, ...round(first) };
}
