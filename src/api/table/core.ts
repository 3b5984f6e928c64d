/** Small core/v1 and coordination printers: Namespace, ConfigMap, Secret, ServiceAccount, ResourceQuota, Lease. */
import type { Printer } from "./types.ts";
import { ageColumn, col, nameColumn } from "./columns.ts";
import { since } from "./human-duration.ts";
import { count } from "./format.ts";

export const namespacePrinter: Printer = {
  columns: [nameColumn, col("Status", "The status of the namespace"), ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? "", obj.status?.phase ?? "", since(obj.metadata.creationTimestamp, now)];
  },
};

export const configMapPrinter: Printer = {
  columns: [nameColumn, col("Data", "Data contains the configuration data."), ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? "", count(obj.data) + count(obj.binaryData), since(obj.metadata.creationTimestamp, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [nameColumn, col("Type", "Used to facilitate programmatic handling of secret data."), col("Data", "Data contains the secret data."), ageColumn],
  cells(obj, now) {
    // stringData is write-only: by the time a Secret is stored it has been merged into data.
    return [obj.metadata.name ?? "", obj.type ?? "", count(obj.data), since(obj.metadata.creationTimestamp, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [nameColumn, col("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? "", count(obj.secrets), since(obj.metadata.creationTimestamp, now)];
  },
};

/** `resource: used/hard` pairs, sorted by resource, split into requests and `limits.*`. */
function quotaColumns(status: any): [string, string] {
  const hard: Record<string, string> = status?.hard ?? {};
  const used: Record<string, string> = status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const text = `${r}: ${used[r] ?? "0"}/${hard[r]}`;
    const pieces = r.split(".");
    (pieces.length > 1 && pieces[0] === "limits" ? limits : requests).push(text);
  }
  return [requests.join(", "), limits.join(", ")];
}

export const resourceQuotaPrinter: Printer = {
  columns: [
    nameColumn,
    col("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
    col("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
    ageColumn,
  ],
  cells(obj, now) {
    const [request, limit] = quotaColumns(obj.status);
    return [obj.metadata.name ?? "", request, limit, since(obj.metadata.creationTimestamp, now)];
  },
};

export const leasePrinter: Printer = {
  columns: [nameColumn, col("Holder", "holderIdentity contains the identity of the holder of a current lease."), ageColumn],
  cells(obj, now) {
    return [obj.metadata.name ?? "", obj.spec?.holderIdentity ?? "", since(obj.metadata.creationTimestamp, now)];
  },
};
