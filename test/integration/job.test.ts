import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 2, prefix: "job", controllerSettings: { jobBackoffBaseMs: 100, jobBackoffMaxMs: 400 } });
});
afterAll(async () => {
  await c?.close();
});

const JOBS = "/apis/batch/v1/namespaces/default/jobs";

function job(name: string, script: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["sh", "-c", script] }] } } },
  };
}

async function jobPods(name: string): Promise<any[]> {
  return (await c.json("GET", `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(`batch.kubernetes.io/job-name=${name}`)}`)).body.items;
}

function condition(j: any, type: string): any {
  return (j.status?.conditions ?? []).find((x: any) => x.type === type && x.status === "True");
}

async function waitCondition(name: string, type: string): Promise<any> {
  return c.waitFor(async () => {
    const j = (await c.json("GET", `${JOBS}/${name}`)).body;
    return condition(j, type) ? j : undefined;
  }, `job ${name} ${type}`);
}

async function reasons(name: string): Promise<string[]> {
  const evs = (await c.json("GET", `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name},involvedObject.kind=Job`)}`)).body.items;
  return evs.map((e: any) => e.reason);
}

describe("Job controller on hollow nodes", () => {
  test("runs completions with bounded parallelism to Complete; pods keep no tracking finalizer", async () => {
    expect((await c.json("POST", JOBS, job("three", "sleep 0.2; exit 0", { completions: 3, parallelism: 2 }))).status).toBe(201);
    const done = await waitCondition("three", "Complete");
    expect(done.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(done.status.failed).toBeUndefined();
    expect(done.status.active).toBeUndefined();
    expect(Date.parse(done.status.completionTime)).toBeGreaterThanOrEqual(Date.parse(done.status.startTime));
    const pods = await jobPods("three");
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.status.phase).toBe("Succeeded");
      expect(p.metadata.finalizers ?? []).not.toContain("batch.kubernetes.io/job-tracking");
    }
    expect(await c.waitFor(async () => (await reasons("three")).includes("Completed") && reasons("three"), "Completed event")).toContain("SuccessfulCreate");
  });

  test("failing pods are replaced after back-off until backoffLimit, then Failed", async () => {
    await c.json("POST", JOBS, job("flaky", "exit 3", { backoffLimit: 2 }));
    const failed = await waitCondition("flaky", "Failed");
    expect(failed.status.failed).toBe(3);
    expect(condition(failed, "Failed")).toMatchObject({ reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(await jobPods("flaky")).toHaveLength(3);
    expect(await reasons("flaky")).toContain("BackoffLimitExceeded");
  });

  test("activeDeadlineSeconds stops a running Job and deletes its pods", async () => {
    await c.json("POST", JOBS, job("slow", "sleep 600", { activeDeadlineSeconds: 1 }));
    const failed = await waitCondition("slow", "Failed");
    expect(condition(failed, "Failed").reason).toBe("DeadlineExceeded");
    await c.waitFor(async () => (await jobPods("slow")).length === 0, "deadline pods gone");
    // Pods the Job deleted itself are not failures.
    expect(failed.status.failed).toBeUndefined();
  });

  test("Indexed: one success per index, addressable hostnames", async () => {
    await c.json("POST", JOBS, job("idx", "sleep 0.1; exit 0", { completions: 3, parallelism: 3, completionMode: "Indexed" }));
    const done = await waitCondition("idx", "Complete");
    expect(done.status).toMatchObject({ completedIndexes: "0-2", succeeded: 3 });
    const pods = await jobPods("idx");
    expect(pods.map((p) => p.spec.hostname).sort()).toEqual(["idx-0", "idx-1", "idx-2"]);
    expect(pods.map((p) => p.metadata.annotations["batch.kubernetes.io/job-completion-index"]).sort()).toEqual(["0", "1", "2"]);
  });

  test("ttlSecondsAfterFinished deletes the finished Job with its pods", async () => {
    await c.json("POST", JOBS, job("brief", "exit 0", { ttlSecondsAfterFinished: 0 }));
    await c.waitFor(async () => (await c.json("GET", `${JOBS}/brief`)).status === 404, "job deleted by TTL");
    await c.waitFor(async () => (await jobPods("brief")).length === 0, "its pods deleted");
  });

  test("suspend stops the pods without failing them; resume starts again", async () => {
    await c.json("POST", JOBS, job("paused", "sleep 600", { parallelism: 2, completions: 2 }));
    await c.waitFor(async () => (await c.json("GET", `${JOBS}/paused`)).body.status?.active === 2, "2 active");
    const patch = (suspend: boolean) => c.json("PATCH", `${JOBS}/paused`, { spec: { suspend } }, { headers: { "content-type": "application/merge-patch+json" } });
    expect((await patch(true)).status).toBe(200);
    const suspended = await waitCondition("paused", "Suspended");
    await c.waitFor(async () => (await jobPods("paused")).length === 0, "pods gone while suspended");
    expect(suspended.status.failed).toBeUndefined();
    await patch(false);
    await c.waitFor(async () => (await c.json("GET", `${JOBS}/paused`)).body.status?.active === 2, "2 active again");
    expect(await reasons("paused")).toEqual(expect.arrayContaining(["Suspended", "Resumed"]));
  });

  test("deleting a running Job removes its pods (the tracking finalizer does not hold them)", async () => {
    await c.json("POST", JOBS, job("gone", "sleep 600"));
    await c.waitFor(async () => (await jobPods("gone")).length === 1, "pod created");
    await c.json("DELETE", `${JOBS}/gone`);
    await c.waitFor(async () => (await jobPods("gone")).length === 0, "pods collected");
  });
});
