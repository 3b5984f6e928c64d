import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { eventPrinter } from "./event.ts";

const now = new Date("2024-05-01T12:00:00Z");

function ev(rest: any): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web-1.17c", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" },
    involvedObject: { kind: "Pod", name: "web-1", namespace: "default", fieldPath: "spec.containers{web}" },
    type: "Normal",
    reason: "Pulled",
    message: "Container image \"nginx\" already present on machine\n",
    ...rest,
  };
}

test("columns: wide ones sit between the narrow ones", () => {
  expect(eventPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
    "Last Seen:0", "Type:0", "Reason:0", "Object:0", "Subobject:1", "Source:1", "Message:0", "First Seen:1", "Count:1", "Name:1",
  ]);
});

test.each<[string, KubeObject, unknown[]]>([
  [
    "classic event with count",
    ev({ firstTimestamp: "2024-05-01T11:00:00Z", lastTimestamp: "2024-05-01T11:58:00Z", count: 4, source: { component: "kubelet", host: "n1" } }),
    ["2m", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, n1", 'Container image "nginx" already present on machine', "60m", 4, "web-1.17c"],
  ],
  [
    "events.k8s.io style: eventTime, no count, reporting component",
    ev({ eventTime: "2024-05-01T11:59:50.000000Z", reportingComponent: "default-scheduler", reportingInstance: "", involvedObject: { kind: "Pod", name: "web-2" } }),
    ["10s", "Normal", "Pulled", "pod/web-2", "", "default-scheduler", 'Container image "nginx" already present on machine', "10s", 1, "web-1.17c"],
  ],
  [
    "series overrides last seen and count",
    ev({ eventTime: "2024-05-01T11:00:00.000000Z", series: { count: 7, lastObservedTime: "2024-05-01T11:59:00.000000Z" } }),
    ["60s", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "", 'Container image "nginx" already present on machine', "60m", 7, "web-1.17c"],
  ],
  [
    "no timestamps at all, kind only",
    ev({ involvedObject: { kind: "Node" } }),
    ["<unknown>", "Normal", "Pulled", "node", "", "", 'Container image "nginx" already present on machine', "<unknown>", 1, "web-1.17c"],
  ],
])("%s", (_n, e, cells) => {
  expect(eventPrinter.cells(e, now)).toEqual(cells);
});
