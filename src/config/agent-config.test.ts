import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAgentConfig } from "./agent-config.ts";

// An empty config file, so the machine's /etc/k3rs/config.yaml never leaks into a test.
const scratch = mkdtempSync(join(tmpdir(), "k3rs-agent-cfg-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const emptyConfig = join(scratch, "empty.yaml");
writeFileSync(emptyConfig, "");
const base = { configPath: emptyConfig as string | undefined, env: {}, isRoot: false };

describe("resolveAgentConfig", () => {
  test("flags win over the file and the environment; K3RS_URL is the server", () => {
    const dir = mkdtempSync(join(scratch, "case-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "node-name: from-file\ntoken: file-token\nhttps-listen-port: 6443\n");
    const cfg = resolveAgentConfig({ ...base, configPath: file, flags: { nodeName: "Flag-Node" }, env: { K3RS_URL: "https://10.0.0.1:6443/", K3RS_TOKEN: "env-token" } });
    expect(cfg).toMatchObject({ server: "https://10.0.0.1:6443", nodeName: "flag-node", token: "file-token", runtime: "containerd", simulate: undefined });
  });

  test("--simulate implies the fake runtime", () => {
    const cfg = resolveAgentConfig({ ...base, flags: { server: "https://127.0.0.1:6443", simulate: "5" } });
    expect(cfg).toMatchObject({ runtime: "fake", simulate: 5 });
  });

  test.each([
    [{}, "--server is required"],
    [{ server: "http://127.0.0.1:6443" }, "served over https"],
    [{ server: "not a url" }, "invalid --server"],
    [{ server: "https://h:1", simulate: "0" }, "invalid --simulate"],
    [{ server: "https://h:1", simulate: "3", runtime: "containerd" }, "needs --runtime fake"],
    [{ server: "https://h:1", runtime: "docker" }, "invalid --runtime"],
    [{ server: "https://h:1", nodeLabel: ["novalue"] }, "invalid --node-label"],
    [{ server: "https://h:1", nodeTaint: ["k=v:Sometimes"] }, "invalid --node-taint"],
  ])("%j → %s", (flags, message) => {
    expect(() => resolveAgentConfig({ ...base, flags })).toThrow(message);
  });
});

test("--flannel-iface and --resolv-conf are agent flags (the cluster's network settings come from the server)", () => {
  const cfg = resolveAgentConfig({ flags: { server: "https://10.0.0.1:6443", flannelIface: "eth1", resolvConf: "/run/resolv.conf" }, env: {}, isRoot: true });
  expect(cfg).toMatchObject({ flannelIface: "eth1", resolvConf: "/run/resolv.conf" });
  expect(resolveAgentConfig({ flags: { server: "https://10.0.0.1:6443" }, env: { K3RS_FLANNEL_IFACE: "eth2" }, isRoot: true }).flannelIface).toBe("eth2");
});
