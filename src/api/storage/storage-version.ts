/**
 * Versions of one resource that share a store (a custom resource's, ResourceInfo.storageVersion):
 * objects are written in the storage version and read in the version asked for. Conversion is
 * `None`, as the only one this server does: only apiVersion differs.
 */
import type { KubeObject } from "../../model/object.ts";
import { apiVersionOf } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";

/** An object read from the store as `def`'s version shows it (see ResourceInfo.storageVersion). */
export function served(def: ResourceDef, obj: KubeObject): KubeObject {
  if (def.storageVersion === undefined) return obj;
  const want = apiVersionOf(def.group, def.version);
  if (obj.apiVersion === want) return obj;
  return def.conversion ? def.conversion.fromStorage(obj) : { ...obj, apiVersion: want };
}

/** A stored item's JSON as `def`'s version shows it, the store's own text when no rewrite is needed. */
export function servedJson(def: ResourceDef, item: { object: KubeObject; json?: string }): string {
  if (def.storageVersion === undefined || item.object.apiVersion === apiVersionOf(def.group, def.version)) return item.json ?? JSON.stringify(item.object);
  return JSON.stringify(served(def, item.object));
}

/** An object as it is written: in the storage version. */
export function toStorage(def: ResourceDef, obj: KubeObject): KubeObject {
  if (def.storageVersion === undefined) return obj;
  const want = apiVersionOf(def.storageGroup ?? def.group, def.storageVersion);
  if (obj.apiVersion === want) return obj;
  return def.conversion ? def.conversion.toStorage(obj) : { ...obj, apiVersion: want };
}

/** What ServedEvent reads of a store event (ObjectStorage's ObjectEvent). */
interface StoredEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly revision: number;
  readonly object: KubeObject;
  readonly prevObject?: KubeObject;
  readonly slimObject: KubeObject;
  readonly prevSlimObject?: KubeObject;
  readonly json?: string;
}

/** A store event as `def`'s version shows it: each object converted when first read, as the store's are parsed. */
export class ServedEvent implements StoredEvent {
  readonly type: StoredEvent["type"];
  readonly revision: number;
  #object: KubeObject | undefined;
  #prevObject: KubeObject | undefined;
  #slimObject: KubeObject | undefined;
  #prevSlimObject: KubeObject | undefined;

  constructor(
    private readonly def: ResourceDef,
    private readonly e: StoredEvent,
  ) {
    this.type = e.type;
    this.revision = e.revision;
  }

  get object(): KubeObject {
    return (this.#object ??= served(this.def, this.e.object));
  }

  /** The stored text, while no conversion rewrote the object. */
  get json(): string | undefined {
    return this.object === this.e.object ? this.e.json : undefined;
  }

  get prevObject(): KubeObject | undefined {
    const prev = this.e.prevObject;
    return prev && (this.#prevObject ??= served(this.def, prev));
  }

  get slimObject(): KubeObject {
    return (this.#slimObject ??= served(this.def, this.e.slimObject));
  }

  get prevSlimObject(): KubeObject | undefined {
    const prev = this.e.prevSlimObject;
    return prev && (this.#prevSlimObject ??= served(this.def, prev));
  }
}
