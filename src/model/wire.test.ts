/**
 * Wire<T> is a type: these checks run in `tsc --noEmit` (each `@ts-expect-error` fails the
 * type check if the line it guards compiles), the runtime assertions only keep bun's runner honest.
 */
import { expect, test } from "bun:test";
import type { V1Lease, V1PodStatus } from "@kubernetes/client-node";
import type { Wire } from "./wire.ts";

test("timestamps are the strings (or nulls) the API sends, nested in arrays and objects too", () => {
  const status: Wire<V1PodStatus> = {
    startTime: "2026-01-01T00:00:00Z",
    conditions: [{ type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:01Z" }],
    containerStatuses: [{ name: "c", image: "i", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: "2026-01-01T00:00:02Z" } } }],
  };
  // @ts-expect-error a Date is not what JSON holds
  const withDate: Wire<V1PodStatus> = { startTime: new Date() };
  // MicroTime (a Date subclass in client-node) too.
  const lease: Wire<V1Lease> = { spec: { renewTime: "2026-01-01T00:00:00.000000Z" } };
  expect(JSON.parse(JSON.stringify(status))).toEqual(status);
  expect(withDate.startTime).toBeInstanceOf(Date);
  expect(lease.spec?.renewTime).toBe("2026-01-01T00:00:00.000000Z");
});

test("other fields keep their types", () => {
  // @ts-expect-error restartCount is a number
  const bad: Wire<V1PodStatus> = { containerStatuses: [{ name: "c", image: "i", imageID: "", ready: true, restartCount: "1" }] };
  expect(bad.containerStatuses).toHaveLength(1);
});
