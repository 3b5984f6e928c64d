import { expect, test } from "bun:test";
import { parseReplicaUrl } from "./replica-url.ts";

test.each([
  ["s3://k3rs-backup", { kind: "s3", bucket: "k3rs-backup", path: "" }],
  ["s3://k3rs-backup/site-a/db/", { kind: "s3", bucket: "k3rs-backup", path: "site-a/db" }],
  ["file:///var/backups/k3rs/", { kind: "file", path: "/var/backups/k3rs" }],
])("%s", (url, target) => {
  expect(parseReplicaUrl(url)).toEqual(target as any);
});

test.each(["s3://", "s3://UPPER/x", "file://", "file://rel/dir", "gs://b/p", ""])("%j is refused", (url) => {
  expect(() => parseReplicaUrl(url)).toThrow("invalid --datastore-replica");
});
