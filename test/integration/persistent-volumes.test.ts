/**
 * Persistent storage on hollow nodes, as on K3s: the default class local-path, claims
 * provisioned on the node their first pod is scheduled to, static volumes bound by the
 * binder, reclaim on claim deletion, and the scheduler's volume rules.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 3, prefix: "pvnode" });
});
afterAll(async () => {
  await c?.close();
});

const NS = "/api/v1/namespaces/default";
const get = async (path: string) => (await c.json("GET", path)).body;
const exists = async (path: string) => (await c.json("GET", path)).status === 200;

const claim = (name: string, size: string, spec: object = {}) => ({
  apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...spec },
});
const podUsing = (name: string, claimName: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }], volumes: [{ name: "data", persistentVolumeClaim: { claimName } }] },
});
const staticVolume = (name: string, size: string, extra: object = {}) => ({
  apiVersion: "v1", kind: "PersistentVolume", metadata: { name },
  spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/srv/${name}` }, storageClassName: "", ...extra },
});

async function bound(name: string): Promise<any> {
  return c.waitFor(async () => {
    const pvc = await get(`${NS}/persistentvolumeclaims/${name}`);
    return pvc.status?.phase === "Bound" ? pvc : undefined;
  }, `claim ${name} Bound`);
}

async function running(name: string): Promise<any> {
  return c.waitFor(async () => {
    const p = await get(`${NS}/pods/${name}`);
    return p.status?.phase === "Running" ? p : undefined;
  }, `pod ${name} Running`);
}

describe("local-path on hollow nodes", () => {
  test("the default StorageClass local-path is there, as K3s ships it", async () => {
    const sc = await get("/apis/storage.k8s.io/v1/storageclasses/local-path");
    expect(sc).toMatchObject({
      provisioner: "rancher.io/local-path", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer",
      metadata: { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    });
  });

  test("a claim without a class gets local-path and waits for its first consumer", async () => {
    expect((await c.json("POST", `${NS}/persistentvolumeclaims`, claim("idle", "1Gi"))).status).toBe(201);
    const pvc = await get(`${NS}/persistentvolumeclaims/idle`);
    expect(pvc.spec.storageClassName).toBe("local-path");
    expect(pvc.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    await c.waitFor(async () => (await get(`${NS}/events?fieldSelector=involvedObject.name%3Didle`)).items.some((e: any) => e.reason === "WaitForFirstConsumer"), "WaitForFirstConsumer event");
    expect((await get(`${NS}/persistentvolumeclaims/idle`)).status.phase).toBe("Pending");
    expect((await get("/api/v1/persistentvolumes")).items.filter((v: any) => v.spec.claimRef?.name === "idle")).toEqual([]);
  });

  test("StatefulSet claims are provisioned on each pod's node and bound", async () => {
    const labels = { app: "db" };
    await c.json("POST", "/apis/apps/v1/namespaces/default/statefulsets", {
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" },
      spec: {
        replicas: 3, serviceName: "db", podManagementPolicy: "Parallel", selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } }],
      },
    });
    await c.waitFor(async () => (await get("/apis/apps/v1/namespaces/default/statefulsets/db")).status?.readyReplicas === 3, "3 ready");
    const root = join(c.dir, "storage");
    for (const i of [0, 1, 2]) {
      const pod = await get(`${NS}/pods/db-${i}`);
      const pvc = await bound(`data-db-${i}`);
      const node = pod.spec.nodeName;
      expect(pvc.metadata.annotations["volume.kubernetes.io/selected-node"]).toBe(node);
      expect(pvc.metadata.annotations["volume.kubernetes.io/storage-provisioner"]).toBe("rancher.io/local-path");
      expect(pvc.spec.volumeName).toBe(`pvc-${pvc.metadata.uid}`);
      expect(pvc.status).toMatchObject({ phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "2Gi" } });
      const pv = await get(`/api/v1/persistentvolumes/${pvc.spec.volumeName}`);
      expect(pv.status.phase).toBe("Bound");
      expect(pv.metadata.annotations["pv.kubernetes.io/provisioned-by"]).toBe("rancher.io/local-path");
      expect(pv.metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
      expect(pv.spec).toMatchObject({
        storageClassName: "local-path", persistentVolumeReclaimPolicy: "Delete", capacity: { storage: "2Gi" },
        hostPath: { path: join(root, `pvc-${pvc.metadata.uid}_default_data-db-${i}`), type: "DirectoryOrCreate" },
        claimRef: { namespace: "default", name: `data-db-${i}`, uid: pvc.metadata.uid },
      });
      expect(pv.spec.nodeAffinity.required.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }]);
    }
  });

  test("a pod recreated under the same claims goes back to its volumes' nodes", async () => {
    const before = new Map<string, string>();
    for (const i of [0, 1, 2]) before.set(`db-${i}`, (await get(`${NS}/pods/db-${i}`)).spec.nodeName);
    for (const i of [0, 1, 2]) {
      const old = await get(`${NS}/pods/db-${i}`);
      await c.json("DELETE", `${NS}/pods/db-${i}`);
      const again = await c.waitFor(async () => {
        const p = await get(`${NS}/pods/db-${i}`);
        return p.metadata?.uid && p.metadata.uid !== old.metadata.uid && p.spec.nodeName ? p : undefined;
      }, `db-${i} recreated and scheduled`);
      expect(again.spec.nodeName).toBe(before.get(`db-${i}`)!);
    }
  });

  test("deleting a claim in use waits for its pod; then its volume (reclaim Delete) goes", async () => {
    await c.json("POST", `${NS}/persistentvolumeclaims`, claim("scratch", "1Gi"));
    await c.json("POST", `${NS}/pods`, podUsing("writer", "scratch"));
    await running("writer");
    const pvc = await bound("scratch");
    const pvPath = `/api/v1/persistentvolumes/${pvc.spec.volumeName}`;
    await c.json("DELETE", `${NS}/persistentvolumeclaims/scratch`);
    const held = await get(`${NS}/persistentvolumeclaims/scratch`);
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect((await get(pvPath)).status.phase).toBe("Bound");
    await c.json("DELETE", `${NS}/pods/writer`);
    await c.waitFor(async () => !(await exists(`${NS}/persistentvolumeclaims/scratch`)), "claim gone after its pod");
    await c.waitFor(async () => !(await exists(pvPath)), "volume deleted");
  });
});

describe("static volumes", () => {
  test("a claim binds the smallest Available volume that fits; deleting the claim releases it (Retain)", async () => {
    await c.json("POST", "/api/v1/persistentvolumes", staticVolume("static-big", "10Gi"));
    await c.json("POST", "/api/v1/persistentvolumes", staticVolume("static-fit", "5Gi"));
    await c.json("POST", "/api/v1/persistentvolumes", staticVolume("static-small", "1Gi"));
    await c.waitFor(async () => (await get("/api/v1/persistentvolumes/static-small")).status?.phase === "Available", "volumes Available");
    await c.json("POST", `${NS}/persistentvolumeclaims`, claim("manual", "3Gi", { storageClassName: "" }));
    const pvc = await bound("manual");
    expect(pvc.spec.volumeName).toBe("static-fit");
    expect(pvc.status.capacity).toEqual({ storage: "5Gi" });
    const pv = await c.waitFor(async () => {
      const v = await get("/api/v1/persistentvolumes/static-fit");
      return v.status?.phase === "Bound" ? v : undefined;
    }, "volume Bound");
    expect(pv.spec.claimRef).toMatchObject({ namespace: "default", name: "manual", uid: pvc.metadata.uid });
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe("Retain");

    await c.json("POST", `${NS}/pods`, podUsing("reader", "manual"));
    await running("reader");
    await c.json("DELETE", `${NS}/pods/reader`);
    await c.json("DELETE", `${NS}/persistentvolumeclaims/manual`);
    await c.waitFor(async () => (await get("/api/v1/persistentvolumes/static-fit")).status?.phase === "Released", "volume Released");
    expect(await exists("/api/v1/persistentvolumes/static-fit")).toBe(true);
  });

  test("a volume pre-bound to a claim by name goes to that claim only", async () => {
    await c.json("POST", "/api/v1/persistentvolumes", staticVolume("reserved", "1Gi", { claimRef: { namespace: "default", name: "wanted" } }));
    await c.json("POST", `${NS}/persistentvolumeclaims`, claim("other", "1Gi", { storageClassName: "" }));
    await c.json("POST", `${NS}/persistentvolumeclaims`, claim("wanted", "1Gi", { storageClassName: "" }));
    expect((await bound("wanted")).spec.volumeName).toBe("reserved");
    expect((await bound("other")).spec.volumeName).toBe("static-small");
  });
});

describe("scheduling pods with claims", () => {
  async function scheduledCondition(name: string): Promise<any> {
    return c.waitFor(async () => (await get(`${NS}/pods/${name}`)).status?.conditions?.find((x: any) => x.type === "PodScheduled" && x.status === "False"), `${name} unschedulable`);
  }

  test("a missing claim, then an unbound Immediate claim, keep a pod Pending with Kubernetes' words; a matching volume lets it run", async () => {
    await c.json("POST", `${NS}/pods`, podUsing("waiter", "later"));
    expect((await scheduledCondition("waiter")).message).toBe('0/3 nodes are available: persistentvolumeclaim "later" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    await c.json("POST", `${NS}/persistentvolumeclaims`, claim("later", "50Gi", { storageClassName: "" }));
    await c.waitFor(async () => (await get(`${NS}/pods/waiter`)).status?.conditions?.find((x: any) => x.type === "PodScheduled")?.message?.includes("pod has unbound immediate PersistentVolumeClaims"), "unbound immediate message");
    await c.json("POST", "/api/v1/persistentvolumes", staticVolume("large", "50Gi"));
    expect((await bound("later")).spec.volumeName).toBe("large");
    await running("waiter");
  });

  test("a bound volume pinned to one node keeps the pod there", async () => {
    const node = c.nodeNames[2]!;
    await c.json("POST", "/api/v1/persistentvolumes", staticVolume("pinned", "1Gi", {
      storageClassName: "pinned", nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } },
    }));
    await c.json("POST", `${NS}/persistentvolumeclaims`, claim("pinned", "1Gi", { storageClassName: "pinned" }));
    await bound("pinned");
    for (const n of ["p1", "p2", "p3"]) await c.json("POST", `${NS}/pods`, podUsing(`pinned-${n}`, "pinned"));
    for (const n of ["p1", "p2", "p3"]) expect((await running(`pinned-${n}`)).spec.nodeName).toBe(node);
  });
});
