import { expect, test } from "bun:test";
import { parseCustomColumns, parseCustomColumnsFile, renderCustomColumns } from "./custom-columns.ts";

const pods = [
  { metadata: { name: "web-1", labels: { app: "web" } }, spec: { containers: [{ image: "a" }, { image: "b" }] } },
  { metadata: { name: "db" }, spec: { containers: [{ image: "pg" }] } },
];

test("cells: values joined by commas, <none> when missing, Go's Sprint for maps", () => {
  const cols = parseCustomColumns("NAME:.metadata.name,IMAGES:.spec.containers[*].image,LABELS:.metadata.labels");
  expect(renderCustomColumns(cols, pods)).toBe("NAME    IMAGES   LABELS\nweb-1   a,b      map[app:web]\ndb      pg       <none>\n");
  expect(renderCustomColumns(cols, pods, { noHeaders: true })).toBe("web-1   a,b   map[app:web]\ndb      pg    <none>\n");
});

test("kubectl's errors for a bad spec; the file form", () => {
  expect(() => parseCustomColumns("")).toThrow("custom-columns format specified but no custom columns given");
  expect(() => parseCustomColumns("NAME")).toThrow("unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>");
  const cols = parseCustomColumnsFile("NAME  IMAGE\n.metadata.name  .spec.containers[0].image\n");
  expect(renderCustomColumns(cols, pods)).toBe("NAME    IMAGE\nweb-1   a\ndb      pg\n");
});
