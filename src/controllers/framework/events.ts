/**
 * Events, as client-go's recorder writes them: one Event per (object, type, reason, message),
 * named `<object>.<unique hex>`; a repeat bumps `count` and `lastTimestamp` instead of writing
 * a new Event. Recording never fails the caller — an event is a report, not state.
 */
import type { KubeObject } from "../../model/object.ts";
import { nowTimestamp } from "../../model/object.ts";
import type { ObjectStorage } from "../../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../../api/resources/registry.ts";
import type { ResourceDef } from "../../api/resources/types.ts";
import { log } from "../../log.ts";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** `component` is the reporting controller ("deployment-controller"). */
  record(obj: KubeObject, type: EventType, reason: string, message: string, component: string): Promise<void>;
}

/** Remembers the names of recent events so repeats update them; bounded so it cannot grow forever. */
const MAX_REMEMBERED = 4096;

export class StorageEventRecorder implements EventRecorder {
  private readonly def: ResourceDef;
  private readonly recent = new Map<string, string>();
  private seq = 0;

  constructor(
    private readonly storage: ObjectStorage,
    registry: ResourceRegistry,
    private readonly host = "",
  ) {
    this.def = registry.find("", "v1", "events")!;
  }

  async record(obj: KubeObject, type: EventType, reason: string, message: string, component: string): Promise<void> {
    const ns = obj.metadata.namespace || "default";
    const id = `${obj.metadata.uid}\0${type}\0${reason}\0${message}\0${component}`;
    let name = this.recent.get(id);
    if (!name) {
      name = `${obj.metadata.name}.${(Date.now() * 1000 + (this.seq++ % 1000)).toString(16)}`;
      if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(id, name);
    }
    const now = nowTimestamp();
    try {
      await this.storage.update(this.def, ns, name, (cur) => ({
        apiVersion: "v1",
        kind: "Event",
        // Unpinned (no resourceVersion): two reports of the same event both land, one after the other.
        metadata: { ...cur.metadata, name, namespace: ns, resourceVersion: undefined },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          namespace: obj.metadata.namespace,
          name: obj.metadata.name,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: this.host ? { component, host: this.host } : { component },
        reportingComponent: component,
        reportingInstance: this.host || component,
        firstTimestamp: cur.firstTimestamp ?? now,
        lastTimestamp: now,
        count: (cur.count ?? 0) + 1,
      }), { createIfMissing: true });
    } catch (e) {
      log.warn("recording an event failed", { reason, object: `${ns}/${obj.metadata.name}`, error: String(e) });
    }
  }
}
