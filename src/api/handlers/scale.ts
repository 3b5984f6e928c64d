/** The `/scale` subresource: an autoscaling/v1 Scale view of a workload's replicas. */
import { cloneObject } from "../../model/clone.ts";
import type { KubeObject } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import type { ResourceDef } from "../resources/types.ts";
import { selectorToString } from "../../model/label-selector.ts";

export function getScale(def: ResourceDef, obj: KubeObject): KubeObject {
  const m = obj.metadata;
  const paths = def.custom?.scale;
  const scale: KubeObject = {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      ...(obj.spec?.selector ? selectorField(obj.spec.selector) : {}),
    },
  };
  if (paths) {
    // A custom resource names where its replicas live; its selector is already a string there.
    const replicas = (path: string) => {
      const v = readPath(obj, path);
      return Number.isInteger(v) ? (v as number) : 0;
    };
    const selector = paths.labelSelectorPath ? readPath(obj, paths.labelSelectorPath) : undefined;
    scale.spec = { replicas: replicas(paths.specReplicasPath) };
    scale.status = { replicas: replicas(paths.statusReplicasPath), ...(typeof selector === "string" ? { selector } : {}) };
  }
  return scale;
}

/** `.spec.replicas` → ["spec", "replicas"] (scale paths are plain dotted paths, validated with the definition). */
const segments = (path: string) => path.replace(/^\./, "").split(".");

function readPath(obj: unknown, path: string): unknown {
  let v: any = obj;
  for (const k of segments(path)) v = v && typeof v === "object" ? v[k] : undefined;
  return v;
}

function writePath(obj: KubeObject, path: string, value: unknown): KubeObject {
  const out: any = cloneObject(obj);
  const keys = segments(path);
  let v = out;
  for (const k of keys.slice(0, -1)) v = v[k] = v[k] && typeof v[k] === "object" && !Array.isArray(v[k]) ? v[k] : {};
  v[keys.at(-1)!] = value;
  return out;
}

/** A stored selector that cannot be read (written before validation) is left out, not a 400 for the reader. */
function selectorField(selector: unknown): { selector?: string } {
  try {
    return { selector: selectorToString(selector as any) };
  } catch {
    return {};
  }
}

/** Turns a change of the Scale view into a change of the workload (for ObjectStorage.update). */
export function scaleMutation(def: ResourceDef, change: (scale: KubeObject) => any): (current: KubeObject) => KubeObject {
  return (current) => {
    const next = change(getScale(def, current));
    const replicas = next?.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid("autoscaling", "Scale", current.metadata.name ?? "", [
        { reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` },
      ]);
    }
    // A resourceVersion in the Scale pins the write (409 if stale); without one it applies to
    // whatever is current, retried past concurrent writers (controllers update status all the time).
    const rv = next?.metadata?.resourceVersion;
    const metadata = { ...current.metadata };
    if (typeof rv === "string" && rv !== "") metadata.resourceVersion = rv;
    else delete metadata.resourceVersion;
    const paths = def.custom?.scale;
    if (paths) return { ...writePath(current, paths.specReplicasPath, replicas), metadata };
    return { ...current, metadata, spec: { ...current.spec, replicas } };
  };
}
