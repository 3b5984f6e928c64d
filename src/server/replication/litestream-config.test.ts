import { expect, test } from "bun:test";
import YAML from "yaml";
import { describeReplica, litestreamConfig } from "./litestream-config.ts";

test.each([
  [
    { url: "s3://k3rs-backup/site-a", endpoint: "http://127.0.0.1:8080", accessKey: "test:tester", secretKey: "testing" },
    { type: "s3", bucket: "k3rs-backup", path: "site-a", region: "us-east-1", endpoint: "http://127.0.0.1:8080", "force-path-style": true, "access-key-id": "test:tester", "secret-access-key": "testing", "sync-interval": "500ms" },
  ],
  [{ url: "s3://aws-bucket", region: "eu-west-1" }, { type: "s3", bucket: "aws-bucket", path: "", region: "eu-west-1", "sync-interval": "500ms" }],
  [{ url: "file:///var/backups/k3rs" }, { type: "file", path: "/var/backups/k3rs", "sync-interval": "500ms" }],
])("%j", (replica, expected) => {
  const cfg = YAML.parse(litestreamConfig({ dbPath: "/var/lib/k3rs/server/db/state.db", replica, metricsAddr: "127.0.0.1:9999" }));
  expect(cfg).toEqual({ addr: "127.0.0.1:9999", dbs: [{ path: "/var/lib/k3rs/server/db/state.db", "monitor-interval": "250ms", replicas: [expected] }] });
});

test("what may be printed holds no key", () => {
  const shown = JSON.stringify(describeReplica({ url: "s3://b/p", endpoint: "http://e", accessKey: "AKIA-dur", secretKey: "dur-very-secret" }));
  expect(shown).not.toContain("dur-very-secret");
  expect(shown).not.toContain("AKIA-dur");
});
