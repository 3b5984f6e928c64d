import { expect, test } from "bun:test";
import { StatusError } from "../../model/errors.ts";
import { formatError } from "./context.ts";

test.each([
  ["a server Status", new StatusError(404, "NotFound", 'pods "x" not found'), 'Error from server (NotFound): pods "x" not found\n'],
  ["an Invalid Status", new StatusError(422, "Invalid", 'ConfigMap "c" is invalid: metadata.name: Required value'), 'Error from server (Invalid): ConfigMap "c" is invalid: metadata.name: Required value\n'],
  ["a client-side error", new Error('the server doesn\'t have a resource type "widgets"'), 'error: the server doesn\'t have a resource type "widgets"\n'],
  ["something thrown that is not an Error", "boom", "error: boom\n"],
])("formatError: %s", (_n, e, want) => {
  expect(formatError(e)).toBe(want);
});
