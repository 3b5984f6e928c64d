/**
 * The EndpointSlice controller (kubernetes `pkg/controller/endpointslice`): every Service with
 * a selector gets IPv4 EndpointSlices, labelled with its name and this controller as manager
 * and owned by it (the garbage collector removes them with the Service). Slices of
 * selector-less Services, and slices another manager labels, are not touched. Keyed by the
 * service's `namespace/name`; pod and slice changes wake the services they concern.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Pod, Service } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import { withManagedFieldsOf } from "../../model/managed-fields.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { managedSelector, queueServicesOnPodChanges, selectorMatches } from "../framework/endpoint-util.ts";
import { CONTROLLER_NAME, isManagedSliceOf, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from "./endpoint.ts";
import { planSlices } from "./plan.ts";

export class EndpointSliceController implements Controller {
  readonly name = "endpointslice";
  readonly workers = 4;
  private ctx!: ControllerContext;
  private services!: SharedInformer<Service>;
  private pods!: SharedInformer<Pod>;
  private slices!: SharedInformer;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.services = ctx.informer("", "services");
    this.pods = ctx.informer("", "pods");
    this.slices = ctx.informer("discovery.k8s.io", "endpointslices");
    queueServicesOnPodChanges(this.services, this.pods, queue);
    // Our slices edited or deleted by someone else are put right (our own writes come back
    // here too and plan nothing).
    const sliceTouches = (slice: KubeObject) => {
      const l = slice.metadata.labels;
      if (l?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && l[SERVICE_NAME_LABEL]) queue.add(`${slice.metadata.namespace}/${l[SERVICE_NAME_LABEL]}`);
    };
    this.slices.addHandler({
      onChange: (slice, old) => {
        sliceTouches(slice);
        if (old) sliceTouches(old);
      },
      onDelete: sliceTouches,
    });
    await Promise.all([this.services.start(ctx.signal), this.pods.start(ctx.signal), this.slices.start(ctx.signal)]);
  }

  async reconcile(key: string): Promise<void> {
    const svc = this.services.get(key);
    // A deleted Service's slices go with it through their ownerReference.
    if (!svc || svc.metadata.deletionTimestamp) return;
    const selector = managedSelector(svc);
    if (!selector) return;
    const ns = svc.metadata.namespace!;
    const pods = this.pods.list(ns).filter((p) => selectorMatches(selector, p.metadata.labels));
    const existing = this.slices.list(ns).filter((s) => isManagedSliceOf(s, svc.metadata.name!));
    const plan = planSlices(svc, pods, existing);
    const { storage } = this.ctx;
    const def = this.slices.def;
    // Creates and updates before deletes: readers never see an endpoint missing on the way.
    try {
      for (const slice of plan.create) await storage.create(def, ns, slice);
    } catch (e) {
      if (isStatusError(e, "Forbidden") && e.details?.causes?.some((c) => c.reason === "NamespaceTerminating")) return;
      throw e;
    }
    // An update carries the resourceVersion the plan was made from: a slice changed meanwhile
    // is a Conflict, and the key is planned again from the newer cache.
    // The plan is made from the informer's copies, which carry no managedFields: the stored ones stay.
    for (const slice of plan.update) await storage.update(def, ns, slice.metadata.name!, (cur) => withManagedFieldsOf(cur, slice));
    for (const slice of plan.delete) {
      try {
        await storage.delete(def, ns, slice.metadata.name!, { preconditions: { uid: slice.metadata.uid } });
      } catch (e) {
        if (!isStatusError(e, "NotFound")) throw e;
      }
    }
  }
}
