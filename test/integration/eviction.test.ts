import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHollowCluster, type HollowCluster } from "../helpers/hollow-cluster.ts";

let c: HollowCluster;
beforeAll(async () => {
  c = await startHollowCluster({ nodes: 2, prefix: "evict" });
});
afterAll(async () => {
  await c?.close();
});

const NS = "/api/v1/namespaces/default";
const PDBS = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
const MERGE = { headers: { "content-type": "application/merge-patch+json" } };

const deployment = (name: string, replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
});
const budget = (name: string, app: string, spec: Record<string, unknown>) => ({
  apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name }, spec: { selector: { matchLabels: { app } }, ...spec },
});
const eviction = (name: string, apiVersion = "policy/v1") => ({ apiVersion, kind: "Eviction", metadata: { name, namespace: "default" } });
const evict = (name: string, query = "") => c.json("POST", `${NS}/pods/${name}/eviction${query}`, eviction(name));

/** Pods of an app that count: not being deleted. */
async function livePods(app: string): Promise<any[]> {
  const items = (await c.json("GET", `${NS}/pods?labelSelector=app%3D${app}`)).body.items as any[];
  return items.filter((p) => !p.metadata.deletionTimestamp);
}
const isReady = (p: any) => p.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True");

async function readyDeployment(name: string, replicas: number): Promise<any[]> {
  await c.json("POST", "/apis/apps/v1/namespaces/default/deployments", deployment(name, replicas));
  return c.waitFor(async () => {
    const ps = await livePods(name);
    return ps.length === replicas && ps.every(isReady) ? ps : undefined;
  }, `${replicas} ready pods of ${name}`);
}

async function budgetStatus(name: string, ok: (s: any) => boolean, what: string): Promise<any> {
  return c.waitFor(async () => {
    const s = (await c.json("GET", `${PDBS}/${name}`)).body.status;
    return s && ok(s) ? s : undefined;
  }, what);
}

async function cordon(unschedulable: boolean): Promise<void> {
  for (const node of c.nodeNames) await c.json("PATCH", `/api/v1/nodes/${node}`, { spec: { unschedulable } }, MERGE);
}

describe("pods/eviction and the disruption controller on hollow nodes", () => {
  test("without a budget the pod is evicted (dry run first changes nothing) and its ReplicaSet replaces it", async () => {
    const [victim] = await readyDeployment("solo", 1);
    const dry = await evict(victim.metadata.name, "?dryRun=All");
    expect(dry.status).toBe(201);
    expect((await c.json("GET", `${NS}/pods/${victim.metadata.name}`)).body.metadata.deletionTimestamp).toBeUndefined();

    const res = await evict(victim.metadata.name);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    await c.waitFor(async () => (await c.json("GET", `${NS}/pods/${victim.metadata.name}`)).status === 404, "the evicted pod gone");
    const [replacement] = await c.waitFor(async () => {
      const ps = await livePods("solo");
      return ps.length === 1 && isReady(ps[0]) ? ps : undefined;
    }, "a ready replacement");
    expect(replacement.metadata.name).not.toBe(victim.metadata.name);
    expect((await c.json("POST", `${NS}/pods/nope/eviction`, eviction("nope"))).status).toBe(404);
  });

  test("minAvailable=2 over a 2-replica Deployment refuses with 429 and the budget's numbers", async () => {
    const pods = await readyDeployment("web", 2);
    expect((await c.json("POST", PDBS, budget("web-pdb", "web", { minAvailable: 2 }))).status).toBe(201);
    const s = await budgetStatus("web-pdb", (s) => s.observedGeneration === 1 && s.currentHealthy === 2, "web-pdb observed");
    expect(s).toMatchObject({ observedGeneration: 1, expectedPods: 2, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 });
    expect(s.conditions).toEqual([expect.objectContaining({ type: "DisruptionAllowed", status: "False", reason: "InsufficientPods", observedGeneration: 1 })]);

    const res = await c.json("POST", `${NS}/pods/${pods[0].metadata.name}/eviction`, eviction(pods[0].metadata.name, "policy/v1beta1"));
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 429, reason: "TooManyRequests",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web-pdb needs 2 healthy pods and has 2 currently" }] },
    });
    expect((await c.json("GET", `${NS}/pods/${pods[0].metadata.name}`)).body.metadata.deletionTimestamp).toBeUndefined();

    // A second budget over the same pods: the eviction subresource refuses to choose.
    await c.json("POST", PDBS, budget("web-pdb-2", "web", { maxUnavailable: 1 }));
    const two = await evict(pods[0].metadata.name);
    expect(two.status).toBe(500);
    expect(two.body).toMatchObject({ status: "Failure", code: 500, message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support." });
    await c.json("DELETE", `${PDBS}/web-pdb-2`);
  });

  test("maxUnavailable=1 over 3 replicas: one eviction, then 429 until a replacement is ready", async () => {
    const pods = await readyDeployment("api", 3);
    await c.json("POST", PDBS, budget("api-pdb", "api", { maxUnavailable: 1 }));
    const s = await budgetStatus("api-pdb", (s) => s.observedGeneration === 1 && s.disruptionsAllowed === 1, "api-pdb allows 1");
    expect(s).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 3 });
    expect(s.conditions).toEqual([expect.objectContaining({ type: "DisruptionAllowed", status: "True", reason: "SufficientPods" })]);

    // Cordoned, as kubectl drain leaves the nodes: the replacement cannot start, so the budget stays spent.
    await cordon(true);
    const [a, b, last] = pods.map((p) => p.metadata.name as string);
    expect((await evict(a!)).status).toBe(201);
    const refused = await evict(b!);
    expect(refused.status).toBe(429);
    expect(refused.body.details.causes[0].message).toMatch(/^The disruption budget api-pdb needs 2 healthy pods and has [23] currently$/);
    const evicted = (await c.json("GET", `${NS}/pods/${a}`)).body;
    if (evicted.status?.conditions) expect(evicted.status.conditions).toContainEqual(expect.objectContaining({ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI" }));

    // Once the evicted pod is gone its disruptedPods entry goes too, and the numbers show the loss.
    await c.waitFor(async () => (await c.json("GET", `${NS}/pods/${a}`)).status === 404, "the evicted pod gone");
    const spent = await budgetStatus("api-pdb", (s) => s.currentHealthy === 2 && !s.disruptedPods, "api-pdb after the eviction");
    expect(spent).toMatchObject({ expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 0 });
    expect(spent.conditions[0]).toMatchObject({ status: "False", reason: "InsufficientPods" });
    expect((await evict(last!)).status).toBe(429);

    await cordon(false);
    await budgetStatus("api-pdb", (s) => s.currentHealthy === 3 && s.disruptionsAllowed === 1, "a ready replacement restores the budget");
    expect((await evict(b!)).status).toBe(201);
  });

  test("a percentage counts against the Deployment's scale, and follows it", async () => {
    await readyDeployment("pct", 4);
    await c.json("POST", PDBS, budget("pct-pdb", "pct", { minAvailable: "50%" }));
    expect(await budgetStatus("pct-pdb", (s) => s.observedGeneration === 1 && s.currentHealthy === 4, "pct-pdb observed")).toMatchObject({ expectedPods: 4, desiredHealthy: 2, disruptionsAllowed: 2 });
    await c.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/pct", { spec: { replicas: 6 } }, MERGE);
    expect(await budgetStatus("pct-pdb", (s) => s.currentHealthy === 6, "pct-pdb at 6")).toMatchObject({ expectedPods: 6, desiredHealthy: 3, disruptionsAllowed: 3 });
    // A new generation is not trusted until the controller has looked at it.
    await c.json("PATCH", `${PDBS}/pct-pdb`, { spec: { minAvailable: "100%" } }, MERGE);
    const s = await budgetStatus("pct-pdb", (s) => s.observedGeneration === 2, "pct-pdb generation 2");
    expect(s).toMatchObject({ expectedPods: 6, desiredHealthy: 6, disruptionsAllowed: 0 });
  });
});
