/**
 * core/v1 Events: `LAST SEEN TYPE REASON OBJECT MESSAGE`, wide adds SUBOBJECT SOURCE FIRST SEEN
 * COUNT NAME — the wide columns sit between the narrow ones, exactly as Kubernetes orders them.
 */
import type { Printer } from "./types.ts";
import { col, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";

function source(ev: any): string {
  const component = ev.source?.component || ev.reportingComponent || "";
  const instance = ev.source?.host || ev.reportingInstance || "";
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: Printer = {
  columns: [
    col("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
    col("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
    col("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col("Object", "The object that this event is about."),
    wide("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement."),
    wide("Source", "The component reporting this event. Should be a short machine understandable string."),
    col("Message", "A human-readable description of the status of this operation."),
    wide("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
    wide("Count", "The number of times this event has occurred."),
    { ...nameColumn, priority: 1 },
  ],
  cells(ev, now) {
    const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
    let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
    let n: number = typeof ev.count === "number" ? ev.count : 0;
    if (ev.series) {
      last = since(ev.series.lastObservedTime, now);
      n = typeof ev.series.count === "number" ? ev.series.count : 0;
    } else if (n === 0) {
      // Singleton events of the events.k8s.io API carry no count.
      n = 1;
    }
    const involved = ev.involvedObject ?? {};
    const kind = String(involved.kind ?? "").toLowerCase();
    const target = involved.name ? `${kind}/${involved.name}` : kind;
    return [
      last,
      ev.type ?? "",
      ev.reason ?? "",
      target,
      involved.fieldPath ?? "",
      source(ev),
      String(ev.message ?? "").trim(),
      first,
      n,
      ev.metadata.name ?? "",
    ];
  },
};
