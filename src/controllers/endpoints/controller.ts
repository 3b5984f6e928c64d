/**
 * The Endpoints controller (kubernetes `pkg/controller/endpoint`): every Service with a
 * selector gets an Endpoints object of the same name listing the pods behind it. Services
 * without a selector are left alone — their Endpoints belong to the user or, for
 * `default/kubernetes`, to the server bootstrap. When a Service goes, its Endpoints go too.
 * Keyed by the service's `namespace/name`; a pod change wakes the services selecting it.
 */
import type { Endpoints, Pod, Service } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf, splitKey } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { managedSelector, queueServicesOnPodChanges, selectorMatches } from "../framework/endpoint-util.ts";
import { endpointsLabels, endpointSubsets } from "./subsets.ts";

/** Endpoints kept for leader election (pre-Lease clients) are never swept as leftovers. */
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

export class EndpointsController implements Controller {
  readonly name = "endpoints";
  readonly workers = 4;
  private ctx!: ControllerContext;
  private services!: SharedInformer<Service>;
  private pods!: SharedInformer<Pod>;
  private endpoints!: SharedInformer<Endpoints>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.services = ctx.informer("", "services");
    this.pods = ctx.informer("", "pods");
    this.endpoints = ctx.informer("", "endpoints");
    queueServicesOnPodChanges(this.services, this.pods, queue);
    // Someone deleted an Endpoints we keep: write it again.
    this.endpoints.addHandler({ onDelete: (ep) => queue.add(keyOf(ep)) });
    await Promise.all([this.services.start(ctx.signal), this.pods.start(ctx.signal), this.endpoints.start(ctx.signal)]);
    // Endpoints whose Service went away while no controller ran (checkLeftoverEndpoints).
    for (const ep of this.endpoints.list()) {
      if (!this.services.get(keyOf(ep)) && !ep.metadata.annotations?.[LEADER_ANNOTATION]) queue.add(keyOf(ep));
    }
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(key);
    if (!svc) return this.deleteEndpoints(namespace!, name);
    const selector = managedSelector(svc);
    if (!selector) return;
    const pods = this.pods.list(namespace).filter((p) => selectorMatches(selector, p.metadata.labels));
    const subsets = endpointSubsets(svc, pods);
    const labels = endpointsLabels(svc);
    const current = this.endpoints.get(key);
    if (current && Bun.deepEquals(current.subsets ?? [], subsets) && Bun.deepEquals(current.metadata.labels ?? {}, labels)) return;
    try {
      await this.ctx.storage.update(this.endpoints.def, namespace, name, (cur) => {
        if (Object.keys(labels).length) cur.metadata.labels = labels;
        else delete cur.metadata.labels;
        if (subsets.length) cur.subsets = subsets;
        else delete cur.subsets;
        return cur;
      }, { createIfMissing: true });
    } catch (e) {
      // A terminating namespace refuses new content: nothing to keep there any more.
      if (isStatusError(e, "Forbidden") && e.details?.causes?.some((c) => c.reason === "NamespaceTerminating")) return;
      if (isStatusError(e, "NotFound")) return;
      throw e;
    }
  }

  private async deleteEndpoints(namespace: string, name: string): Promise<void> {
    if (!this.endpoints.get(`${namespace}/${name}`)) return;
    try {
      await this.ctx.storage.delete(this.endpoints.def, namespace, name);
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}
