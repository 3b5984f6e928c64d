/**
 * The ServiceAccounts controller (kubernetes `pkg/controller/serviceaccount`
 * `serviceaccounts_controller.go`): every active namespace has a `default` ServiceAccount; a
 * new namespace gets one and a deleted one comes back. A Terminating namespace is left to
 * empty out. Keyed by namespace name.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Namespace } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";

/** kube-controller-manager's default --service-account list (`ServiceAccountsControllerOptions`). */
export const DEFAULT_SERVICE_ACCOUNTS = ["default"];

export class ServiceAccountController implements Controller {
  readonly name = "serviceaccount";
  private ctx!: ControllerContext;
  private namespaces!: SharedInformer<Namespace>;
  private accounts!: SharedInformer;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.namespaces = ctx.informer("", "namespaces");
    this.accounts = ctx.informer("", "serviceaccounts");
    this.namespaces.addHandler({ onChange: (ns) => queue.add(ns.metadata.name!) });
    this.accounts.addHandler({
      onDelete: (sa) => {
        if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata.name!)) queue.add(sa.metadata.namespace!);
      },
    });
    await Promise.all([this.namespaces.start(ctx.signal), this.accounts.start(ctx.signal)]);
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.get(namespace);
    if (!ns || !isActive(ns)) return;
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.accounts.get(`${namespace}/${name}`)) continue;
      try {
        await this.ctx.storage.create(this.accounts.def, namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
      } catch (e) {
        // Someone made it first, or the namespace started terminating or went meanwhile.
        if (isStatusError(e, "AlreadyExists") || isStatusError(e, "NotFound")) continue;
        if (isStatusError(e, "Forbidden") && e.details?.causes?.some((c) => c.reason === "NamespaceTerminating")) return;
        throw e;
      }
    }
  }
}

function isActive(ns: KubeObject): boolean {
  return !ns.metadata.deletionTimestamp && ns.status?.phase !== "Terminating";
}
