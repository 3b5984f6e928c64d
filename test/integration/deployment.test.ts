import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 3, prefix: "dep" });
});
afterAll(async () => {
  await c?.close();
});

const MERGE = { headers: { "content-type": "application/merge-patch+json" } };
const path = "/apis/apps/v1/namespaces/default/deployments";

function deployment(name: string, replicas: number, env: string, strategy?: object) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(strategy ? { strategy } : {}),
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox", env: [{ name: "V", value: env }] }] } },
    },
  };
}

async function get(name: string) {
  return (await c.json("GET", `${path}/${name}`)).body;
}

async function replicaSets(app: string) {
  return (await c.json("GET", `/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3D${app}`)).body.items as any[];
}

/** What `kubectl rollout status` waits for. */
async function rolledOut(name: string) {
  const d = await get(name);
  const s = d.status ?? {};
  const want = d.spec.replicas;
  return s.observedGeneration >= d.metadata.generation && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want ? d : undefined;
}

describe("Deployment controller on hollow nodes", () => {
  test("creates a ReplicaSet named by its template hash and becomes available", async () => {
    expect((await c.json("POST", path, deployment("web", 3, "1"))).status).toBe(201);
    const d = await c.waitFor(() => rolledOut("web"), "web rolled out");
    expect(d.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("1");
    const conds = Object.fromEntries(d.status.conditions.map((x: any) => [x.type, x]));
    expect(conds.Available).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable" });
    expect(conds.Progressing).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" });
    const [rs] = await replicaSets("web");
    const hash = rs.metadata.labels["pod-template-hash"];
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec.selector.matchLabels).toEqual({ app: "web", "pod-template-hash": hash });
    expect(rs.metadata.annotations).toMatchObject({ "deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3", "deployment.kubernetes.io/max-replicas": "4" });
  });

  test("a template change rolls out to a new ReplicaSet; the old one scales to zero and is kept", async () => {
    await c.json("PATCH", `${path}/web`, { metadata: { annotations: { "kubernetes.io/change-cause": "v2" } }, spec: { template: { spec: { containers: [{ name: "c", image: "busybox", env: [{ name: "V", value: "2" }] }] } } } }, MERGE);
    const d = await c.waitFor(async () => {
      const x = await rolledOut("web");
      return x && x.metadata.annotations["deployment.kubernetes.io/revision"] === "2" ? x : undefined;
    }, "rollout to revision 2");
    const sets = await replicaSets("web");
    expect(sets).toHaveLength(2);
    const byRev = Object.fromEntries(sets.map((rs) => [rs.metadata.annotations["deployment.kubernetes.io/revision"], rs]));
    expect(byRev["1"].spec.replicas).toBe(0);
    expect(byRev["2"].spec.replicas).toBe(3);
    expect(byRev["2"].metadata.annotations["kubernetes.io/change-cause"]).toBe("v2");
    expect(d.status.updatedReplicas).toBe(3);
  });

  test("undo as kubectl does it (the old template patched back) reuses the old ReplicaSet as revision 3", async () => {
    const old = (await replicaSets("web")).find((rs) => rs.metadata.annotations["deployment.kubernetes.io/revision"] === "1");
    const template = structuredClone(old.spec.template);
    delete template.metadata.labels["pod-template-hash"];
    await c.json("PATCH", `${path}/web`, [{ op: "replace", path: "/spec/template", value: template }], { headers: { "content-type": "application/json-patch+json" } });
    await c.waitFor(async () => {
      const x = await rolledOut("web");
      return x && x.metadata.annotations["deployment.kubernetes.io/revision"] === "3" ? x : undefined;
    }, "rollback to revision 3");
    const sets = await replicaSets("web");
    expect(sets).toHaveLength(2);
    const reused = sets.find((rs) => rs.metadata.name === old.metadata.name);
    expect(reused.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("3");
    expect(reused.spec.replicas).toBe(3);
  });

  test("a rolling update never has more than replicas + maxSurge pods nor fewer than replicas − maxUnavailable available", async () => {
    await c.json("POST", path, deployment("roll", 4, "1", { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    await c.waitFor(() => rolledOut("roll"), "roll available");
    await c.json("PATCH", `${path}/roll`, { spec: { template: { spec: { containers: [{ name: "c", image: "busybox", env: [{ name: "V", value: "2" }] }] } } } }, MERGE);
    let maxPods = 0;
    let minAvailable = Infinity;
    await c.waitFor(async () => {
      const sets = await replicaSets("roll");
      maxPods = Math.max(maxPods, sets.reduce((n, rs) => n + rs.spec.replicas, 0));
      minAvailable = Math.min(minAvailable, sets.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0));
      const x = await rolledOut("roll");
      return x && x.metadata.annotations["deployment.kubernetes.io/revision"] === "2";
    }, "roll rollout");
    expect(maxPods).toBeLessThanOrEqual(5);
    expect(minAvailable).toBeGreaterThanOrEqual(4);
  });

  test("paused: template changes wait, scaling still applies; resume rolls out", async () => {
    await c.json("PATCH", `${path}/web`, { spec: { paused: true } }, MERGE);
    await c.json("PATCH", `${path}/web`, { spec: { replicas: 5, template: { spec: { containers: [{ name: "c", image: "busybox", env: [{ name: "V", value: "paused" }] }] } } } }, MERGE);
    await c.waitFor(async () => {
      const d = await get("web");
      return d.status?.availableReplicas === 5 && d.status.conditions.some((x: any) => x.type === "Progressing" && x.reason === "DeploymentPaused");
    }, "paused scale to 5");
    expect(await replicaSets("web")).toHaveLength(2);
    await c.json("PATCH", `${path}/web`, { spec: { paused: false } }, MERGE);
    await c.waitFor(async () => {
      const x = await rolledOut("web");
      return x && x.metadata.annotations["deployment.kubernetes.io/revision"] === "4";
    }, "resumed rollout");
  });

  test("Recreate stops every old pod before new ones start", async () => {
    await c.json("POST", path, deployment("rec", 2, "1", { type: "Recreate" }));
    await c.waitFor(() => rolledOut("rec"), "rec available");
    await c.json("PATCH", `${path}/rec`, { spec: { template: { spec: { containers: [{ name: "c", image: "busybox", env: [{ name: "V", value: "2" }] }] } } } }, MERGE);
    let overlap = false;
    await c.waitFor(async () => {
      const sets = await replicaSets("rec");
      const withPods = sets.filter((rs) => (rs.status?.replicas ?? 0) > 0);
      if (withPods.length > 1) overlap = true;
      const x = await rolledOut("rec");
      return x && x.metadata.annotations["deployment.kubernetes.io/revision"] === "2";
    }, "rec rollout");
    expect(overlap).toBe(false);
  });
});
