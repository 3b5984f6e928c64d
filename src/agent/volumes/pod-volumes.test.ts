import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../model/object.ts";
import { containerMounts, setUpVolumes, tearDownVolumes, type VolumeHost } from "./pod-volumes.ts";
import { writeAtomically } from "./atomic-writer.ts";

const root = mkdtempSync(join(tmpdir(), "k3rs-vol-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mounted: string[] = [];
const host: VolumeHost = {
  podsDir: join(root, "pods"),
  sources: {
    configMap: async (_ns, name) => (name === "cfg" ? { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { "app.conf": "x=1", other: "o" }, binaryData: { "b.bin": Buffer.from([1, 2]).toString("base64") } } : undefined),
    secret: async (_ns, name) => (name === "creds" ? { apiVersion: "v1", kind: "Secret", metadata: { name }, data: { password: Buffer.from("pw").toString("base64") } } : undefined),
  },
  facts: { hostIP: "10.0.0.1", podIP: "10.42.0.9", nodeCpuCores: 2, nodeMemoryBytes: 2 ** 32 },
  mountTmpfs: async (target) => void mounted.push(target),
  unmount: async () => undefined,
};

const pod = (volumes: any[]): KubeObject => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { name: "p", namespace: "ns", uid: `uid-${Math.random().toString(36).slice(2)}`, labels: { b: "2", a: "1" } },
  spec: { volumes, containers: [{ name: "c", resources: { limits: { memory: "32Mi" } } }] },
});

describe("setUpVolumes", () => {
  test("configMap (all keys, binary too) and secret with items and modes, read-only, through ..data", async () => {
    const p = pod([
      { name: "conf", configMap: { name: "cfg" } },
      { name: "sec", secret: { secretName: "creds", items: [{ key: "password", path: "db/pw", mode: 0o400 }] } },
    ]);
    const vols = await setUpVolumes(p, host);
    const conf = vols.get("conf")!;
    expect(conf.readOnly).toBe(true);
    expect(readFileSync(join(conf.hostPath, "app.conf"), "utf8")).toBe("x=1");
    expect([...readFileSync(join(conf.hostPath, "b.bin"))]).toEqual([1, 2]);
    expect(readlinkSync(join(conf.hostPath, "app.conf"))).toBe("..data/app.conf");
    const sec = vols.get("sec")!;
    expect(readFileSync(join(sec.hostPath, "db/pw"), "utf8")).toBe("pw");
    expect(statSync(join(sec.hostPath, "db/pw")).mode & 0o777).toBe(0o400);
  });

  test("emptyDir on disk (world-writable) and in memory (tmpfs); downwardAPI labels and limits", async () => {
    const p = pod([
      { name: "scratch", emptyDir: {} },
      { name: "ram", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
      { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, { path: "name", fieldRef: { fieldPath: "metadata.name" } }, { path: "mem", resourceFieldRef: { containerName: "c", resource: "limits.memory", divisor: "1Mi" } }] } },
    ]);
    const vols = await setUpVolumes(p, host);
    expect(statSync(vols.get("scratch")!.hostPath).mode & 0o777).toBe(0o777);
    expect(mounted).toContain(vols.get("ram")!.hostPath);
    const info = vols.get("info")!.hostPath;
    expect(readFileSync(join(info, "labels"), "utf8")).toBe('a="1"\nb="2"');
    expect(readFileSync(join(info, "name"), "utf8")).toBe("p");
    expect(readFileSync(join(info, "mem"), "utf8")).toBe("32");
  });

  test("downwardAPI items on a node that gives containers service variables hold their own values", async () => {
    const services = async (): Promise<KubeObject[]> => [{ apiVersion: "v1", kind: "Service", metadata: { namespace: "default", name: "kubernetes" }, spec: { clusterIP: "10.43.0.1", ports: [{ port: 443 }] } }];
    const p = pod([{ name: "ns", downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } }]);
    const vols = await setUpVolumes(p, { ...host, sources: { ...host.sources, services } });
    expect(readFileSync(join(vols.get("ns")!.hostPath, "namespace"), "utf8")).toBe(p.metadata.namespace!);
  });

  test("hostPath types are checked or created", async () => {
    const made = join(root, "made");
    const vols = await setUpVolumes(pod([{ name: "h", hostPath: { path: made, type: "DirectoryOrCreate" } }]), host);
    expect(vols.get("h")).toEqual({ hostPath: made, readOnly: false });
    expect(statSync(made).isDirectory()).toBe(true);
    await expect(setUpVolumes(pod([{ name: "h", hostPath: { path: join(root, "absent"), type: "Directory" } }]), host)).rejects.toMatchObject({
      reason: "FailedMount", message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(root, "absent")} is not a directory`,
    });
  });

  test("missing sources fail unless optional", async () => {
    await expect(setUpVolumes(pod([{ name: "c", configMap: { name: "nope" } }]), host)).rejects.toThrow('MountVolume.SetUp failed for volume "c" : configmap "nope" not found');
    const vols = await setUpVolumes(pod([{ name: "c", configMap: { name: "nope", optional: true } }]), host);
    expect(vols.get("c")!.readOnly).toBe(true);
  });

  test("teardown removes the pod's directory", async () => {
    const p = pod([{ name: "scratch", emptyDir: {} }]);
    const vols = await setUpVolumes(p, host);
    await tearDownVolumes(p.metadata.uid!, host, []);
    expect(existsSync(vols.get("scratch")!.hostPath)).toBe(false);
  });
});

test("atomic rewrite swaps ..data and drops vanished keys", async () => {
  const dir = join(root, "atomic");
  await writeAtomically(dir, [{ path: "a", data: "1", mode: 0o644 }, { path: "b", data: "2", mode: 0o644 }]);
  const first = readlinkSync(join(dir, "..data"));
  await writeAtomically(dir, [{ path: "a", data: "3", mode: 0o644 }]);
  expect(readlinkSync(join(dir, "..data"))).not.toBe(first);
  expect(readFileSync(join(dir, "a"), "utf8")).toBe("3");
  expect(existsSync(join(dir, "b"))).toBe(false);
  expect(existsSync(join(dir, first))).toBe(false);
  expect(() => writeAtomically(dir, [{ path: "../escape", data: "x", mode: 0o644 }])).toThrow("invalid path");
});

test("writes to one volume at once (a token refresh during a sync) go one after the other; the last one stands", async () => {
  const dir = join(root, "atomic-concurrent");
  await Promise.all(Array.from({ length: 20 }, (_, i) => writeAtomically(dir, [{ path: "token", data: String(i), mode: 0o600 }, { path: `k${i}`, data: "x", mode: 0o644 }], Date.now() + i)));
  expect(readFileSync(join(dir, "token"), "utf8")).toBe("19");
  expect(readdirSync(dir).filter((e) => !e.startsWith("..")).sort()).toEqual(["k19", "token"]);
  expect(readdirSync(dir).filter((e) => e.startsWith("..")).length).toBe(2); // ..data and its payload
});

test("container mounts: subPath, read-only content, /etc/hosts and the termination log", () => {
  const vols = new Map([["conf", { hostPath: join(root, "conf"), readOnly: true }], ["data", { hostPath: join(root, "data"), readOnly: false }]]);
  const mounts = containerMounts({ volumeMounts: [{ name: "conf", mountPath: "/etc/app" }, { name: "data", mountPath: "/data", subPath: "one" }] }, vols, { etcHosts: "/x/etc-hosts", terminationLog: "/x/term" });
  expect(mounts).toEqual([
    { containerPath: "/etc/app", hostPath: join(root, "conf"), readonly: true, propagation: undefined },
    { containerPath: "/data", hostPath: join(root, "data", "one"), readonly: false, propagation: undefined },
    { containerPath: "/etc/hosts", hostPath: "/x/etc-hosts", readonly: false },
    { containerPath: "/dev/termination-log", hostPath: "/x/term", readonly: false },
  ]);
  expect(lstatSync(join(root, "data", "one")).isDirectory()).toBe(true);
});

describe("persistentVolumeClaim volumes", () => {
  const storage = join(root, "storage");
  const claims: Record<string, KubeObject> = {
    bound: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "bound", namespace: "ns", uid: "c1" }, spec: { volumeName: "pvc-c1" }, status: { phase: "Bound" } },
    pending: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "pending", namespace: "ns", uid: "c2" }, spec: {}, status: { phase: "Pending" } },
    orphan: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "orphan", namespace: "ns", uid: "c3" }, spec: { volumeName: "gone" }, status: { phase: "Bound" } },
    local: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "local", namespace: "ns", uid: "c4" }, spec: { volumeName: "disk" }, status: { phase: "Bound" } },
  };
  const volumes: Record<string, KubeObject> = {
    "pvc-c1": {
      apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pvc-c1", annotations: { "pv.kubernetes.io/provisioned-by": "rancher.io/local-path" } },
      spec: { claimRef: { uid: "c1" }, hostPath: { path: join(storage, "pvc-c1_ns_bound"), type: "DirectoryOrCreate" } },
    },
    disk: { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "disk" }, spec: { claimRef: { uid: "c4" }, local: { path: join(root, "no-such-disk") } } },
  };
  const withClaims: VolumeHost = { ...host, claims: { claim: async (_ns, n) => claims[n], volume: async (n) => volumes[n] } };
  const use = (claimName: string, readOnly?: boolean) => pod([{ name: "data", persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly } : {}) } }]);

  test("a bound local-path claim: its directory, created world-writable, read-only when the volume says so", async () => {
    const vols = await setUpVolumes(use("bound"), withClaims);
    const dir = join(storage, "pvc-c1_ns_bound");
    expect(vols.get("data")).toEqual({ hostPath: dir, readOnly: false });
    expect(statSync(dir).mode & 0o777).toBe(0o777);
    expect((await setUpVolumes(use("bound", true), withClaims)).get("data")).toEqual({ hostPath: dir, readOnly: true });
  });

  test.each([
    ["missing", 'persistentvolumeclaim "missing" not found'],
    ["pending", 'persistentvolumeclaim "pending" is not bound'],
    ["orphan", 'persistentvolume "gone" not found'],
    ["local", `hostPath type check failed: ${join(root, "no-such-disk")} is not a directory`],
  ])("claim %s fails to mount: %s", async (claimName, detail) => {
    await expect(setUpVolumes(use(claimName), withClaims)).rejects.toMatchObject({ reason: "FailedMount", message: `MountVolume.SetUp failed for volume "data" : ${detail}` });
  });

  test("a node without claim lookups says so", async () => {
    await expect(setUpVolumes(use("bound"), host)).rejects.toMatchObject({ reason: "FailedMount" });
  });
});
