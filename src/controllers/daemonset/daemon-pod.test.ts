import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { daemonPod, isPodUpdated, pinToNode, targetNodeOf, withDaemonTolerations } from "./daemon-pod.ts";

const ds = (spec: any = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent", namespace: "kube-system", uid: "u1", generation: 2 },
  spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image: "i" }], ...spec } } },
});

describe("daemon pod", () => {
  test("pinned to its node by matchFields, labelled with the hash, owned by the DaemonSet", () => {
    const pod = daemonPod(ds(), "n1", "h1");
    expect(pod.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }],
    });
    expect(pod.spec!.nodeName).toBeUndefined();
    expect(pod.metadata.labels).toEqual({ app: "agent", "controller-revision-hash": "h1" });
    expect(pod.metadata.generateName).toBe("agent-");
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "u1", controller: true, blockOwnerDeletion: true }]);
    expect(targetNodeOf(pod)).toBe("n1");
  });

  test("the template's own required terms give way to the node pin; preferred ones stay", () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "os", operator: "In", values: ["linux"] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "a", operator: "Exists" }] } }],
      },
    };
    const out = pinToNode(affinity, "n2");
    expect(out.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toHaveLength(1);
    expect(out.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions).toBeDefined();
  });

  test.each([
    ["no tolerations", undefined, false, 6],
    ["host network adds network-unavailable", undefined, true, 7],
    ["a user's not-ready toleration with seconds is replaced", [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }], false, 6],
    ["other tolerations are kept", [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }], false, 7],
  ])("daemon tolerations: %s", (_what, given, hostNetwork, count) => {
    const out = withDaemonTolerations(given as any[] | undefined, hostNetwork as boolean);
    expect(out).toHaveLength(count as number);
    expect(out.find((t) => t.key === "node.kubernetes.io/not-ready")).toEqual({ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" });
    expect(out.some((t) => t.key === "node.kubernetes.io/unschedulable" && t.effect === "NoSchedule")).toBe(true);
  });

  test.each([
    ["bound pod", { containers: [], nodeName: "n3" }, "n3"],
    ["pinned pod", { containers: [], affinity: pinToNode(undefined, "n4") }, "n4"],
    ["neither", { containers: [] }, undefined],
  ])("target node of a %s", (_what, spec, want) => {
    expect(targetNodeOf({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec })).toBe(want);
  });

  test.each([
    ["hash matches", { "controller-revision-hash": "h" }, undefined, true],
    ["hash differs", { "controller-revision-hash": "x" }, undefined, false],
    ["template generation matches", { "pod-template-generation": "3" }, "3", true],
  ])("updated when %s", (_what, labels, generation, want) => {
    const d = ds();
    if (generation) d.metadata.annotations = { "deprecated.daemonset.template.generation": generation };
    expect(isPodUpdated({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels } }, "h", d)).toBe(want);
  });
});
