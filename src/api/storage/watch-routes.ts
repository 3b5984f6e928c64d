/**
 * Which watch index a watch's field selector lets the store route its events by, as the
 * apiserver's watch cache does with its trigger functions (pods by spec.nodeName, every kind by
 * metadata.name): a kubelet watching its node's pods is one of a thousand watchers of pods, and
 * without an index each pod event ran every one's filter (measured in process, 1,000 such
 * watchers: a pod create cost 701–745 µs of CPU against 357–377 with none).
 *
 * An index reads a field as the filter does (filter.ts): a value that is not a string, or a
 * getter that fails, reads as "" — so a watcher of `spec.nodeName=` (the scheduler's unassigned
 * pods) is routed the same events its filter keeps.
 */
import type { KubeObject } from "../../model/object.ts";
import type { FieldRequirement } from "../../model/field-selector.ts";
import type { WatchIndex, WatchRoute } from "./object-storage.ts";
import type { ResourceDef } from "../resources/types.ts";
import { selectedName } from "./filter.ts";

function indexOf(get: (obj: KubeObject) => unknown): WatchIndex {
  return {
    of(obj) {
      try {
        const v = get(obj);
        return typeof v === "string" ? v : "";
      } catch {
        return "";
      }
    },
  };
}

const BY_NAME = indexOf((obj) => obj.metadata?.name);
/** One index per field getter, so that every watcher of a field shares its buckets. */
const byGetter = new Map<(obj: KubeObject) => unknown, WatchIndex>();

/**
 * The route for a watch of `def` with these field requirements (and the object name of a
 * single-object watch): the name it selects (selectedName), else its first equality on one of
 * the kind's own selectable fields. None for a kind served through another version: the store's objects are
 * in the storage version, where a field may sit elsewhere.
 */
export function watchRoute(def: ResourceDef, fields: FieldRequirement[], name?: string): WatchRoute | undefined {
  if (def.storageVersion !== undefined) return undefined;
  const named = selectedName(fields, name);
  if (named !== undefined) return { index: BY_NAME, value: named };
  for (const f of fields) {
    if (f.operator !== "=") continue;
    const get = def.fieldSelectors?.[f.field];
    if (!get) continue;
    let index = byGetter.get(get);
    if (!index) byGetter.set(get, (index = indexOf(get)));
    return { index, value: f.value };
  }
  return undefined;
}
