import { expect, test } from "bun:test";
import { planDrain } from "./drain-plan.ts";

const pod = (name: string, o: { owner?: string; emptyDir?: boolean; phase?: string; mirror?: boolean } = {}) => ({
  metadata: { name, namespace: "ns", ownerReferences: o.owner ? [{ kind: o.owner, controller: true, name: "x", uid: "u" }] : [], annotations: o.mirror ? { "kubernetes.io/config.mirror": "h" } : {} },
  spec: { volumes: o.emptyDir ? [{ name: "e", emptyDir: {} }] : [] },
  status: { phase: o.phase ?? "Running" },
});

const pods = [pod("web", { owner: "ReplicaSet" }), pod("ds", { owner: "DaemonSet" }), pod("bare", { emptyDir: true }), pod("mirror", { mirror: true }), pod("done", { phase: "Succeeded" })];

test("without flags: DaemonSet and local-storage pods refuse the drain, in kubectl's words", () => {
  const p = planDrain(pods, {});
  expect(p.errors).toEqual([
    "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ns/ds",
    "cannot delete Pods with local storage (use --delete-emptydir-data to override): ns/bare",
  ]);
  expect(p.statuses.filter((s) => s.delete).map((s) => s.pod.metadata.name)).toEqual(["web", "done"]);
});

test("with the flags: the last filter's warning wins; mirror pods are skipped quietly", () => {
  const p = planDrain(pods, { ignoreDaemonsets: true, deleteEmptydirData: true, force: true });
  expect(p.errors).toEqual([]);
  expect(p.warnings).toBe("ignoring DaemonSet-managed Pods: ns/ds; deleting Pods that declare no controller: ns/bare");
  expect(p.statuses.filter((s) => s.delete).map((s) => s.pod.metadata.name)).toEqual(["web", "bare", "done"]);
});
