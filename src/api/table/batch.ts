/** batch/v1 printers: Job (`STATUS COMPLETIONS DURATION AGE` since 1.30) and CronJob. */
import type { Printer } from "./types.ts";
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, wide } from "./columns.ts";
import { humanDuration, since } from "./human-duration.ts";
import { formatLabelSelector, int, layoutContainers } from "./format.ts";

/** Status of the first condition of this type is True (the printer's `hasJobCondition`). */
function hasCondition(obj: any, type: string): boolean {
  const c = (obj.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
  return c?.status === "True";
}

function jobStatus(obj: any): string {
  if (hasCondition(obj, "Complete")) return "Complete";
  if (hasCondition(obj, "Failed")) return "Failed";
  if (obj.metadata?.deletionTimestamp) return "Terminating";
  if (hasCondition(obj, "Suspended")) return "Suspended";
  if (hasCondition(obj, "FailureTarget")) return "FailureTarget";
  return "Running";
}

function completions(obj: any): string {
  const succeeded = int(obj.status?.succeeded);
  if (typeof obj.spec?.completions === "number") return `${succeeded}/${obj.spec.completions}`;
  const parallelism = int(obj.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(obj: any, now: Date): string {
  const start = obj.status?.startTime ? Date.parse(obj.status.startTime) : NaN;
  if (Number.isNaN(start)) return "";
  const end = obj.status?.completionTime ? Date.parse(obj.status.completionTime) : NaN;
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn,
    col("Status", "Status of the job."),
    col("Completions", "The number of pods which reached phase Succeeded."),
    col("Duration", "Time required to complete the job."),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide("Selector", "A label query over pods that should match the pod count."),
  ],
  cells(obj, now) {
    const [names, images] = layoutContainers(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name ?? "",
      jobStatus(obj),
      completions(obj),
      jobDuration(obj, now),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn,
    col("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    col("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    col("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.", { type: "boolean" }),
    col("Active", "A list of pointers to currently running jobs.", { type: "integer" }),
    col("Last Schedule", "Information when was the last time the job was successfully scheduled."),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide("Selector", "A label query over pods that should match the pod count."),
  ],
  cells(obj, now) {
    const spec = obj.spec ?? {};
    const jobSpec = spec.jobTemplate?.spec ?? {};
    const [names, images] = layoutContainers(jobSpec.template?.spec?.containers);
    const last = obj.status?.lastScheduleTime ? since(obj.status.lastScheduleTime, now) : "<none>";
    return [
      obj.metadata.name ?? "",
      spec.schedule ?? "",
      spec.timeZone ?? "<none>",
      // The API defaults suspend to false; Kubernetes prints the bool as "True"/"False".
      spec.suspend === true ? "True" : "False",
      (obj.status?.active ?? []).length,
      last,
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
};
