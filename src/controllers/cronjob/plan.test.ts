import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { parseSchedule } from "../../model/cron-schedule.ts";
import { dueTime, jobFromTemplate, jobsPastHistory, SCHEDULED_TIMESTAMP, syncActive } from "./plan.ts";

const T = (s: string) => Date.parse(s);

function job(name: string, state: "running" | "Complete" | "Failed", o: { start?: string; done?: string; scheduled?: boolean } = {}): KubeObject {
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: "1", ...(o.scheduled === false ? {} : { annotations: { [SCHEDULED_TIMESTAMP]: "x" } }) },
    status: {
      startTime: o.start ?? "2026-01-01T00:00:00Z",
      ...(state === "running" ? {} : { conditions: [{ type: state, status: "True" }], ...(state === "Complete" ? { completionTime: o.done ?? "2026-01-01T00:01:00Z" } : {}) }),
    },
  };
}

const cj = (status: any = {}): KubeObject => ({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c", namespace: "ns", uid: "cj" }, spec: {}, status });

describe("dueTime", () => {
  const every5 = parseSchedule("*/5 * * * *");
  test("nothing due yet: only the next time", () => {
    expect(dueTime(every5, T("2026-01-01T00:01:00Z"), T("2026-01-01T00:04:00Z"), "UTC")).toEqual({ due: undefined, missed: 0, next: T("2026-01-01T00:05:00Z") });
  });
  test("several missed: the latest one runs, the count is reported", () => {
    expect(dueTime(every5, T("2026-01-01T00:01:00Z"), T("2026-01-01T00:17:00Z"), "UTC")).toEqual({ due: T("2026-01-01T00:15:00Z"), missed: 3, next: T("2026-01-01T00:20:00Z") });
  });
  test("exactly on time is due", () => {
    expect(dueTime(every5, T("2026-01-01T00:00:00Z"), T("2026-01-01T00:05:00Z"), "UTC").due).toBe(T("2026-01-01T00:05:00Z"));
  });
  test("@every is computed, not walked", () => {
    expect(dueTime(parseSchedule("@every 1s"), T("2020-01-01T00:00:00Z"), T("2026-01-01T00:00:00.500Z"))).toMatchObject({ due: T("2026-01-01T00:00:00Z"), next: T("2026-01-01T00:00:01Z") });
  });
});

describe("jobsPastHistory", () => {
  test("oldest finished beyond each limit; running ones never", () => {
    const jobs = [
      job("ok1", "Complete", { start: "2026-01-01T00:01:00Z" }),
      job("ok2", "Complete", { start: "2026-01-01T00:02:00Z" }),
      job("ok3", "Complete", { start: "2026-01-01T00:03:00Z" }),
      job("bad1", "Failed", { start: "2026-01-01T00:01:30Z" }),
      job("bad2", "Failed", { start: "2026-01-01T00:02:30Z" }),
      job("run", "running", { start: "2026-01-01T00:00:00Z" }),
    ];
    expect(jobsPastHistory(jobs, 2, 1).map((j) => j.metadata.name)).toEqual(["ok1", "bad1"]);
    expect(jobsPastHistory(jobs, 0, 0).map((j) => j.metadata.name)).toEqual(["ok1", "ok2", "ok3", "bad1", "bad2"]);
  });
});

describe("syncActive", () => {
  test("finished listed jobs leave and report; the latest success is kept", () => {
    const a = job("a", "Complete", { done: "2026-01-01T00:05:00Z" });
    const b = job("b", "running");
    const s = syncActive(cj({ active: [{ uid: "uid-a", name: "a" }, { uid: "uid-b", name: "b" }, { uid: "uid-gone", name: "gone" }], lastSuccessfulTime: "2026-01-01T00:01:00Z" }), [a, b]);
    expect(s.active?.map((r) => r.name)).toEqual(["b"]);
    expect(s.completed).toEqual([a]);
    expect(s.lastSuccessfulTime).toBe("2026-01-01T00:05:00Z");
  });
  test("a scheduled job the list forgot comes back; a manual one is not tracked", () => {
    const s = syncActive(cj(), [job("sched", "running"), job("manual", "running", { scheduled: false })]);
    expect(s.active?.map((r) => r.name)).toEqual(["sched"]);
  });
});

test("jobFromTemplate: named by the scheduled minute, owned by the CronJob, template labels kept", () => {
  const c = { ...cj(), spec: { schedule: "*/5 * * * *", jobTemplate: { metadata: { labels: { app: "x" } }, spec: { backoffLimit: 1, template: {} } } } };
  const j = jobFromTemplate(c, T("2026-01-01T00:05:00Z"));
  expect(j.metadata).toMatchObject({
    name: `c-${T("2026-01-01T00:05:00Z") / 60_000}`,
    labels: { app: "x" },
    annotations: { [SCHEDULED_TIMESTAMP]: "2026-01-01T00:05:00Z" },
    ownerReferences: [{ kind: "CronJob", name: "c", uid: "cj", controller: true }],
  });
  expect(j.spec).toEqual({ backoffLimit: 1, template: {} });
});
