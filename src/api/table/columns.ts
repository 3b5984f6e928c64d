/** Column definitions every printer shares, worded as the Kubernetes printers word them. */
import type { TableColumn } from "./types.ts";

export const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

export const AGE_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export const nameColumn: TableColumn = { name: "Name", type: "string", format: "name", description: NAME_DESCRIPTION, priority: 0 };
export const ageColumn: TableColumn = { name: "Age", type: "string", format: "", description: AGE_DESCRIPTION, priority: 0 };

/** A column with defaults filled in: string type, no format, priority 0. */
export function col(name: string, description: string, extra: Partial<TableColumn> = {}): TableColumn {
  return { name, type: "string", format: "", description, priority: 0, ...extra };
}

/** A `-o wide` column. */
export function wide(name: string, description: string, extra: Partial<TableColumn> = {}): TableColumn {
  return col(name, description, { priority: 1, ...extra });
}

export const containersColumn = wide("Containers", "Names of each container in the template.");
export const imagesColumn = wide("Images", "Images referenced by each container in the template.");
