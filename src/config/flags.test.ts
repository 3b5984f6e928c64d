import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AGENT_FLAG_LIST, SERVER_FLAG_LIST } from "./flags.ts";
import { resolveServerConfig } from "./server-config.ts";
import { resolveAgentConfig } from "./agent-config.ts";

const dir = mkdtempSync(join(tmpdir(), "k3rs-flags-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("one config file serves both roles: each takes its own keys and passes over the other role's", () => {
  const file = join(dir, "config.yaml");
  // Every flag of both roles, as K3s's shared /etc/rancher/k3s/config.yaml may hold them.
  writeFileSync(file, "server: https://10.0.0.1:6443\nsimulate: 2\nruntime: fake\ncluster-cidr: 10.99.0.0/16\nkube-apiserver-arg: [event-ttl=2h]\nnode-name: Shared\n");
  const server = resolveServerConfig({ flags: {}, configPath: file, env: {}, isRoot: false });
  expect(server).toMatchObject({ clusterCidr: "10.99.0.0/16", kubeApiserverArg: ["event-ttl=2h"], nodeName: "shared", runtime: "fake" });
  const agent = resolveAgentConfig({ flags: {}, configPath: file, env: {}, isRoot: false });
  expect(agent).toMatchObject({ server: "https://10.0.0.1:6443", simulate: 2, nodeName: "shared" });
});

test("a key neither role declares is refused by both", () => {
  const file = join(dir, "typo.yaml");
  writeFileSync(file, "cluster-cdir: 10.99.0.0/16\n");
  expect(() => resolveServerConfig({ flags: {}, configPath: file, env: {}, isRoot: false })).toThrow('unknown key "cluster-cdir"');
  expect(() => resolveAgentConfig({ flags: { server: "https://h:1" }, configPath: file, env: {}, isRoot: false })).toThrow('unknown key "cluster-cdir"');
});

test("flag names and short aliases are unique within a role", () => {
  for (const list of [SERVER_FLAG_LIST, AGENT_FLAG_LIST]) {
    const names = list.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    const shorts = list.flatMap((f) => ("short" in f && f.short ? [f.short] : []));
    expect(new Set(shorts).size).toBe(shorts.length);
  }
});
