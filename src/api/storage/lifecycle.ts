/**
 * What the apiserver does to every object on create and update, before admission and the
 * store: system fields (uid, creationTimestamp, generation), which parts a subresource may
 * change, and generation bumps on spec changes (pkg/registry/<group>/<kind>/strategy.go, rest.BeforeCreate).
 */
import { cloneObject } from "../../model/clone.ts";
import { randomUUID } from "node:crypto";
import type { KubeObject } from "../../model/object.ts";
import { apiVersionOf, nowTimestamp } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** generateName + 5 random characters, as names.SimpleNameGenerator does. */
export function generateName(base: string): string {
  const prefix = base.length > 58 ? base.slice(0, 58) : base;
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return prefix + suffix;
}

/** Has a status subresource, so the main resource may not write status (and vice versa). */
export function hasStatus(def: ResourceDef): boolean {
  return def.subresources?.includes("status") === true;
}

export function prepareForCreate(def: ResourceDef, obj: KubeObject, namespace: string | undefined, now: Date): void {
  obj.apiVersion = apiVersionOf(def.group, def.version);
  obj.kind = def.kind;
  const meta = (obj.metadata ??= {});
  if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
  if (def.namespaced) meta.namespace = namespace;
  else delete meta.namespace;
  meta.uid = randomUUID();
  meta.creationTimestamp = nowTimestamp(now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  delete meta.selfLink;
  if (def.hasGeneration || obj.spec !== undefined) meta.generation = 1;
  else delete meta.generation;
  // A create may not set status for kinds with a status subresource — except the initial
  // status the kind's defaults put there (Pending pods, Active namespaces) and where the
  // kind says the creator sets it.
  if (hasStatus(def) && !def.keepsStatusOnCreate) obj.status = undefined;
  if (obj.status === undefined) delete obj.status;
}

/**
 * Carries system fields over from the stored object and decides which parts of the request
 * apply: the main resource ignores status, the status subresource takes only status.
 */
export function prepareForUpdate(def: ResourceDef, obj: KubeObject, old: KubeObject, subresource?: string): KubeObject {
  let next: KubeObject;
  if (subresource === "status") {
    next = cloneObject(old);
    next.status = obj.status;
    // Status writers may still touch labels and annotations (kubelet does on nodes).
    if (obj.metadata?.labels !== undefined) next.metadata.labels = obj.metadata.labels;
    if (obj.metadata?.annotations !== undefined) next.metadata.annotations = obj.metadata.annotations;
    // The field manager's bookkeeping of this write: the status writer's entry, as the apiserver
    // keeps a kubelet's `Update` of `status`. A write from inside the server that sends none (a
    // controller's copy from its informer has none) keeps the stored list.
    if (obj.metadata?.managedFields !== undefined) next.metadata.managedFields = obj.metadata.managedFields;
  } else if (subresource === "ephemeralcontainers") {
    // pods/ephemeralcontainers writes spec.ephemeralContainers and nothing else (kubectl debug).
    next = cloneObject(old);
    next.spec = { ...next.spec, ephemeralContainers: obj.spec?.ephemeralContainers };
    if (next.spec.ephemeralContainers === undefined) delete next.spec.ephemeralContainers;
    if (obj.metadata?.managedFields !== undefined) next.metadata.managedFields = obj.metadata.managedFields;
  } else {
    next = obj;
    // pods/binding is the one write that sets spec (nodeName) and status (PodScheduled) together.
    if (hasStatus(def) && subresource !== "binding") next.status = old.status;
    // Ephemeral containers change only through their subresource: an update of the pod (kubectl
    // replace of its manifest) keeps those it has.
    if (def.subresources?.includes("ephemeralcontainers") && next.spec && typeof next.spec === "object") {
      if (old.spec?.ephemeralContainers !== undefined) next.spec.ephemeralContainers = old.spec.ephemeralContainers;
      else delete next.spec.ephemeralContainers;
    }
  }
  next.apiVersion = old.apiVersion;
  next.kind = old.kind;
  const meta = (next.metadata ??= {});
  meta.name = old.metadata.name;
  if (def.namespaced) meta.namespace = old.metadata.namespace;
  meta.uid = old.metadata.uid;
  meta.creationTimestamp = old.metadata.creationTimestamp;
  meta.deletionTimestamp = old.metadata.deletionTimestamp;
  meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
  if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
  if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
  meta.generation = old.metadata.generation;
  if (meta.generation === undefined) delete meta.generation;
  else if (subresource !== "status" && specChanged(next, old)) meta.generation = (old.metadata.generation ?? 0) + 1;
  if (next.status === undefined) delete next.status;
  return next;
}

/** Anything outside metadata and status counts as spec (ConfigMap data, Secret data, …). */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const { metadata: _ma, status: _sa, ...restA } = a;
  const { metadata: _mb, status: _sb, ...restB } = b;
  return !Bun.deepEquals(restA, restB);
}
