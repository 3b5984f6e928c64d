/**
 * The ResourceQuota admission plugin: a create that would take a namespace past any of its
 * quotas' hard limits is refused with 403, in Kubernetes' words (`exceeded quota: …`,
 * `failed quota: …`). Updates are not charged (a pod's resources cannot change).
 *
 * Usage is counted live from storage at admission time, never from the controller's
 * `status.used`, which lags. Two creates racing for the last unit must not both fit, so
 * checks in one namespace run one at a time, and an admitted object counts as "pending"
 * from the moment it passes until the store has it (or the write is abandoned: `release`).
 * Kubernetes gets the same guarantee by writing status.used with a resourceVersion
 * precondition; a per-namespace lock is the equivalent inside one process.
 */
import type { KubeObject } from "../../model/object.ts";
import { StatusError } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import { evaluatorFor } from "../../quota/registry.ts";
import { exceededReason, planCharges } from "../../quota/admission-check.ts";
import { quotaUsed } from "../../quota/usage.ts";
import type { UsageEvaluator } from "../../quota/types.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";
import { KeyedSerial } from "../../lib/keyed-serial.ts";

/** The stored objects of a resource in one namespace (ObjectStorage's list, given late: the plugin is part of it). */
export type NamespaceLister = (def: ResourceDef, namespace: string) => Promise<KubeObject[]>;

export interface ResourceQuotaOptions {
  list: NamespaceLister;
  /** The resourcequotas definition. */
  quotaDef: ResourceDef;
  now?: () => Date;
  /**
   * How long an admitted create may take to reach the store before it stops counting as
   * pending. A safety net only: a store write settles in milliseconds, and every abandoned
   * write is released explicitly.
   */
  pendingTtlMs?: number;
}

interface Pending {
  resource: string;
  object: KubeObject;
  since: number;
}

const resourceId = (def: ResourceDef) => `${def.plural}.${def.group}`;

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = "ResourceQuota";
  private readonly list: NamespaceLister;
  private readonly quotaDef: ResourceDef;
  private readonly now: () => Date;
  private readonly pendingTtlMs: number;
  /** Tail of each namespace's chain of checks. */
  private readonly locks = new KeyedSerial();
  /** Admitted creates not yet seen in the store: namespace → uid → entry. */
  private readonly pending = new Map<string, Map<string, Pending>>();

  constructor(o: ResourceQuotaOptions) {
    this.list = o.list;
    this.quotaDef = o.quotaDef;
    this.now = o.now ?? (() => new Date());
    this.pendingTtlMs = o.pendingTtlMs ?? 60_000;
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== "CREATE" || req.subresource || !req.def.namespaced) return;
    const ns = req.object.metadata.namespace;
    const ev = evaluatorFor(req.def.group, req.def.plural);
    if (!ns || !ev) return;
    // Most namespaces have no quota: their creates need neither the lock nor a count.
    if ((await this.quotasIn(ns)).length === 0) return;
    await this.serialized(ns, () => this.check(req, ev, ns));
  }

  release(req: AdmissionRequest): void {
    if (req.operation === "UPDATE") return;
    const ns = req.object.metadata.namespace;
    const uid = req.object.metadata.uid;
    if (!ns || !uid) return;
    const entries = this.pending.get(ns);
    entries?.delete(uid);
    if (entries?.size === 0) this.pending.delete(ns);
  }

  /** Objects admitted but not yet stored, for tests and metrics. */
  pendingCount(namespace: string): number {
    return this.pending.get(namespace)?.size ?? 0;
  }

  private async check(req: AdmissionRequest, ev: UsageEvaluator, ns: string): Promise<void> {
    const quotas = await this.quotasIn(ns);
    if (quotas.length === 0) return;
    const now = this.now();
    const plan = planCharges(quotas, ev, req.object, now);
    if ("error" in plan) throw forbidden(req, plan.error);
    if (plan.charges.length === 0) return;
    const objects = await this.liveObjects(req.def, ns, now);
    for (const charge of plan.charges) {
      const why = exceededReason(charge, quotaUsed(charge.quota, ev, objects, now));
      if (why) throw forbidden(req, why);
    }
    if (req.dryRun || !req.object.metadata.uid) return;
    const entries = this.pending.get(ns) ?? this.pending.set(ns, new Map()).get(ns)!;
    entries.set(req.object.metadata.uid, { resource: resourceId(req.def), object: req.object, since: now.getTime() });
  }

  private async quotasIn(ns: string): Promise<KubeObject[]> {
    return this.list(this.quotaDef, ns);
  }

  /** The namespace's stored objects of this kind plus the admitted ones still on their way. */
  private async liveObjects(def: ResourceDef, ns: string, now: Date): Promise<KubeObject[]> {
    const objects = await this.list(def, ns);
    const entries = this.pending.get(ns);
    if (!entries) return objects;
    const stored = new Set(objects.map((o) => o.metadata.uid));
    const resource = resourceId(def);
    for (const [uid, p] of entries) {
      if (stored.has(uid) || now.getTime() - p.since > this.pendingTtlMs) entries.delete(uid);
      else if (p.resource === resource) objects.push(p.object);
    }
    if (entries.size === 0) this.pending.delete(ns);
    return objects;
  }

  /** Runs fn after every earlier check in the namespace has finished. */
  private serialized(ns: string, fn: () => Promise<void>): Promise<void> {
    return this.locks.run(ns, fn);
  }
}

/** admission.NewForbidden: `<resource> "<name>" is forbidden: <reason>`. */
function forbidden(req: AdmissionRequest, reason: string): StatusError {
  const { group, plural } = req.def;
  const name = req.object.metadata.name || req.object.metadata.generateName || "Unknown";
  const resource = group ? `${plural}.${group}` : plural;
  return new StatusError(403, "Forbidden", `${resource} "${name}" is forbidden: ${reason}`, { name, group: group || undefined, kind: plural });
}
