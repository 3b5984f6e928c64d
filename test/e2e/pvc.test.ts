/**
 * PersistentVolumeClaims end to end, as on K3s: the default class local-path, a claim bound on
 * the node its first pod lands on, data written by one pod read by the next, the volume's
 * directory under the node's data dir, and the claim's deletion taking the volume and then
 * the directory with it. The built server with its embedded agent on its own containerd,
 * driven with the real kubectl; root only (see pods.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { KUBECTL } from "../helpers/e2e-server.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { startRealCluster, type RealCluster } from "../helpers/real-cluster.ts";

let c: RealCluster;
const NS = "pvc";
const k = (...args: string[]) => c.k(...args);
const apply = (obj: object) => c.apply(obj);
const until = <T,>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) => c.until(what, fn, timeoutMs);

const json = async (...args: string[]) => JSON.parse(await k(...args, "-o", "json"));

/** A pod that runs a script once with the claim at /data; resolves with the finished pod. */
async function runWithClaim(name: string, claim: string, script: string): Promise<any> {
  await apply({
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS },
    spec: {
      restartPolicy: "Never", terminationGracePeriodSeconds: 1,
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }],
      containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
    },
  });
  return until(`pod ${name} finished`, async () => {
    const p = await json("get", "pod", name, "-n", NS);
    return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
  }, 90_000);
}

describe.skipIf(!CAN_RUN_PODS || !existsSync(KUBECTL))("persistent volume claims on a real node", () => {
  beforeAll(async () => {
    c = await startRealCluster({ name: "pvc" });
  });

  afterAll(async () => {
    await c?.close();
  });

  test("kubectl get sc shows K3s's default class", async () => {
    const lines = (await k("get", "storageclass")).trim().split("\n").map((l) => l.split(/\s{2,}/));
    expect(lines[0]).toEqual(["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]);
    expect(lines[1]!.slice(0, 5)).toEqual(["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", "false"]);
  });

  let volumeDir = "";

  test("data a pod writes into a claim is there for the next pod using it", async () => {
    await apply({
      apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: NS },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
    });
    const pending = await json("get", "pvc", "data", "-n", NS);
    expect(pending.spec.storageClassName).toBe("local-path");
    expect(pending.status.phase).toBe("Pending");

    const writer = await runWithClaim("writer", "data", "echo kept-across-pods > /data/message && ls -ld /data");
    expect(writer.status.phase).toBe("Succeeded");
    expect(await k("logs", "writer", "-n", NS)).toStartWith("drwxrwxrwx");
    const pvc = await json("get", "pvc", "data", "-n", NS);
    expect(pvc.status).toMatchObject({ phase: "Bound", capacity: { storage: "64Mi" }, accessModes: ["ReadWriteOnce"] });
    expect(pvc.metadata.annotations["volume.kubernetes.io/selected-node"]).toBe(c.nodeName);

    const pv = await json("get", "pv", pvc.spec.volumeName);
    volumeDir = join(c.dataDir, "storage", `pvc-${pvc.metadata.uid}_${NS}_data`);
    expect(pv.spec.hostPath).toEqual({ path: volumeDir, type: "DirectoryOrCreate" });
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0]).toEqual({ key: "kubernetes.io/hostname", operator: "In", values: [c.nodeName] });
    expect(readFileSync(join(volumeDir, "message"), "utf8")).toBe("kept-across-pods\n");
    expect(statSync(volumeDir).mode & 0o777).toBe(0o777);

    await k("delete", "pod", "writer", "-n", NS, "--wait=true");
    const reader = await runWithClaim("reader", "data", 'test "$(cat /data/message)" = kept-across-pods');
    expect(reader.status.phase).toBe("Succeeded");
    expect(reader.spec.nodeName).toBe(c.nodeName);
  });

  test("a claim in use stays until its pod is gone; then the volume goes, and its directory", async () => {
    const pvName = (await json("get", "pvc", "data", "-n", NS)).spec.volumeName;
    // The finished reader no longer holds the claim; a running pod does.
    await apply({
      apiVersion: "v1", kind: "Pod", metadata: { name: "holder", namespace: NS },
      spec: {
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      },
    });
    await k("wait", "--for=condition=Ready", "pod/holder", "-n", NS, "--timeout=90s");
    await k("delete", "pvc", "data", "-n", NS, "--wait=false");
    const held = await json("get", "pvc", "data", "-n", NS);
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.metadata.finalizers).toContain("kubernetes.io/pvc-protection");
    expect(await k("get", "pvc", "data", "-n", NS)).toContain("Terminating");

    await k("delete", "pod", "holder", "reader", "-n", NS, "--wait=true");
    await until("claim gone", async () => (await c.server.kubectl(["get", "pvc", "data", "-n", NS])).code !== 0);
    await until("volume object gone", async () => (await c.server.kubectl(["get", "pv", pvName])).stderr.includes("NotFound"));
    await until("volume directory removed", async () => !existsSync(volumeDir), 60_000);
    expect(existsSync(join(c.dataDir, "storage"))).toBe(true);
  });
});
