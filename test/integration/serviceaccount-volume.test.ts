/**
 * Every pod reaches the API as its service account: the ServiceAccount admission adds the
 * `kube-api-access-*` projected volume, the root CA publisher fills `kube-root-ca.crt`, and the
 * node writes the token (asked with its own credentials, bound to the pod), the CA and the
 * namespace where the containers mount them; `automountServiceAccountToken: false` is honoured.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";
import { withToken } from "../helpers/as-user.ts";

let c: HollowCluster;
let node: string;
const CA = "-----BEGIN CERTIFICATE-----\nMIIB (a test CA)\n-----END CERTIFICATE-----\n";
const MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

beforeAll(async () => {
  c = await startHollowCluster({ nodes: 1, prefix: "sat", rootCaPem: CA });
  node = c.nodeNames[0]!;
  expect((await c.json("POST", "/api/v1/namespaces", { metadata: { name: "apps" } })).status).toBe(201);
});
afterAll(async () => {
  await c?.close();
});

async function runningPod(name: string, spec: object): Promise<any> {
  const res = await c.json("POST", "/api/v1/namespaces/apps/pods", { metadata: { name }, spec: { nodeName: node, containers: [{ name: "app", image: "busybox" }], ...spec } });
  expect(res.status).toBe(201);
  return c.waitFor(async () => {
    const p = (await c.json("GET", `/api/v1/namespaces/apps/pods/${name}`)).body;
    return p.status?.phase === "Running" ? p : undefined;
  }, `${name} running`);
}

describe("the service-account token volume", () => {
  test("kube-root-ca.crt is published in every namespace", async () => {
    const cm = await c.waitFor(async () => {
      const r = await c.json("GET", "/api/v1/namespaces/apps/configmaps/kube-root-ca.crt");
      return r.status === 200 ? r.body : undefined;
    }, "kube-root-ca.crt");
    expect(cm.data).toEqual({ "ca.crt": CA });
  });

  test("an edited kube-root-ca.crt is put back, a deleted one made again; other ConfigMaps are left alone", async () => {
    const path = "/api/v1/namespaces/apps/configmaps/kube-root-ca.crt";
    await c.waitFor(async () => ((await c.json("GET", path)).status === 200 ? true : undefined), "published");
    expect((await c.json("POST", "/api/v1/namespaces/apps/configmaps", { metadata: { name: "mine" }, data: { "ca.crt": "not the CA" } })).status).toBe(201);
    expect((await c.json("PATCH", path, { data: { "ca.crt": "tampered", extra: "x" } }, { headers: { "content-type": "application/merge-patch+json" } })).status).toBe(200);
    const restored = await c.waitFor(async () => {
      const cm = (await c.json("GET", path)).body;
      return cm.data?.["ca.crt"] === CA && cm.data.extra === undefined ? cm : undefined;
    }, "edited one put back");
    expect(restored.data).toEqual({ "ca.crt": CA });
    expect((await c.json("DELETE", path)).status).toBe(200);
    const again = await c.waitFor(async () => {
      const r = await c.json("GET", path);
      return r.status === 200 && r.body.metadata.uid !== restored.metadata.uid ? r.body : undefined;
    }, "deleted one made again");
    expect(again.data).toEqual({ "ca.crt": CA });
    expect((await c.json("GET", "/api/v1/namespaces/apps/configmaps/mine")).body.data).toEqual({ "ca.crt": "not the CA" });
  });

  test("a pod gets the projected volume, mounted read-only; the node writes token, ca.crt and namespace", async () => {
    const pod = await runningPod("web", {});
    expect(pod.spec.serviceAccountName).toBe("default");
    const vol = pod.spec.volumes.find((v: any) => v.name.startsWith("kube-api-access-"));
    expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(vol.projected.sources.map((s: any) => Object.keys(s)[0])).toEqual(["serviceAccountToken", "configMap", "downwardAPI"]);
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: vol.name, readOnly: true, mountPath: MOUNT });
    const dir = join(c.dir, "agent", "pods", pod.metadata.uid, "volumes", "kubernetes.io~projected", vol.name);
    expect(readdirSync(dir).filter((f) => !f.startsWith(".")).sort()).toEqual(["ca.crt", "namespace", "token"]);
    expect(readFileSync(join(dir, "ca.crt"), "utf8")).toBe(CA);
    expect(readFileSync(join(dir, "namespace"), "utf8")).toBe("apps");
    const token = readFileSync(join(dir, "token"), "utf8");
    const me = await withToken(c, token).json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {});
    expect(me.status).toBe(201);
    expect(me.body.status.userInfo).toMatchObject({
      username: "system:serviceaccount:apps:default",
      extra: { "authentication.kubernetes.io/pod-name": ["web"], "authentication.kubernetes.io/node-name": [node] },
    });
  });

  test("automountServiceAccountToken: false, on the pod or on its account, means no volume", async () => {
    const off = await runningPod("quiet", { automountServiceAccountToken: false });
    expect(off.spec.volumes ?? []).toEqual([]);
    expect((await c.json("POST", "/api/v1/namespaces/apps/serviceaccounts", { metadata: { name: "mute" }, automountServiceAccountToken: false })).status).toBe(201);
    const bySa = await runningPod("muted", { serviceAccountName: "mute" });
    expect(bySa.spec.volumes ?? []).toEqual([]);
    const overridden = await runningPod("loud", { serviceAccountName: "mute", automountServiceAccountToken: true });
    expect(overridden.spec.volumes.map((v: any) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);
  });
});
