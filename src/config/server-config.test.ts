import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveServerConfig } from "./server-config.ts";

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "k3rs-cfg-"));
  made.push(dir);
  const p = join(dir, "config.yaml");
  writeFileSync(p, text);
  return p;
}

test("flags beat the file, the file beats the environment, the environment beats defaults", () => {
  const file = configFile("https-listen-port: 7443\nnode-name: from-file\ndata-dir: /file\n");
  const cfg = resolveServerConfig({
    flags: { httpsListenPort: "8443" },
    configPath: file,
    env: { K3RS_NODE_NAME: "from-env", K3RS_DATA_DIR: "/env", K3RS_TOKEN: "envtoken" },
    isRoot: true,
  });
  expect(cfg.httpsListenPort).toBe(8443);
  expect(cfg.nodeName).toBe("from-file");
  expect(cfg.dataDir).toBe("/file");
  expect(cfg.token).toBe("envtoken");
  expect(cfg.bindAddress).toBe("0.0.0.0");
});

test("defaults depend on root", () => {
  const nonexistent = undefined;
  const root = resolveServerConfig({ flags: {}, configPath: nonexistent, env: {}, isRoot: true });
  expect(root.writeKubeconfigMode).toBe(0o600);
  expect(root.httpsListenPort).toBe(6443);
  const user = resolveServerConfig({ flags: { dataDir: undefined }, env: {}, isRoot: false });
  expect(user.dataDir.endsWith(".k3rs")).toBe(true);
});

test("write-kubeconfig-mode is octal", () => {
  expect(resolveServerConfig({ flags: { writeKubeconfigMode: "644" }, env: {}, isRoot: true }).writeKubeconfigMode).toBe(0o644);
  expect(() => resolveServerConfig({ flags: { writeKubeconfigMode: "999" }, env: {}, isRoot: true })).toThrow(/octal/);
});

test("unknown keys in the file are an error, not silently ignored", () => {
  expect(() => resolveServerConfig({ flags: {}, configPath: configFile("no-such-flag: 1\n"), env: {}, isRoot: true })).toThrow(/unknown key/);
});

test("a missing explicit config file is an error", () => {
  expect(() => resolveServerConfig({ flags: {}, configPath: "/nonexistent/k3rs.yaml", env: {}, isRoot: true })).toThrow(/does not exist/);
});

test("durability settings: defaults, the environment and the file, and bad values refused by flag name", () => {
  const defaults = resolveServerConfig({ flags: {}, env: {}, isRoot: true });
  expect([defaults.snapshotScheduleCron, defaults.snapshotRetention, defaults.disableSnapshots, defaults.datastoreReplica]).toEqual(["0 */12 * * *", 5, false, undefined]);
  const file = configFile("datastore-replica: s3://k3rs-backup/site-a\ndatastore-replica-endpoint: http://127.0.0.1:8080\nsnapshot-retention: 3\n");
  const cfg = resolveServerConfig({ flags: {}, configPath: file, env: { K3RS_DATASTORE_REPLICA_SECRET_KEY: "s3cret", K3RS_DATASTORE_REPLICA_ACCESS_KEY: "test:tester" }, isRoot: true });
  expect([cfg.datastoreReplica, cfg.datastoreReplicaEndpoint, cfg.datastoreReplicaAccessKey, cfg.datastoreReplicaSecretKey, cfg.snapshotRetention]).toEqual(["s3://k3rs-backup/site-a", "http://127.0.0.1:8080", "test:tester", "s3cret", 3]);
  expect(() => resolveServerConfig({ flags: { datastoreReplica: "ftp://x" }, env: {}, isRoot: true })).toThrow("invalid --datastore-replica \"ftp://x\"");
  expect(() => resolveServerConfig({ flags: { datastoreReplica: "file://relative" }, env: {}, isRoot: true })).toThrow("absolute path");
  expect(() => resolveServerConfig({ flags: { snapshotScheduleCron: "61 * * * *" }, env: {}, isRoot: true })).toThrow("invalid --snapshot-schedule-cron");
  expect(() => resolveServerConfig({ flags: { snapshotRetention: "0" }, env: {}, isRoot: true })).toThrow("invalid --snapshot-retention");
  expect(() => resolveServerConfig({ flags: { clusterResetRestorePath: "/tmp/x.db" }, env: {}, isRoot: true })).toThrow("--cluster-reset-restore-path needs --cluster-reset");
});

test("network flags as K3s spells them", () => {
  const cfg = resolveServerConfig({
    flags: { clusterDns: "10.43.0.53", clusterDomain: "Edge.Local.", flannelBackend: "host-gw", flannelIface: "eth1", resolvConf: "/etc/k3rs/resolv.conf" },
    env: {},
    isRoot: true,
  });
  expect(cfg).toMatchObject({ clusterDns: "10.43.0.53", clusterDomain: "edge.local", flannelBackend: "host-gw", flannelIface: "eth1", resolvConf: "/etc/k3rs/resolv.conf" });
  const defaults = resolveServerConfig({ flags: {}, env: {}, isRoot: true });
  expect(defaults).toMatchObject({ clusterDns: "10.43.0.10", clusterDomain: "cluster.local", flannelBackend: "vxlan" });
});

test("bad network settings are refused with the flag named", () => {
  expect(() => resolveServerConfig({ flags: { flannelBackend: "udp" }, env: {}, isRoot: true })).toThrow('--flannel-backend "udp" is not one of vxlan, host-gw');
  expect(() => resolveServerConfig({ flags: { serviceCidr: "10.96.0.0/12" }, env: {}, isRoot: true })).toThrow("--cluster-dns 10.43.0.10 is outside --service-cidr 10.96.0.0/12");
});

test("--disable takes repeated and comma-separated names, from the file as a list too, Traefik meaning our ingress", () => {
  expect(resolveServerConfig({ flags: { disable: ["servicelb,traefik", "my-app"] }, env: {}, isRoot: true }).disable).toEqual(["servicelb", "ingress", "my-app"]);
  expect(resolveServerConfig({ flags: {}, configPath: configFile("disable:\n  - coredns\n  - ingress\n"), env: {}, isRoot: true }).disable).toEqual(["coredns", "ingress"]);
  expect(resolveServerConfig({ flags: {}, env: { K3RS_DISABLE: "servicelb" }, isRoot: true }).disable).toEqual(["servicelb"]);
  expect(resolveServerConfig({ flags: {}, env: {}, isRoot: true }).disable).toEqual([]);
  expect(() => resolveServerConfig({ flags: { disable: ["Bad Name"] }, env: {}, isRoot: true })).toThrow(/invalid --disable "bad name"/);
});

test("the audit flags come from flags, config.yaml or K3RS_*; sizes are whole numbers", () => {
  const file = configFile("audit-log-path: /var/log/k3rs/audit.log\naudit-log-maxbackup: 3\nkube-apiserver-arg: [audit-log-maxage=9]\n");
  const cfg = resolveServerConfig({ flags: { auditLogMaxsize: "50" }, configPath: file, env: { K3RS_AUDIT_POLICY_FILE: "/etc/k3rs/audit.yaml" }, isRoot: true });
  expect(cfg).toMatchObject({ auditLogPath: "/var/log/k3rs/audit.log", auditLogMaxbackup: 3, auditLogMaxsize: 50, auditPolicyFile: "/etc/k3rs/audit.yaml", kubeApiserverArg: ["audit-log-maxage=9"] });
  expect(cfg.auditLogMaxage).toBeUndefined();
  expect(() => resolveServerConfig({ flags: { auditLogMaxbackup: "-1" }, env: {}, isRoot: true })).toThrow('invalid --audit-log-maxbackup "-1" (want a whole number)');
  expect(() => resolveServerConfig({ flags: { kubeApiserverArg: ["audit-log-maxage=soon"] }, env: {}, isRoot: true })).toThrow("invalid audit-log-maxage");
});

test("--encrypt-resources takes repeated and comma-separated plural names (with a group outside core), from the file too; bad names are refused", () => {
  expect(resolveServerConfig({ flags: {}, env: {}, isRoot: true }).encryptResources).toBeUndefined();
  expect(resolveServerConfig({ flags: { encryptResources: ["secrets,configmaps", "Deployments.apps", "secrets"] }, env: {}, isRoot: true }).encryptResources).toEqual(["secrets", "configmaps", "deployments.apps"]);
  expect(resolveServerConfig({ flags: {}, configPath: configFile("encrypt-resources:\n  - secrets\n  - configmaps\n"), env: {}, isRoot: true }).encryptResources).toEqual(["secrets", "configmaps"]);
  expect(() => resolveServerConfig({ flags: { encryptResources: ["secrets/x"] }, env: {}, isRoot: true })).toThrow('invalid --encrypt-resources "secrets/x"');
  expect(() => resolveServerConfig({ flags: { encryptResources: [","] }, env: {}, isRoot: true })).toThrow("at least one resource");
});
