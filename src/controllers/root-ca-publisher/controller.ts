/**
 * The root CA publisher (kubernetes `pkg/controller/certificates/rootcacertpublisher`): every
 * active namespace holds the ConfigMap `kube-root-ca.crt` with the cluster CA under `ca.crt`,
 * which the projected `kube-api-access-*` volume of every pod reads. Kept as published: an
 * edited or deleted one is put back. It watches only the ConfigMaps of that name. Idle when
 * the server has no CA to publish (tests).
 */
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import type { Namespace } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";

export class RootCaPublisher implements Controller {
  readonly name = "root-ca-cert-publisher";
  private ctx!: ControllerContext;
  private namespaces!: SharedInformer<Namespace>;
  private configMaps!: SharedInformer;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    if (!ctx.settings.rootCaPem) return;
    this.namespaces = ctx.informer<Namespace>("", "namespaces");
    // Its own ConfigMaps only: an informer of all of them parsed and held every ConfigMap
    // written, ~5% of the server's CPU in a stream of ConfigMap creates.
    this.configMaps = ctx.informers.named(ctx.def("", "configmaps"), ROOT_CA_CONFIGMAP);
    this.namespaces.addHandler({ onChange: (ns) => queue.add(ns.metadata.name!) });
    const mine = (cm: { metadata: { name?: string; namespace?: string } }) => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP) queue.add(cm.metadata.namespace!);
    };
    this.configMaps.addHandler({ onChange: mine, onDelete: mine });
    await Promise.all([this.namespaces.start(ctx.signal), this.configMaps.start(ctx.signal)]);
  }

  async reconcile(namespace: string): Promise<void> {
    const ca = this.ctx.settings.rootCaPem;
    const ns = this.namespaces?.get(namespace);
    if (!ca || !ns || ns.metadata.deletionTimestamp || ns.status?.phase === "Terminating") return;
    const cm = this.configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    if (cm?.data?.["ca.crt"] === ca && Object.keys(cm.data).length === 1) return;
    try {
      await this.ctx.storage.update(this.configMaps.def, namespace, ROOT_CA_CONFIGMAP, (cur) => ({
        ...cur, apiVersion: "v1", kind: "ConfigMap",
        metadata: { ...cur.metadata, name: ROOT_CA_CONFIGMAP, namespace },
        data: { "ca.crt": ca },
      }), { createIfMissing: true });
    } catch (e) {
      // The namespace went, or began terminating, meanwhile.
      if (isStatusError(e, "NotFound") || isStatusError(e, "Forbidden")) return;
      throw e;
    }
  }
}
