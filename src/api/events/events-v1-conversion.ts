/**
 * events.k8s.io/v1 Events are the core/v1 Events under other field names (Kubernetes'
 * pkg/apis/events/v1 conversion): regarding ⇄ involvedObject, note ⇄ message,
 * reportingController ⇄ reportingComponent, and the deprecated* fields ⇄ source, firstTimestamp,
 * lastTimestamp, count. One store holds them, so a writer of either sees the other's.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Conversion } from "../resources/types.ts";

/** events.k8s.io/v1 field → core/v1 field. */
const RENAMED: [string, string][] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["reportingController", "reportingComponent"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
];

function rename(obj: KubeObject, apiVersion: string, pairs: [string, string][]): KubeObject {
  const out: KubeObject = { ...obj, apiVersion };
  for (const [from, to] of pairs) {
    if (from in out) {
      const v = out[from];
      delete out[from];
      if (v !== undefined) out[to] = v;
    }
  }
  return out;
}

export const eventsV1Conversion: Conversion = {
  toStorage: (obj) => rename(obj, "v1", RENAMED),
  fromStorage: (obj) => rename(obj, "events.k8s.io/v1", RENAMED.map(([a, b]) => [b, a])),
};
