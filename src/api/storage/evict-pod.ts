/**
 * Evicting a pod, the rule behind `pods/eviction` (kubernetes
 * `pkg/registry/core/pod/storage/eviction.go`, as of 1.32): a pod that already disrupts
 * nothing (terminal, pending, being deleted) is deleted straight away; otherwise the one
 * PodDisruptionBudget that selects it must allow a disruption, which is taken from its status
 * (disruptionsAllowed - 1, the pod noted in disruptedPods) in one optimistic write before the
 * pod is deleted, so two concurrent evictions can never both spend the last allowed disruption.
 * The pod is marked DisruptionTarget (EvictionByEvictionAPI) just before its deletion.
 */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import { nowTimestamp } from "../../model/object.ts";
import { errors, isStatusError, StatusError } from "../../model/errors.ts";
import { fromLabelSelector, matchesRequirements } from "../../model/label-selector.ts";
import { updateDisruptionAllowedCondition } from "../../model/disruption-budget.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { DeleteOptions, ObjectStorage } from "./object-storage.ts";

/** Kubernetes refuses evictions once this many are approved but not yet seen by the disruption controller. */
export const MAX_DISRUPTED_POD_SIZE = 2000;
/** EvictionsRetry: attempts when the pod changes under a delete that is pinned to its resourceVersion. */
const POD_RETRIES = 20;
const RETRY_DELAY_MS = 50;

export interface EvictionDefs {
  pods: ResourceDef;
  pdbs: ResourceDef;
}

export interface EvictionRequest {
  namespace: string;
  name: string;
  /** The Eviction's deleteOptions, with the request's dryRun already folded in. */
  deleteOptions: DeleteOptions;
}

/**
 * What the apiserver answers with a Status rather than an error: success, or a pod under more
 * than one budget (a Failure Status with code 500 and no reason).
 */
export type EvictionOutcome = { evicted: true } | { evicted: false; code: 500; message: string };

export const MULTIPLE_BUDGETS = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
export const VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";

export async function evictPod(storage: ObjectStorage, defs: EvictionDefs, req: EvictionRequest, now: () => Date = () => new Date()): Promise<EvictionOutcome> {
  const original = req.deleteOptions;
  const pod = await deleteIfDisruptionFree(storage, defs, req, now);
  if (!pod) return { evicted: true };

  const budgets = (await storage.list(defs.pdbs, req.namespace)).items.filter((pdb) => budgetSelects(pdb, pod));
  if (budgets.length > 1) return { evicted: false, code: 500, message: MULTIPLE_BUDGETS };
  const pdb = budgets[0];
  // An unready pod adds nothing to currentHealthy: deleting it spends no budget, as long as the
  // pod has not become ready meanwhile (the delete is pinned to the resourceVersion we judged).
  let pinToJudged = false;
  if (pdb) {
    if (!isReady(pod) && unhealthyPodMayGo(pdb)) pinToJudged = true;
    else await takeDisruption(storage, defs.pdbs, pdb, req.name, !!original.dryRun, now());
  }

  const options = pinToJudged ? withResourceVersion(original, pod.metadata.resourceVersion!) : original;
  try {
    await markAndDelete(storage, defs.pods, req, options, now());
  } catch (e) {
    // We pinned the delete ourselves: a changed pod is a reason to come back, not a conflict.
    if (isStatusError(e, "Conflict") && pinToJudged && !original.preconditions?.resourceVersion) throw stillProcessing(pdb!.metadata.name!);
    throw e;
  }
  return { evicted: true };
}

/**
 * canIgnorePDB: a terminal, pending or already-deleting pod is deleted without consulting any
 * budget (it is already disrupted, or never was serving). Returns the pod when budgets apply.
 */
async function deleteIfDisruptionFree(storage: ObjectStorage, defs: EvictionDefs, req: EvictionRequest, now: () => Date): Promise<KubeObject | undefined> {
  const userPinned = !!req.deleteOptions.preconditions?.resourceVersion;
  for (let attempt = 1; ; attempt++) {
    const pod = await storage.get(defs.pods, req.namespace, req.name);
    const phase = pod.status?.phase;
    const terminal = phase === "Succeeded" || phase === "Failed";
    const deleting = !!pod.metadata.deletionTimestamp;
    if (!terminal && !deleting && phase !== "Pending") return pod;
    // A pending pod could turn ready at any moment: pin the delete to the pod we judged.
    const options = !terminal && !deleting && !userPinned ? withResourceVersion(req.deleteOptions, pod.metadata.resourceVersion!) : req.deleteOptions;
    try {
      await markAndDelete(storage, defs.pods, req, options, now());
      return undefined;
    } catch (e) {
      if (!isStatusError(e, "Conflict") || userPinned || attempt >= POD_RETRIES) throw e;
      await Bun.sleep(RETRY_DELAY_MS);
    }
  }
}

/**
 * Which budgets guard a pod. A budget with no selector, an empty one or an invalid one guards
 * nothing here (unlike the disruption controller, where `{}` selects every pod).
 */
export function budgetSelects(pdb: KubeObject, pod: KubeObject): boolean {
  if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
  let reqs;
  try {
    reqs = fromLabelSelector(pdb.spec?.selector);
  } catch {
    return false;
  }
  return reqs.length > 0 && matchesRequirements(reqs, pod.metadata.labels);
}

/** unhealthyPodEvictionPolicy: AlwaysAllow, or (IfHealthyBudget, the default) the budget is met now. */
function unhealthyPodMayGo(pdb: KubeObject): boolean {
  if (pdb.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow") return true;
  const s = pdb.status ?? {};
  const desired = s.desiredHealthy ?? 0;
  return (s.currentHealthy ?? 0) >= desired && desired > 0;
}

/** checkAndDecrement, as one read-modify-write of the budget's status that re-checks on every retry. */
async function takeDisruption(storage: ObjectStorage, def: ResourceDef, pdb: KubeObject, podName: string, dryRun: boolean, now: Date): Promise<void> {
  const name = pdb.metadata.name!;
  const spend = (cur: KubeObject): KubeObject => {
    const s = (cur.status ??= {});
    if ((s.observedGeneration ?? 0) < (cur.metadata.generation ?? 0)) throw stillProcessing(name);
    const allowed = s.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbidden(name, "pdb disruptions allowed is negative");
    if (Object.keys(s.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
      throw forbidden(name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
    }
    if (allowed === 0) {
      throw tooManyRequests(`The disruption budget ${name} needs ${s.desiredHealthy ?? 0} healthy pods and has ${s.currentHealthy ?? 0} currently`, 0);
    }
    s.disruptionsAllowed = allowed - 1;
    if (s.disruptionsAllowed === 0) updateDisruptionAllowedCondition(s, now);
    // The controller must not count this pod as healthy while its deletion is on its way.
    s.disruptedPods = { ...(s.disruptedPods ?? {}), [podName]: nowTimestamp(now) };
    // Unpinned, so a concurrent writer makes the store run this again on the newer budget.
    delete cur.metadata.resourceVersion;
    return cur;
  };
  if (dryRun) {
    spend(cloneObject(pdb));
    return;
  }
  try {
    await storage.update(def, pdb.metadata.namespace, name, spend, { subresource: "status" });
  } catch (e) {
    if (isStatusError(e, "Conflict")) {
      throw new StatusError(504, "Timeout", `Timeout: couldn't update PodDisruptionBudget ${JSON.stringify(name)} due to conflicts`, { retryAfterSeconds: 10 }, { cause: e });
    }
    throw e;
  }
}

/**
 * addConditionAndDeletePod: DisruptionTarget is written to the latest pod (checked against the
 * delete's preconditions), and a resourceVersion precondition then moves to the version that
 * write produced, so our own write does not fail the delete. A dry run writes nothing.
 */
async function markAndDelete(storage: ObjectStorage, def: ResourceDef, req: EvictionRequest, options: DeleteOptions, now: Date): Promise<void> {
  let opts = options;
  if (!opts.dryRun) {
    const { object } = await storage.update(def, req.namespace, req.name, (cur) => {
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata.uid) {
        throw errors.conflict("", "Pod", req.name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${cur.metadata.uid}). The object might have been deleted and then recreated`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
        throw errors.conflict("", "Pod", req.name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${cur.metadata.resourceVersion}). The object might have been modified`);
      }
      setPodCondition(cur, { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }, now);
      delete cur.metadata.resourceVersion;
      return cur;
    }, { subresource: "status" });
    if (opts.preconditions?.resourceVersion) opts = withResourceVersion(opts, object.metadata.resourceVersion!);
  }
  await storage.delete(def, req.namespace, req.name, opts);
}

/** podutil.UpdatePodCondition: lastTransitionTime moves only when the status flips. */
function setPodCondition(pod: KubeObject, cond: { type: string; status: string; reason: string; message: string }, now: Date): void {
  // A status stored before validation may not be an object, its conditions not a list: replaced.
  if (!isMap(pod.status)) pod.status = {};
  const status = pod.status;
  if (!Array.isArray(status.conditions)) status.conditions = [];
  const conditions: any[] = status.conditions;
  const i = conditions.findIndex((c) => c?.type === cond.type);
  const old = i >= 0 ? conditions[i] : undefined;
  const lastTransitionTime = old && old.status === cond.status ? old.lastTransitionTime : nowTimestamp(now);
  const next = { type: cond.type, status: cond.status, lastProbeTime: old?.lastProbeTime ?? null, lastTransitionTime, reason: cond.reason, message: cond.message };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
}

function isReady(pod: KubeObject): boolean {
  const conditions: unknown = pod.status?.conditions;
  return Array.isArray(conditions) && conditions.some((c: any) => c?.type === "Ready" && c.status === "True");
}

const isMap = (v: unknown): v is Record<string, any> => v !== null && typeof v === "object" && !Array.isArray(v);

function withResourceVersion(o: DeleteOptions, resourceVersion: string): DeleteOptions {
  return { ...o, preconditions: { ...o.preconditions, resourceVersion } };
}

function tooManyRequests(cause: string, retryAfterSeconds: number): StatusError {
  return new StatusError(429, "TooManyRequests", VIOLATES_BUDGET, {
    causes: [{ reason: "DisruptionBudget", message: cause }],
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
  });
}

function stillProcessing(pdbName: string): StatusError {
  return tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);
}

function forbidden(pdbName: string, why: string): StatusError {
  return new StatusError(403, "Forbidden", `poddisruptionbudget.policy ${JSON.stringify(pdbName)} is forbidden: ${why}`, {
    name: pdbName,
    group: "policy",
    kind: "poddisruptionbudget",
  });
}
