import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { countInto, planJob } from "./plan.ts";
import { COMPLETION_INDEX } from "./pod-outcome.ts";

const NOW = Date.parse("2026-01-01T00:10:00Z");
const BACKOFF = { baseMs: 10_000, maxMs: 360_000 };

function job(spec: any, status: any = {}): KubeObject {
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name: "j", namespace: "default", uid: "job-uid" },
    spec: { parallelism: 1, completions: 1, backoffLimit: 6, completionMode: "NonIndexed", template: { spec: { restartPolicy: "Never" } }, ...spec },
    status: { startTime: "2026-01-01T00:00:00Z", ...status },
  };
}

let seq = 0;
function pod(phase: string, extra: { index?: number; finishedAt?: string; deleting?: boolean; ready?: boolean; restarts?: number } = {}): KubeObject {
  seq++;
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      name: `j-${seq}`, namespace: "default", uid: `pod-${seq}`, creationTimestamp: `2026-01-01T00:0${seq % 10}:00Z`,
      ...(extra.index !== undefined ? { annotations: { [COMPLETION_INDEX]: String(extra.index) } } : {}),
      ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:09:00Z" } : {}),
    },
    spec: {},
    status: {
      phase,
      conditions: [{ type: "Ready", status: extra.ready ? "True" : "False" }],
      containerStatuses: [{ restartCount: extra.restarts ?? 0, state: extra.finishedAt ? { terminated: { finishedAt: extra.finishedAt } } : {} }],
    },
  };
}

const types = (p: { status: any }) => (p.status.conditions ?? []).filter((c: any) => c.status === "True").map((c: any) => c.type);

describe("planJob", () => {
  test("a new Job starts min(parallelism, completions) pods and its clock", () => {
    const p = planJob(job({ parallelism: 3, completions: 5 }, { startTime: undefined }), [], NOW, BACKOFF);
    expect(p.create).toBe(3);
    expect(p.status.startTime).toBe("2026-01-01T00:10:00Z");
  });

  test("only the completions still missing are started", () => {
    expect(planJob(job({ parallelism: 2, completions: 5 }, { succeeded: 4 }), [], NOW, BACKOFF).create).toBe(1);
  });

  test("enough successes and nothing running: Complete with completionTime and an event", () => {
    const p = planJob(job({ completions: 2 }, { succeeded: 2 }), [pod("Succeeded"), pod("Succeeded")], NOW, BACKOFF);
    expect(types(p)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(p.status.completionTime).toBe("2026-01-01T00:10:00Z");
    expect(p.events).toEqual([{ type: "Normal", reason: "Completed", message: "Job completed" }]);
    expect(p.create).toBe(0);
  });

  test("past the backoff limit: running pods go, and Failed waits until they have", () => {
    const running = pod("Running");
    const first = planJob(job({ backoffLimit: 1, parallelism: 2, completions: 3 }, { failed: 2 }), [running], NOW, BACKOFF);
    expect(types(first)).toEqual(["FailureTarget"]);
    expect(first.remove).toEqual([running]);
    const done = planJob({ ...job({ backoffLimit: 1 }), status: first.status }, [], NOW, BACKOFF);
    expect(types(done)).toEqual(["FailureTarget", "Failed"]);
    expect(done.status.conditions!.at(-1)).toMatchObject({ reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(done.events[0]).toMatchObject({ type: "Warning", reason: "BackoffLimitExceeded" });
  });

  test("container restarts of OnFailure pods count toward the backoff limit", () => {
    const j = job({ backoffLimit: 2, template: { spec: { restartPolicy: "OnFailure" } } });
    expect(types(planJob(j, [pod("Running", { restarts: 2 })], NOW, BACKOFF))).toEqual([]);
    expect(types(planJob(j, [pod("Running", { restarts: 3 })], NOW, BACKOFF))).toEqual(["FailureTarget"]);
  });

  test("activeDeadlineSeconds: a wake-up before it, DeadlineExceeded after it", () => {
    const before = planJob(job({ activeDeadlineSeconds: 660 }), [pod("Running")], NOW, BACKOFF);
    expect(before.requeueMs).toBe(60_000);
    const after = planJob(job({ activeDeadlineSeconds: 600 }), [pod("Running")], NOW, BACKOFF);
    expect(after.status.conditions![0]).toMatchObject({ type: "FailureTarget", reason: "DeadlineExceeded" });
    expect(after.remove).toHaveLength(1);
  });

  test("a failed pod is replaced only after the back-off, which doubles per failure in a row", () => {
    const one = planJob(job({}, { failed: 1 }), [pod("Failed", { finishedAt: "2026-01-01T00:09:59Z" })], NOW, BACKOFF);
    expect(one.create).toBe(0);
    expect(one.requeueMs).toBe(9_000);
    const two = planJob(job({}, { failed: 2 }), [pod("Failed", { finishedAt: "2026-01-01T00:09:00Z" }), pod("Failed", { finishedAt: "2026-01-01T00:09:59Z" })], NOW, BACKOFF);
    expect(two.requeueMs).toBe(19_000);
    const later = planJob(job({}, { failed: 1 }), [pod("Failed", { finishedAt: "2026-01-01T00:09:00Z" })], NOW, BACKOFF);
    expect(later.create).toBe(1);
  });

  test("a success resets the run of failures", () => {
    const p = planJob(job({ completions: 3 }, { failed: 1, succeeded: 1 }), [pod("Failed", { finishedAt: "2026-01-01T00:09:58Z" }), pod("Succeeded", { finishedAt: "2026-01-01T00:09:59Z" })], NOW, BACKOFF);
    expect(p.create).toBe(1);
  });

  test("suspend deletes running pods and says so once; resume restarts the clock", () => {
    const running = pod("Running");
    const s = planJob(job({ suspend: true }), [running], NOW, BACKOFF);
    expect(s.remove).toEqual([running]);
    expect(s.status.conditions![0]).toMatchObject({ type: "Suspended", status: "True", reason: "JobSuspended" });
    expect(s.events.map((e) => e.reason)).toEqual(["Suspended"]);
    const again = planJob({ ...job({ suspend: true }), status: s.status }, [], NOW, BACKOFF);
    expect(again.events).toEqual([]);
    const r = planJob({ ...job({}), status: s.status }, [], NOW + 5000, BACKOFF);
    expect(r.status.conditions![0]).toMatchObject({ type: "Suspended", status: "False", reason: "JobResumed" });
    expect(r.status.startTime).toBe("2026-01-01T00:10:05Z");
    expect(r.create).toBe(1);
  });

  test("a work queue (no completions) starts parallelism pods and none after the first success", () => {
    expect(planJob(job({ completions: undefined, parallelism: 3 }), [], NOW, BACKOFF).create).toBe(3);
    const p = planJob(job({ completions: undefined, parallelism: 3 }, { succeeded: 1 }), [pod("Running")], NOW, BACKOFF);
    expect(p.create).toBe(0);
    expect(p.remove).toEqual([]);
    expect(types(planJob(job({ completions: undefined, parallelism: 3 }, { succeeded: 1 }), [], NOW, BACKOFF))).toContain("Complete");
  });

  test("too many pods: the not-ready ones go first", () => {
    const ready = pod("Running", { ready: true });
    const notReady = pod("Running");
    const p = planJob(job({ parallelism: 1, completions: 3 }), [ready, notReady], NOW, BACKOFF);
    expect(p.remove).toEqual([notReady]);
  });

  test("Indexed: missing indexes are started, duplicates and completed ones removed", () => {
    const dup = pod("Running", { index: 1 });
    const p = planJob(
      job({ completionMode: "Indexed", completions: 5, parallelism: 4 }, { completedIndexes: "0,2", succeeded: 2 }),
      [pod("Running", { index: 1 }), dup, pod("Running", { index: 2 })],
      NOW, BACKOFF,
    );
    expect(p.remove.map((x) => x.metadata.annotations![COMPLETION_INDEX]).sort()).toEqual(["1", "2"]);
    expect(p.create).toEqual([3, 4]);
  });

  test("Indexed: all indexes done is success", () => {
    const p = planJob(job({ completionMode: "Indexed", completions: 3 }, { completedIndexes: "0-2", succeeded: 3 }), [], NOW, BACKOFF);
    expect(types(p)).toEqual(["SuccessCriteriaMet", "Complete"]);
  });

  test("a finished Job changes no more", () => {
    const p = planJob(job({ completions: 2 }, { conditions: [{ type: "Complete", status: "True" }] }), [pod("Running")], NOW, BACKOFF);
    expect(p).toMatchObject({ create: 0, remove: [], events: [] });
  });
});

describe("countInto", () => {
  test("NonIndexed adds to succeeded and failed", () => {
    const s: any = { succeeded: 1 };
    countInto(s, false, 3, [{ outcome: "Succeeded" }, { outcome: "Failed" }, { outcome: "Failed" }]);
    expect(s).toEqual({ succeeded: 2, failed: 2 });
  });

  test("Indexed keeps the set of indexes; succeeded is its size", () => {
    const s: any = { completedIndexes: "0", succeeded: 1 };
    countInto(s, true, 4, [{ outcome: "Succeeded", index: 2 }, { outcome: "Succeeded", index: 0 }, { outcome: "Succeeded", index: 1 }, { outcome: "Succeeded", index: 9 }]);
    expect(s).toEqual({ completedIndexes: "0-2", succeeded: 3 });
  });
});
