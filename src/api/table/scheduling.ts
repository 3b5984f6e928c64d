/** scheduling.k8s.io printers, with the columns of Kubernetes' printers. */
import type { Printer } from "./types.ts";
import { ageColumn, col, nameColumn } from "./columns.ts";
import { since } from "./human-duration.ts";

export const priorityClassPrinter: Printer = {
  columns: [
    nameColumn,
    col("Value", "The value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.", { type: "integer" }),
    col("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.", { type: "boolean" }),
    ageColumn,
    col("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority."),
  ],
  cells(pc, now) {
    return [pc.metadata.name ?? "", pc.value ?? 0, pc.globalDefault === true, since(pc.metadata.creationTimestamp, now), pc.preemptionPolicy ?? ""];
  },
};
