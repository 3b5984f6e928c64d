/**
 * RBAC printers. Roles and ClusterRoles have no Kubernetes printer: the apiserver's default
 * table convertor serves them as `NAME CREATED AT` with an RFC 3339 timestamp, and so do we.
 */
import type { Printer } from "./types.ts";
import { AGE_DESCRIPTION, ageColumn, col, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";
import { nowTimestamp } from "../../model/object.ts";

export const createdAtPrinter: Printer = {
  columns: [nameColumn, col("Created At", AGE_DESCRIPTION, { type: "date" })],
  cells(obj) {
    const ts = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
    // Go formats the zero time for objects that have none.
    const created = Number.isNaN(ts) ? "0001-01-01T00:00:00Z" : nowTimestamp(new Date(ts));
    return [obj.metadata.name ?? "", created];
  },
};

/** Users, groups and service accounts (`namespace/name`) named in a binding's subjects. */
function subjects(list: any[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of list ?? []) {
    if (s.kind === "User") users.push(s.name);
    else if (s.kind === "Group") groups.push(s.name);
    else if (s.kind === "ServiceAccount") sas.push(`${s.namespace ?? ""}/${s.name}`);
  }
  return [users.join(", "), groups.join(", "), sas.join(", ")];
}

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      nameColumn,
      col("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."),
      ageColumn,
      wide("Users", `Users in the ${what}`),
      wide("Groups", `Groups in the ${what}`),
      wide("ServiceAccounts", `ServiceAccounts in the ${what}`),
    ],
    cells(obj, now) {
      const ref = obj.roleRef ?? {};
      return [obj.metadata.name ?? "", `${ref.kind ?? ""}/${ref.name ?? ""}`, since(obj.metadata.creationTimestamp, now), ...subjects(obj.subjects)];
    },
  };
}

export const roleBindingPrinter = bindingPrinter("roleBinding");
export const clusterRoleBindingPrinter = bindingPrinter("clusterRoleBinding");
