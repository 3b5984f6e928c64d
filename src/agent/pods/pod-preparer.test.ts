import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import type { SandboxInfo } from "../runtime/types.ts";
import type { Mounter } from "../volumes/host-mounter.ts";
import { PodPreparer, tokenRefreshDelayMs, type PodPreparerOptions } from "./pod-preparer.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-prep-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dns = { servers: ["10.43.0.10"], searches: ["svc.cluster.local"], options: ["ndots:5"] };
const mounted = new Set<string>();
const mounter: Mounter = {
  isMounted: async (p) => mounted.has(p),
  mountTmpfs: async (p) => void mounted.add(p),
  unmount: async (p) => void mounted.delete(p),
};
const prep = (o: Partial<PodPreparerOptions> = {}) => new PodPreparer({
  podsDir: join(root, "pods"), logRoot: join(root, "logs"), nodeHostname: "node-a", dns,
  sources: { configMap: async () => undefined, secret: async () => undefined },
  facts: () => ({ hostIP: "10.0.0.1", nodeCpuCores: 2, nodeMemoryBytes: 2 ** 32 }), mounter, ...o,
});
let n = 0;
const pod = (spec: any): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "shop", uid: `u${++n}` }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });
const sandbox = (p: KubeObject, ip?: string): SandboxInfo => ({ id: "sb", uid: p.metadata.uid!, name: "web", namespace: "shop", attempt: 0, state: "ready", ip, createdAt: 0 });

describe("PodPreparer", () => {
  test("projected tokens are written again at 80% of their lifetime (at least daily), until the pod is released", async () => {
    const tokenVolume = (seconds: number) => ({ name: "kube-api-access-x", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: seconds } }] } });
    expect(tokenRefreshDelayMs(pod({}))).toBeUndefined();
    expect(tokenRefreshDelayMs(pod({ volumes: [tokenVolume(3607)] }))).toBe(3607 * 800);
    expect(tokenRefreshDelayMs(pod({ volumes: [tokenVolume(7 * 24 * 3600)] }))).toBe(24 * 3600 * 1000);
    let issued = 0;
    const p = prep({ sources: { configMap: async () => undefined, secret: async () => undefined, serviceAccountToken: async () => `token-${++issued}` } });
    // A lifetime of 0.1 s (no server would issue it): refreshed after 80 ms.
    const q = pod({ volumes: [tokenVolume(0.1)] });
    await p.sandboxConfig(q, 0);
    const file = join(root, "pods", q.metadata.uid!, "volumes", "kubernetes.io~projected", "kube-api-access-x", "token");
    expect(readFileSync(file, "utf8")).toBe("token-1");
    for (let i = 0; i < 100 && readFileSync(file, "utf8") === "token-1"; i++) await Bun.sleep(20);
    expect(readFileSync(file, "utf8")).not.toBe("token-1");
    await p.release({ namespace: "shop", name: "web", uid: q.metadata.uid! });
    const after = issued;
    await Bun.sleep(300);
    expect(issued).toBe(after);
  });

  test("the sandbox: hostname, log directory (made), cgroup by QoS, the pod resolver — none on the host network unless ClusterFirstWithHostNet", async () => {
    const p = pod({ hostname: "h1" });
    const c = await prep().sandboxConfig(p, 1);
    expect(c).toMatchObject({ attempt: 1, hostname: "h1", logDirectory: join(root, "logs", `shop_web_${p.metadata.uid}`), cgroupParent: `/k3rs/besteffort/pod${p.metadata.uid}`, dns });
    expect(existsSync(c.logDirectory)).toBe(true);
    expect(prep().describeSandbox(pod({ hostNetwork: true }), 0)).toMatchObject({ hostname: "node-a", dns: undefined });
    expect(prep().describeSandbox(pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), 0).dns).toEqual(dns);
  });

  test("a host-network pod gets the node's /etc/hosts; a hollow node (no node file) writes the pod's own", async () => {
    const nodeHosts = join(root, "node-hosts");
    writeFileSync(nodeHosts, "127.0.0.1 node-a\n");
    const p = pod({ hostNetwork: true });
    const real = await prep({ nodeHosts }).containerConfig(p, sandbox(p), p.spec.containers[0], 0);
    expect(readFileSync(real.mounts.find((m) => m.containerPath === "/etc/hosts")!.hostPath, "utf8")).toBe("127.0.0.1 node-a\n");
    const q = pod({ hostNetwork: true });
    const hollow = await prep().containerConfig(q, sandbox(q, "10.0.0.1"), q.spec.containers[0], 0);
    expect(readFileSync(hollow.mounts.find((m) => m.containerPath === "/etc/hosts")!.hostPath, "utf8")).toContain("10.0.0.1\tnode-a\n");
  });

  test("volumes are set up with the sandbox and again for an adopted one; release unmounts and removes the pod's files", async () => {
    const p = pod({ volumes: [{ name: "ram", emptyDir: { medium: "Memory" } }], containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "ram", mountPath: "/ram" }] }] });
    const c = await prep().containerConfig(p, sandbox(p, "10.42.0.2"), p.spec.containers[0], 0); // adopted: no sandboxConfig first
    const ram = c.mounts.find((m) => m.containerPath === "/ram")!.hostPath;
    expect(mounted.has(ram)).toBe(true);
    const logDir = join(root, "logs", `shop_web_${p.metadata.uid}`);
    mkdirSync(join(logDir, "c"), { recursive: true });
    await prep().release({ namespace: "shop", name: "web", uid: p.metadata.uid! });
    expect(mounted.has(ram)).toBe(false);
    expect(existsSync(join(root, "pods", p.metadata.uid!))).toBe(false);
    expect(existsSync(logDir)).toBe(false);
  });

  test("a termination message is read from the run's file, at most 4 KiB", async () => {
    const p = pod({});
    const c = await prep().containerConfig(p, sandbox(p), p.spec.containers[0], 2);
    const file = c.mounts.find((m) => m.containerPath === "/dev/termination-log")!.hostPath;
    expect(prep().terminationMessage(p.metadata.uid!, "c", 2)).toBeUndefined();
    writeFileSync(file, "x".repeat(5000));
    expect(prep().terminationMessage(p.metadata.uid!, "c", 2)).toBe("x".repeat(4096));
  });
});
