/**
 * Events, as client-go's recorder writes them: each report goes through an EventCorrelator
 * (client/event-correlator.ts) — repeats update one Event's count and lastTimestamp, similar
 * ones are combined, and a source that reports too much about one object is throttled — then
 * it is written through the storage. Recording never fails the caller: an event is a report,
 * not state.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../../api/resources/registry.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import { EventCorrelator, toEventObject } from "../../client/event-correlator.ts";
import { log } from "../../log.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** `component` is the reporting controller ("deployment-controller"). */
  record(obj: KubeObject, type: EventType, reason: string, message: string, component: string): Promise<void>;
}

export class StorageEventRecorder implements EventRecorder {
  private readonly def: ResourceDef;

  constructor(
    private readonly storage: ObjectStorage,
    registry: ResourceRegistry,
    private readonly host = "",
    private readonly correlator = new EventCorrelator(),
  ) {
    this.def = registry.find("", "v1", "events")!;
  }

  async record(obj: KubeObject, type: EventType, reason: string, message: string, component: string): Promise<void> {
    const ns = obj.metadata.namespace || "default";
    const result = this.correlator.correlate({
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      source: this.host ? { component, host: this.host } : { component },
    });
    if (result.skip) return;
    const event = toEventObject(result.event, ns);
    try {
      // A repeat updates the Event it repeats, or writes it again if it has gone (TTL, a user).
      // Unpinned (no resourceVersion): two reports of the same event both land, one after the other.
      // Two reports written concurrently may land in either order: the higher count stays.
      await this.storage.update(this.def, ns, event.metadata.name!, (cur) =>
        (cur.count ?? 0) > event.count
          ? cur
          : { ...event, metadata: { ...cur.metadata, ...event.metadata, resourceVersion: undefined } }, { createIfMissing: true });
    } catch (e) {
      log.warn("recording an event failed", { reason, object: `${ns}/${obj.metadata.name}`, error: String(e) });
    }
  }
}
