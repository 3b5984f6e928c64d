import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { cronJobPrinter, jobPrinter } from "./batch.ts";

const now = new Date("2024-05-01T12:00:00Z");
const template = { spec: { containers: [{ name: "pi", image: "perl" }] } };

function job(spec: any, status: any = {}, meta: any = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default", creationTimestamp: "2024-05-01T11:50:00Z", ...meta },
    spec: { template, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u1" } }, ...spec },
    status,
  };
}

describe("job", () => {
  test("columns", () => {
    expect(jobPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0", "Status:0", "Completions:0", "Duration:0", "Age:0", "Containers:1", "Images:1", "Selector:1",
    ]);
  });

  test.each<[string, KubeObject, [string, string, string]]>([
    ["not started", job({ completions: 1 }), ["Running", "0/1", ""]],
    ["running", job({ completions: 3 }, { startTime: "2024-05-01T11:57:00Z", succeeded: 1 }), ["Running", "1/3", "3m"]],
    [
      "complete",
      job({ completions: 1 }, { startTime: "2024-05-01T11:50:00Z", completionTime: "2024-05-01T11:50:12Z", succeeded: 1, conditions: [{ type: "Complete", status: "True" }] }),
      ["Complete", "1/1", "12s"],
    ],
    ["failed", job({ completions: 1 }, { startTime: "2024-05-01T11:50:00Z", conditions: [{ type: "Failed", status: "True" }] }), ["Failed", "0/1", "10m"]],
    ["suspended", job({ completions: 1 }, { conditions: [{ type: "Suspended", status: "True" }] }), ["Suspended", "0/1", ""]],
    ["terminating beats suspended", job({ completions: 1 }, { conditions: [{ type: "Suspended", status: "True" }] }, { deletionTimestamp: "2024-05-01T11:59:00Z" }), ["Terminating", "0/1", ""]],
    ["failure target", job({ completions: 1 }, { conditions: [{ type: "FailureTarget", status: "True" }] }), ["FailureTarget", "0/1", ""]],
    ["false condition is ignored", job({ completions: 1 }, { conditions: [{ type: "Complete", status: "False" }] }), ["Running", "0/1", ""]],
    ["work queue with parallelism", job({ parallelism: 3 }, { succeeded: 2 }), ["Running", "2/1 of 3", ""]],
    ["work queue, single worker", job({ parallelism: 1 }), ["Running", "0/1", ""]],
  ])("%s", (_n, j, [status, completions, duration]) => {
    expect(jobPrinter.cells(j, now)).toEqual(["pi", status, completions, duration, "10m", "pi", "perl", "batch.kubernetes.io/controller-uid=u1"]);
  });
});

describe("cronjob", () => {
  const cj = (spec: any, status: any = {}): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "tick", namespace: "default", creationTimestamp: "2024-04-30T12:00:00Z" },
    spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template } }, ...spec },
    status,
  });

  test("columns", () => {
    expect(cronJobPrinter.columns.map((c) => c.name)).toEqual([
      "Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector",
    ]);
  });

  test.each<[string, KubeObject, unknown[]]>([
    ["never scheduled", cj({ suspend: false }), ["tick", "*/5 * * * *", "<none>", "False", 0, "<none>", "24h", "pi", "perl", "<none>"]],
    [
      "active, suspended, with time zone",
      cj({ suspend: true, timeZone: "Europe/Berlin" }, { active: [{ name: "tick-1" }], lastScheduleTime: "2024-05-01T11:55:00Z" }),
      ["tick", "*/5 * * * *", "Europe/Berlin", "True", 1, "5m", "24h", "pi", "perl", "<none>"],
    ],
  ])("%s", (_n, c, cells) => {
    expect(cronJobPrinter.cells(c, now)).toEqual(cells);
  });
});
