import { expect, test } from "bun:test";
import { importedNames } from "./import.ts";

const D = "sha256:" + "ab".repeat(32);

test("names from ctr 1.6's unpacking lines, once each", () => {
  const out = [
    `unpacking docker.io/library/busybox:latest (${D})...done`,
    `unpacking docker.io/k3rs/busybox:test (${D})...done`,
    `unpacking docker.io/library/busybox:latest (${D})...done`,
    "some other line",
    "",
  ].join("\n");
  expect(importedNames(out)).toEqual(["docker.io/library/busybox:latest", "docker.io/k3rs/busybox:test"]);
});

test("nothing named, nothing returned", () => {
  expect(importedNames("")).toEqual([]);
});
