import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { openSqliteStore } from "../../store/sqlite.ts";
import type { Store } from "../../store/types.ts";
import { ResourceRegistry } from "../resources/registry.ts";
import { ObjectStorage } from "./object-storage.ts";
import { bindPod } from "./bind-pod.ts";
import { isStatusError, type StatusError } from "../../model/errors.ts";
import type { KubeObject } from "../../model/object.ts";
import { evictPod, MULTIPLE_BUDGETS, VIOLATES_BUDGET, type EvictionRequest } from "./evict-pod.ts";

const registry = new ResourceRegistry();
const pods = registry.find("", "v1", "pods")!;
const pdbs = registry.find("policy", "v1", "poddisruptionbudgets")!;
const defs = { pods, pdbs };
const NS = "default";

let store: Store;
let storage: ObjectStorage;
beforeEach(() => {
  store = openSqliteStore({ path: ":memory:", durable: false });
  storage = new ObjectStorage({ store, admission: [] });
});
afterEach(async () => {
  await store.close();
});

/** A pod as a kubelet leaves it: bound, with a phase and (when running) a Ready condition. */
async function makePod(name: string, o: { phase?: string; ready?: boolean; bound?: boolean; labels?: Record<string, string> } = {}): Promise<KubeObject> {
  const { phase = "Running", ready = phase === "Running", bound = true, labels = { app: "web" } } = o;
  await storage.create(pods, NS, { apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { containers: [{ name: "c", image: "busybox" }] } });
  if (bound) await bindPod(storage, pods, NS, name, { node: "n1" });
  const { object } = await storage.update(pods, NS, name, (p) => {
    p.status = { ...p.status, phase, conditions: [...(p.status?.conditions ?? []), { type: "Ready", status: ready ? "True" : "False" }] };
    return p;
  }, { subresource: "status" });
  return object;
}

/** A budget with the status the disruption controller would have written. */
async function makeBudget(name: string, status: Record<string, any>, selector: any = { matchLabels: { app: "web" } }, spec: Record<string, any> = {}): Promise<void> {
  await storage.create(pdbs, NS, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name }, spec: { selector, minAvailable: 1, ...spec } });
  await storage.update(pdbs, NS, name, (b) => ({ ...b, status: { observedGeneration: 1, ...status } }), { subresource: "status" });
}

const evict = (name: string, deleteOptions: EvictionRequest["deleteOptions"] = {}) => evictPod(storage, defs, { namespace: NS, name, deleteOptions }, () => new Date("2025-01-01T00:00:00Z"));

async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

const podNow = (name: string) => storage.tryGet(pods, NS, name);
const budget = (name: string) => storage.get(pdbs, NS, name);

describe("evictPod", () => {
  test("without a budget the pod is marked DisruptionTarget and deleted gracefully", async () => {
    await makePod("web-1");
    expect(await evict("web-1")).toEqual({ evicted: true });
    const p = (await podNow("web-1"))!;
    expect(p.metadata.deletionTimestamp).toBeDefined();
    expect(p.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(p.status.conditions).toContainEqual({ type: "DisruptionTarget", status: "True", lastProbeTime: null, lastTransitionTime: "2025-01-01T00:00:00Z", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" });
  });

  test("the Eviction's deleteOptions apply: grace period and preconditions", async () => {
    const p = await makePod("web-1");
    const e = await rejection(evict("web-1", { preconditions: { uid: "someone-else" } }));
    expect(e.code).toBe(409);
    expect((await podNow("web-1"))!.metadata.deletionTimestamp).toBeUndefined();
    await evict("web-1", { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid, resourceVersion: p.metadata.resourceVersion } });
    expect(await podNow("web-1")).toBeUndefined();
  });

  test("an unknown pod is 404", async () => {
    const e = await rejection(evict("nope"));
    expect(e.code).toBe(404);
    expect(e.message).toBe('pods "nope" not found');
  });

  test("a budget with no disruption left refuses with 429 and says why", async () => {
    await makePod("web-1");
    await makeBudget("web-pdb", { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 });
    const e = await rejection(evict("web-1"));
    expect(e.toStatus()).toEqual({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 429, reason: "TooManyRequests",
      message: VIOLATES_BUDGET,
      details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web-pdb needs 2 healthy pods and has 2 currently" }] },
    });
    expect((await podNow("web-1"))!.metadata.deletionTimestamp).toBeUndefined();
  });

  test("an allowed disruption is spent in the budget's status before the pod goes", async () => {
    await makePod("web-1");
    await makeBudget("web-pdb", { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: [{ type: "DisruptionAllowed", status: "True", reason: "SufficientPods", message: "", observedGeneration: 1, lastTransitionTime: "2024-12-31T00:00:00Z" }] });
    await evict("web-1");
    const s = (await budget("web-pdb")).status;
    expect(s.disruptionsAllowed).toBe(0);
    expect(s.disruptedPods).toEqual({ "web-1": "2025-01-01T00:00:00Z" });
    expect(s.conditions).toEqual([{ type: "DisruptionAllowed", status: "False", reason: "InsufficientPods", message: "", observedGeneration: 1, lastTransitionTime: "2025-01-01T00:00:00Z" }]);
    expect((await podNow("web-1"))!.metadata.deletionTimestamp).toBeDefined();
    await makePod("web-2");
    expect((await rejection(evict("web-2"))).code).toBe(429);
  });

  test("a budget the controller has not seen yet (observedGeneration behind) answers 429, retry after 10 s", async () => {
    await makePod("web-1");
    await makeBudget("web-pdb", { observedGeneration: 0, disruptionsAllowed: 5 });
    const e = await rejection(evict("web-1"));
    expect(e.code).toBe(429);
    expect(e.details).toEqual({ causes: [{ reason: "DisruptionBudget", message: "The disruption budget web-pdb is still being processed by the server." }], retryAfterSeconds: 10 });
  });

  test("a negative disruptionsAllowed is 403", async () => {
    await makePod("web-1");
    await makeBudget("web-pdb", { disruptionsAllowed: -1 });
    const e = await rejection(evict("web-1"));
    expect(e.code).toBe(403);
    expect(e.message).toBe('poddisruptionbudget.policy "web-pdb" is forbidden: pdb disruptions allowed is negative');
  });

  test("two budgets over one pod are a Failure Status with code 500", async () => {
    await makePod("web-1");
    await makeBudget("a", { disruptionsAllowed: 1 });
    await makeBudget("b", { disruptionsAllowed: 1 });
    expect(await evict("web-1")).toEqual({ evicted: false, code: 500, message: MULTIPLE_BUDGETS });
    expect((await podNow("web-1"))!.metadata.deletionTimestamp).toBeUndefined();
  });

  test("budgets with an empty selector or for other labels guard nothing", async () => {
    await makePod("web-1");
    await makeBudget("all", { disruptionsAllowed: 0 }, {});
    await makeBudget("other", { disruptionsAllowed: 0 }, { matchLabels: { app: "db" } });
    expect(await evict("web-1")).toEqual({ evicted: true });
  });

  test.each([
    ["Succeeded", true],
    ["Failed", true],
    ["Pending", false],
  ])("a %s pod is deleted whatever its budget says", async (phase, bound) => {
    await makePod("web-1", { phase, bound });
    await makeBudget("web-pdb", { disruptionsAllowed: 0 });
    expect(await evict("web-1")).toEqual({ evicted: true });
    expect(await podNow("web-1")).toBeUndefined();
    expect((await budget("web-pdb")).status.disruptedPods).toBeUndefined();
  });

  test("a pod already being deleted is deleted again without a budget check", async () => {
    await makePod("web-1");
    await storage.delete(pods, NS, "web-1", { gracePeriodSeconds: 30 });
    await makeBudget("web-pdb", { disruptionsAllowed: 0 });
    await evict("web-1", { gracePeriodSeconds: 0 });
    expect(await podNow("web-1")).toBeUndefined();
  });

  test("an unready pod goes without spending budget while the budget is met (IfHealthyBudget)", async () => {
    await makePod("web-1", { ready: false });
    await makeBudget("web-pdb", { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 });
    await evict("web-1");
    expect((await podNow("web-1"))!.metadata.deletionTimestamp).toBeDefined();
    expect((await budget("web-pdb")).status.disruptionsAllowed).toBe(0);
  });

  test("an unready pod under a budget that is not met needs AlwaysAllow", async () => {
    await makePod("web-1", { ready: false });
    await makePod("web-2", { ready: false });
    await makeBudget("web-pdb", { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 });
    expect((await rejection(evict("web-1"))).code).toBe(429);
    await storage.update(pdbs, NS, "web-pdb", (b) => ({ ...b, spec: { ...b.spec, unhealthyPodEvictionPolicy: "AlwaysAllow" } }));
    await storage.update(pdbs, NS, "web-pdb", (b) => ({ ...b, status: { ...b.status, observedGeneration: 2 } }), { subresource: "status" });
    await evict("web-2");
    expect((await podNow("web-2"))!.metadata.deletionTimestamp).toBeDefined();
  });

  test("dry run checks everything and changes nothing", async () => {
    await makePod("web-1");
    await makeBudget("web-pdb", { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 });
    const before = await budget("web-pdb");
    expect(await evict("web-1", { dryRun: true })).toEqual({ evicted: true });
    expect(await budget("web-pdb")).toEqual(before);
    const p = (await podNow("web-1"))!;
    expect(p.metadata.deletionTimestamp).toBeUndefined();
    expect(p.status.conditions.some((c: any) => c.type === "DisruptionTarget")).toBe(false);
    await storage.update(pdbs, NS, "web-pdb", (b) => ({ ...b, status: { ...b.status, disruptionsAllowed: 0 } }), { subresource: "status" });
    expect((await rejection(evict("web-1", { dryRun: true }))).code).toBe(429);
  });

  test("concurrent evictions never spend more than the budget allows", async () => {
    for (let i = 0; i < 6; i++) await makePod(`web-${i}`);
    await makeBudget("web-pdb", { disruptionsAllowed: 2, currentHealthy: 6, desiredHealthy: 4 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => evict(`web-${i}`)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(results.filter((r) => r.status === "rejected" && isStatusError(r.reason) && r.reason.code === 429)).toHaveLength(4);
    const s = (await budget("web-pdb")).status;
    expect(s.disruptionsAllowed).toBe(0);
    expect(Object.keys(s.disruptedPods)).toHaveLength(2);
  });

  test("a pod whose stored conditions are not a list is still evicted (the condition list is replaced)", async () => {
    await makePod("web-bad");
    const key = `/pods/${NS}/web-bad`;
    const stored = (await store.get(key))!;
    await store.update(key, { ...stored.object, status: { ...stored.object.status, conditions: "garbage" } }, stored.revision);
    expect(await evict("web-bad")).toEqual({ evicted: true });
    const p = (await podNow("web-bad"))!;
    expect(p.metadata.deletionTimestamp).toBeDefined();
    expect(p.status.conditions).toEqual([{ type: "DisruptionTarget", status: "True", lastProbeTime: null, lastTransitionTime: "2025-01-01T00:00:00Z", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }]);
  });
});
