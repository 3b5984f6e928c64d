/**
 * NodeMetrics and PodMetrics printers (`kubectl get nodes.metrics.k8s.io`), with
 * metrics-server's columns (pkg/api/table.go): Name, cpu, memory, Window — a pod's usage
 * summed over its containers.
 */
import type { KubeObject } from "../../model/object.ts";
import { Quantity } from "../../model/quantity.ts";
import type { Printer, TableColumn } from "./types.ts";

const nameColumn: TableColumn = { name: "Name", type: "string", format: "name", description: "Name of the resource", priority: 0 };
const quantityColumn = (name: string): TableColumn => ({ name, type: "string", format: "quantity", description: "", priority: 0 });
const windowColumn: TableColumn = { name: "Window", type: "string", format: "duration", description: "", priority: 0 };
const columns = [nameColumn, quantityColumn("cpu"), quantityColumn("memory"), windowColumn];

function sum(values: (string | undefined)[]): string {
  let total: Quantity | undefined;
  for (const v of values) if (v !== undefined) total = total ? total.add(Quantity.parse(v)) : Quantity.parse(v);
  return total?.toString() ?? "0";
}

export const nodeMetricsPrinter: Printer = {
  columns,
  cells(obj: KubeObject) {
    const u = (obj as any).usage ?? {};
    return [obj.metadata.name ?? "", u.cpu ?? "0", u.memory ?? "0", (obj as any).window ?? ""];
  },
};

export const podMetricsPrinter: Printer = {
  columns,
  cells(obj: KubeObject) {
    const cs: any[] = (obj as any).containers ?? [];
    return [obj.metadata.name ?? "", sum(cs.map((c) => c.usage?.cpu)), sum(cs.map((c) => c.usage?.memory)), (obj as any).window ?? ""];
  },
};
