import { expect, test } from "bun:test";
import { datastoreQuota, defaultDatastoreQuota } from "./datastore-quota.ts";

test("sizes as quantities or bytes; 0 is no limit", () => {
  expect(datastoreQuota("512Mi")).toBe(512 * 1024 * 1024);
  expect(datastoreQuota("2G")).toBe(2e9);
  expect(datastoreQuota(1000000)).toBe(1_000_000);
  expect(datastoreQuota("0")).toBe(0);
});

test("the default is a quarter of the memory, at most 2 GiB", () => {
  expect(datastoreQuota(undefined, 1024 ** 3)).toBe(256 * 1024 ** 2);
  expect(datastoreQuota("", 64 * 1024 ** 3)).toBe(2 * 1024 ** 3);
  expect(defaultDatastoreQuota(4 * 1024 ** 3)).toBe(1024 ** 3);
});

test("bad sizes are refused with the flag named", () => {
  for (const bad of ["lots", "-1Gi", "1.5.5", "1e100"]) expect(() => datastoreQuota(bad)).toThrow(/--datastore-quota/);
});
