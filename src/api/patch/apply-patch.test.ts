import { expect, test } from "bun:test";
import { applyPatch } from "./index.ts";
import { list, schema } from "./schema-builder.ts";
import { StatusError } from "../../model/errors.ts";
import { statusErrorOf } from "../../../test/helpers/status-error.ts";

const podSchema = schema({ spec: { containers: list("name") } });
const pod = () => ({ metadata: { labels: { a: "1" } }, spec: { containers: [{ name: "x", image: "x:1" }] } });
const addY = { spec: { containers: [{ name: "y", image: "y:1" }] } };

test.each<[string, unknown, unknown]>([
  ["application/json-patch+json", [{ op: "remove", path: "/metadata/labels/a" }], { metadata: { labels: {} }, spec: pod().spec }],
  ["application/merge-patch+json", addY, { metadata: pod().metadata, spec: addY.spec }],
  ["application/merge-patch+json; charset=utf-8", addY, { metadata: pod().metadata, spec: addY.spec }],
  ["application/strategic-merge-patch+json", addY, {
    metadata: pod().metadata,
    spec: { containers: [{ name: "y", image: "y:1" }, { name: "x", image: "x:1" }] },
  }],
  ["Application/Strategic-Merge-Patch+JSON", JSON.stringify(addY), {
    metadata: pod().metadata,
    spec: { containers: [{ name: "y", image: "y:1" }, { name: "x", image: "x:1" }] },
  }],
  ["application/merge-patch+json", new TextEncoder().encode('{"metadata":null}'), { spec: pod().spec }],
])("%s dispatches to its engine", (contentType, body, expected) => {
  expect(applyPatch(contentType, pod(), body, podSchema)).toEqual(expected as never);
});

test.each<[string, unknown, number, string]>([
  ["application/json", {}, 415, "UnsupportedMediaType"],
  ["text/plain", {}, 415, "UnsupportedMediaType"],
  ["application/apply-patch+yaml", "kind: Pod", 415, "UnsupportedMediaType"],
  ["application/merge-patch+json", "{not json", 400, "BadRequest"],
  ["application/merge-patch+json", '{"a":'.repeat(150) + "1" + "}".repeat(150), 400, "BadRequest"], // nested past the limit
  ["application/strategic-merge-patch+json", '{"a":'.repeat(150) + "1" + "}".repeat(150), 400, "BadRequest"],
])("%s → %i", (contentType, body, code, reason) => {
  const err = statusErrorOf(() => applyPatch(contentType, pod(), body));
  expect(err.code).toBe(code);
  expect(err.reason).toBe(reason as never);
});

test("server-side apply says what to do instead", () => {
  expect(statusErrorOf(() => applyPatch("application/apply-patch+yaml", pod(), "")).message).toContain("kubectl apply without --server-side");
});
