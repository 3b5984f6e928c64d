import { expect, test } from "bun:test";
import { atomicList, list, map, object, primitiveList, schema } from "./schema-builder.ts";

test("nested literals become object schemas with typed leaves", () => {
  const s = schema({
    metadata: { finalizers: primitiveList(), labels: map() },
    spec: { strategy: object({}, "retainKeys"), containers: list("name", { env: list("name"), args: atomicList() }) },
  });
  expect(s.type).toBe("object");
  const containers = s.field("spec")?.field("containers");
  expect([containers?.type, containers?.patchMergeKey, containers?.patchStrategy]).toEqual(["array", "name", "merge"]);
  expect(containers?.items()?.field("env")?.patchMergeKey).toBe("name");
  expect(containers?.items()?.field("args")?.patchStrategy).toBeUndefined();
  expect(s.field("metadata")?.field("finalizers")?.patchMergeKey).toBeUndefined();
  expect(s.field("metadata")?.field("labels")?.items()?.type).toBe("primitive");
  expect(s.field("spec")?.field("strategy")?.patchStrategy).toBe("retainKeys");
  expect(s.field("nope")).toBeUndefined();
  expect(s.field("constructor")).toBeUndefined();
});
