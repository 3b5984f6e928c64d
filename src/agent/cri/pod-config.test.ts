import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import type { PodSandboxConfig } from "../runtime/types.ts";
import { criContainerConfig, criSandboxConfig, linuxResources, oomScoreAdj } from "./pod-config.ts";

const pod = (spec: any = {}): KubeObject => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "web-1", namespace: "shop", uid: "u-1", labels: { app: "web" } },
  spec: { containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: "UDP" }] }], ...spec },
});
const dns = { servers: ["10.43.0.10"], searches: ["shop.svc.cluster.local"], options: ["ndots:5"] };
const prepared = (p: KubeObject, attempt = 0, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig => ({
  pod: p, attempt, hostname: "web-1", logDirectory: "/var/log/pods/shop_web-1_u-1", cgroupParent: "/k3rs/besteffort/podu-1", dns, ...extra,
});

describe("criSandboxConfig", () => {
  test("metadata, hostname, log directory, cgroup, host ports only, pod labels plus the kubelet's", () => {
    const c = criSandboxConfig(prepared(pod(), 2));
    expect(c.metadata).toEqual({ name: "web-1", uid: "u-1", namespace: "shop", attempt: 2 });
    expect(c.hostname).toBe("web-1");
    expect(c.logDirectory).toBe("/var/log/pods/shop_web-1_u-1");
    expect(c.linux.cgroupParent).toBe("/k3rs/besteffort/podu-1");
    expect(c.portMappings).toEqual([{ protocol: "TCP", containerPort: 80, hostPort: 8080, hostIp: "" }]);
    expect(c.labels).toEqual({ app: "web", "io.kubernetes.pod.name": "web-1", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": "u-1" });
    expect(c.linux.securityContext.namespaceOptions).toEqual({ network: "POD", pid: "CONTAINER", ipc: "POD" });
    expect(c.dnsConfig).toEqual(dns);
  });

  test("host network: the node's namespaces, no hostname of its own (runc cannot set one in the node's UTS namespace); no resolver given keeps the node's", () => {
    const c = criSandboxConfig(prepared(pod({ hostNetwork: true, shareProcessNamespace: true }), 0, { hostname: "node-a", dns: undefined }));
    expect(c.hostname).toBe("");
    expect(c.linux.securityContext.namespaceOptions).toEqual({ network: "NODE", pid: "POD", ipc: "POD" });
    expect(c.dnsConfig).toBeUndefined();
  });
});

describe("resources", () => {
  test("requests give shares, limits give quota and memory; Guaranteed is killed last", () => {
    const p = pod({ containers: [{ name: "c", resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "250m", memory: "64Mi" } } }] });
    expect(linuxResources(p, p.spec.containers[0], 2 ** 33)).toEqual({ cpuShares: 256, cpuPeriod: 100000, cpuQuota: 25000, memoryLimitInBytes: 64 * 2 ** 20, oomScoreAdj: -997 });
  });
  test("BestEffort: minimal shares, no limits, killed first", () => {
    const p = pod({ containers: [{ name: "c" }] });
    expect(linuxResources(p, p.spec.containers[0], 2 ** 33)).toEqual({ cpuShares: 2, oomScoreAdj: 1000 });
  });
  test("Burstable OOM score by the share of node memory requested, within 2..999", () => {
    expect(oomScoreAdj("Burstable", 2 ** 32, 2 ** 33)).toBe(500);
    expect(oomScoreAdj("Burstable", 2 ** 34, 2 ** 33)).toBe(2);
    expect(oomScoreAdj("Burstable", 0, 2 ** 33)).toBe(999);
  });
});

test("criContainerConfig: the prepared command, env, mounts and log path; security context from the spec", () => {
  const p = pod({ securityContext: { runAsUser: 1000 } });
  const spec = { name: "c", image: "busybox", command: ["sh"], args: ["-c", "$(X)"], securityContext: { readOnlyRootFilesystem: true, capabilities: { add: ["net_admin"], drop: ["ALL"] } } };
  const c = criContainerConfig(prepared(p), {
    spec, attempt: 3, command: ["sh"], args: ["-c", "true"],
    env: [{ name: "A", value: "1" }],
    mounts: [{ containerPath: "/data", hostPath: "/var/lib/k3rs/x", readonly: false }],
    logPath: "c/3.log",
  }, 2 ** 33);
  expect(c).toMatchObject({
    metadata: { name: "c", attempt: 3 }, image: { image: "busybox" }, command: ["sh"], args: ["-c", "true"],
    envs: [{ key: "A", value: "1" }], logPath: "c/3.log",
    mounts: [{ containerPath: "/data", hostPath: "/var/lib/k3rs/x", readonly: false, propagation: "PROPAGATION_PRIVATE" }],
  });
  expect(c.linux.securityContext).toMatchObject({ runAsUser: { value: 1000 }, readonlyRootfs: true, capabilities: { addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"] } });
});

test("criContainerConfig: an ephemeral container with a target joins that container's process namespace", () => {
  const p = pod({});
  const base = { spec: { name: "debugger", image: "busybox" }, attempt: 0, command: [], args: [], env: [], mounts: [], logPath: "debugger/0.log" };
  expect(criContainerConfig(prepared(p), { ...base, targetContainerId: "abc123" }, 2 ** 33).linux.securityContext.namespaceOptions).toEqual({ network: "POD", pid: "TARGET", ipc: "POD", targetId: "abc123" });
  expect(criContainerConfig(prepared(p), base, 2 ** 33).linux.securityContext.namespaceOptions.pid).toBe("CONTAINER");
});
