import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { makeNode } from "../../../test/helpers/scheduler-builders.ts";
import { nodeShouldRunDaemonPod } from "./eligibility.ts";

const ds = (spec: any = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "d", namespace: "default", uid: "u" },
  spec: { template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "i" }], ...spec } } },
});

test.each([
  ["a plain node", makeNode("n"), {}, true, true],
  ["a matching nodeSelector", makeNode("n").labels({ role: "edge" }), { nodeSelector: { role: "edge" } }, true, true],
  ["a nodeSelector the node lacks", makeNode("n"), { nodeSelector: { role: "edge" } }, false, false],
  ["required affinity the node fails", makeNode("n").labels({ os: "win" }), { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "os", operator: "In", values: ["linux"] }] }] } } } }, false, false],
  ["another template nodeName", makeNode("n"), { nodeName: "m" }, false, false],
  ["an untolerated NoSchedule taint (running pods stay)", makeNode("n").taint("dedicated"), {}, false, true],
  ["an untolerated NoExecute taint", makeNode("n").taint("dedicated", "NoExecute"), {}, false, false],
  ["a tolerated NoExecute taint", makeNode("n").taint("dedicated", "NoExecute"), { tolerations: [{ key: "dedicated", operator: "Exists" }] }, true, true],
  ["a PreferNoSchedule taint", makeNode("n").taint("soft", "PreferNoSchedule"), {}, true, true],
  ["a cordoned node (daemon pods tolerate unschedulable)", makeNode("n").cordon().taint("node.kubernetes.io/unschedulable"), {}, true, true],
  ["a not-ready node (daemon pods tolerate it)", makeNode("n").taint("node.kubernetes.io/not-ready", "NoExecute"), {}, true, true],
  ["a network-unavailable node, pod not on host network", makeNode("n").taint("node.kubernetes.io/network-unavailable"), {}, false, true],
  ["a network-unavailable node, host network pod", makeNode("n").taint("node.kubernetes.io/network-unavailable"), { hostNetwork: true }, true, true],
])("%s", (_what, node, spec, shouldRun, shouldContinueRunning) => {
  expect(nodeShouldRunDaemonPod(node.obj(), ds(spec))).toEqual({ shouldRun, shouldContinueRunning });
});
