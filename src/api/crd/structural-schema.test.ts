import { expect, test } from "bun:test";
import type { Schema } from "../openapi/defs-types.ts";
import { structuralSchemaErrors } from "./structural-schema.ts";

const P = "s";

test.each([
  ["root without a type", { properties: {} }, ["s.type: Required value: must not be empty at the root"]],
  ["root not an object", { type: "string" }, ['s.type: Invalid value: "string": must be object at the root']],
  ["an untyped field", { type: "object", properties: { a: { properties: {} } } }, ["s.properties[a].type: Required value: must not be empty for specified object fields"]],
  ["an array without items", { type: "object", properties: { a: { type: "array" } } }, ["s.properties[a].items: Required value: must be specified"]],
  ["untyped items", { type: "object", properties: { a: { type: "array", items: {} } } }, ["s.properties[a].items.type: Required value: must not be empty for specified array items"]],
  ["int-or-string with a type", { type: "object", properties: { a: { type: "string", "x-kubernetes-int-or-string": true } } }, ['s.properties[a].type: Invalid value: "string": must be empty if x-kubernetes-int-or-string is true']],
  ["properties and additionalProperties", { type: "object", properties: { a: { type: "object", properties: {}, additionalProperties: { type: "string" } } } }, ["s.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"]],
  ["$ref", { type: "object", properties: { a: { type: "object", $ref: "x" } } }, ["s.properties[a].$ref: Forbidden: $ref is forbidden"]],
  ["uniqueItems", { type: "object", properties: { a: { type: "array", items: { type: "string" }, uniqueItems: true } } }, ["s.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"]],
  ["metadata beyond name", { type: "object", properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } } }, ["s.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"]],
  ["a default that does not fit", { type: "object", properties: { a: { type: "integer", minimum: 2, default: 1 } } }, ["s.properties[a].default: Invalid value: 1: default in body should be greater than or equal to 2"]],
  ["a lookahead (not in Go's RE2)", { type: "object", properties: { a: { type: "string", pattern: "^(?=x)x$" } } }, ['s.properties[a].pattern: Invalid value: "^(?=x)x$": must be a valid regular expression, but isn\'t: lookaround and backreferences are not supported']],
  ["list-type map without keys", { type: "object", properties: { a: { type: "array", items: { type: "object" }, "x-kubernetes-list-type": "map" } } }, ["s.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"]],
] as [string, Schema, string[]][])("%s", (_name, schema, want) => {
  const got = structuralSchemaErrors(schema, P).map((c) => `${c.field}: ${c.message}`);
  expect(got).toEqual(want);
});

test("a structural schema passes: untyped only under int-or-string or preserve-unknown-fields", () => {
  const s: Schema = {
    type: "object",
    properties: {
      metadata: { type: "object", properties: { name: { type: "string", maxLength: 10 } } },
      spec: {
        type: "object",
        properties: {
          port: { "x-kubernetes-int-or-string": true },
          raw: { "x-kubernetes-preserve-unknown-fields": true },
          list: { type: "array", items: { type: "object", properties: { k: { type: "string" } } }, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"] },
          color: { type: "string", enum: ["a"], default: "a" },
        },
      },
    },
  };
  expect(structuralSchemaErrors(s, P)).toEqual([]);
});
