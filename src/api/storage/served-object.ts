/**
 * What a read or a write hands a handler: the object as the resource's version serves it, with
 * the store's JSON text when that text is what is served. A handler that only sends the object
 * on (a GET, a write's answer) sends the text, and the object is parsed only if read: a pod's
 * create, status patch or GET otherwise parsed the stored text and stringified it again.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import { served } from "./storage-version.ts";

export interface ServedObject {
  readonly object: KubeObject;
  readonly json?: string;
}

/** A write through update(): the object, and whether the write made it. */
export interface UpdateResult extends ServedObject {
  readonly created: boolean;
}

/** A stored item as `def` serves it: the item itself (its lazy object, its text) when no version rewrites it. */
export function servedItem(def: ResourceDef, item: ServedObject): ServedObject {
  if (def.storageVersion === undefined && item.json !== undefined) return item;
  return { object: served(def, item.object) };
}

/** `item` with `created`, its object still parsed only when read. */
export function updateResult(item: ServedObject, created: boolean): UpdateResult {
  return {
    get object() {
      return item.object;
    },
    json: item.json,
    created,
  };
}
