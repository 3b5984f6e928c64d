/**
 * autoscaling/v2 `behavior`: stabilization windows over past recommendations and rate limits
 * from scaling policies over past scale events, with Kubernetes' defaults (scale up: no window,
 * at most +4 pods or +100 % per 15 s, whichever is more; scale down: a 300 s window, at most
 * -100 % per 15 s). Pure: history is passed in and returned.
 */

export interface Policy {
  type: "Pods" | "Percent";
  value: number;
  periodSeconds: number;
}

export interface Rules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: "Max" | "Min" | "Disabled";
  policies?: Policy[];
}

export interface Behavior {
  scaleUp?: Rules;
  scaleDown?: Rules;
}

export const DEFAULT_SCALE_UP: Required<Rules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
};

export const DEFAULT_SCALE_DOWN: Required<Rules> = {
  stabilizationWindowSeconds: 300,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
};

export interface TimedValue {
  atMs: number;
  value: number;
}

const rules = (given: Rules | undefined, defaults: Required<Rules>): Required<Rules> => ({
  stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
  selectPolicy: given?.selectPolicy ?? defaults.selectPolicy,
  policies: given?.policies?.length ? given.policies : defaults.policies,
});

/**
 * Replicas after the stabilization windows (the most conservative recommendation within each
 * window). `downWindowSeconds` replaces the default scale-down window for HPAs that set none
 * (kube-controller-manager's --horizontal-pod-autoscaler-downscale-stabilization).
 */
export function stabilize(current: number, recommended: number, history: TimedValue[], behavior: Behavior | undefined, nowMs: number, downWindowSeconds?: number): number {
  const up = rules(behavior?.scaleUp, DEFAULT_SCALE_UP);
  const down = rules(behavior?.scaleDown, downWindowSeconds === undefined ? DEFAULT_SCALE_DOWN : { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: downWindowSeconds });
  let upRec = recommended;
  let downRec = recommended;
  for (const r of history) {
    if (r.atMs > nowMs - up.stabilizationWindowSeconds * 1000) upRec = Math.min(upRec, r.value);
    if (r.atMs > nowMs - down.stabilizationWindowSeconds * 1000) downRec = Math.max(downRec, r.value);
  }
  let out = current;
  if (out < upRec) out = upRec;
  if (out > downRec) out = downRec;
  return out;
}

/** Replicas after the scaling policies, given the scale events (replica changes, + up / - down) so far. */
export function limitRate(current: number, desired: number, events: TimedValue[], behavior: Behavior | undefined, nowMs: number): number {
  if (desired > current) {
    const r = rules(behavior?.scaleUp, DEFAULT_SCALE_UP);
    if (r.selectPolicy === "Disabled") return current;
    const limits = r.policies.map((p) => {
      const added = events.filter((e) => e.value > 0 && e.atMs > nowMs - p.periodSeconds * 1000).reduce((s, e) => s + e.value, 0);
      const start = current - added;
      return p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    });
    const limit = r.selectPolicy === "Min" ? Math.min(...limits) : Math.max(...limits);
    return Math.min(desired, Math.max(limit, current));
  }
  if (desired < current) {
    const r = rules(behavior?.scaleDown, DEFAULT_SCALE_DOWN);
    if (r.selectPolicy === "Disabled") return current;
    const limits = r.policies.map((p) => {
      const removed = events.filter((e) => e.value < 0 && e.atMs > nowMs - p.periodSeconds * 1000).reduce((s, e) => s - e.value, 0);
      const start = current + removed;
      return p.type === "Pods" ? start - p.value : Math.ceil(start * (1 - p.value / 100));
    });
    const limit = r.selectPolicy === "Min" ? Math.max(...limits) : Math.min(...limits);
    return Math.max(desired, Math.min(limit, current));
  }
  return current;
}
