/**
 * Quota for PersistentVolumeClaims (kubernetes pkg/quota/v1/evaluator/core/
 * persistent_volume_claims.go): one claim and its requested storage, also per storage class
 * as `<class>.storageclass.storage.k8s.io/requests.storage` and `…/persistentvolumeclaims`.
 */
import type { KubeObject } from "../model/object.ts";
import { ONE, objectCountName } from "./object-count.ts";
import { parseResourceList, type ResourceList } from "./resource-list.ts";
import type { UsageEvaluator } from "./types.ts";

const COUNT = objectCountName("", "persistentvolumeclaims");
const CLASS_SUFFIX = ".storageclass.storage.k8s.io/";

function storageClassOf(pvc: KubeObject): string {
  return pvc.spec?.storageClassName ?? pvc.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"] ?? "";
}

export class PvcEvaluator implements UsageEvaluator {
  readonly group = "";
  readonly plural = "persistentvolumeclaims";

  matchingResources(names: Iterable<string>): string[] {
    return [...names].filter((n) => {
      if (n === COUNT || n === "persistentvolumeclaims" || n === "requests.storage") return true;
      const i = n.indexOf(CLASS_SUFFIX);
      if (i <= 0) return false;
      const rest = n.slice(i + CLASS_SUFFIX.length);
      return rest === "requests.storage" || rest === "persistentvolumeclaims";
    });
  }

  usage(pvc: KubeObject): ResourceList {
    const out: ResourceList = new Map([[COUNT, ONE], ["persistentvolumeclaims", ONE]]);
    const cls = storageClassOf(pvc);
    if (cls) out.set(`${cls}${CLASS_SUFFIX}persistentvolumeclaims`, ONE);
    // A claim being expanded is charged the larger of what it asks and what it was given.
    let storage = parseResourceList(pvc.spec?.resources?.requests).get("storage");
    const allocated = parseResourceList(pvc.status?.allocatedResources).get("storage");
    if (allocated && (!storage || allocated.cmp(storage) > 0)) storage = allocated;
    if (storage) {
      out.set("requests.storage", storage);
      if (cls) out.set(`${cls}${CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  }

  constraints(): undefined {
    return undefined;
  }

  matchesScope(): boolean {
    return false;
  }
}
