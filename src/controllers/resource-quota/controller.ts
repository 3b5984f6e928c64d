/**
 * The ResourceQuota controller: keeps every quota's `status.hard` and `status.used` current.
 * Admission does not rely on it (it counts live), but `kubectl describe quota` and anything
 * reading status does. A quota is recomputed when it changes, when an object of a kind it
 * counts changes its usage in the quota's namespace, and every five minutes regardless (the
 * Kubernetes controller's full resync, which also catches time-based changes such as a pod
 * stuck terminating past its grace period).
 *
 * Informers are started for the kinds quotas name — pods, services, claims, configmaps, …,
 * and any `count/<resource>.<group>` — when the first quota naming them appears.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ResourceQuota, ResourceQuotaStatus } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { evaluatorFor, type KindRef } from "../../quota/registry.ts";
import { listToJSON } from "../../quota/resource-list.ts";
import { kindsCounted, quotaStatus } from "./status.ts";

/** kube-controller-manager's --resource-quota-sync-period default. */
const RESYNC_MS = 5 * 60_000;

export interface ResourceQuotaControllerOptions {
  resyncMs?: number;
}

const kindId = (k: KindRef) => `${k.plural}.${k.group}`;

export class ResourceQuotaController implements Controller {
  readonly name = "resourcequota";
  readonly workers = 2;
  private ctx!: ControllerContext;
  private queue!: { add(key: string): void };
  private quotas!: SharedInformer<ResourceQuota>;
  private readonly resyncMs: number;
  /** Informers of counted kinds, by `plural.group`; undefined for kinds not served. */
  private readonly watched = new Map<string, SharedInformer | undefined>();

  constructor(o: ResourceQuotaControllerOptions = {}) {
    this.resyncMs = o.resyncMs ?? RESYNC_MS;
  }

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.queue = queue;
    this.quotas = ctx.informer("", "resourcequotas");
    this.quotas.addHandler({
      onChange: (q) => {
        for (const kind of kindsCounted(q)) this.watch(kind);
        queue.add(keyOf(q));
      },
    });
    await this.quotas.start(ctx.signal);
  }

  async reconcile(key: string): Promise<number | void> {
    const quota = this.quotas.get(key);
    if (!quota || quota.metadata.deletionTimestamp) return;
    const ns = quota.metadata.namespace!;
    const kinds = kindsCounted(quota);
    await Promise.all(kinds.map((k) => this.watch(k)?.start(this.ctx.signal)));
    const status = quotaStatus(quota, (kind) => this.watch(kind)?.list(ns), this.ctx.now());
    if (!Bun.deepEquals(pick(quota.status), status)) await this.writeStatus(quota, status);
    return this.resyncMs;
  }

  /** The informer for a counted kind, started and wired on first use. */
  private watch(kind: KindRef): SharedInformer | undefined {
    const id = kindId(kind);
    if (this.watched.has(id)) return this.watched.get(id);
    const def = this.ctx.registry.all.find((d: ResourceDef) => d.group === kind.group && d.plural === kind.plural);
    const informer = def ? this.ctx.informers.for(def) : undefined;
    this.watched.set(id, informer);
    const ev = evaluatorFor(kind.group, kind.plural);
    if (informer && ev) {
      informer.addHandler({
        onChange: (obj, old) => {
          // Status-only churn (a pod going Ready) changes no usage; only real changes cost a recount.
          const now = this.ctx.now();
          if (old && Bun.deepEquals(listToJSON(ev.usage(old, now)), listToJSON(ev.usage(obj, now)))) return;
          this.enqueueNamespace(obj, id);
        },
        onDelete: (obj) => this.enqueueNamespace(obj, id),
      });
    }
    return informer;
  }

  /** Every quota in the object's namespace that counts its kind. */
  private enqueueNamespace(obj: KubeObject, id: string): void {
    const ns = obj.metadata.namespace;
    if (!ns) return;
    for (const q of this.quotas.list(ns)) if (kindsCounted(q).some((k) => kindId(k) === id)) this.queue.add(keyOf(q));
  }

  private async writeStatus(quota: KubeObject, status: { hard: Record<string, string>; used: Record<string, string> }): Promise<void> {
    try {
      await this.ctx.storage.update(this.quotas.def, quota.metadata.namespace, quota.metadata.name!, (cur) => {
        if (cur.metadata.uid !== quota.metadata.uid) return cur;
        cur.status = { ...(cur.status ?? {}), ...status };
        return cur;
      }, { subresource: "status" });
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}

function pick(status: ResourceQuotaStatus | undefined): { hard: unknown; used: unknown } {
  return { hard: status?.hard, used: status?.used };
}
