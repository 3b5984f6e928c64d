import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { daemonSetStatus, planManage, planRollingUpdate, surgeAndUnavailable, type NodeView } from "./plan.ts";

const NOW = new Date("2024-01-01T00:10:00Z");
let seq = 0;
/** A daemon pod: `hash` h (new) or o (old); state ready|pending|failed|succeeded|deleting; created minute `t`. */
function pod(node: string, hash = "h", state = "ready", t = 0, bound = true): KubeObject {
  const name = `p${seq++}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      creationTimestamp: new Date(Date.parse("2024-01-01T00:00:00Z") + t * 60_000).toISOString(),
      labels: { "controller-revision-hash": hash },
      ...(state === "deleting" ? { deletionTimestamp: "2024-01-01T00:09:00Z" } : {}),
    },
    spec: bound ? { nodeName: node } : {},
    status: {
      phase: state === "failed" ? "Failed" : state === "succeeded" ? "Succeeded" : state === "pending" ? "Pending" : "Running",
      conditions: [{ type: "Ready", status: state === "ready" ? "True" : "False", lastTransitionTime: "2024-01-01T00:05:00Z" }],
    },
  };
}
const on = (...pods: [string, KubeObject][]) => {
  const m = new Map<string, KubeObject[]>();
  for (const [n, p] of pods) (m.get(n) ?? m.set(n, []).get(n)!).push(p);
  return m;
};
const node = (name: string, shouldRun = true, shouldContinueRunning = shouldRun): NodeView => ({ name, shouldRun, shouldContinueRunning });
const names = (pods: KubeObject[]) => pods.map((p) => p.metadata.name);

describe("manage", () => {
  test("a pod for every node that should run one and has none", () => {
    const p = pod("a");
    const plan = planManage([node("c"), node("a"), node("b", false)], on(["a", p]), { hash: "h", allowsSurge: false });
    expect(plan.create).toEqual(["c"]);
    expect(plan.delete).toEqual([]);
  });

  test.each([
    ["keeps the oldest of duplicates", [pod("a", "h", "ready", 2), pod("a", "h", "ready", 1)], false, [0]],
    ["scheduled pods win over pending unbound ones", [pod("a", "h", "ready", 2), pod("a", "h", "pending", 1, false)], false, [1]],
    ["failed pods go", [pod("a", "h", "failed")], false, [0]],
    ["succeeded pods go", [pod("a", "h", "succeeded")], false, [0]],
    ["terminating pods are left alone", [pod("a", "h", "deleting")], false, []],
    ["surge: an unready new pod beside a ready old one keeps both", [pod("a", "o", "ready", 1), pod("a", "h", "pending", 2)], true, []],
    ["surge: the old pod goes once the new one is ready", [pod("a", "o", "ready", 1), pod("a", "h", "ready", 2)], true, [0]],
    ["surge: an unready old pod goes at once", [pod("a", "o", "pending", 1), pod("a", "h", "pending", 2)], true, [0]],
    ["surge: extra pods of either hash go", [pod("a", "o", "ready", 1), pod("a", "o", "ready", 2), pod("a", "h", "pending", 3), pod("a", "h", "pending", 4)], true, [1, 3]],
  ])("%s", (_what, pods, surge, deleted) => {
    const plan = planManage([node("a")], on(...pods.map((p) => ["a", p] as [string, KubeObject])), { hash: "h", allowsSurge: surge as boolean });
    expect(names(plan.delete).sort()).toEqual((deleted as number[]).map((i) => pods[i]!.metadata.name).sort());
    expect(plan.create).toEqual([]);
  });

  test("a failed pod in back-off stays and is reported", () => {
    const plan = planManage([node("a")], on(["a", pod("a", "h", "failed")]), { hash: "h", allowsSurge: false, inBackoff: () => true });
    expect(plan.delete).toEqual([]);
    expect(plan.backingOff).toEqual(["a"]);
  });

  test("a failed pod outside back-off is deleted and reported as failed", () => {
    const p = pod("a", "h", "failed");
    const plan = planManage([node("a")], on(["a", p]), { hash: "h", allowsSurge: false, inBackoff: () => false });
    expect(plan.failed).toEqual([{ pod: p, node: "a" }]);
  });

  test.each([
    ["NoSchedule taint: the pod stays", node("a", false, true), 0],
    ["selector no longer matches: the pod goes", node("a", false, false), 1],
  ])("%s", (_what, view, deletes) => {
    expect(planManage([view], on(["a", pod("a")]), { hash: "h", allowsSurge: false }).delete).toHaveLength(deletes);
  });

  test("pods of nodes that are gone are deleted", () => {
    const p = pod("gone");
    expect(planManage([node("a")], on(["gone", p]), { hash: "h", allowsSurge: false }).delete).toEqual([p]);
  });
});

describe("rolling update", () => {
  const isUpdated = (p: KubeObject) => p.metadata.labels?.["controller-revision-hash"] === "h";
  const opts = (maxSurge: number, maxUnavailable: number) => ({ maxSurge, maxUnavailable, isUpdated, minReadySeconds: 0, now: NOW });

  test.each([
    ["one at a time", 1, [["a", "o"], ["b", "o"], ["c", "o"]], ["a"]],
    ["two at a time", 2, [["a", "o"], ["b", "o"], ["c", "o"]], ["a", "b"]],
    ["waits while a new pod is not ready", 1, [["a", "h", "pending"], ["b", "o"], ["c", "o"]], []],
    ["goes on once it is", 1, [["a", "h"], ["b", "o"], ["c", "o"]], ["b"]],
    ["an unready old pod is replaced regardless", 1, [["a", "h", "pending"], ["b", "o", "pending"], ["c", "o"]], ["b"]],
    ["a node with no pod yet counts as unavailable", 1, [["b", "o"], ["c", "o"]], []],
    ["done", 1, [["a", "h"], ["b", "h"], ["c", "h"]], []],
  ])("maxUnavailable: %s", (_what, maxUnavailable, layout, want) => {
    const pods = (layout as string[][]).map(([n, h, s]) => [n!, pod(n!, h, s ?? "ready")] as [string, KubeObject]);
    const plan = planRollingUpdate(["a", "b", "c"], on(...pods), opts(0, maxUnavailable as number));
    expect(plan.delete.map((p) => p.spec!.nodeName)).toEqual(want as string[]);
    expect(plan.create).toEqual([]);
  });

  test.each([
    ["surges onto maxSurge nodes", 1, [["a", "o"], ["b", "o"]], [], ["a"]],
    ["waits for the surged pod", 1, [["a", "o"], ["a", "h", "pending"], ["b", "o"]], [], []],
    ["deletes the old pod beside an available new one, then surges on", 1, [["a", "o"], ["a", "h"], ["b", "o"]], ["a"], ["b"]],
    ["an unavailable old pod gets its replacement at once", 1, [["a", "o"], ["a", "h", "pending"], ["b", "o", "pending"]], [], ["b"]],
  ])("maxSurge: %s", (_what, maxSurge, layout, deleteOn, createOn) => {
    const pods = (layout as string[][]).map(([n, h, s]) => [n!, pod(n!, h, s ?? "ready")] as [string, KubeObject]);
    const plan = planRollingUpdate(["a", "b"], on(...pods), opts(maxSurge as number, 0));
    expect(plan.delete.map((p) => p.spec!.nodeName)).toEqual(deleteOn as string[]);
    expect(plan.create).toEqual(createOn as string[]);
  });

  test.each([
    [{}, 10, { maxSurge: 0, maxUnavailable: 1 }],
    [{ maxUnavailable: "25%" }, 10, { maxSurge: 0, maxUnavailable: 3 }],
    [{ maxUnavailable: 0, maxSurge: "10%" }, 15, { maxSurge: 2, maxUnavailable: 0 }],
    [{ maxUnavailable: 0, maxSurge: 0 }, 3, { maxSurge: 0, maxUnavailable: 1 }],
  ])("resolve %j over %d nodes", (ru, desired, want) => {
    const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d" }, spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: ru } } } as KubeObject;
    expect(surgeAndUnavailable(ds, desired)).toEqual(want);
  });
});

describe("status", () => {
  const ds = (minReadySeconds = 0): KubeObject => ({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d", generation: 4 }, spec: { minReadySeconds } });
  const isUpdated = (p: KubeObject) => p.metadata.labels?.["controller-revision-hash"] === "h";

  test("counts per node on the oldest scheduled pod", () => {
    const { status } = daemonSetStatus(ds(), [node("a"), node("b"), node("c"), node("d", false, true)],
      on(["a", pod("a", "h")], ["b", pod("b", "o", "pending")], ["d", pod("d")]), { isUpdated, now: NOW });
    expect(status).toEqual({
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      desiredNumberScheduled: 3,
      numberReady: 1,
      observedGeneration: 4,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
    });
  });

  test("ready but not yet available for minReadySeconds: look again when it will be", () => {
    const { status, recheckMs } = daemonSetStatus(ds(600), [node("a")], on(["a", pod("a")]), { isUpdated, now: NOW });
    expect(status.numberReady).toBe(1);
    expect(status.numberAvailable).toBeUndefined();
    expect(recheckMs).toBe(300_000);
  });
});
