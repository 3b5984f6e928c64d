import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { renderKubeconfig, writeKubeconfig } from "./kubeconfig.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-pki-kubeconfig-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const input = { server: "https://127.0.0.1:6443", caPem: "CA PEM\n", clientCertPem: "CERT PEM\n", clientKeyPem: "KEY PEM\n" };
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

test("renders k3s.yaml's shape with inline base64 credentials", () => {
  const kc = YAML.parse(renderKubeconfig(input));
  expect(kc).toMatchObject({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "default",
    clusters: [{ name: "default", cluster: { server: "https://127.0.0.1:6443" } }],
    contexts: [{ name: "default", context: { cluster: "default", user: "default" } }],
    users: [{ name: "default" }],
  });
  expect(unb64(kc.clusters[0].cluster["certificate-authority-data"])).toBe("CA PEM\n");
  expect(unb64(kc.users[0].user["client-certificate-data"])).toBe("CERT PEM\n");
  expect(unb64(kc.users[0].user["client-key-data"])).toBe("KEY PEM\n");
});

test("names the cluster, context and user as asked", () => {
  const kc = YAML.parse(renderKubeconfig({ ...input, clusterName: "prod", user: "ops" }));
  expect(kc["current-context"]).toBe("prod");
  expect(kc.contexts[0]).toEqual({ name: "prod", context: { cluster: "prod", user: "ops" } });
  expect(kc.users[0].name).toBe("ops");
});

test("writes owner-only by default, creating directories, tightening an existing file", async () => {
  const path = join(root, "a", "b", "k3rs.yaml");
  await writeKubeconfig(path, "one");
  expect(statSync(path).mode & 0o777).toBe(0o600);
  chmodSync(path, 0o644);
  await writeKubeconfig(path, "two");
  expect(readFileSync(path, "utf8")).toBe("two");
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

test("writes with the mode given (K3s's --write-kubeconfig-mode)", async () => {
  const path = join(root, "shared.yaml");
  writeFileSync(path, "old", { mode: 0o600 });
  await writeKubeconfig(path, "new", 0o644);
  expect(statSync(path).mode & 0o777).toBe(0o644);
});
