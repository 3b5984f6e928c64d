import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { countHealthy, expectedAndDesired, failSafeStatus, keepDisruptedPods, nextStatus, scaledValue, staleDisruptionIn, type Scale } from "./budget.ts";

const NOW = new Date("2025-01-01T00:10:00Z");
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A pod builder: `pod("a").ready().ownedBy("rs-1").obj()`. */
function pod(name: string) {
  const p: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", labels: { app: "web" } }, spec: {}, status: { phase: "Running", conditions: [] } };
  const b = {
    ready(ok = true) {
      p.status.conditions.push({ type: "Ready", status: ok ? "True" : "False" });
      return b;
    },
    deleting() {
      p.metadata.deletionTimestamp = ago(1);
      return b;
    },
    ownedBy(uid: string, kind = "ReplicaSet") {
      p.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind, name: uid, uid, controller: true }];
      return b;
    },
    obj: () => p,
  };
  return b;
}

const pdb = (spec: Record<string, any>, status: Record<string, any> = {}, generation = 1): KubeObject => ({
  apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "b", namespace: "ns", generation }, spec: { selector: { matchLabels: { app: "web" } }, ...spec }, status,
});

/** Scales by controller uid; pods of an unknown controller have none. */
const scales = (m: Record<string, number>) => (p: KubeObject): Scale | undefined => {
  const uid = p.metadata.ownerReferences?.[0]?.uid;
  return uid && uid in m ? { uid, replicas: m[uid]! } : undefined;
};

describe("scaledValue", () => {
  test.each([
    [3, 10, true, 3],
    ["50%", 3, true, 2],
    ["50%", 3, false, 1],
    ["0%", 7, true, 0],
    ["100%", 4, true, 4],
  ] as const)("%p of %d (round up %p) is %d", (v, total, up, want) => {
    expect(scaledValue(v, total, up)).toBe(want);
  });
  test("a string that is not a percentage is an error", () => {
    expect(() => scaledValue("two", 4, true)).toThrow("string is not a percentage");
  });
});

describe("expectedAndDesired", () => {
  const three = ["a", "b", "c"].map((n) => pod(n).ownedBy("rs-1").obj());
  test.each([
    ["minAvailable int counts the selected pods", { minAvailable: 2 }, three, {}, { expected: 3, desired: 2 }],
    ["minAvailable percent counts the controller's scale", { minAvailable: "50%" }, three, { "rs-1": 4 }, { expected: 4, desired: 2 }],
    ["maxUnavailable int", { maxUnavailable: 1 }, three, { "rs-1": 3 }, { expected: 3, desired: 2 }],
    ["maxUnavailable percent rounds up", { maxUnavailable: "34%" }, three, { "rs-1": 3 }, { expected: 3, desired: 1 }],
    ["desiredHealthy never below 0", { maxUnavailable: 5 }, three, { "rs-1": 3 }, { expected: 3, desired: 0 }],
    ["maxUnavailable 0 keeps them all", { maxUnavailable: 0 }, three, { "rs-1": 3 }, { expected: 3, desired: 3 }],
    ["neither field: nothing expected", {}, three, { "rs-1": 3 }, { expected: 0, desired: 0 }],
  ] as const)("%s", (_, spec, pods, m, want) => {
    expect(expectedAndDesired(pdb(spec), [...pods], scales(m))).toMatchObject(want);
  });

  test("each controller counts once, several controllers add up", () => {
    const pods = [pod("a").ownedBy("rs-1").obj(), pod("b").ownedBy("rs-1").obj(), pod("c").ownedBy("ss-1", "StatefulSet").obj()];
    expect(expectedAndDesired(pdb({ maxUnavailable: "50%" }), pods, scales({ "rs-1": 5, "ss-1": 3 }))).toEqual({ expected: 8, desired: 4, unmanaged: [] });
  });

  test("pods without a scalable controller count as themselves; ones with no controller at all are reported", () => {
    const pods = [pod("bare").obj(), pod("job").ownedBy("job-1", "Job").obj(), pod("a").ownedBy("rs-1").obj()];
    expect(expectedAndDesired(pdb({ minAvailable: "100%" }), pods, scales({ "rs-1": 2 }))).toEqual({ expected: 4, desired: 4, unmanaged: ["bare"] });
  });

  test("a bad percentage fails the computation", () => {
    expect(() => expectedAndDesired(pdb({ maxUnavailable: "x" }), [pod("a").obj()], scales({}))).toThrow();
  });
});

describe("keepDisruptedPods", () => {
  test("keeps fresh entries of live pods; drops deleting, vanished and timed-out ones", () => {
    const pods = [pod("fresh").ready().obj(), pod("older").ready().obj(), pod("deleting").deleting().obj(), pod("stuck").ready().obj()];
    const b = pdb({}, { disruptedPods: { fresh: ago(10), older: ago(60), deleting: ago(5), gone: ago(5), stuck: ago(121) } });
    const r = keepDisruptedPods(b, pods, NOW);
    expect(r.disrupted).toEqual({ fresh: ago(10), older: ago(60) });
    expect(r.expired).toEqual(["stuck"]);
    expect(r.recheckAt).toBe(NOW.getTime() + 60_000);
  });
  test("nothing recorded, nothing to recheck", () => {
    expect(keepDisruptedPods(pdb({}), [pod("a").obj()], NOW)).toEqual({ disrupted: {}, expired: [], recheckAt: undefined });
  });
});

describe("countHealthy", () => {
  test("ready pods count unless deleting or just evicted", () => {
    const pods = [pod("a").ready().obj(), pod("b").ready(false).obj(), pod("c").ready().deleting().obj(), pod("d").ready().obj(), pod("e").ready().obj()];
    expect(countHealthy(pods, { d: ago(30) }, NOW)).toBe(2);
  });
});

describe("nextStatus", () => {
  test("disruptionsAllowed is healthy minus desired, with the condition to match", () => {
    const s = nextStatus(pdb({ maxUnavailable: 1 }), { expected: 3, desired: 2, healthy: 3, disrupted: {} }, NOW)!;
    expect(s).toEqual({
      observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
      conditions: [{ type: "DisruptionAllowed", status: "True", reason: "SufficientPods", message: "", observedGeneration: 1, lastTransitionTime: "2025-01-01T00:10:00Z" }],
    });
  });

  test.each([
    ["too few healthy", { expected: 3, desired: 2, healthy: 1 }],
    ["no pods expected yet", { expected: 0, desired: 0, healthy: 2 }],
  ])("%s: no disruption allowed", (_, n) => {
    const s = nextStatus(pdb({}), { ...n, disrupted: {} }, NOW)!;
    expect(s.disruptionsAllowed).toBe(0);
    expect(s.conditions![0]).toMatchObject({ status: "False", reason: "InsufficientPods" });
  });

  test("an up-to-date status is not rewritten; a new generation is", () => {
    const n = { expected: 2, desired: 1, healthy: 2, disrupted: { a: ago(3) } };
    const current = pdb({}, nextStatus(pdb({}), n, NOW)!);
    expect(current.status.disruptedPods).toEqual({ a: ago(3) });
    expect(nextStatus(current, n, NOW)).toBeUndefined();
    const bumped = { ...current, metadata: { ...current.metadata, generation: 2 } };
    expect(nextStatus(bumped, n, NOW)).toMatchObject({ observedGeneration: 2, conditions: [{ observedGeneration: 2, lastTransitionTime: "2025-01-01T00:10:00Z" }] });
  });

  test("the condition keeps its transition time while its status holds", () => {
    const earlier = new Date("2025-01-01T00:00:00Z");
    const current = pdb({}, nextStatus(pdb({}), { expected: 3, desired: 1, healthy: 3, disrupted: {} }, earlier)!);
    const s = nextStatus(current, { expected: 3, desired: 1, healthy: 2, disrupted: {} }, NOW)!;
    expect(s.disruptionsAllowed).toBe(1);
    expect(s.conditions![0].lastTransitionTime).toBe("2025-01-01T00:00:00Z");
  });

  test("failSafe stops disruptions and says why, keeping the rest", () => {
    const s = failSafeStatus(pdb({}, { disruptionsAllowed: 2, currentHealthy: 3, observedGeneration: 1 }), "boom", NOW);
    expect(s).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 3, conditions: [{ type: "DisruptionAllowed", status: "False", reason: "SyncFailed", message: "boom" }] });
  });
});

describe("staleDisruptionIn", () => {
  const marked = (reason: string, at: string) => {
    const p = pod("a").obj();
    p.status.conditions.push({ type: "DisruptionTarget", status: "True", reason, lastTransitionTime: at });
    return p;
  };
  test("an eviction mark left on a live pod goes stale after 2 minutes", () => {
    expect(staleDisruptionIn(marked("EvictionByEvictionAPI", ago(30)), NOW)).toBe(90_000);
    expect(staleDisruptionIn(marked("EvictionByEvictionAPI", ago(300)), NOW)).toBe(0);
  });
  test("kubelet marks, deleting pods, finished pods and pods without the mark are left alone", () => {
    expect(staleDisruptionIn(marked("TerminationByKubelet", ago(300)), NOW)).toBeUndefined();
    const deleting = marked("EvictionByEvictionAPI", ago(300));
    deleting.metadata.deletionTimestamp = ago(1);
    expect(staleDisruptionIn(deleting, NOW)).toBeUndefined();
    const done = marked("EvictionByEvictionAPI", ago(300));
    done.status.phase = "Succeeded";
    expect(staleDisruptionIn(done, NOW)).toBeUndefined();
    expect(staleDisruptionIn(pod("b").obj(), NOW)).toBeUndefined();
  });
});
