import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { configMapPrinter, leasePrinter, namespacePrinter, resourceQuotaPrinter, secretPrinter, serviceAccountPrinter } from "./core.ts";
import type { Printer } from "./types.ts";

const now = new Date("2024-05-01T12:00:00Z");
const o = (kind: string, rest: any): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name: "x", creationTimestamp: "2024-04-24T12:00:00Z" },
  ...rest,
});

test.each<[string, Printer, KubeObject, string[], unknown[]]>([
  ["namespace", namespacePrinter, o("Namespace", { status: { phase: "Terminating" } }), ["Name", "Status", "Age"], ["x", "Terminating", "7d"]],
  ["configmap counts data and binaryData", configMapPrinter, o("ConfigMap", { data: { a: "1", b: "2" }, binaryData: { c: "AA==" } }), ["Name", "Data", "Age"], ["x", 3, "7d"]],
  ["empty configmap", configMapPrinter, o("ConfigMap", {}), ["Name", "Data", "Age"], ["x", 0, "7d"]],
  ["secret", secretPrinter, o("Secret", { type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } }), ["Name", "Type", "Data", "Age"], ["x", "kubernetes.io/tls", 2, "7d"]],
  ["serviceaccount", serviceAccountPrinter, o("ServiceAccount", { secrets: [{ name: "t" }] }), ["Name", "Secrets", "Age"], ["x", 1, "7d"]],
  ["lease", leasePrinter, o("Lease", { spec: { holderIdentity: "node-1" } }), ["Name", "Holder", "Age"], ["x", "node-1", "7d"]],
  ["lease without holder", leasePrinter, o("Lease", { spec: {} }), ["Name", "Holder", "Age"], ["x", "", "7d"]],
  [
    "resourcequota splits limits.* from requests, sorted",
    resourceQuotaPrinter,
    o("ResourceQuota", { status: { hard: { pods: "10", "limits.cpu": "4", "requests.cpu": "2", "limits.memory": "8Gi" }, used: { pods: "3", "requests.cpu": "500m", "limits.cpu": "1" } } }),
    ["Name", "Request", "Limit", "Age"],
    ["x", "pods: 3/10, requests.cpu: 500m/2", "limits.cpu: 1/4, limits.memory: 0/8Gi", "7d"],
  ],
])("%s", (_n, printer, obj, names, cells) => {
  expect(printer.columns.map((c) => c.name)).toEqual(names);
  expect(printer.cells(obj, now)).toEqual(cells);
});
