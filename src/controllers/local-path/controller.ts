/**
 * The local-path provisioner, built in as K3s bundles rancher's: for a claim the binder handed
 * to `rancher.io/local-path` (annotation `volume.kubernetes.io/storage-provisioner`) and the
 * scheduler placed (`volume.kubernetes.io/selected-node`), it creates a hostPath volume in
 * that node's storage root — the directory the node's agent announced in its
 * `k3rs.io/local-storage-path` annotation, `<agent data dir>/storage`. The directory itself
 * is made by the agent when a pod first mounts it, and removed by the agent once the volume
 * object is gone (reclaim policy Delete), so this controller never touches a node's disk.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { ANN_LOCAL_STORAGE_PATH, ANN_STORAGE_PROVISIONER, DEFAULT_LOCAL_STORAGE_PATH, LOCAL_PATH_PROVISIONER } from "../../volume-binding/annotations.ts";
import { selectedNode, storageClassOf } from "../../volume-binding/claims.ts";
import { localPathVolume, unsupported, volumeName } from "./volume.ts";

const COMPONENT = `${LOCAL_PATH_PROVISIONER}_k3rs`;
/** How soon a claim whose node is not known yet is looked at again. */
const NODE_RETRY_MS = 5_000;

export class LocalPathProvisioner implements Controller {
  readonly name = "local-path-provisioner";
  private ctx!: ControllerContext;
  private claims!: SharedInformer<PersistentVolumeClaim>;
  private volumes!: SharedInformer<PersistentVolume>;
  private classes!: SharedInformer;
  private nodes!: SharedInformer<Node>;
  private readonly failed = new Map<string, string>();

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.claims = ctx.informer("", "persistentvolumeclaims");
    this.volumes = ctx.informer("", "persistentvolumes");
    this.classes = ctx.informer("storage.k8s.io", "storageclasses");
    this.nodes = ctx.informer("", "nodes");
    this.claims.addHandler({
      onChange: (pvc) => {
        if (wantsUs(pvc)) queue.add(keyOf(pvc));
      },
      onDelete: (pvc) => this.failed.delete(pvc.metadata.uid!),
    });
    // A volume deleted before its claim bound (by hand, or a stale one) is made again.
    this.volumes.addHandler({
      onDelete: (pv) => {
        const ref = pv.spec?.claimRef;
        if (ref?.name) queue.add(`${ref.namespace}/${ref.name}`);
      },
    });
    await Promise.all([this.claims, this.volumes, this.classes, this.nodes].map((i) => i.start(ctx.signal)));
  }

  async reconcile(key: string): Promise<number | void> {
    const pvc = this.claims.get(key);
    if (!pvc || !wantsUs(pvc)) return;
    const nodeName = selectedNode(pvc)!;
    const name = volumeName(pvc);
    if (this.volumes.get(name)) return;
    const sc = this.classes.get(storageClassOf(pvc));
    if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER) return;
    const problem = unsupported(pvc);
    if (problem) return this.fail(pvc, problem);
    const node = this.nodes.get(nodeName);
    if (!node) {
      await this.fail(pvc, `configuration error, no node was specified: node "${nodeName}" not found`);
      return NODE_RETRY_MS;
    }
    const root = node.metadata.annotations?.[ANN_LOCAL_STORAGE_PATH] || DEFAULT_LOCAL_STORAGE_PATH;
    const ref = `${pvc.metadata.namespace}/${pvc.metadata.name}`;
    void this.ctx.events.record(pvc, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${ref}"`, COMPONENT);
    try {
      await this.ctx.storage.create(this.volumes.def, undefined, localPathVolume(pvc, sc, nodeName, root));
    } catch (e) {
      if (isStatusError(e, "AlreadyExists")) return;
      await this.fail(pvc, e instanceof Error ? e.message : String(e));
      throw e;
    }
    this.failed.delete(pvc.metadata.uid!);
    await this.ctx.events.record(pvc, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${name}`, COMPONENT);
  }

  private async fail(pvc: PersistentVolumeClaim, message: string): Promise<void> {
    if (this.failed.get(pvc.metadata.uid!) === message) return;
    this.failed.set(pvc.metadata.uid!, message);
    await this.ctx.events.record(pvc, "Warning", "ProvisioningFailed", `failed to provision volume with StorageClass "${storageClassOf(pvc)}": ${message}`, COMPONENT);
  }
}

/** Unbound, placed, and handed to this provisioner. */
function wantsUs(pvc: PersistentVolumeClaim): boolean {
  return !pvc.spec?.volumeName && !pvc.metadata.deletionTimestamp && pvc.metadata.annotations?.[ANN_STORAGE_PROVISIONER] === LOCAL_PATH_PROVISIONER && !!selectedNode(pvc);
}
