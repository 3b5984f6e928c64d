import { expect, test } from "bun:test";
import { StatusError } from "../../model/errors.ts";
import { writeQuery } from "./write-options.ts";

const url = (q: string) => new URL(`https://k3rs.test/api/v1/namespaces/default/configmaps?${q}`);

test.each([
  ["dryRun=all", "CreateOptions", 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"all"}: supported values: "All"'],
  ["dryRun=All&dryRun=", "UpdateOptions", 'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"All", ""}: supported values: "All"'],
  ["fieldValidation=strict", "PatchOptions", 'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"'],
  [`fieldManager=${"m".repeat(129)}`, "CreateOptions", 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes'],
  ["fieldManager=a%0Ab", "CreateOptions", 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\nb": must only contain printable characters'],
] as const)("%s is a 422 %s", (q, kind, message) => {
  let err: unknown;
  try {
    writeQuery(url(q), kind);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StatusError);
  expect((err as StatusError).code).toBe(422);
  expect((err as StatusError).message).toBe(message);
});

test("good options", () => {
  expect(writeQuery(url("dryRun=All&fieldValidation=Strict&fieldManager=kubectl"))).toEqual({ dryRun: true, fieldValidation: "Strict", fieldManager: "kubectl" });
  expect(writeQuery(url(""))).toEqual({ dryRun: false, fieldValidation: "Warn", fieldManager: undefined });
});
