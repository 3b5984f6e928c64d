import { expect, test } from "bun:test";
import { renderTableText, type Table } from "../../../api/table/index.ts";
import { addLabelColumns, labelColumnKeys } from "./label-columns.ts";

const table = {
  kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: {},
  columnDefinitions: [{ name: "Name", type: "string", format: "name", description: "", priority: 0 }, { name: "Extra", type: "string", format: "", description: "", priority: 1 }],
  rows: [
    { cells: ["a", "x"], object: { metadata: { name: "a", labels: { app: "web", "app.kubernetes.io/name": "shop" } } } },
    { cells: ["b", "y"], object: { metadata: { name: "b" } } },
  ],
} as unknown as Table;

test("-L app,app.kubernetes.io/name: a column each, headed by the key's last segment, after the wide ones", () => {
  const keys = labelColumnKeys(["app,app.kubernetes.io/name"]);
  expect(keys).toEqual(["app", "app.kubernetes.io/name"]);
  expect(renderTableText(addLabelColumns(table, keys), {})).toBe("NAME   APP   NAME\na      web   shop\nb            \n");
  expect(renderTableText(addLabelColumns(table, keys), { wide: true, showLabels: true })).toStartWith("NAME   EXTRA   APP   NAME   LABELS\n");
});
