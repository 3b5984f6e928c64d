/**
 * EndpointSlices filed under the Service they belong to (the `kubernetes.io/service-name`
 * label), parsed once when they arrive. Shared by the service proxy's table and the Ingress
 * backends, which both answer "the endpoints of Service S" with a map lookup.
 */
import type { KubeObject } from "../../model/object.ts";
import { objectKey } from "../../model/object.ts";
import { type ParsedSlice, SERVICE_NAME_LABEL, parseSlice } from "./endpoints.ts";

export class SliceIndex {
  /** Service key → its slices by slice key */
  private readonly byService = new Map<string, Map<string, ParsedSlice>>();
  /** slice key → the Service it was filed under, so relabels and deletes find it */
  private readonly owner = new Map<string, string>();

  /** Files the slice; returns the Services whose endpoints changed (one, or two on a relabel). */
  upsert(slice: KubeObject): string[] {
    const sliceKey = objectKey(slice.metadata.namespace, slice.metadata.name ?? "");
    const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    const owner = svcName ? objectKey(slice.metadata.namespace, svcName) : undefined;
    const changed: string[] = [];
    const prev = this.owner.get(sliceKey);
    if (prev && prev !== owner) {
      this.drop(sliceKey, prev);
      changed.push(prev);
    }
    const parsed = owner ? parseSlice(slice) : undefined;
    if (!owner || !parsed) return changed;
    let m = this.byService.get(owner);
    if (!m) this.byService.set(owner, (m = new Map()));
    m.set(sliceKey, parsed);
    this.owner.set(sliceKey, owner);
    changed.push(owner);
    return changed;
  }

  /** Forgets the slice; returns the Service it belonged to, if it was filed. */
  delete(slice: KubeObject): string | undefined {
    const sliceKey = objectKey(slice.metadata.namespace, slice.metadata.name ?? "");
    const owner = this.owner.get(sliceKey);
    if (owner) this.drop(sliceKey, owner);
    return owner;
  }

  of(service: string): ParsedSlice[] {
    return [...(this.byService.get(service)?.values() ?? [])];
  }

  private drop(sliceKey: string, owner: string): void {
    this.owner.delete(sliceKey);
    const m = this.byService.get(owner);
    if (!m) return;
    m.delete(sliceKey);
    if (m.size === 0) this.byService.delete(owner);
  }
}
