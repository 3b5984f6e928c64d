/**
 * The disruption controller: keeps every PodDisruptionBudget's status (expectedPods,
 * desiredHealthy, currentHealthy, disruptionsAllowed, disruptedPods, observedGeneration and
 * the DisruptionAllowed condition) true to the pods it selects, which is what the eviction
 * subresource spends from. Entries the eviction subresource adds to disruptedPods are dropped
 * once their pod is deleting, gone, or still there after DELETION_TIMEOUT_MS.
 *
 * It also resets DisruptionTarget conditions left on pods that were not deleted after all
 * (an eviction whose delete failed), under keys `pod:<namespace>/<name>` in the same queue —
 * ':' never appears in a namespace, so these cannot collide with budget keys.
 */
import { assertReadable } from "../framework/readable.ts";
import type { KubeObject } from "../../model/object.ts";
import type { Deployment, Pod, PodDisruptionBudget, ReplicaSet, StatefulSet } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import { fromLabelSelector, matchesRequirements, selectorToString } from "../../model/label-selector.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { controllerOf } from "../framework/pod-util.ts";
import { clearDisruptionTarget, countHealthy, expectedAndDesired, failSafeStatus, keepDisruptedPods, nextStatus, staleDisruptionIn, type BudgetStatus, type Scale } from "./budget.ts";

const COMPONENT = "controllermanager";
const POD_KEY = "pod:";

export class DisruptionController implements Controller {
  readonly name = "disruption";
  readonly workers = 2;
  private ctx!: ControllerContext;
  private pdbs!: SharedInformer<PodDisruptionBudget>;
  private pods!: SharedInformer<Pod>;
  private replicaSets!: SharedInformer<ReplicaSet>;
  private deployments!: SharedInformer<Deployment>;
  private statefulSets!: SharedInformer<StatefulSet>;
  private replicationControllers: SharedInformer | undefined;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.pdbs = ctx.informer("policy", "poddisruptionbudgets");
    this.pods = ctx.informer("", "pods");
    this.replicaSets = ctx.informer("apps", "replicasets");
    this.deployments = ctx.informer("apps", "deployments");
    this.statefulSets = ctx.informer("apps", "statefulsets");
    // Served only in some builds; budgets over their pods then count the pods themselves.
    if (ctx.registry.all.some((d) => d.group === "" && d.plural === "replicationcontrollers")) this.replicationControllers = ctx.informer("", "replicationcontrollers");

    this.pdbs.addHandler({ onChange: (pdb) => queue.add(keyOf(pdb)), onDelete: (pdb) => queue.add(keyOf(pdb)) });
    const budgetsOf = (pod: Pod) => {
      for (const pdb of this.pdbs.list(pod.metadata.namespace)) if (selectsForController(pdb, pod)) queue.add(keyOf(pdb));
    };
    this.pods.addHandler({
      onChange: (pod, old) => {
        budgetsOf(pod);
        if (old && !Bun.deepEquals(old.metadata.labels ?? {}, pod.metadata.labels ?? {})) budgetsOf(old);
        if (staleDisruptionIn(pod, ctx.now()) !== undefined) queue.add(POD_KEY + keyOf(pod));
      },
      onDelete: budgetsOf,
    });
    // A percentage counts against the controllers' scale, which can change before any pod does.
    const scaleChanged = (obj: KubeObject, old: KubeObject | undefined) => {
      if (old && old.spec?.replicas === obj.spec?.replicas) return;
      for (const pdb of this.pdbs.list(obj.metadata.namespace)) queue.add(keyOf(pdb));
    };
    const scalables = [this.replicaSets, this.deployments, this.statefulSets, this.replicationControllers].filter((i): i is SharedInformer => !!i);
    for (const inf of scalables) inf.addHandler({ onChange: scaleChanged, onDelete: (obj) => scaleChanged(obj, undefined) });
    await Promise.all([this.pdbs, this.pods, ...scalables].map((i) => i.start(ctx.signal)));
  }

  async reconcile(key: string): Promise<number | void> {
    if (key.startsWith(POD_KEY)) return this.clearStaleDisruption(key.slice(POD_KEY.length));
    const pdb = this.pdbs.get(key);
    if (!pdb) return;
    // A selector left out of the cached copy would read as "every pod": refuse instead.
    assertReadable(pdb);
    const now = this.ctx.now();
    let pods: Pod[];
    let numbers;
    try {
      pods = this.selectedPods(pdb);
      numbers = expectedAndDesired(pdb, pods, (pod) => this.scaleOf(pod));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      void this.ctx.events.record(pdb, "Warning", "CalculateExpectedPodCountFailed", `Failed to calculate the number of expected pods: ${message}`, COMPONENT);
      await this.writeStatus(pdb, failSafeStatus(pdb, message, now));
      return;
    }
    if (pods.length === 0) void this.ctx.events.record(pdb, "Normal", "NoPods", "No matching pods found", COMPONENT);
    if (numbers.unmanaged.length > 0) {
      void this.ctx.events.record(pdb, "Warning", "UnmanagedPods", `Pods selected by this PodDisruptionBudget (selector: ${selectorToString(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`, COMPONENT);
    }
    const { disrupted, expired, recheckAt } = keepDisruptedPods(pdb, pods, now);
    for (const name of expired) {
      const pod = pods.find((p) => p.metadata.name === name)!;
      void this.ctx.events.record(pod, "Warning", "NotDeleted", `Pod was expected by PDB ${keyOf(pdb)} to be deleted but it wasn't`, COMPONENT);
    }
    const status = nextStatus(pdb, { expected: numbers.expected, desired: numbers.desired, healthy: countHealthy(pods, disrupted, now), disrupted }, now);
    if (status) await this.writeStatus(pdb, status);
    if (recheckAt !== undefined) return Math.max(0, recheckAt - now.getTime());
  }

  /** getPodsForPdb: a missing selector selects nothing, an empty one every pod of the namespace. */
  private selectedPods(pdb: PodDisruptionBudget): KubeObject[] {
    const sel = pdb.spec?.selector;
    if (!sel) return [];
    const reqs = fromLabelSelector(sel);
    return this.pods.list(pdb.metadata.namespace).filter((p) => matchesRequirements(reqs, p.metadata.labels));
  }

  /**
   * The finders, in Kubernetes' order: a ReplicaSet's Deployment when it has one, else the
   * ReplicaSet; a StatefulSet; a ReplicationController. A reference whose object is gone (or
   * is another object of that name) finds nothing.
   */
  private scaleOf(pod: Pod): Scale | undefined {
    const ref = controllerOf(pod)!;
    const ns = pod.metadata.namespace;
    const group = groupOf(ref.apiVersion);
    const live = (inf: SharedInformer | undefined, name: string, uid: string) => {
      const obj = inf?.get(`${ns}/${name}`);
      return obj && obj.metadata.uid === uid ? obj : undefined;
    };
    const scale = (obj: KubeObject): Scale => ({ uid: obj.metadata.uid!, replicas: obj.spec?.replicas ?? 1 });
    if (ref.kind === "ReplicaSet" && (group === "apps" || group === "extensions")) {
      const rs = live(this.replicaSets, ref.name, ref.uid);
      if (!rs) return undefined;
      const owner = controllerOf(rs);
      if (owner?.kind === "Deployment" && ["apps", "extensions"].includes(groupOf(owner.apiVersion))) {
        const d = live(this.deployments, owner.name, owner.uid);
        if (d) return scale(d);
      }
      return scale(rs);
    }
    if (ref.kind === "StatefulSet" && group === "apps") {
      const ss = live(this.statefulSets, ref.name, ref.uid);
      return ss ? scale(ss) : undefined;
    }
    if (ref.kind === "ReplicationController" && group === "") {
      const rc = live(this.replicationControllers, ref.name, ref.uid);
      return rc ? scale(rc) : undefined;
    }
    return undefined;
  }

  private async writeStatus(pdb: PodDisruptionBudget, status: Partial<BudgetStatus>): Promise<void> {
    try {
      // Pinned to the version we computed from: a budget an eviction just spent from is recomputed.
      await this.ctx.storage.update(this.pdbs.def, pdb.metadata.namespace, pdb.metadata.name!, (cur) => {
        if (cur.metadata.uid !== pdb.metadata.uid) return cur;
        cur.metadata.resourceVersion = pdb.metadata.resourceVersion;
        cur.status = status;
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }

  private async clearStaleDisruption(podKey: string): Promise<number | void> {
    const pod = this.pods.get(podKey);
    if (!pod) return;
    const now = this.ctx.now();
    const wait = staleDisruptionIn(pod, now);
    if (wait === undefined) return;
    if (wait > 0) return wait;
    const { namespace, name } = splitKey(podKey);
    try {
      await this.ctx.storage.update(this.pods.def, namespace, name, (cur) => {
        if (cur.metadata.uid !== pod.metadata.uid || staleDisruptionIn(cur, now) !== 0) return cur;
        clearDisruptionTarget(cur, now);
        delete cur.metadata.resourceVersion;
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

/** The pod → budgets direction (GetPodPodDisruptionBudgets): `{}` selects all, invalid or missing none. */
function selectsForController(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const sel = pdb.spec?.selector;
  if (!sel) return false;
  try {
    return matchesRequirements(fromLabelSelector(sel), pod.metadata.labels);
  } catch {
    return false;
  }
}

function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? "";
  return v.includes("/") ? v.slice(0, v.indexOf("/")) : "";
}
