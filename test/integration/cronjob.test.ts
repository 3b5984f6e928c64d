import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

/** Schedules run 60× fast here: one scheduled minute passes every real second. */
const t0 = Date.now();
const fastClock = { now: () => new Date(t0 + (Date.now() - t0) * 60), speed: 60 };

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 2, prefix: "cron", controllerSettings: { scheduleClock: fastClock } });
});
afterAll(async () => {
  await c?.close();
});

const CJS = "/apis/batch/v1/namespaces/default/cronjobs";

function cronJob(name: string, script: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name },
    spec: {
      schedule: "* * * * *",
      ...spec,
      jobTemplate: { metadata: { labels: { cron: name } }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["sh", "-c", script] }] } } } },
    },
  };
}

async function jobsOf(name: string): Promise<any[]> {
  return (await c.json("GET", `/apis/batch/v1/namespaces/default/jobs?labelSelector=cron%3D${name}`)).body.items.filter((j: any) => !j.metadata.deletionTimestamp);
}

async function reasons(name: string): Promise<string[]> {
  const evs = (await c.json("GET", `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name},involvedObject.kind=CronJob`)}`)).body.items;
  return evs.map((e: any) => e.reason);
}

describe("CronJob controller on hollow nodes", () => {
  test("fires on schedule, records success and keeps only the history limit", async () => {
    expect((await c.json("POST", CJS, cronJob("tick", "exit 0", { successfulJobsHistoryLimit: 2 }))).status).toBe(201);
    const cj = await c.waitFor(async () => {
      const got = (await c.json("GET", `${CJS}/tick`)).body;
      return (await reasons("tick")).includes("SuccessfulDelete") && got.status?.lastSuccessfulTime ? got : undefined;
    }, "three runs, the first one pruned");
    expect(Date.parse(cj.status.lastScheduleTime)).toBeGreaterThan(t0);
    const jobs = await jobsOf("tick");
    const finished = jobs.filter((j) => (j.status?.conditions ?? []).some((x: any) => x.type === "Complete"));
    expect(finished.length).toBeLessThanOrEqual(2);
    for (const j of jobs) {
      expect(j.metadata.name).toMatch(/^tick-\d+$/);
      expect(j.metadata.ownerReferences[0]).toMatchObject({ kind: "CronJob", name: "tick", controller: true });
      expect(j.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toMatch(/Z$/);
    }
    expect(await reasons("tick")).toEqual(expect.arrayContaining(["SuccessfulCreate", "SawCompletedJob"]));
  });

  test("Forbid: no second run while one is active", async () => {
    await c.json("POST", CJS, cronJob("single", "sleep 600", { concurrencyPolicy: "Forbid" }));
    await c.waitFor(async () => (await reasons("single")).includes("JobAlreadyActive"), "a skipped run");
    expect(await jobsOf("single")).toHaveLength(1);
    const cj = (await c.json("GET", `${CJS}/single`)).body;
    expect(cj.status.active).toHaveLength(1);
  });

  test("Replace: the next run replaces the running one", async () => {
    await c.json("POST", CJS, cronJob("swap", "sleep 600", { concurrencyPolicy: "Replace" }));
    const first = await c.waitFor(async () => (await jobsOf("swap"))[0]?.metadata.name, "first run");
    await c.waitFor(async () => {
      const jobs = await jobsOf("swap");
      return jobs.length === 1 && jobs[0].metadata.name !== first;
    }, "first replaced");
    expect(await reasons("swap")).toContain("SuccessfulDelete");
  });

  test("suspended: nothing runs", async () => {
    await c.json("POST", CJS, cronJob("asleep", "exit 0", { suspend: true }));
    await Bun.sleep(2500);
    expect(await jobsOf("asleep")).toHaveLength(0);
  });

  test("a job made from the CronJob by hand runs and is not counted active", async () => {
    await c.json("POST", CJS, cronJob("byhand", "sleep 600", { suspend: true }));
    const cj = (await c.json("GET", `${CJS}/byhand`)).body;
    // What `kubectl create job --from=cronjob/byhand` sends.
    const manual = {
      apiVersion: "batch/v1", kind: "Job",
      metadata: {
        name: "byhand-manual", annotations: { "cronjob.kubernetes.io/instantiate": "manual" }, labels: { cron: "byhand" },
        ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "byhand", uid: cj.metadata.uid, controller: true }],
      },
      spec: cj.spec.jobTemplate.spec,
    };
    expect((await c.json("POST", "/apis/batch/v1/namespaces/default/jobs", manual)).status).toBe(201);
    await c.waitFor(async () => (await c.json("GET", "/apis/batch/v1/namespaces/default/jobs/byhand-manual")).body.status?.active === 1, "manual job running");
    expect((await c.json("GET", `${CJS}/byhand`)).body.status?.active).toBeUndefined();
  });

  test("bad schedules and time zones are refused with the field named", async () => {
    const bad = await c.json("POST", CJS, cronJob("bad", "exit 0", { schedule: "61 * * * *", timeZone: "Mars/Olympus" }));
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "spec.schedule", message: 'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61' },
      { reason: "FieldValueInvalid", field: "spec.timeZone", message: 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus' },
    ]);
  });
});
