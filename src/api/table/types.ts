/**
 * Server-side printing for `kubectl get` (meta.k8s.io/v1 Table). One Printer per kind, with
 * the columns Kubernetes' own printers use, so that `kubectl get` and `k3rs ctl get` look the same.
 */
import type { KubeObject } from "../../model/object.ts";

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string; // "" or "name"
  description: string;
  /** 0 = always shown; 1 = only with -o wide. */
  priority: number;
}

export interface Printer {
  columns: TableColumn[];
  /** One row's cells, in column order. `now` makes ages testable. */
  cells(obj: KubeObject, now: Date): unknown[];
}
