/**
 * The PersistentVolume controller (the binder): binds claims to volumes — a volume pre-bound
 * to the claim or provisioned for it, else the smallest matching Available one — and keeps
 * both phases true; asks a provisioner for a volume when nothing matches; releases a volume
 * whose claim is gone and reclaims it (Delete removes the object, Retain keeps it Released).
 *
 * Claims and volumes share one queue: `pvc:<ns>/<name>` and `pv:<name>`. A bind writes the
 * volume first (claimRef, then phase) and the claim second (volumeName, then status), as
 * Kubernetes does, so a crash half-way leaves a volume pre-bound to its claim, which the next
 * sync completes.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Node, PersistentVolume, PersistentVolumeClaim } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import { keyOf } from "../../client/object-key.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import { ANN_STORAGE_PROVISIONER } from "../../volume-binding/annotations.ts";
import { boundClaim, boundClaimStatus, boundVolume, planClaim, planVolume, provisionAnnotations, type ClaimEvent, type World } from "./plan.ts";

const COMPONENT = "persistentvolume-controller";
const CLAIM = "pvc:";
const VOLUME = "pv:";

export class PersistentVolumeController implements Controller {
  readonly name = "persistent-volume";
  private ctx!: ControllerContext;
  private claims!: SharedInformer<PersistentVolumeClaim>;
  private volumes!: SharedInformer<PersistentVolume>;
  private classes!: SharedInformer;
  private nodes!: SharedInformer<Node>;
  /** The last event told per claim uid, so a claim re-synced for other reasons does not repeat it. */
  private readonly told = new Map<string, string>();

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.claims = ctx.informer("", "persistentvolumeclaims");
    this.volumes = ctx.informer("", "persistentvolumes");
    this.classes = ctx.informer("storage.k8s.io", "storageclasses");
    this.nodes = ctx.informer("", "nodes");
    const claimKey = (pvc: PersistentVolumeClaim) => queue.add(CLAIM + keyOf(pvc));
    this.claims.addHandler({
      onChange: claimKey,
      onDelete: (pvc) => {
        this.told.delete(pvc.metadata.uid!);
        claimKey(pvc);
        // Its volume is released now.
        if (pvc.spec?.volumeName) queue.add(VOLUME + pvc.spec.volumeName);
        for (const pv of this.volumes.list()) if (pv.spec?.claimRef?.uid === pvc.metadata.uid) queue.add(VOLUME + pv.metadata.name);
      },
    });
    const volumeChanged = (pv: PersistentVolume) => {
      queue.add(VOLUME + pv.metadata.name);
      const ref = pv.spec?.claimRef;
      if (ref?.name) queue.add(`${CLAIM}${ref.namespace}/${ref.name}`);
      // A volume that became Available may be what a pending claim waits for.
      if (!ref && pv.status?.phase === "Available") for (const pvc of this.claims.list()) if (!pvc.spec?.volumeName) claimKey(pvc);
    };
    this.volumes.addHandler({ onChange: volumeChanged, onDelete: volumeChanged });
    const pendingClaims = () => {
      for (const pvc of this.claims.list()) if (!pvc.spec?.volumeName) claimKey(pvc);
    };
    this.classes.addHandler({ onChange: pendingClaims, onDelete: pendingClaims });
    await Promise.all([this.claims, this.volumes, this.classes, this.nodes].map((i) => i.start(ctx.signal)));
  }

  private get world(): World {
    return {
      volumes: this.volumes.cache.values(),
      volume: (name) => this.volumes.get(name),
      storageClass: (name) => this.classes.get(name),
      node: (name) => this.nodes.get(name),
    };
  }

  async reconcile(key: string): Promise<number | void> {
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
  }

  private async syncClaim(key: string): Promise<void> {
    const pvc = this.claims.get(key);
    if (!pvc) return;
    const action = planClaim(pvc, this.world);
    switch (action.type) {
      case "bind":
        return this.bind(pvc, action.volume);
      case "pending":
        await this.claimPhase(pvc, "Pending");
        return this.tell(pvc, action.event);
      case "provision": {
        const want = provisionAnnotations(action.provisioner);
        if (pvc.metadata.annotations?.[ANN_STORAGE_PROVISIONER] !== action.provisioner) {
          await this.write(this.claims.def, pvc, (cur) => {
            cur.metadata.annotations = { ...cur.metadata.annotations, ...want };
            return cur;
          });
        }
        await this.claimPhase(pvc, "Pending");
        return this.tell(pvc, action.event);
      }
      case "lost":
        await this.claimPhase(pvc, "Lost");
        return this.tell(pvc, action.event);
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(name);
    if (!pv) return;
    const ref = pv.spec?.claimRef;
    let claim = ref?.name ? this.claims.get(`${ref.namespace}/${ref.name}`) : undefined;
    if (ref?.uid && claim?.metadata.uid !== ref.uid) {
      // The cache may lag a claim just made: ask the store before releasing anything.
      claim = await this.ctx.storage.tryGet(this.claims.def, ref.namespace, ref.name!);
    }
    const action = planVolume(pv, claim);
    switch (action.type) {
      case "phase":
        return this.volumePhase(pv, action.phase, action.message);
      case "unbind":
        await this.write(this.volumes.def, pv, (cur) => {
          delete cur.spec.claimRef;
          return cur;
        });
        return this.volumePhase(pv, "Available");
      case "delete":
        try {
          await this.ctx.storage.delete(this.volumes.def, undefined, name, { preconditions: { uid: pv.metadata.uid } });
        } catch (e) {
          if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
        }
        return;
    }
  }

  /** Volume spec, volume status, claim spec, claim status — each written only when it differs. */
  private async bind(pvc: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    const volume = boundVolume(pv, pvc);
    if (!Bun.deepEquals(volume.spec, pv.spec) || !Bun.deepEquals(volume.metadata.annotations, pv.metadata.annotations)) {
      const ok = await this.write(this.volumes.def, pv, (cur) => {
        // Someone else took the volume since the cache saw it: leave it, retry the claim.
        if (cur.spec?.claimRef?.uid && cur.spec.claimRef.uid !== pvc.metadata.uid) throw new Error(`volume ${pv.metadata.name} is bound to another claim`);
        const next = boundVolume(cur, pvc);
        return next;
      });
      if (!ok) return;
    }
    await this.volumePhase(pv, "Bound");
    const claim = boundClaim(pvc, pv);
    if (!Bun.deepEquals(claim.spec, pvc.spec) || !Bun.deepEquals(claim.metadata.annotations, pvc.metadata.annotations)) {
      const ok = await this.write(this.claims.def, pvc, (cur) => boundClaim(cur, pv));
      if (!ok) return;
    }
    const status = boundClaimStatus(pvc, pv);
    if (!Bun.deepEquals(status, pvc.status)) {
      await this.write(this.claims.def, pvc, (cur) => {
        cur.status = boundClaimStatus(cur, pv);
        return cur;
      }, "status");
      if (pvc.status?.phase !== "Bound") void this.ctx.events.record(pvc, "Normal", "Bound", `Successfully bound to volume ${pv.metadata.name}`, COMPONENT);
    }
  }

  private async claimPhase(pvc: PersistentVolumeClaim, phase: string): Promise<void> {
    if (pvc.status?.phase === phase) return;
    await this.write(this.claims.def, pvc, (cur) => {
      cur.status = { ...cur.status, phase };
      return cur;
    }, "status");
  }

  private async volumePhase(pv: PersistentVolume, phase: string, message?: string): Promise<void> {
    if (pv.status?.phase === phase && pv.status?.message === message) return;
    await this.write(this.volumes.def, pv, (cur) => {
      if (cur.status?.phase === phase && cur.status?.message === message) return cur;
      cur.status = { ...cur.status, phase };
      if (message) cur.status.message = message;
      else delete cur.status.message;
      return cur;
    }, "status");
  }

  /** An update pinned to the object's uid; false when it is gone or was replaced. */
  private async write(def: ResourceDef, obj: KubeObject, mutate: (cur: KubeObject) => KubeObject, subresource?: string): Promise<boolean> {
    try {
      await this.ctx.storage.update(def, obj.metadata.namespace, obj.metadata.name!, (cur) => {
        if (cur.metadata.uid !== obj.metadata.uid) throw new StaleObject();
        return mutate(cur);
      }, subresource ? { subresource } : {});
      return true;
    } catch (e) {
      if (e instanceof StaleObject || isStatusError(e, "NotFound")) return false;
      throw e;
    }
  }

  private async tell(pvc: PersistentVolumeClaim, event: ClaimEvent | undefined): Promise<void> {
    if (!event) return;
    const id = `${event.reason}\0${event.message}`;
    if (this.told.get(pvc.metadata.uid!) === id) return;
    this.told.set(pvc.metadata.uid!, id);
    await this.ctx.events.record(pvc, event.type, event.reason, event.message, COMPONENT);
  }
}

class StaleObject extends Error {}
